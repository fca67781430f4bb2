"""Flow helpers for the model, training and performance rules.

What these rules need beyond syntax: where a node sits (which class, which function), whether a
class is an nn.Module, what a local name was bound to, and what happens, in source order, in the
body of a training loop. Everything here is deliberately simple and conservative: when an
answer is not certain, the helpers answer "unknown" and the rules stay silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from repolens.lint.helpers import children_of, per_file, target_names, walk
from repolens.lint.rule import Rule
from repolens.pyindex.aliases import cst_dotted_name

# torch.nn names that are Capitalised but are not Modules one constructs as layers.
_NN_NOT_MODULES = frozenset({"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer",
                             "ParameterList", "ParameterDict", "init", "functional", "utils", "parallel",
                             "modules", "Module"})
# libraries whose classes are, by construction, nn.Modules (only their Capitalised names count).
_NN_PREFIXES = ("torch.nn.",)
SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under `node` in source order, not entering nested functions, classes, lambdas."""
    return walk(node, into_scopes=False)


def calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    return (n for n in nodes(node) if isinstance(n, cst.Call))


def method_name(call: cst.Call) -> str | None:
    """`x.forward(...)` -> `forward`; None when the callee is not an attribute."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def receiver(call: cst.Call) -> cst.BaseExpression | None:
    """`opt.step()` -> `opt`; None when the callee is not an attribute."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


# -- modules --------------------------------------------------------------------------------------
def is_torch_nn_class(qualified: str | None) -> bool:
    """`torch.nn.Linear`, `torch.nn.modules.conv.Conv2d`: a Capitalised torch.nn layer class."""
    if not qualified or not qualified.startswith(_NN_PREFIXES):
        return False
    last = qualified.rsplit(".", 1)[-1]
    return last[:1].isupper() and last not in _NN_NOT_MODULES


def is_module_base(rule: Rule, base: cst.BaseExpression) -> bool:
    qualified = rule.qualified_name(base)
    if not qualified:
        return False
    if qualified in ("torch.nn.Module", "torch.nn.modules.module.Module") or is_torch_nn_class(qualified):
        return True
    return rule.class_kind(base) == "module"


def is_module_class(rule: Rule, node: cst.ClassDef) -> bool:
    """A class whose bases make it an nn.Module: torch.nn classes or the repo's Module classes."""
    return rule.class_kind(node.name.value) == "module" or any(is_module_base(rule, b.value) for b in node.bases)


def is_module_construction(rule: Rule, node: cst.CSTNode | None) -> bool:
    """`nn.Linear(...)`, `torch.nn.Conv2d(...)`, `MyBlock(...)` (a Module class of this repo)."""
    if not isinstance(node, cst.Call):
        return False
    dotted = cst_dotted_name(node.func)
    if dotted is None:
        return False
    if is_torch_nn_class(rule.qualified_name(node.func)):
        return True
    return rule.class_kind(dotted) == "module"


# -- scope tracking -------------------------------------------------------------------------------
class ScopedRule(Rule):
    """A Rule that knows its enclosing classes and functions.

    Subclasses that define visit/leave methods for ClassDef or FunctionDef must call super().
    """

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.class_stack: list[cst.ClassDef] = []
        self.function_stack: list[cst.FunctionDef] = []
        self._module_class: dict[int, bool] = {}
        _BINDINGS.clear()  # rules are made anew for each file: drop the previous file's classes

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.function_stack.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.function_stack.pop()

    def class_is_module(self, node: cst.ClassDef) -> bool:
        key = id(node)
        if key not in self._module_class:
            self._module_class[key] = is_module_class(self, node)
        return self._module_class[key]

    @property
    def in_module_class(self) -> bool:
        """Inside (a method of) the innermost enclosing class, and that class is an nn.Module."""
        return bool(self.class_stack) and self.class_is_module(self.class_stack[-1])

    @property
    def current_function(self) -> cst.FunctionDef | None:
        return self.function_stack[-1] if self.function_stack else None


