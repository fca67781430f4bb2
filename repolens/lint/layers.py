"""Layers of a Module class: the sequences they are built in, and what feeds each one.

`layer_sequence` reads one `nn.Sequential(...)`; `layer_runs` every run of layers a class builds
(Sequential calls, list literals, `layers.append(...)` runs); `takes_fresh_input` follows a
`self.<attr>` layer to its calls and asks whether each one gets a tensor nothing else holds.
Conservative like the rest: an unknown answers "no".
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

import libcst as cst

from repolens.lint.bindings import self_attribute_uses, self_attribute_values, single_value
from repolens.lint.helpers import appended, dotted, is_assignment_target, method_name, receiver, self_attribute
from repolens.lint.knowledge.nn import SEQUENTIAL, is_torch_nn_class
from repolens.lint.rule import Rule
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import class_nodes, nodes, statement_nodes
from repolens.pyindex.aliases import cst_dotted_name


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


def layer_runs(rule: ScopedRule, cls: cst.ClassDef, own: Iterable[cst.CSTNode] | None = None
               ) -> Iterator[list[cst.BaseExpression | None]]:
    """Every run of layers the class builds, in source order: the elements of a list or tuple
    literal, the layers of a `layer_sequence`, and consecutive `x.append(layer)` statements on
    the same `x`. `own`: the class's nodes (`class_nodes(cls)`) when the caller has them."""
    for n in (class_nodes(cls) if own is None else own):
        if isinstance(n, (cst.List, cst.Tuple)):
            yield [e.value for e in n.elements]
        elif isinstance(n, cst.Call):
            layers = layer_sequence(rule, n)
            if layers is not None:
                yield layers
        elif isinstance(n, cst.IndentedBlock):
            run: list[cst.BaseExpression | None] = []
            owner = None
            for stmt in n.body:
                item = appended(stmt)
                if item is None or item[0] != owner:
                    if len(run) > 1:
                        yield run
                    run = []
                    owner = item[0] if item is not None else None
                if item is not None:
                    run.append(item[1])
            if len(run) > 1:
                yield run


def takes_fresh_input(cls: cst.ClassDef, attr: str, is_producer: Callable[[cst.CSTNode | None], bool]) -> bool:
    """`self.<attr>` is bound once, used at least once, and every use is a call on a fresh tensor:
    the output of a producer layer (`self.act(self.bn(x))`, `x = self.bn(x)` then `x = self.act(x)`
    or `return self.act(x)`) or of an addition (`out += identity` then `out = self.act(out)`)."""
    if len(self_attribute_values(cls, attr)) != 1:
        return False
    uses = 0
    for prev, stmt, node in self_attribute_uses(cls).get(attr, ()):
        if is_assignment_target(stmt, node):
            continue
        uses += 1
        if not _fresh_call(cls, prev, stmt, node, is_producer):
            return False
    return uses > 0


def output_written_in_place(cls: cst.ClassDef, attr: str) -> bool:
    """Some method binds `y = self.<attr>(...)` and then writes into `y` in place (`y[:, :, 0] = 0`,
    `y += x`, `y.mul_(s)`). An in-place activation saves its output for backward, so such a write
    would make backward fail ("modified by an inplace operation"): Person_reID_baseline's USAM
    zeroes the borders of its LeakyReLU's output (RL201 judged wrong there)."""
    for method in (s for s in cls.body.body if isinstance(s, cst.FunctionDef)):
        outputs: set[str] = set()
        for node in nodes(method.body):
            if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call) \
                    and self_attribute(node.value.func) == attr:
                outputs |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
            elif isinstance(node, cst.Assign) and outputs:  # rebound: the name holds another tensor now
                outputs -= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
            if not outputs:
                continue
            if isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Subscript)
                                                      and dotted(t.target.value) in outputs for t in node.targets):
                return True
            elif isinstance(node, cst.AugAssign) and dotted(node.target) in outputs:
                return True
            elif isinstance(node, cst.Call) and (method_name(node) or "").endswith("_") \
                    and not (method_name(node) or "").startswith("_") and dotted(receiver(node)) in outputs:
                return True
    return False


def _fresh_call(cls: cst.ClassDef, prev: cst.BaseStatement | None, stmt: cst.BaseStatement, attr_node: cst.CSTNode,
                is_producer: Callable[[cst.CSTNode | None], bool]) -> bool:
    call = next((n for n in statement_nodes(stmt) if isinstance(n, cst.Call) and n.func is attr_node), None)
    if call is None or len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
        return False
    arg = call.args[0].value
    if _fresh(cls, arg, is_producer):
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
        return _fresh(cls, small.value, is_producer)
    return False


def _fresh(cls: cst.ClassDef, expr: cst.CSTNode, is_producer: Callable[[cst.CSTNode | None], bool]) -> bool:
    """A new tensor from a producer layer bound to `self.<attr>` (`self.bn(...)`) or an addition."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return True
    if not isinstance(expr, cst.Call):
        return False
    attr = self_attribute(expr.func)
    if attr is not None:
        values = self_attribute_values(cls, attr)
        return len(values) == 1 and is_producer(values[0])
    return False
