"""RL212 double-activation: two activation layers in a row in an nn.Sequential."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.layers import layer_sequence, nn_layer
from repolens.lint.scoped import ScopedRule
from repolens.pyindex.aliases import cst_dotted_name

ACTIVATIONS = frozenset({"ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
                         "Mish", "Sigmoid", "Tanh", "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign",
                         "LogSigmoid", "Tanhshrink"})


class DoubleActivation(ScopedRule):
    """
    ## What it does
    Flags an activation layer (`nn.ReLU`, `GELU`, `Sigmoid`, `Tanh`...) placed directly after
    another one in the argument list of `nn.Sequential(...)` (or of `super().__init__(...)` in
    an `nn.Sequential` subclass, or a list literal that is unpacked into one).

    A `Hardtanh` given its bounds (`nn.Hardtanh(min_val=0.01, max_val=7.)`) is a clamp of a range, not
    a second nonlinearity: ffjord's VAE heads keep a Softplus variance within [0.01, 7] that way
    (judged wrong in the thirty-third set).

    ## Why is this bad?
    A second nonlinearity right after the first is almost always a slip of an edit: `ReLU` after
    `ReLU` does nothing but cost a kernel launch and memory, and `ReLU` then `Sigmoid` squashes
    every output into [0.5, 1), so the "probability" can never go below one half. The intended
    layer between them (a Linear, a Conv) is usually what went missing.

    ## Example
    ```python
    import torch.nn as nn

    head = nn.Sequential(nn.Linear(128, 1), nn.ReLU(), nn.Sigmoid())
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    head = nn.Sequential(nn.Linear(128, 1), nn.Sigmoid())
    ```
    """

    code = "RL212"
    name = "double-activation"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'two activations in a row are almost always a copy-paste bug'
    source = ("repolens: a direct consequence of the seed's network checklist (\"check intermediate outputs "
              "and connections\"); two nonlinearities in a row have no layer between them to learn from")
    message = "`{second}` directly after `{first}` in nn.Sequential: two activations in a row"
    needles = ("Sequential",)

    valid = [
        Example("import torch.nn as nn\n"
                "q_z_var = nn.Sequential(nn.Linear(256, 64), nn.Softplus(), nn.Hardtanh(min_val=0.01, max_val=7.))\n"),
        Example("""
import torch.nn as nn

mlp = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
block = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Dropout(0.1), nn.GELU())   # dropout between
"""),
        Example("""
from torch import nn

def head(extra):
    return nn.Sequential(nn.ReLU(), *extra, nn.ReLU())      # unknown layers between

acts = [nn.ReLU(), nn.ReLU()]                                # a list, never a Sequential
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

head = nn.Sequential(nn.Linear(128, 1), nn.ReLU(), nn.Sigmoid())
"""),
        Example("""
import torch as t

class Stem(t.nn.Sequential):
    def __init__(self):
        super().__init__(t.nn.Conv2d(3, 8, 3), t.nn.ReLU(inplace=True), t.nn.ReLU(inplace=True))
"""),
        Example("""
from torch.nn import GELU, Linear, Sequential, Tanh

def build():
    layers = [Linear(4, 4), GELU(), Tanh()]
    return Sequential(*layers)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        layers = layer_sequence(self, node)
        if not layers:
            return
        for prev, item in zip(layers, layers[1:]):
            first, second = nn_layer(self, prev), nn_layer(self, item)
            if first in ACTIVATIONS and second in ACTIVATIONS and not _clamp(item):
                self.report(item, self.message.format(first=first, second=second))


def _clamp(layer: cst.CSTNode) -> bool:
    """`nn.Hardtanh(min_val=0.01, max_val=7.)`: a Hardtanh given its bounds clamps a range (a
    variance kept in [0.01, 7] after a Softplus: ffjord's VAE heads, judged wrong); it is no
    second nonlinearity."""
    return isinstance(layer, cst.Call) and (cst_dotted_name(layer.func) or "").rsplit(".", 1)[-1] == "Hardtanh" \
        and bool(layer.args)
