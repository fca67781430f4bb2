"""RL201 relu-not-inplace: activation modules built without `inplace=True`."""


import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.flow import (ScopedRule, class_methods, is_torch_nn_class, method_name, nodes, receiver,
                                self_attribute, self_attribute_values)
from repolens.lint.helpers import children_of, dotted
from repolens.lint.helpers import add_keyword, has_star_args, keyword_arg, positional_args

# class -> index of `inplace` among the positional parameters
INPLACE_POSITION = {"ReLU": 0, "ReLU6": 0, "SiLU": 0, "LeakyReLU": 1, "ELU": 1, "Hardtanh": 2}
QUALIFIED = {f"{prefix}.{cls}": pos for cls, pos in INPLACE_POSITION.items()
             for prefix in ("torch.nn", "torch.nn.modules.activation")}

# Layers whose backward needs their input (or nothing), never their output: an in-place
# activation right after one of them is safe.
SAFE_PRODUCER = re.compile(r"^(?:Lazy)?Conv(?:Transpose)?\dd$|^(?:Lazy)?Linear$|Norm|^Dropout|Pool\dd$")

class ReluNotInplace(ScopedRule):
    """
    ## What it does
    Flags an activation module (`nn.ReLU`, `ReLU6`, `LeakyReLU`, `ELU`, `Hardtanh`, `SiLU`) built
    inside an `nn.Module` class without an `inplace` argument, where running it in place is
    provably harmless: it follows a conv, linear, norm, pool or dropout layer in an
    `nn.Sequential` (or a list of layers), or every call of `self.<act>` in the class takes a
    fresh tensor (`self.act(self.bn(x))`, `x = self.bn(x)` then `x = self.act(x)`, `out += identity`
    then `out = self.act(out)`). An activation whose input may be shared or needed (the input of a
    branch, the output of a sigmoid) is left alone.

    ## Why is this bad?
    An out-of-place activation allocates a new tensor the size of its input; in a conv net that is
    one extra feature map per activation held until backward. `inplace=True` overwrites the input
    instead and saves that memory (the seed notes: "ReLU can run in place to save GPU memory").

    The fix is marked unsafe: in place is only correct when nothing else needs the activation's
    input. Right after an op whose backward needs its output (sigmoid, tanh, another in-place op) or
    on a tensor reused later (the identity of a residual block, the input of `forward`), autograd
    raises "one of the variables needed for gradient computation has been modified by an inplace
    operation" at backward time, or the reused tensor silently changes. Check the forward before
    accepting it.

    ## Example
    ```python
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU())
    ```

    ## Use instead
    ```python
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
    ```
    Pass `inplace=False` where the input is needed afterwards; the rule accepts any explicit value
    as a deliberate choice.
    """

    code = "RL201"
    name = "relu-not-inplace"
    severity = Severity.INFO
    tier = "default"
    tier_reason = ('one of the four founding mistakes: an inplace ReLU after a layer whose output is not '
                   'reused saves activation memory for free')
    source = "notes.en.md, Tuning experience: \"ReLU can run in place to save GPU memory.\""
    message = "`{cls}()` without `inplace=True`: an in-place activation saves one activation-sized buffer"
    needles = tuple(INPLACE_POSITION)
    fix_safety = "unsafe"

    valid = [
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.1, True))   # inplace by position
        self.keep = nn.Sequential(nn.Linear(8, 8), nn.ReLU(inplace=False))    # a deliberate choice
"""),
        Example("""
from torch import nn
import torch.nn.functional as F

def make(**kwargs):
    return nn.Sequential(nn.Linear(4, 4), nn.ReLU(**kwargs))   # kwargs may carry inplace

class Head(nn.Module):
    def forward(self, x):
        return F.relu(x)                                         # functional: not this rule

model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())              # not inside a Module class
"""),
        Example("""
import torch as t

class Branches(t.nn.Module):
    def __init__(self):
        super().__init__()
        self.act = t.nn.ReLU()            # its input is also read by the other branch
        self.gate = t.nn.Sequential(t.nn.Sigmoid(), t.nn.ReLU())   # sigmoid's backward needs its output
        self.left = t.nn.Conv2d(8, 8, 3)
        self.right = t.nn.Conv2d(8, 8, 1)

    def forward(self, x):
        return self.left(self.act(x)) + self.right(x)
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.bn(self.conv(x))
        x = self.relu(x)
        return self.relu(self.bn(x))
""", fixed="""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.bn(self.conv(x))
        x = self.relu(x)
        return self.relu(self.bn(x))