# -- local names ----------------------------------------------------------------------------------
def assigned_values(scope: cst.CSTNode, name: str) -> list[cst.BaseExpression | None]:
    """Every binding of the simple name `name` in `scope` (not nested scopes), in source order.

    A binding whose value is unknown (a loop target, `with ... as`, an augmented assignment, a
    tuple unpacking, a parameter, `global`) is recorded as None, so "exactly one known value"
    is easy to ask for.
    """
    out: list[cst.BaseExpression | None] = []
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        if any(p.name.value == name for p in every):
            out.append(None)
    for n in nodes(scope.body if isinstance(scope, cst.FunctionDef) else scope):
        if isinstance(n, cst.Assign):
            for t in n.targets:
                if isinstance(t.target, cst.Name) and t.target.value == name:
                    out.append(n.value)
                elif name in target_names(t.target):
                    out.append(None)
        elif isinstance(n, cst.AnnAssign) and isinstance(n.target, cst.Name) and n.target.value == name:
            out.append(n.value)
        elif isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name) and n.target.value == name:
            out.append(None)
        elif isinstance(n, cst.NamedExpr) and isinstance(n.target, cst.Name) and n.target.value == name:
            out.append(n.value)
        elif isinstance(n, (cst.For, cst.CompFor)) and name in target_names(n.target):
            out.append(None)
        elif isinstance(n, cst.WithItem) and n.asname is not None and name in target_names(n.asname.name):
            out.append(None)
        elif isinstance(n, (cst.Global, cst.Nonlocal)) and any(g.name.value == name for g in n.names):
            out.append(None)
        elif isinstance(n, cst.ExceptHandler) and n.name is not None and name in target_names(n.name.name):
            out.append(None)
    return out


def single_value(scope: cst.CSTNode, name: str) -> cst.BaseExpression | None:
    """The value of `name` when `scope` binds it exactly once, from a known expression."""
    values = assigned_values(scope, name)
    return values[0] if len(values) == 1 else None


def self_attribute(node: cst.CSTNode | None) -> str | None:
    """`self.layers` -> `layers`; else None."""
    if (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == "self"):
        return node.attr.value
    return None


def class_methods(node: cst.ClassDef) -> list[cst.FunctionDef]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return [s for s in body if isinstance(s, cst.FunctionDef)]


def self_attribute_values(node: cst.ClassDef, attr: str) -> list[cst.BaseExpression | None]:
    """Every assignment `self.<attr> = value` in the class's methods (None for unknown bindings)."""
    return list(self_attribute_bindings(node).get(attr, ()))


# class id -> (class, bindings); rules ask about many attributes of the same class
_BINDINGS: dict[int, tuple[cst.ClassDef, dict[str, list[cst.BaseExpression | None]]]] = {}


def self_attribute_bindings(node: cst.ClassDef) -> dict[str, list[cst.BaseExpression | None]]:
    """`self_attribute_values` for every attribute of the class at once: one walk per class."""
    cached = _BINDINGS.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    out: dict[str, list[cst.BaseExpression | None]] = {}
    for method in class_methods(node):
        for n in nodes(method.body):
            if isinstance(n, cst.Assign):
                for t in n.targets:
                    attr = self_attribute(t.target)
                    if attr is not None:
                        out.setdefault(attr, []).append(n.value)
                        continue
                    # `self.a, self.b = ...`: each attribute once per target, value unknown
                    for inner in dict.fromkeys(self_attribute(e.value) for e in getattr(t.target, "elements", ())):
                        if inner is not None:
                            out.setdefault(inner, []).append(None)
            elif isinstance(n, (cst.AnnAssign, cst.AugAssign)):
                attr = self_attribute(n.target)
                if attr is not None:
                    out.setdefault(attr, []).append(n.value if isinstance(n, cst.AnnAssign) else None)
    if len(_BINDINGS) > 512:  # a cache for the file at hand (cleared per file), not a store
        _BINDINGS.clear()
    _BINDINGS[id(node)] = (node, out)
    return out


