"""RL204 unused-submodule: a submodule built in `__init__` that nothing in the repo ever reads."""

import ast
import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.facts import file_facts
from repolens.lint.classes import is_module_construction
from repolens.lint.helpers import (argument, class_methods, dotted, has_stub_body, is_main_guard, literal,
                                   self_attribute)
from repolens.lint.knowledge.nn import is_stateless_nn, is_torch_nn_class
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import nodes

# Dropout has no parameters either, but one that is built and never applied is regularisation the
# author meant to have and silently does not (a literal p=0 is a placeholder: left alone).
DROPOUT = re.compile(r"^(?:Dropout\dd?|Dropout|AlphaDropout|FeatureAlphaDropout)$")
# Ways a class can reach its submodules without naming them: the rule stays silent on such a class.
DYNAMIC = re.compile(r"\bgetattr\(|\bsetattr\(|\.children\(|named_children\(|\.modules\(|named_modules\(|\b_modules\b"
                     r"|__dict__|\bvars\(|get_submodule\(|__getattr__|\bdelattr\(|state_dict|\bjit\.")
MODULE = ("torch.nn.Module", "torch.nn.modules.module.Module")
# Containers that register modules held elsewhere: `self.net = nn.ModuleList(list(self.convs.values()))`.
CONTAINERS = frozenset({"ModuleList", "ModuleDict", "Sequential", "ParameterList", "ParameterDict"})


class UnusedSubmodule(ScopedRule):
    """
    ## What it does
    Flags `self.x = SomeModule(...)` in the `__init__` of an `nn.Module` (a torch.nn layer with
    parameters, or a Module class of the repository) when the attribute name `x` is never read
    anywhere in the repository: not as `self.x` in any method of the class, its parents or its
    subclasses, not as `model.x` in any other file, not as a string (`getattr(self, "x")`,
    state-dict keys such as `"x.weight"`), and not through an f-string name (`f"layer{i}"`).

    It stays silent on a class that can reach its submodules without naming them
    (`getattr`/`setattr`, `self.children()`, `self.modules()`, `named_modules`, `_modules`,
    `__dict__`, `state_dict`, `torch.jit`), on subclasses of `nn.Sequential` and other torch.nn
    classes, on classes whose parent is a class from outside the repository (its code may use the
    attribute), and on parameterless modules (activations, pooling, Identity, losses). Dropout is
    the exception: it has no parameters, but a `self.dropout = nn.Dropout(0.1)` that `forward`
    never applies is regularisation the model was designed with and is trained without (a
    literal `p=0` placeholder is left alone, and so is a class that applies dropout another way,
    `self.lockdrop(x)` or `F.dropout(x)`: there the layer is a leftover).
    Nor is a stub whose `forward` does nothing (`pass`, `...`, a docstring or `raise
    NotImplementedError`): nothing is wired yet, so nothing was forgotten (graph-rcnn's `VisualFeature`
    and MAML-Pytorch's `Relation`, abandoned classes no file builds: three judged findings, none
    worth a change). Nor is a container built from another attribute's modules
    (`self.net = nn.ModuleList(list(self.convs.values()))`: monodepth2's way to register convs kept
    in a plain `OrderedDict`; SC-SfMLearner, judged wrong), nor a class of a `__main__` self-test
    (SiamMask's one-conv `Net` that only gives SGD its parameters: judged wrong).

    Judged on real code (issue #8), a submodule built and never used is mostly a harmless
    leftover: a layer kept so that released checkpoints still load strictly (MODNet's ONNX copy),
    a class in a module nothing imports, a 34-parameter head that a later version replaced. Of 28
    judged findings (13 tuned, 15 in held-out sets) 6 were worth a change (the forgotten branches:
    SAINT's dropout never applied, a VAE's second stage never called): the rule is in the advice
    tier (`--select ADVICE` or `--select RL204`) since the thirteenth session, not the default.
    `repolens probe` (RT001) answers the same question at run time for the model it builds.

    ## Why is this bad?
    A sub-network that is built but never called still counts in `parameters()`, is saved in
    every checkpoint, takes optimizer state and, under DDP, raises "Expected to have finished
    reduction" because its parameters never get a gradient. Mostly it is a bug: a block that was
    meant to be wired into `forward` and was forgotten, so the model trained is not the model
    designed (the seed notes: "a sub-network is defined and then forgotten, never wired into the
    main network").

    ## Example
    ```python
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Conv2d(3, 16, 3)
            self.attention = nn.Conv2d(16, 16, 1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            return self.fc(self.features(x).mean((2, 3)))
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Conv2d(3, 16, 3)
            self.attention = nn.Conv2d(16, 16, 1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = self.features(x)
            x = x * self.attention(x).sigmoid()
            return self.fc(x.mean((2, 3)))
    ```
    Or delete the unused layer. `repolens probe` (RT001) confirms at run time which submodules
    `forward` never calls.
    """

    code = "RL204"
    name = "unused-submodule"
    severity = Severity.ERROR
    tier = "advice"
    tier_reason = ("a submodule built and never used is sometimes a forgotten branch (a bug), but on real code "
                   "mostly a harmless leftover: 6 of 28 judged findings were worth a change")
    source = ("notes.en.md, Network checklist: \"sometimes a sub-network is defined and then forgotten, never "
              "wired into the main network\"")
    message = "`self.{attr}` (`{cls}`) is built in `__init__` but never used anywhere in the repository"
    needles = ("self.",)

    valid = [
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)
        self.act = nn.ReLU()                  # parameterless: unused is harmless
        self.drop = nn.Dropout(p=0.0)         # a placeholder rate: nothing is lost

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))
"""),
        Example("""
