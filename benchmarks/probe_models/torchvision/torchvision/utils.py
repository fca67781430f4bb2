# The two helpers the vendored model files import from torchvision/utils.py, copied from it (BSD-3,
# see ../LICENSE): the real module needs numpy and PIL. Not a torchvision file.
import collections.abc
from itertools import repeat
from typing import Any

import torch


def _log_api_usage_once(obj: Any) -> None:
    module = obj.__module__
    if not module.startswith("torchvision"):
        module = f"torchvision.internal.{module}"
    name = obj.__class__.__name__
    if isinstance(obj, type(_log_api_usage_once)):
        name = obj.__name__
    torch._C._log_api_usage_once(f"{module}.{name}")


def _make_ntuple(x: Any, n: int) -> tuple[Any, ...]:
    if isinstance(x, collections.abc.Iterable):
        return tuple(x)
    return tuple(repeat(x, n))
