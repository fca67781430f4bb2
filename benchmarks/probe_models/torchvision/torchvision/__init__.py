# Shim written for repolens' benchmark: the real torchvision/__init__.py loads its C++ extension,
# datasets and transforms; the vendored model definitions need none of it.
