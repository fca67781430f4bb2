"""torch.nn: which names are layer classes, and the containers."""

from __future__ import annotations

# torch.nn names that are Capitalised but are not Modules one constructs as layers.
_NN_NOT_MODULES = frozenset({"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer",
                             "ParameterList", "ParameterDict", "init", "functional", "utils", "parallel",
                             "modules", "Module"})
# libraries whose classes are, by construction, nn.Modules (only their Capitalised names count).
_NN_PREFIXES = ("torch.nn.",)
SEQUENTIAL = ("torch.nn.Sequential", "torch.nn.modules.container.Sequential")


def is_torch_nn_class(qualified: str | None) -> bool:
    """`torch.nn.Linear`, `torch.nn.modules.conv.Conv2d`: a Capitalised torch.nn layer class."""
    if not qualified or not qualified.startswith(_NN_PREFIXES):
        return False
    last = qualified.rsplit(".", 1)[-1]
    return last[:1].isupper() and last not in _NN_NOT_MODULES
