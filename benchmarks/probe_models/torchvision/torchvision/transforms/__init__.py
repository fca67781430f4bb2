# Shim written for repolens' benchmark.
