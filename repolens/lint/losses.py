"""`LossInputRule`: the base of the rules "this producer's output is fed to that loss"."""

from __future__ import annotations

import libcst as cst

from repolens.lint.bindings import file_bindings, single_value
from repolens.lint.helpers import method_name, receiver
from repolens.lint.scoped import ScopedRule
from repolens.pyindex.aliases import cst_dotted_name


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
