"""RL202 missing-weight-init: a model with no explicit initialisation anywhere it could come from."""

import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.facts import _INIT_TEXT, _WEIGHTS_TEXT
from repolens.lint.helpers import class_methods
from repolens.lint.knowledge.nn import is_torch_nn_class
from repolens.lint.layers import nn_layer
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import children_of, nodes

LAYERS = re.compile(r"^(?:Lazy)?(?:Conv(?:Transpose)?[123]d|Linear|Bilinear)$")
MODULE = ("torch.nn.Module", "torch.nn.modules.module.Module")
MIN_LAYERS = 2  # a class with one Conv/Linear is a helper block, not a model


class MissingWeightInit(ScopedRule):
    """
    ## What it does
    Flags a model class: an `nn.Module` subclass (of `nn.Module` or of the repository's own
    Module classes) that builds at least two Conv/Linear layers and is not itself built inside
    another class of the repository (a root of the model tree, not a helper block), in a project
    where no weight initialisation can come from anywhere: no file calls `nn.init.*`, defines or
    calls `reset_parameters` / `_init_weights` / `init_weights`, calls `.apply(...)`, loads weights
    (`load_state_dict`, `torch.load`, `from_pretrained`, `load_checkpoint`, `torch.hub.load`) or
    asks for pretrained weights (`weights=`, `pretrained=True`). It fires once per model class.

    ## Why is this bad?
    PyTorch's default initialisation (Kaiming-uniform with `a=sqrt(5)` for Conv and Linear) is a
    compromise that does not match any particular activation; deep ReLU networks initialised with
    it start with shrinking activations and train slower, and the initial loss is off from its
    expected value (the seed's checklist: CIFAR-10 should start near 2.303). The seed notes ask
    for Xavier (Tanh) or He normal (ReLU) initialisation of the convolution weights.

    ## Example
    ```python
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 32, 3)
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            return self.fc(self.conv(x).relu().mean((2, 3)))
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 32, 3)
            self.fc = nn.Linear(32, 10)
            nn.init.kaiming_normal_(self.conv.weight, nonlinearity="relu")
            nn.init.zeros_(self.conv.bias)

        def forward(self, x):
            return self.fc(self.conv(x).relu().mean((2, 3)))
    ```
    """

    code = "RL202"
    name = "missing-weight-init"
    severity = Severity.WARNING
    source = ("notes.en.md, Tuning experience: \"Initialize convolution weights with Xavier (for Tanh) or He "
              "normal (for ReLU).\"")
    message = "model `{cls}` has {n} Conv/Linear layers and no explicit weight initialisation anywhere in the project"
    needles = ("Conv", "Linear")

    valid = [
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 32, 3)
        self.fc = nn.Linear(32, 10)
        self.apply(init_weights)

def init_weights(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight)
"""),
        Example("""
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 32, 3)
        self.fc = nn.Linear(32, 10)
""", files={"train.py": "import torch\nfrom model import Net\nnet = Net()\nnet.load_state_dict(torch.load('w.pt'))\n"}),
        Example("""
import torch

class Block(torch.nn.Module):            # built inside Net: a helper block
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(4, 4)
        self.b = torch.nn.Linear(4, 4)

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = torch.nn.Linear(4, 2)
        torch.nn.init.xavier_uniform_(self.head.weight)
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc = nn.Linear(9216, 10)

    def forward(self, x):
        return self.fc(F.relu(self.conv2(F.relu(self.conv1(x)))).flatten(1))
"""),
        Example("""
from torch.nn import Linear, Module

class Block(Module):
    def __init__(self):
        super().__init__()
        self.fc = Linear(8, 8)

class Mlp(Module):
    def __init__(self):
        super().__init__()
        self.blocks = [Block() for _ in range(3)]
        self.head = Linear(8, 2)
        self.out = Linear(2, 2)
"""),
    ]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if not self.class_is_module(node) or not self._project_has_no_init() or not self._bases_ok(node):
            return
        name = node.name.value
        if name in self.facts.built_in_classes or name in self._built_here():
            return  # a block of some other model: the init (if any) is the container's
        layers = [n for m in class_methods(node) for n in nodes(m.body)
                  if isinstance(n, cst.Call) and LAYERS.match(nn_layer(self, n) or "")]
        if len(layers) >= MIN_LAYERS:
            self.report(node.name, self.message.format(cls=name, n=len(layers)))

    def _project_has_no_init(self) -> bool:
        facts = self.facts
        if facts.init_files or facts.weight_loading_files:
            return False
        text = self.context.source
        return not (_INIT_TEXT.search(text) or _WEIGHTS_TEXT.search(text))

    def _bases_ok(self, node: cst.ClassDef) -> bool:
        for base in node.bases:
            qualified = self.qualified_name(base.value) or ""
            if qualified in MODULE:
                continue
            if is_torch_nn_class(qualified) or self.class_kind(base.value) != "module":
                return False  # nn.Sequential & co., or a parent from another library (it may init)
        return bool(node.bases)

    def _built_here(self) -> set[str]:
        if not hasattr(self, "_built"):
            self._built: set[str] = set()
            module = self.context.module
            for n in _walk_classes(module):
                for c in (x for x in _all(n) if isinstance(x, cst.Call)):
                    func = c.func
                    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
                    if isinstance(last, str):
                        self._built.add(last)
        return self._built


def _all(node: cst.CSTNode):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(children_of(n))


def _walk_classes(module):
    """Every class definition of the file (nested ones included)."""
    if module is None:
        return
    for n in _all(module):
        if isinstance(n, cst.ClassDef):
            yield n
