# Shim written for repolens' benchmark: only the vendored model files, imported one by one.