# -- training loops -------------------------------------------------------------------------------
BACKWARD, STEP, ZERO_GRAD = "backward", "step", "zero_grad"
_OPTIMIZER_NAME = re.compile(r"(?:^|_)(?:optim|optimi[sz]er|opt)(?:$|_|\d)|optimi[sz]er", re.IGNORECASE)
_ZERO_GRAD_NAME = re.compile(r"zero_?grad|clear_?grad|reset_?grad", re.IGNORECASE)


@dataclass(frozen=True)
class LoopEvent:
    kind: str  # BACKWARD, STEP, ZERO_GRAD
    node: cst.CSTNode
    guard: tuple[int, ...]  # ids of the conditional blocks (inside the loop) that hold the event
    nested: bool = False  # inside a loop nested in this one
    owner: str | None = None  # the optimizer / module name the call is made on


@dataclass
class LoopFlow:
    loop: cst.For | cst.While
    events: list[LoopEvent] = field(default_factory=list)

    def of(self, kind: str, *, nested: bool = False) -> list[LoopEvent]:
        return [e for e in self.events if e.kind == kind and (nested or not e.nested)]


def is_optimizer_name(name: str | None) -> bool:
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    return bool(_OPTIMIZER_NAME.search(last)) and "sched" not in last.lower()


def classify_call(call: cst.Call) -> tuple[str, str | None] | None:
    """What a call does to gradients: (kind, owner) or None."""
    name = method_name(call)
    owner = cst_dotted_name(receiver(call))
    if name is None:
        func = cst_dotted_name(call.func)
        if func and _ZERO_GRAD_NAME.search(func.rsplit(".", 1)[-1]):
            return ZERO_GRAD, None
        if func in ("torch.autograd.backward", "autograd.backward"):
            return BACKWARD, None
        return None
    if name in ("backward", "manual_backward"):  # loss.backward(), accelerator.backward(loss) ...
        return BACKWARD, owner
    if _ZERO_GRAD_NAME.search(name):
        return ZERO_GRAD, owner
    if name == "step":
        if is_optimizer_name(owner):
            return STEP, owner
        # `scaler.step(optimizer)`: a GradScaler steps the optimizer it is given.
        if owner and "scaler" in owner.rsplit(".", 1)[-1].lower() and call.args:
            return STEP, cst_dotted_name(call.args[0].value)
    return None


def _is_grad_reset(node: cst.CSTNode) -> bool:
    """`p.grad = None`, `p.grad.zero_()`, `p.grad.data.zero_()`, `p.grad.detach_()`."""
    if isinstance(node, cst.Assign):
        return any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "grad" for t in node.targets)
    if isinstance(node, cst.Call) and method_name(node) in ("zero_", "detach_", "fill_"):
        dotted = cst_dotted_name(receiver(node)) or ""
        return ".grad" in f".{dotted}"
    return False


def loop_flow(loop: cst.For | cst.While) -> LoopFlow:
    """The gradient events of one loop's body, in source order, with their guards.

    Guards are the `if`/`try`/`match` blocks inside the loop that hold an event (a `with`
    block is transparent). Events of nested loops are kept, marked `nested`; nested functions
    and classes are not entered (a closure's backward is not this loop's).
    """
    flow = LoopFlow(loop)

    def visit(node: cst.CSTNode, guard: tuple[int, ...], nested: bool) -> None:
        if isinstance(node, SCOPES):
            return
        if isinstance(node, cst.Call):
            kind = classify_call(node)
            if kind is not None:
                flow.events.append(LoopEvent(kind[0], node, guard, nested, kind[1]))
            elif _is_grad_reset(node):
                flow.events.append(LoopEvent(ZERO_GRAD, node, guard, nested))
        elif _is_grad_reset(node):
            flow.events.append(LoopEvent(ZERO_GRAD, node, guard, nested))
        if isinstance(node, (cst.For, cst.While)) and node is not loop:
            nested = True
        if isinstance(node, (cst.If, cst.Try, cst.TryStar, cst.Match, cst.Else, cst.ExceptHandler,
                             cst.ExceptStarHandler, cst.Finally, cst.MatchCase)) and node is not loop:
            guard = (*guard, id(node))
        if isinstance(node, cst.IfExp):
            guard = (*guard, id(node))
        for child in children_of(node):
            visit(child, guard, nested)

    visit(loop.body, (), False)
    return flow


