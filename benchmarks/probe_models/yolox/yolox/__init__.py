# Shim written for repolens' benchmark (the real package __init__ imports the whole detector stack).
