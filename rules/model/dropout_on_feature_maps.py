"""RL206 dropout-on-feature-maps: element-wise nn.Dropout applied to conv feature maps."""

import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import self_attribute_values
from repolens.lint.helpers import argument, class_methods, dotted, literal, self_attribute
from repolens.lint.layers import layer_sequence, nn_layer
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import children_of, nodes, walk

# Layers whose output is a 2-D/3-D feature map (N, C, H, W[, D]).
FEATURE_MAP = re.compile(r"^(?:Conv(?:Transpose)?[23]d|BatchNorm[23]d|InstanceNorm[23]d|(?:Max|Avg|LP)Pool[23]d)$")
FEATURE_FUNCS = frozenset({"torch.nn.functional.max_pool2d", "torch.nn.functional.avg_pool2d",
                           "torch.nn.functional.max_pool3d", "torch.nn.functional.avg_pool3d",
                           "torch.nn.functional.conv2d", "torch.nn.functional.conv3d",
                           "torch.max_pool2d", "torch.conv2d"})
ACTIVATION = re.compile(r"^(?:ReLU6?|LeakyReLU|PReLU|ELU|SELU|CELU|GELU|SiLU|Mish|Hardswish|Hardtanh|Sigmoid|Tanh)$")
ACTIVATION_FUNCS = re.compile(r"^torch\.(?:nn\.functional\.)?(?:relu6?|leaky_relu|elu|selu|celu|gelu|silu|mish|"
                              r"hardswish|hardtanh|sigmoid|tanh)_?$")




def _pointwise(rule, call) -> bool:
    """A 1x1 convolution: a per-position linear map (the MLP / attention projection of a
    conv-transformer), after which element-wise dropout is the transformer's usual dropout."""
    kernel = argument(call, "kernel_size", 2) if isinstance(call, cst.Call) else None
    value = literal(kernel.value) if kernel is not None else None
    return value == 1 or value in ((1, 1), (1, 1, 1))


