"""RL211 modules-in-plain-container: sub-modules kept in a list/dict/tuple attribute."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.classes import is_module_construction
from repolens.lint.helpers import (NOT_LITERAL, class_methods, dotted, last_segment, literal, method_name, receiver,
                                   self_attribute)
from repolens.lint.knowledge.nn import is_stateless_nn
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import calls_in, nodes

CONTAINERS = ("torch.nn.ModuleList", "torch.nn.ModuleDict", "torch.nn.Sequential",
              "torch.nn.modules.container.ModuleList", "torch.nn.modules.container.ModuleDict",
              "torch.nn.modules.container.Sequential")


# Calls that give a module state of its own.
_STATE_METHODS = frozenset({"register_buffer", "register_parameter"})

# the values `_plain_container_of_modules` can call a plain container
_CONTAINER_NODES = (cst.List, cst.Tuple, cst.Dict, cst.ListComp, cst.DictComp)


class ModulesInPlainContainer(ScopedRule):
    """
    ## What it does
    Flags an attribute of an `nn.Module` set in `__init__` to a plain `list`, `tuple` or `dict`
    of freshly built modules (a literal, a comprehension, or an empty list filled with
    `self.x.append(nn.Linear(...))`), when the class never hands that attribute to
    `nn.ModuleList` / `nn.ModuleDict` / `nn.Sequential` or registers its items with
    `add_module` / `register_module` / `setattr`, or their parameters one by one with
    `register_parameter` (pytorch_RVAE's Highway: `for module in self.gate:
    self._add_to_parameters(module.parameters(), ...)`, judged wrong three times). A container of modules that hold no parameters
    or buffers and act the same in training and evaluation (losses, activations, `Identity`,
    `Upsample`, pooling, padding, `PixelShuffle`) is left alone: nothing in it is lost
    (pytorch-ssd's FPN keeps five `nn.Upsample` in a list: judged wrong), and so is a container of
    a class of the same file that builds only such modules and holds no parameter or buffer
    (LTSF-Linear's and PatchTST's `moving_avg`, an `nn.AvgPool1d`: judged wrong twice). Dropout is
    reported: a plain list hides it from `.eval()`.

    ## Why is this bad?
    `nn.Module` only registers sub-modules assigned as attributes directly or held in its own
    containers. Modules in a Python list are invisible to `parameters()`, `state_dict()`, `.to()`,
    `.cuda()`, `.train()`/`.eval()` and DDP: the optimizer never updates them, a checkpoint never
    saves them, and the forward pass fails (or silently runs them on the CPU) once the model moves
    to the GPU. Local lists are fine (`nn.Sequential(*layers)`), only attributes matter.

    The fix (unsafe: it changes `parameters()` and the `state_dict` keys, which is the point, but
    old checkpoints lack the new keys) wraps a list in `nn.ModuleList` and a dict with string
    keys in `nn.ModuleDict`.

    ## Example
    ```python
    import torch.nn as nn

    class MLP(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.layers = [nn.Linear(64, 64) for _ in range(n)]
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    class MLP(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(64, 64) for _ in range(n)])
    ```
    """

    code = "RL211"
    name = "modules-in-plain-container"
    severity = Severity.ERROR
    tier = "default"
    tier_reason = 'modules in a plain list are never registered, trained or moved (a correctness bug)'
    source = ("PyTorch docs, torch.nn.ModuleList: \"holds submodules in a list ... properly registered, "
              "and will be visible by all Module methods\"; notes.en.md: \"a sub-network is defined and then "
              "forgotten\"")
    message = ("`self.{attr}` holds modules in a plain {kind}: their parameters are not registered "
               "(not trained, not saved, not moved to the GPU); use {container}")
    needles = ("self.",)
    fix_safety = "unsafe"

    valid = [
        Example("""
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, n):
        super().__init__()
        layers = [nn.Linear(8, 8) for _ in range(n)]      # local list, wrapped below
        self.body = nn.Sequential(*layers)
        self.heads = nn.ModuleList([nn.Linear(8, 2), nn.Linear(8, 3)])
        self.sizes = [8, 8, 2]                             # not modules
        self.criteria = {"ce": nn.CrossEntropyLoss(), "l1": nn.L1Loss()}   # parameterless losses
        self.upsamplers = [nn.Upsample(size=(s, s), mode="bilinear") for s in (19, 10, 5)]  # no state


class moving_avg(nn.Module):
    def __init__(self, kernel_size, stride):
        super().__init__()
        self.kernel_size = kernel_size
        self.avg = nn.AvgPool1d(kernel_size=kernel_size, stride=stride, padding=0)


class series_decomp_multi(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.moving_avg = [moving_avg(kernel, stride=1) for kernel in kernel_size]   # no state either
        self.layer = nn.Linear(1, len(kernel_size))
"""),
        Example("""
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Conv2d(3, 3, 3) for _ in range(4)]
        self.blocks = nn.ModuleList(self.blocks)           # wrapped later

class Tower(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = []
        for i in range(3):
            self.stages.append(nn.Linear(4, 4))
        for i, stage in enumerate(self.stages):
            self.add_module(f"stage{i}", stage)            # registered by hand
"""),
        Example("""
import torch as t

class Helper:                                              # not an nn.Module
    def __init__(self):
        self.layers = [t.nn.Linear(2, 2)]
"""),
    ]
    invalid = [
        # A same-file block with parameters in a plain list (DiT's `blocks` without its ModuleList).
        Example("""
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, dim)


class Net(nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.blocks = [Block(64) for _ in range(depth)]
"""),
        Example("""
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layers = [nn.Linear(64, 64) for _ in range(n)]
""", fixed="""
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(64, 64) for _ in range(n)])
"""),
        Example("""
from torch import nn

class MultiHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = {"cls": nn.Linear(8, 10), "box": nn.Linear(8, 4)}
        self.pair = (nn.Linear(8, 8), nn.ReLU())
""", fixed="""
from torch import nn

class MultiHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 10), "box": nn.Linear(8, 4)})
        self.pair = (nn.Linear(8, 8), nn.ReLU())
""", expect=[(7, "`self.heads` holds modules in a plain dict"), (8, "`self.pair` holds modules in a plain tuple")]),
        Example("""
import torch as t
from blocks import Block

class Tower(t.nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.blocks = []
        for _ in range(depth):
            self.blocks.append(Block())

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x
""", files={"blocks.py": "import torch\nclass Block(torch.nn.Module):\n    pass\n"}, fixed="""
import torch as t
from blocks import Block

class Tower(t.nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.blocks = t.nn.ModuleList()
        for _ in range(depth):
            self.blocks.append(Block())

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x
"""),
    ]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if not self.class_is_module(node):
            return
        init = next((m for m in class_methods(node) if m.name.value == "__init__"), None)
        if init is None:
            return
        candidates = []
        for stmt in nodes(init):
            if not (isinstance(stmt, cst.Assign) and len(stmt.targets) == 1):
                continue
            attr = self_attribute(stmt.targets[0].target)
            if attr is None or not isinstance(stmt.value, _CONTAINER_NODES):
                continue
            kind = self._plain_container_of_modules(stmt.value, init, attr)
            if kind is not None:
                candidates.append((stmt, attr, kind))
        # the walks of the whole class only for a class that has a candidate (few have)
        if not candidates or self._registers_by_hand(node):
            return
        for stmt, attr, kind in candidates:
            if self._wrapped_later(node, attr, stmt):
                continue
            container = "nn.ModuleDict" if kind == "dict" else "nn.ModuleList"
            self.report(stmt.value, self.message.format(attr=attr, kind=kind, container=container),
                        replacement=self._fix(stmt.value, kind))

    # -- what is a plain container of modules? --------------------------------------------------
    def __init__(self, context, options=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self._stateless: dict[str, bool] = {}  # same-file class name -> builds nothing with state

    def _stateful_module(self, node) -> bool:
        """A module construction whose loss matters (it has, or may have, parameters or modes)."""
        if not is_module_construction(self, node):
            return False
        qualified = self.qualified_name(node.func) or ""
        if is_stateless_nn(qualified):
            return False  # activations, losses, resampling, pooling, padding: nothing to lose
        return not (isinstance(node.func, cst.Name) and self._stateless_class(node.func.value))

    def _stateless_class(self, name: str) -> bool:
        """A class of this file that builds only stateless torch.nn modules and holds no parameter or
        buffer of its own (LTSF-Linear's `moving_avg`, an `nn.AvgPool1d` with padding)."""
        if name not in self._stateless:
            self._stateless[name] = False  # a class that builds itself is not stateless
            cls = next((c for c in (self.context.module.body if self.context.module is not None else ())
                        if isinstance(c, cst.ClassDef) and c.name.value == name), None)
            calls = list(calls_in(cls)) if cls is not None else []  # its methods' calls too
            self._stateless[name] = cls is not None and not any(
                method_name(c) in _STATE_METHODS or last_segment(c.func) == "Parameter" or self._stateful_module(c)
                for c in calls)
        return self._stateless[name]

    def _plain_container_of_modules(self, value, init, attr) -> str | None:
        if isinstance(value, (cst.List, cst.Tuple)):
            if any(self._stateful_module(e.value) for e in value.elements if not isinstance(e, cst.StarredElement)):
                return "list" if isinstance(value, cst.List) else "tuple"
        elif isinstance(value, cst.Dict):
            if any(isinstance(e, cst.DictElement) and self._stateful_module(e.value) for e in value.elements):
                return "dict"
        elif isinstance(value, cst.ListComp) and self._stateful_module(value.elt):
            return "list"
        elif isinstance(value, cst.DictComp) and self._stateful_module(value.value):
            return "dict"
        if isinstance(value, cst.List) and not value.elements:
            # `self.x = []` then `self.x.append(nn.Linear(...))` in __init__
            for call in (n for n in nodes(init) if isinstance(n, cst.Call)):
                if (method_name(call) in ("append", "extend", "insert") and self_attribute(receiver(call)) == attr
                        and any(self._stateful_module(a.value) for a in call.args)):
                    return "list"
        return None

    def _registers_by_hand(self, cls: cst.ClassDef) -> bool:
        """`add_module` / `register_module` / `setattr`, or each item's parameters registered one
        by one: `for i, module in enumerate(self.gate): self._add_to_parameters(module.parameters(),
        ...)` in a class that calls `register_parameter` (pytorch_RVAE's Highway: judged wrong
        three times; its layers are trained, saved and moved like registered ones)."""
        loop_items: set[str] = set()
        items_parameters = registers_parameters = False
        for method in class_methods(cls):
            for n in nodes(method):
                if isinstance(n, cst.For) and any(self_attribute(a) for a in nodes(n.iter)):
                    loop_items |= {t.value for t in nodes(n.target) if isinstance(t, cst.Name)}
                if isinstance(n, cst.Call):
                    if method_name(n) in ("add_module", "register_module", "register_modules"):
                        return True
                    if dotted(n.func) == "setattr":
                        return True
                    if method_name(n) == "register_parameter":
                        registers_parameters = True
                    if method_name(n) in ("parameters", "named_parameters") and dotted(receiver(n)) in loop_items:
                        items_parameters = True
        return items_parameters and registers_parameters

    def _wrapped_later(self, cls: cst.ClassDef, attr: str, origin: cst.Assign) -> bool:
        """`self.x` handed to a torch.nn container, or re-bound to something else, anywhere in the class."""
        for method in class_methods(cls):
            for n in nodes(method):
                if isinstance(n, cst.Assign) and n is not origin and any(
                        self_attribute(t.target) == attr for t in n.targets):
                    return True  # re-bound (often to nn.ModuleList(self.x)): not provably plain
                if isinstance(n, cst.Call) and self.is_name(n.func, *CONTAINERS):
                    for arg in n.args:
                        if any(self_attribute(m) == attr for m in nodes(arg)):
                            return True
        return False

    # -- fix --------------------------------------------------------------------------------------
    def _nn_prefix(self) -> str | None:
        names = self.context.aliases.names
        for local, qualified in names.items():
            if qualified == "torch.nn":
                return local
        for local, qualified in names.items():
            if qualified == "torch":
                return f"{local}.nn"
        return None

    def _fix(self, value, kind):
        prefix = self._nn_prefix()
        if prefix is None:
            return None
        if isinstance(value, cst.List) and not value.elements:
            return cst.parse_expression(f"{prefix}.ModuleList()")
        if isinstance(value, (cst.List, cst.ListComp)):
            return cst.Call(func=cst.parse_expression(f"{prefix}.ModuleList"), args=[cst.Arg(value)])
        if isinstance(value, cst.Dict) and all(
                isinstance(e, cst.DictElement) and isinstance(literal(e.key), str) and literal(e.key) is not NOT_LITERAL
                for e in value.elements):
            return cst.Call(func=cst.parse_expression(f"{prefix}.ModuleDict"), args=[cst.Arg(value)])
        return None
