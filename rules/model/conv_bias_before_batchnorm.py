"""RL205 conv-bias-before-batchnorm: a biased convolution whose output goes straight into BatchNorm."""

import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import self_attribute_values
from repolens.lint.helpers import (add_keyword, argument, class_methods, dotted, has_star_args, literal,
                                   self_attribute)
from repolens.lint.layers import layer_sequence, nn_layer
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import children_of, nodes

CONV = re.compile(r"^Conv(?:Transpose)?[123]d$")
BATCHNORM = re.compile(r"^(?:BatchNorm[123]d|SyncBatchNorm)$")
BIAS_POSITION = 7  # Conv*d(in, out, kernel, stride, padding, dilation | output_padding, groups, bias)


class ConvBiasBeforeBatchnorm(ScopedRule):
    """
    ## What it does
    Flags an `nn.Conv1d/2d/3d` (or `ConvTranspose*d`) built with a bias (the default, or
    `bias=True`) whose output goes straight into an `nn.BatchNorm*d` / `SyncBatchNorm`: the next
    layer in an `nn.Sequential(...)` argument list, or, in a Module class, a `self.conv` whose
    every call in the class is fed directly to `self.bn` (`self.bn(self.conv(x))`, or
    `x = self.conv(x)` immediately followed by `x = self.bn(x)`).

    ## Why is this bad?
    BatchNorm subtracts the per-channel mean of its input, and a per-channel constant (the conv's
    bias) is exactly what that subtraction removes: the bias gets no useful gradient, costs
    parameters, memory traffic and optimizer state, and BatchNorm's own shift (`beta`) already
    plays its role. ResNet, VGG-BN and every torchvision conv-BN block use `bias=False`.

    The fix (`bias=False`) is marked unsafe: the numerics are the same, but the `state_dict`
    loses the `*.bias` keys, so an old checkpoint no longer loads with `strict=True`.

    ## Example
    ```python
    import torch.nn as nn

    block = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    block = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
    ```
    """

    code = "RL205"
    name = "conv-bias-before-batchnorm"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = ('a bias cancelled by the next BatchNorm costs a few parameters and no accuracy: true everywhere it '
                   'fires, but on 90 judged real findings (GAN and VAE demos, tutorials) none was worth an edit')
    source = ("Ioffe & Szegedy 2015, section 3.2: \"the bias b can be ignored since its effect will be canceled "
              "by the subsequent mean subtraction\"; notes.en.md: \"Batch Normalization\"")
    message = "`{conv}` has a bias but feeds `{bn}` directly: BatchNorm cancels it; use `bias=False`"
    needles = ("BatchNorm",)
    fix_safety = "unsafe"

    valid = [
        Example("""
import torch.nn as nn

block = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
plain = nn.Sequential(nn.Conv2d(64, 64, 3), nn.ReLU(), nn.BatchNorm2d(64))   # an activation between
"""),
        Example("""
from torch import nn

def conv_bn(cin, cout, **kwargs):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, **kwargs), nn.BatchNorm2d(cout))   # kwargs may hold bias

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        y = self.bn(self.conv(x))
        return y + self.conv(x)          # the conv's output is also used without BatchNorm
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

block = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
""", fixed="""
import torch.nn as nn

block = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
"""),
        Example("""
import torch as t

class ConvBN(t.nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = t.nn.Conv2d(cin, cout, 3, 1, 1, bias=True)
        self.bn = t.nn.BatchNorm2d(cout)

    def forward(self, x):
        return t.relu(self.bn(self.conv(x)))
""", fixed="""
import torch as t

class ConvBN(t.nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = t.nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn = t.nn.BatchNorm2d(cout)

    def forward(self, x):
        return t.relu(self.bn(self.conv(x)))
"""),
        Example("""
from torch.nn import BatchNorm1d, Conv1d, Module

class Tdnn(Module):
    def __init__(self):
        super().__init__()
        self.conv1 = Conv1d(40, 64, 5)
        self.norm1 = BatchNorm1d(64)

    def forward(self, x):
        x = self.conv1(x)
        x = self.norm1(x)
        return x
""", fixed="""
from torch.nn import BatchNorm1d, Conv1d, Module

class Tdnn(Module):
    def __init__(self):
        super().__init__()
        self.conv1 = Conv1d(40, 64, 5, bias=False)
        self.norm1 = BatchNorm1d(64)

    def forward(self, x):
        x = self.conv1(x)
        x = self.norm1(x)
        return x
"""),
    ]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._seen: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        layers = layer_sequence(self, node)
        if not layers:
            return
        for prev, item in zip(layers, layers[1:]):
            bn = nn_layer(self, item)
            if bn and BATCHNORM.match(bn):
                self._check_conv(prev, bn)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if not self.class_is_module(node):
            return
        convs, norms = {}, {}
        for method in class_methods(node):
            for n in nodes(method.body):
                if isinstance(n, cst.Assign) and len(n.targets) == 1:
                    attr = self_attribute(n.targets[0].target)
                    kind = nn_layer(self, n.value)
                    if attr and kind and len(self_attribute_values(node, attr)) == 1:
                        if CONV.match(kind):
                            convs[attr] = n.value
                        elif BATCHNORM.match(kind):
                            norms[attr] = kind
        methods = None  # (method, parent map, nodes) of each method: built once, if any conv
        for attr, conv in convs.items():
            if methods is None:
                methods = self._method_parents(node)
            bn = self._only_feeds_batchnorm(methods, attr, norms)
            if bn:
                self._check_conv(conv, bn)

    @staticmethod
    def _method_parents(cls: cst.ClassDef):
        out = []
        for method in class_methods(cls):
            parents: dict[int, cst.CSTNode] = {}
            own = list(nodes(method.body))
            for n in own:
                for child in children_of(n):
                    parents[id(child)] = n
            out.append((method, parents, own))
        return out

    def _only_feeds_batchnorm(self, methods, attr: str, norms: dict) -> str | None:
        """The BatchNorm class when every call of `self.<attr>` goes straight into one of `norms`."""
        found: set[str] = set()
        for method, parents, own in methods:
            for n in own:
                if self_attribute(n) != attr:
                    continue
                parent = parents.get(id(n))
                if isinstance(parent, cst.AssignTarget):
                    continue
                if not (isinstance(parent, cst.Call) and parent.func is n):
                    return None  # `self.conv` used other than by calling it
                bn = self._consumer(parents, parent, norms, method)
                if bn is None:
                    return None
                found.add(bn)
        return found.pop() if len(found) == 1 else None

    def _consumer(self, parents, call: cst.Call, norms: dict, method: cst.FunctionDef) -> str | None:
        arg = parents.get(id(call))
        outer = parents.get(id(arg)) if isinstance(arg, cst.Arg) else None
        if isinstance(outer, cst.Call) and len(outer.args) == 1 and self_attribute(outer.func) in norms:
            return norms[self_attribute(outer.func)]
        # `x = self.conv(...)` followed by `x = self.bn(x)` in the same block
        assign = parents.get(id(call))
        if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1
                and isinstance(assign.targets[0].target, cst.Name)):
            return None
        name = assign.targets[0].target.value
        line = parents.get(id(assign))
        block = parents.get(id(line))
        body = list(getattr(block, "body", ()))
        if line not in body or body.index(line) + 1 >= len(body):
            return None
        following = body[body.index(line) + 1]
        if not (isinstance(following, cst.SimpleStatementLine) and len(following.body) == 1):
            return None
        nxt = following.body[0]
        value = nxt.value if isinstance(nxt, (cst.Assign, cst.Return)) else None
        if isinstance(value, cst.Call) and self_attribute(value.func) in norms and len(value.args) == 1 \
                and dotted(value.args[0].value) == name and not value.args[0].star:
            return norms[self_attribute(value.func)]
        return None

    def _check_conv(self, node, bn: str) -> None:
        conv = nn_layer(self, node)
        if conv is None or not CONV.match(conv) or id(node) in self._seen or has_star_args(node):
            return
        self._seen.add(id(node))
        bias = argument(node, "bias", BIAS_POSITION)
        if bias is not None and literal(bias.value) is not True:
            return
        if bias is None:
            replacement = add_keyword(node, "bias", "False")
        elif bias.keyword is not None:
            replacement = node.with_deep_changes(bias, value=cst.Name("False"))
        else:
            replacement = None
        self.report(node, self.message.format(conv=conv, bn=bn), replacement=replacement)
