"""torch.nn: which names are layer classes, and the containers."""

from __future__ import annotations

import re

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


# torch.nn modules with no parameters, no buffers and no train/eval behaviour: losses, activations,
# Identity/Flatten, resampling, pooling, padding. Losing one (a plain list, RL211) or never calling
# one (RL204) costs nothing. Dropout is not here: it has no parameters, but `.eval()` must reach it,
# and one built and never applied is regularisation the model was designed with.
STATELESS = re.compile(
    r"Loss$|Pool\dd$|^(?:ReLU6?|LeakyReLU|R?ReLU|P?ELU|SELU|CELU|GELU|SiLU|Mish|Sigmoid|LogSigmoid|Tanh|Tanhshrink|"
    r"Softmax|LogSoftmax|Softmax2d|Softmin|Softplus|Softsign|Hardtanh|Hardswish|Hardsigmoid|Hardshrink|Softshrink|"
    r"Identity|Flatten|Unflatten|Upsample\w*|UpsamplingNearest2d|UpsamplingBilinear2d|PixelShuffle|PixelUnshuffle|"
    r"ChannelShuffle|MaxUnpool[123]d|Fold|Unfold|(?:Zero|Reflection|Replication|Constant|Circular)Pad[123]d)$")


def is_stateless_nn(qualified: str | None) -> bool:
    """`torch.nn.Upsample`, `torch.nn.AvgPool1d`, `torch.nn.CrossEntropyLoss`: nothing to lose."""
    return is_torch_nn_class(qualified) and bool(STATELESS.search((qualified or "").rsplit(".", 1)[-1]))