"""),
        Example("""
from torch import nn

class Stem(nn.Sequential):
    def __init__(self):
        super().__init__(nn.Conv2d(3, 8, 3), nn.LeakyReLU(0.2), nn.BatchNorm2d(8), nn.Hardtanh(-1.0, 1.0))
""", fixed="""
from torch import nn

class Stem(nn.Sequential):
    def __init__(self):
        super().__init__(nn.Conv2d(3, 8, 3), nn.LeakyReLU(0.2, inplace=True), nn.BatchNorm2d(8), nn.Hardtanh(-1.0, 1.0, inplace=True))
"""),
        Example("""
import torch as t
from models.base import BaseNet

class Head(BaseNet):
    def __init__(self, n):
        super().__init__()
        layers = []
        for _ in range(n):
            layers.append(t.nn.Linear(8, 8))
            layers.append(t.nn.SiLU())
        self.mlp = t.nn.Sequential(*layers)
""", files={"models/base.py": "import torch\nclass BaseNet(torch.nn.Module):\n    pass\n"}),
        Example("""
from torch import nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU6()

    def forward(self, x):
        out = self.bn(self.conv(x))
        out += x
        out = self.relu(out)
        return out
"""),
    ]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if not self.class_is_module(node):
            return
        for candidate in self._safe_activations(node):
            self._check(candidate)

    # An activation is only flagged where in place is provably harmless: its input is a fresh
    # tensor from a layer whose backward does not need its output (conv, linear, norm, pool,
    # dropout) or from an addition. Elsewhere (a shared input, after a sigmoid) it stays silent.
    def _safe_activations(self, cls: cst.ClassDef):
        own = list(_class_nodes(cls))
        if not any(self._is_activation(n) for n in own if isinstance(n, cst.Call)):
            return  # every candidate below is an activation call of the class: none, no more walks
        for n in own:
            if isinstance(n, (cst.List, cst.Tuple)):
                yield from self._after_safe_layer([e.value for e in n.elements])
            elif isinstance(n, cst.Call) and self._is_layer_sequence(n):
                yield from self._after_safe_layer([a.value for a in n.args if a.keyword is None])
            elif isinstance(n, cst.IndentedBlock):
                yield from self._appended_after_safe_layer(n)
        for attr, value in _self_assignments(cls):
            if self._is_activation(value) and self._uses_are_safe(cls, attr):
                yield value

    def _is_layer_sequence(self, call: cst.Call) -> bool:
        if self.is_name(call.func, "torch.nn.Sequential", "torch.nn.modules.container.Sequential"):
            return True
        # super().__init__(layer, layer, ...) in an nn.Sequential subclass
        return (method_name(call) == "__init__" and isinstance(receiver(call), cst.Call)
                and dotted(receiver(call).func) == "super"
                and bool(self.class_stack) and any(
                    self.is_name(b.value, "torch.nn.Sequential") for b in self.class_stack[-1].bases))

    def _is_activation(self, node) -> bool:
        return isinstance(node, cst.Call) and (self.qualified_name(node.func) or "") in QUALIFIED

    def _is_safe_layer(self, node) -> bool:
        if not isinstance(node, cst.Call):
            return False
        qualified = self.qualified_name(node.func) or ""
        return is_torch_nn_class(qualified) and bool(SAFE_PRODUCER.search(qualified.rsplit(".", 1)[-1]))

    def _after_safe_layer(self, items):
        for prev, item in zip(items, items[1:]):
            if self._is_activation(item) and self._is_safe_layer(prev):
                yield item

    def _appended_after_safe_layer(self, block: cst.IndentedBlock):
        appended = [_appended(stmt) for stmt in block.body]
        for prev, item in zip(appended, appended[1:]):
            if prev and item and prev[0] == item[0] and self._is_activation(item[1]) \
                    and self._is_safe_layer(prev[1]):
                yield item[1]

    def _uses_are_safe(self, cls: cst.ClassDef, attr: str) -> bool:
        """Every use of `self.<attr>` is a call on a fresh tensor from a safe producer."""
        if len(self_attribute_values(cls, attr)) != 1:
            return False
        uses = 0
        for prev, stmt, n in self._self_uses(cls).get(attr, ()):
            if _is_assignment_target(stmt, n):
                continue
            uses += 1
            if not self._safe_use(cls, prev, stmt, n):
                return False
        return uses > 0

    def _self_uses(self, cls: cst.ClassDef) -> dict[str, list]:
        """attr -> (previous statement, statement, node) of every `self.<attr>` in the class's
        statements, in source order: one walk per class, however many activations it holds."""
        if self._uses_of is not None and self._uses_of[0] is cls:
            return self._uses_of[1]
        out: dict[str, list] = {}
        for method in class_methods(cls):
            for block in (n for n in nodes(method) if isinstance(n, cst.IndentedBlock)):
                for prev, stmt in zip([None, *block.body], block.body):
                    for n in _statement_nodes(stmt):
                        attr = self_attribute(n)
                        if attr is not None:
                            out.setdefault(attr, []).append((prev, stmt, n))
        self._uses_of = (cls, out)
        return out

    def _safe_use(self, cls, prev, stmt, attr_node) -> bool:
        call = _called_with(stmt, attr_node)
        if call is None or len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
            return False
        arg = call.args[0].value
        if self._fresh(cls, arg):
            return True
        # `x = self.bn(x)` then `x = self.act(x)` (or `return self.act(x)`); `x += identity` too.
        if not isinstance(arg, cst.Name) or prev is None:
            return False
        rebinds = (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and (
            isinstance(stmt.body[0], cst.Return)
            or (isinstance(stmt.body[0], cst.Assign) and len(stmt.body[0].targets) == 1
                and dotted(stmt.body[0].targets[0].target) == arg.value)))
        if not rebinds or not isinstance(prev, cst.SimpleStatementLine) or len(prev.body) != 1:
            return False
        small = prev.body[0]
        if isinstance(small, cst.AugAssign) and dotted(small.target) == arg.value:
            return isinstance(small.operator, cst.AddAssign)
        if isinstance(small, cst.Assign) and len(small.targets) == 1 and dotted(small.targets[0].target) == arg.value:
            return self._fresh(cls, small.value)
        return False

    def _fresh(self, cls, expr) -> bool:
        """A new tensor from a safe layer (`self.bn(...)`, `nn.Conv2d(...)(...)`) or an addition."""
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return True
        if not isinstance(expr, cst.Call):
            return False
        attr = self_attribute(expr.func)
        if attr is not None:
            values = self_attribute_values(cls, attr)
            return len(values) == 1 and self._is_safe_layer(values[0])
        return False

    def _check(self, node: cst.Call) -> None:
        if id(node) in self._seen:
            return
        self._seen.add(id(node))
        qualified = self.qualified_name(node.func) or ""
        position = QUALIFIED[qualified]
        if has_star_args(node) or keyword_arg(node, "inplace") is not None:
            return
        if len(positional_args(node)) > position:
            return
        cls = qualified.rsplit(".", 1)[-1]
        self.report(node, self.message.format(cls=cls), replacement=add_keyword(node, "inplace", "True"))

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._seen: set[int] = set()
        self._uses_of: tuple[cst.ClassDef, dict[str, list]] | None = None


def _class_nodes(cls: cst.ClassDef):
    """Nodes of a class body, not entering nested classes (they are checked on their own)."""
    stack = list(reversed(children_of(cls.body)))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, cst.ClassDef):
            stack.extend(reversed(children_of(n)))


def _self_assignments(cls: cst.ClassDef):
    for method in class_methods(cls):
        for n in nodes(method):
            if isinstance(n, cst.Assign) and len(n.targets) == 1:
                attr = self_attribute(n.targets[0].target)
                if attr is not None:
                    yield attr, n.value


def _appended(stmt):
    """`layers.append(x)` as a statement -> ("layers", x)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
        call = stmt.body[0].value
        if isinstance(call, cst.Call) and method_name(call) == "append" and len(call.args) == 1:
            owner = dotted(receiver(call))
            if owner:
                return owner, call.args[0].value
    return None


def _statement_nodes(stmt):
    """Nodes of one statement; a compound statement contributes only its header expressions."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return list(nodes(stmt))
    heads = [getattr(stmt, a) for a in ("test", "iter", "items") if getattr(stmt, a, None) is not None]
    out = []
    for h in heads:
        for part in (h if isinstance(h, (list, tuple)) else [h]):
            out.extend(nodes(part))
    return out


def _is_assignment_target(stmt, node) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Assign) and any(t.target is node for t in small.targets):
                return True
            if isinstance(small, (cst.AnnAssign, cst.AugAssign)) and small.target is node:
                return True
    return False


def _called_with(stmt, attr_node):
    """The call whose callee is `attr_node`, if `attr_node` is used as a callee in `stmt`."""
    for n in _statement_nodes(stmt):
        if isinstance(n, cst.Call) and n.func is attr_node:
            return n
    return None