from torch import nn

class Stages(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(4, 4)
        self.layer2 = nn.Linear(4, 4)
        self.aux = nn.Linear(4, 2)

    def forward(self, x):
        for i in (1, 2):
            x = getattr(self, f"layer{i}")(x)     # dynamic access: silent on the class
        return x
"""),
        Example("""
import torch

class Backbone(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(8, 8)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, x):
        return self.proj(x)
""", files={"train.py": "def logits(model, x):\n    return model.head(model(x))\n"}),
        # Dropout applied another way (locked dropout): the nn.Dropout layers are leftovers.
        Example("""
import torch.nn as nn
from locked_dropout import LockedDropout

class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, dropouti=0.5):
        super().__init__()
        self.lockdrop = LockedDropout()
        self.idrop = nn.Dropout(dropouti)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid)
        self.dropouti = dropouti

    def forward(self, input, hidden):
        emb = self.lockdrop(self.encoder(input), self.dropouti)
        return self.rnn(emb, hidden)
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

class ProjectionHead(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.projector = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]))
        self.bn = nn.BatchNorm1d(sizes[-1], affine=False)
        self.dropout = nn.Dropout(p=0.1)

    def forward(self, y):
        return self.bn(self.projector(y))
"""),
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Conv2d(3, 16, 3)
        self.attention = nn.Conv2d(16, 16, 1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))
"""),
        Example("""
import torch as t
from .blocks import SqueezeExcite

class ResNet(t.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = t.nn.Conv2d(3, 16, 3)
        self.se = SqueezeExcite(16)
        self.fc = t.nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.stem(x).flatten(1))
""", path="models/resnet.py", files={"models/blocks.py": (
            "import torch\nclass SqueezeExcite(torch.nn.Module):\n"
            "    def __init__(self, c):\n        super().__init__()\n        self.fc = torch.nn.Linear(c, c)\n"
            "    def forward(self, x):\n        return x * self.fc(x).sigmoid()\n")}),
    ]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._local_reads: tuple[set[str], set[str]] | None = None

    def visit_Module(self, node: cst.Module) -> None:
        # classes of a `__main__` self-test: scaffolding (SiamMask's `lr_helper.py` builds a one-conv
        # `Net` only to hand its parameters to SGD: judged wrong)
        self._self_test = {id(c) for stmt in node.body if is_main_guard(stmt)
                           for c in nodes(stmt) if isinstance(c, cst.ClassDef)}

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if not self.class_is_module(node) or not self._bases_are_visible(node) or id(node) in self._self_test:
            return
        init = next((m for m in class_methods(node) if m.name.value == "__init__"), None)
        if init is None:
            return
        forward = next((m for m in class_methods(node) if m.name.value == "forward"), None)
        if forward is not None and has_stub_body(forward):
            return  # a stub whose forward is `pass`: nothing is wired yet, nothing is forgotten
        candidates = []
        for n in nodes(init.body):
            if isinstance(n, cst.Assign) and len(n.targets) == 1:
                attr = self_attribute(n.targets[0].target)
                if attr and self._stateful_module(n.value) and not self._is_read(attr) \
                        and not self._registers_others(n.value):
                    candidates.append((attr, n))
        if not candidates or DYNAMIC.search(self.context.module.code_for_node(node)):  # type: ignore[union-attr]
            return
        if any(DROPOUT.search(self._class_of(a)) for _, a in candidates) and _applies_dropout(node):
            # dropout applied another way (`self.lockdrop(x)`, `F.dropout`): the unused layer is a
            # leftover, not missing regularisation
            candidates = [(attr, a) for attr, a in candidates if not DROPOUT.search(self._class_of(a))]
        for attr, assign in candidates:
            self.report(assign, self.message.format(attr=attr, cls=self._class_of(assign)))

    def _registers_others(self, value: cst.BaseExpression) -> bool:
        """A container built from another attribute's modules registers them (monodepth2's
        `self.net = nn.ModuleList(list(self.convs.values()))`, whose convs sit in a plain
        OrderedDict: without it they get no parameters, no `.to(device)`, no state_dict entries;
        SC-SfMLearner, judged wrong): it is never meant to be called."""
        if not isinstance(value, cst.Call) or (self.qualified_name(value.func) or "").rsplit(".", 1)[-1] not in CONTAINERS:
            return False
        return any(isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name) and n.value.value == "self"
                   for arg in value.args for n in nodes(arg.value))

    def _class_of(self, assign: cst.Assign) -> str:
        return (self.qualified_name(assign.value.func) or "").rsplit(".", 1)[-1]  # type: ignore[attr-defined]

    def _bases_are_visible(self, node: cst.ClassDef) -> bool:
        """Every base is nn.Module itself or a Module class of this repository."""
        if not node.bases:
            return False
        for base in node.bases:
            qualified = self.qualified_name(base.value) or ""
            if qualified in MODULE:
                continue
            if is_torch_nn_class(qualified) or self.class_kind(base.value) != "module":
                return False
        return True

    def _stateful_module(self, value) -> bool:
        if not is_module_construction(self, value):
            return False
        qualified = self.qualified_name(value.func) or ""
        if is_torch_nn_class(qualified) and DROPOUT.search(qualified.rsplit(".", 1)[-1]):
            rate = argument(value, "p", 0)
            return rate is None or literal(rate.value) not in (0, 0.0)  # dropout the model never applies
        return not is_stateless_nn(qualified)

    def _is_read(self, attr: str) -> bool:
        facts = self.facts
        if attr in facts.attribute_reads or any(attr.startswith(p) for p in facts.attribute_prefixes if p):
            return True
        if self._local_reads is None:  # the file's own reads, for a run without project facts
            try:
                f = file_facts(self.context.path, self.context.source, ast.parse(self.context.source))
                self._local_reads = (set(f.attribute_reads), set(f.attribute_prefixes))
            except (SyntaxError, ValueError, RecursionError):
                self._local_reads = ({attr}, set())
        reads, prefixes = self._local_reads
        return attr in reads or any(attr.startswith(p) for p in prefixes if p)


def _applies_dropout(node: cst.ClassDef) -> bool:
    """Some method other than `__init__` calls something named for dropout (`self.lockdrop(emb)`,
    `F.dropout(x)`, `embedded_dropout(...)`)."""
    return any(isinstance(n, cst.Call) and "drop" in (dotted(n.func) or "").lower()
               for m in class_methods(node) if m.name.value != "__init__" for n in nodes(m.body))
