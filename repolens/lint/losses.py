"""`LossInputRule`: the base of the rules "this producer's output is fed to that loss"."""

from __future__ import annotations

import libcst as cst

from repolens.lint.bindings import assigned_values, file_bindings, single_value
from repolens.lint.helpers import method_name, receiver
from repolens.lint.scoped import ScopedRule
from repolens.pyindex.aliases import cst_dotted_name


class LossInputRule(ScopedRule):
    """Base of the rules "this producer's output is fed to that loss" (RL307, RL308).

    Producers: functions (`PRODUCER_FUNCS`, qualified), tensor methods (`PRODUCER_METHODS`) and
    module classes (`PRODUCER_MODULES`: an instance bound in this file, or built inline).
    Losses: functions (`LOSS_FUNCS`) and criterion instances of `LOSS_MODULES` bound in this file
    (every binding of the name is that class), or a criterion the enclosing function chooses by a
    condition among constructed losses, one of them ours (`criterion = nn.CrossEntropyLoss() if
    n_classes > 1 else nn.BCELoss()`, or an `if`/`elif` on the loss type): the call site is wrong
    on that path. The loss input is matched directly or through one
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
        if len(found) == 1 and (q := found.pop()) in classes:
            return q
        return self._chosen_instance(func, classes)

    def _chosen_instance(self, func: cst.BaseExpression, classes: frozenset[str]) -> str | None:
        """A local criterion chosen by a condition: every binding in the enclosing function (each
        branch of a conditional expression apart) constructs a loss, and one of them is ours."""
        if not isinstance(func, cst.Name) or self.current_function is None:
            return None
        options: list[cst.BaseExpression | None] = []
        for value in assigned_values(self.current_function, func.value):
            options.extend((value.body, value.orelse) if isinstance(value, cst.IfExp) else (value,))
        names = [self.qualified_name(v.func) if isinstance(v, cst.Call) else None for v in options]
        ours = [q for q in names if q in classes]
        if not ours or len(options) < 2:
            return None
        # the other choices must be losses too: a class named for one (`FocalLoss`, `nn.MSELoss`)
        if any(q is None or (q not in classes and not q.rsplit(".", 1)[-1].endswith("Loss")) for q in names):
            return None
        return ours[0]

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
