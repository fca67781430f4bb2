# Shim written for repolens' benchmark (the real __init__ re-exports model and utils).