# -- what feeds a loss? ---------------------------------------------------------------------------
def file_bindings(module: cst.Module) -> dict[str, list[cst.BaseExpression]]:
    """Every `dotted = value` assignment in the file (all scopes), keyed by the dotted target."""
    return per_file(module, "file_bindings", _file_bindings)


def _file_bindings(module: cst.Module) -> dict[str, list[cst.BaseExpression]]:
    out: dict[str, list[cst.BaseExpression]] = {}
    for n in walk(module):
        if isinstance(n, cst.Assign):
            for t in n.targets:
                key = cst_dotted_name(t.target)
                if key:
                    out.setdefault(key, []).append(n.value)
        elif isinstance(n, cst.AnnAssign) and n.value is not None:
            key = cst_dotted_name(n.target)
            if key:
                out.setdefault(key, []).append(n.value)
    return out


class LossInputRule(ScopedRule):
    """Base of the rules "this producer's output is fed to that loss" (RL307, RL308).

    Producers: functions (`PRODUCER_FUNCS`, qualified), tensor methods (`PRODUCER_METHODS`) and
    module classes (`PRODUCER_MODULES`: an instance bound in this file, or built inline).
    Losses: functions (`LOSS_FUNCS`) and criterion instances of `LOSS_MODULES` bound in this file
    (every binding of the name is that class). The loss input is matched directly or through one
    local name that the enclosing function binds exactly once.
    """

    PRODUCER_FUNCS: frozenset[str] = frozenset()
    PRODUCER_METHODS: frozenset[str] = frozenset()
    PRODUCER_MODULES: frozenset[str] = frozenset()
    LOSS_FUNCS: frozenset[str] = frozenset()
    LOSS_MODULES: frozenset[str] = frozenset()

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    @property
    def _bindings(self) -> dict[str, list[cst.BaseExpression]]:
        # on first use only: most files never get as far as asking what a name is bound to
        return file_bindings(self._module)

    def _instance_of(self, func: cst.BaseExpression, classes: frozenset[str]) -> str | None:
        """The class of `classes` that the callee `func` is an instance of, if provable."""
        if isinstance(func, cst.Call):  # nn.Softmax(dim=1)(x)
            q = self.qualified_name(func.func)
            return q if q in classes else None
        key = cst_dotted_name(func)
        values = self._bindings.get(key or "", [])
        found = {self.qualified_name(v.func) if isinstance(v, cst.Call) else None for v in values}
        if len(found) == 1:
            q = found.pop()
            return q if q in classes else None
        return None

    def loss_input(self, call: cst.Call) -> cst.BaseExpression | None:
        """The prediction argument of a loss call, or None when `call` is not one of our losses."""
        qualified = self.qualified_name(call.func)
        if qualified not in self.LOSS_FUNCS and self._instance_of(call.func, self.LOSS_MODULES) is None:
            return None
        for arg in call.args:
            if arg.star:
                return None
            if arg.keyword is None or arg.keyword.value == "input":
                return arg.value
        return None

    def producer(self, expr: cst.BaseExpression | None) -> cst.Call | None:
        """The producer call that `expr` is (directly or through one local name), else None."""
        if isinstance(expr, cst.Name) and self.current_function is not None:
            expr = single_value(self.current_function, expr.value)
        if not isinstance(expr, cst.Call):
            return None
        qualified = self.qualified_name(expr.func)
        if qualified in self.PRODUCER_FUNCS:
            return expr
        if method_name(expr) in self.PRODUCER_METHODS:
            recv = receiver(expr)
            head = (cst_dotted_name(recv) or "").split(".")[0]
            # `x.softmax(1)` on a tensor; not `scipy.special.softmax(...)` (an imported module)
            is_self = isinstance(recv, cst.Name) and recv.value in ("self", "cls")  # a method of the class
            if not is_self and not (head and self.context.aliases.is_bound(head)):
                return expr
        if self._instance_of(expr.func, self.PRODUCER_MODULES) is not None:
            return expr
        return None


