"""RL213 missing-nonlinearity: two Linear layers in a row in an nn.Sequential."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.layers import layer_sequence, nn_layer
from repolens.lint.scoped import ScopedRule

LINEAR = frozenset({"Linear", "LazyLinear"})


class MissingNonlinearity(ScopedRule):
    """
    ## What it does
    Flags an `nn.Linear` placed directly after another `nn.Linear` in the argument list of
    `nn.Sequential(...)` (or of `super().__init__(...)` in an `nn.Sequential` subclass, or a list
    literal unpacked into one), with nothing between them.

    ## Why is this bad?
    The composition of two affine maps is one affine map: `Linear(a, b)` then `Linear(b, c)`
    computes exactly what a single `Linear(a, c)` (of rank at most b) computes. The "deeper"
    network has no more expressive power, only more parameters to train. Usually an activation
    (`nn.ReLU()`, `nn.GELU()`) was forgotten. A deliberate low-rank factorisation is the one
    legitimate case: suppress the finding there with `# repolens: ignore[RL213]`.

    Judged on real code (issue #8), two Linears in a row are mostly deliberate: the linear model a
    lesson builds to show it cannot separate the spiral, a VAE's `mu`/`logvar` head, a figure of
    a layer's weights. Of 39 judged findings (9 tuned, 30 in held-out sets, most in a course's
    notebooks) 2 were worth a change (a LeNet head that lost its ReLUs): the rule is in the advice
    tier (`--select ADVICE` or `--select RL213`), not the default.

    ## Example
    ```python
    import torch.nn as nn

    mlp = nn.Sequential(nn.Linear(784, 256), nn.Linear(256, 10))
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    ```
    """

    code = "RL213"
    name = "missing-nonlinearity"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = ("two Linears in a row collapse into one, but on real code they are mostly deliberate (linear "
                   "models a lesson builds, VAE heads): 2 of 39 judged findings were worth a change")
    source = ("repolens: linear algebra (a composition of affine maps is affine); the seed's checklist asks "
              "for the simplest model that works, and two stacked Linear layers are one")
    message = "`nn.Linear` directly after `nn.Linear` in nn.Sequential: without an activation they collapse into one"
    needles = ("Sequential",)

    valid = [
        Example("""
import torch.nn as nn

mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
proj = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.Linear(8, 8))   # a norm between
"""),
        Example("""
from torch import nn

def build(mid):
    return nn.Sequential(nn.Linear(4, 4), *mid, nn.Linear(4, 2))   # unknown layers between

pair = [nn.Linear(4, 4), nn.Linear(4, 4)]                          # a list, never a Sequential
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

mlp = nn.Sequential(nn.Linear(784, 256), nn.Linear(256, 10))
"""),
        Example("""
from torch.nn import Linear, Sequential, ReLU

class Head(Sequential):
    def __init__(self):
        super().__init__(Linear(8, 8), ReLU(), Linear(8, 8), Linear(8, 2))
"""),
        Example("""
import torch as t

def build():
    layers = [t.nn.Flatten(), t.nn.Linear(4, 4), t.nn.Linear(4, 2)]
    return t.nn.Sequential(*layers)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        layers = layer_sequence(self, node)
        if not layers:
            return
        for prev, item in zip(layers, layers[1:]):
            if nn_layer(self, prev) in LINEAR and nn_layer(self, item) in LINEAR:
                self.report(item)
