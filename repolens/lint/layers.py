"""Layer sequences: the layers of an `nn.Sequential`, in order, and what each one is."""

from __future__ import annotations

import libcst as cst

from repolens.lint.bindings import single_value
from repolens.lint.helpers import method_name, receiver
from repolens.lint.knowledge.nn import SEQUENTIAL, is_torch_nn_class
from repolens.lint.rule import Rule
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import nodes
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
