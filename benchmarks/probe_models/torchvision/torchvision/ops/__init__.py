# Shim written for repolens' benchmark: the real torchvision/ops/__init__.py needs the C++ ops.
from .stochastic_depth import StochasticDepth, stochastic_depth  # noqa: F401