def backpropagated(call: cst.Call) -> set[str]:
    """Names a backward call differentiates: `loss.backward()`, `scaler.scale(loss).backward()`,
    `accelerator.backward(loss)`, `self.manual_backward(loss)`."""
    names: set[str] = set()
    recv = receiver(call)
    if isinstance(recv, cst.Name):
        names.add(recv.value)
    elif isinstance(recv, cst.Call) and method_name(recv) == "scale" and recv.args:
        if isinstance(recv.args[0].value, cst.Name):
            names.add(recv.args[0].value.value)
    if call.args and call.args[0].keyword is None and isinstance(call.args[0].value, cst.Name):
        names.add(call.args[0].value.value)
    return names



class TrainingLoopRule(Rule):
    """Base of the rules that read one training loop's gradient events (RL301, RL323, RL324)."""

    def visit_For(self, node: cst.For) -> None:
        self._check_loop(node)

    def visit_While(self, node: cst.While) -> None:
        self._check_loop(node)

    def _check_loop(self, node: cst.For | cst.While) -> None:
        flow = loop_flow(node)
        if flow.of(BACKWARD) and flow.of(STEP):
            self.check_loop(flow)

    def check_loop(self, flow: LoopFlow) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @staticmethod
    def step_owners(flow: LoopFlow) -> set[str | None]:
        return {e.owner for e in flow.of(STEP)}

    @staticmethod
    def same_optimizer(zero: LoopEvent, step: LoopEvent, owners: set[str | None]) -> bool:
        """Does `zero` clear the gradients `step` uses? Unknown (several optimizers) counts as no."""
        if is_optimizer_name(zero.owner):
            return zero.owner == step.owner
        return len(owners) == 1


# -- layer sequences (RL205, RL206, RL212, RL213) ---------------------------------------------------
SEQUENTIAL = ("torch.nn.Sequential", "torch.nn.modules.container.Sequential")


def nn_layer(rule: Rule, node: cst.CSTNode | None) -> str | None:
    """`nn.Conv2d(...)` -> "Conv2d": the class of a torch.nn layer construction, else None."""
    if not isinstance(node, cst.Call):
        return None
    qualified = rule.qualified_name(node.func)
    return qualified.rsplit(".", 1)[-1] if is_torch_nn_class(qualified) else None


def layer_sequence(rule: ScopedRule, call: cst.Call) -> list[cst.BaseExpression] | None:
    """The layers, in order, of `nn.Sequential(a, b, ...)` or of `super().__init__(a, b, ...)`
    in an nn.Sequential subclass; None when `call` is neither.

    A starred argument (`nn.Sequential(*layers)`) is expanded when the enclosing function binds
    `layers` exactly once, to a list or tuple literal; any other starred argument breaks the
    sequence (an unknown run of layers sits there), which is marked by a None item.
    """
    is_sequential = rule.is_name(call.func, *SEQUENTIAL)
    if not is_sequential and method_name(call) == "__init__" and isinstance(receiver(call), cst.Call) \
            and cst_dotted_name(receiver(call).func) == "super" and rule.class_stack:  # type: ignore[union-attr]
        is_sequential = any(rule.is_name(b.value, *SEQUENTIAL) for b in rule.class_stack[-1].bases)
    if not is_sequential:
        return None
    out: list = []
    for arg in call.args:
        if arg.keyword is not None:
            continue
        if arg.star == "*":
            value = arg.value
            if isinstance(value, cst.Name) and rule.current_function is not None:
                name = value.value
                mutated = any(isinstance(n, cst.Call) and isinstance(receiver(n), cst.Name)
                              and receiver(n).value == name for n in nodes(rule.current_function.body))  # type: ignore[union-attr]
                value = None if mutated else single_value(rule.current_function, name)
            if isinstance(value, (cst.List, cst.Tuple)) and not any(
                    isinstance(e, cst.StarredElement) for e in value.elements):
                out.extend(e.value for e in value.elements)
            else:
                out.append(None)
        elif arg.star:
            out.append(None)
        else:
            out.append(arg.value)
    return out