class DropoutOnFeatureMaps(ScopedRule):
    """
    ## What it does
    Flags an element-wise `nn.Dropout` whose input is a 2-D or 3-D convolutional feature map:
    in an `nn.Sequential(...)` it comes right after a Conv2d/3d, BatchNorm2d/3d or a 2-D/3-D
    pooling layer (activations between are skipped); in a Module's `forward` the tensor it gets
    was produced by such a layer (`self.conv`, `F.max_pool2d`...), possibly through activations,
    in the statements just before (`x = F.max_pool2d(x, 2)` then `x = self.dropout(x)`).
    A 1x1 convolution is not taken as the producer (it is a per-position linear layer, the MLP
    or attention projection of conv-transformers, where element-wise dropout is the norm): the
    rule looks through it to the layer before.

    ## Why is this bad?
    Neighbouring pixels of a feature map are strongly correlated, so zeroing single activations
    removes almost no information: the next layer recovers it from the neighbours, and the
    regularisation barely happens (Tompson et al. 2015, "Efficient Object Localization Using
    Convolutional Networks"). `nn.Dropout2d` drops whole channels and DropBlock drops contiguous
    regions, which is what regularises a conv net.

    ## Example
    ```python
    import torch.nn as nn

    features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25))
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout2d(0.25))
    ```
    """

    code = "RL206"
    name = "dropout-on-feature-maps"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'Dropout vs Dropout2d on feature maps is a regularisation choice, not a bug'
    source = "notes.en.md, Tuning experience: \"Dropout2d / DropPath / DropBlock.\""
    message = "`nn.Dropout` on a conv feature map (after `{after}`): use `nn.Dropout2d` or DropBlock"
    needles = ("Dropout(",)

    valid = [
        Example("""
import torch.nn as nn

features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout2d(0.25))
classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(512, 10))
pooled = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Dropout(0.2))   # one value a channel
mlp = nn.Sequential(nn.GroupNorm(1, 8), nn.Conv2d(8, 32, 1), nn.GELU(), nn.Conv2d(32, 8, 1), nn.Dropout(0.1))
"""),
        Example("""
import torch
from torch import nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = torch.flatten(x, 1)
        x = self.drop(x)               # after flatten: a vector
        return self.fc(x)
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25))
"""),
        Example("""
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(5408, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        return self.fc1(torch.flatten(x, 1))
"""),
        Example("""
from torch.nn import BatchNorm2d, Conv2d, Dropout, Module, ReLU

class Block(Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv2d(8, 8, 3)
        self.bn = BatchNorm2d(8)
        self.act = ReLU()
        self.drop = Dropout(0.1)

    def forward(self, x):
        return self.drop(self.act(self.bn(self.conv(x))))
"""),
    ]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._seen: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        layers = layer_sequence(self, node)
        if not layers:
            return
        for i, item in enumerate(layers):
            if nn_layer(self, item) != "Dropout":
                continue
            for prev in reversed(layers[:i]):
                kind = nn_layer(self, prev)
                if kind and ACTIVATION.match(kind) or kind == "Conv2d" and _pointwise(self, prev):
                    continue
                if kind and FEATURE_MAP.match(kind):
                    self._report(item, kind)
                break

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if not self.class_is_module(node):
            return
        layers: dict[str, tuple[str, cst.Call]] = {}
        for method in class_methods(node):
            for n in nodes(method.body):
                if isinstance(n, cst.Assign) and len(n.targets) == 1:
                    attr = self_attribute(n.targets[0].target)
                    kind = nn_layer(self, n.value)
                    if attr and kind and len(self_attribute_values(node, attr)) == 1:
                        layers[attr] = ("Pointwise" if kind == "Conv2d" and _pointwise(self, n.value) else kind,
                                        n.value)
        dropouts = {a for a, (k, _) in layers.items() if k == "Dropout"}
        if not dropouts:
            return
        for method in class_methods(node):
            holders = _holders(method.body, dropouts)
            if not holders:
                continue  # no dropout call in this method: none of its blocks can report
            for block in (n for n in nodes(method.body) if isinstance(n, cst.IndentedBlock)):
                if id(block) not in holders:
                    continue
                body = list(block.body)
                for i, stmt in enumerate(body):
                    if id(stmt) not in holders:
                        continue  # holds no call of a dropout layer
                    for call in (c for c in nodes(stmt) if isinstance(c, cst.Call)):
                        attr = self_attribute(call.func)
                        if attr in dropouts and len(call.args) == 1 and not call.args[0].star:
                            after = self._feature_source(call.args[0].value, body[:i], layers)
                            if after:
                                self._report(layers[attr][1], after)

    def _kind_of_call(self, call: cst.Call, layers) -> tuple[str | None, str | None]:
        """("feature" | "act" | None, layer name) for a call."""
        attr = self_attribute(call.func)
        if attr is not None:
            kind = layers.get(attr, (None,))[0]
        else:
            qualified = self.qualified_name(call.func) or ""
            if qualified in FEATURE_FUNCS:
                return "feature", qualified.rsplit(".", 1)[-1]
            if ACTIVATION_FUNCS.match(qualified):
                return "act", qualified.rsplit(".", 1)[-1]
            kind = None
        if kind and FEATURE_MAP.match(kind):
            return "feature", kind
        if kind and ACTIVATION.match(kind) or kind == "Pointwise":
            return "act", kind
        return None, None

    def _feature_source(self, expr, before: list, layers) -> str | None:
        """The feature-map layer that produced `expr`, through activations, else None."""
        for _ in range(8):
            if isinstance(expr, cst.Call):
                kind, name = self._kind_of_call(expr, layers)
                if kind == "feature":
                    return name
                if kind != "act" or not expr.args or expr.args[0].keyword is not None:
                    return None
                expr = expr.args[0].value
                continue
            if isinstance(expr, cst.Name) and before:
                stmt = before[-1]
                if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
                        and isinstance(stmt.body[0], cst.Assign) and len(stmt.body[0].targets) == 1
                        and dotted(stmt.body[0].targets[0].target) == expr.value):
                    return None
                before = before[:-1]
                expr = stmt.body[0].value
                continue
            return None
        return None

    def _report(self, node: cst.CSTNode, after: str) -> None:
        if id(node) not in self._seen:
            self._seen.add(id(node))
            self.report(node, self.message.format(after=after))


def _holders(body: cst.CSTNode, dropouts: set[str]) -> set[int]:
    """ids of the nodes under `body` (nested scopes included) that hold a `self.<dropout>(...)`
    call, the calls themselves included: statements outside this set cannot report."""
    parents: dict[int, cst.CSTNode] = {}
    calls = []
    for n in walk(body):
        for child in children_of(n):
            parents[id(child)] = n
        if isinstance(n, cst.Call) and self_attribute(n.func) in dropouts:
            calls.append(n)
    out: set[int] = set()
    for call in calls:
        x: cst.CSTNode | None = call
        while x is not None and id(x) not in out:
            out.add(id(x))
            x = parents.get(id(x))
    return out
