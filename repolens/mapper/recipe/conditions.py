"""Under which condition a finding runs, and whether it runs with the values as resolved:
`if args.optimizer == "sgd"` (an alternative: left out when the default is adamw), `if args.amp:` (an
opt-in: kept, with its condition), evaluation functions, imported modules' `__main__` demos."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from repolens.mapper.recipe.names import NON_TRAIN_SCOPE, unquote

if TYPE_CHECKING:
    from repolens.mapper.recipe.resolve import Resolver
    from repolens.mapper.recipe.source import SourceFile


class Conditions:
    """Mixed into `Detector`, which provides the file and the resolver."""

    sf: SourceFile
    resolver: Resolver

    def _when(self, node: ast.AST) -> tuple[str | None, bool | None, bool]:
        """The innermost `if` the node runs under, in words; whether it runs with the values as
        resolved (False when any enclosing `if` / `elif` / `else` in its function is not taken, None
        when not known); whether a comparison decides it (an alternative, as opposed to a flag that
        switches a feature on)."""
        text: str | None = None
        holds: bool | None = True
        choice = False
        cur, child = self.sf.parents.get(id(node)), node
        while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            if isinstance(cur, ast.If) and (child in cur.body or child in cur.orelse) and not _is_main_guard(cur):
                taken = self._holds(cur.test)
                if child in cur.orelse and taken is not None:
                    taken = not taken
                if text is None:
                    text = self._describe(cur.test, child in cur.body)
                if taken is False:
                    return text, False, _chooses(cur.test)
                if taken is None:
                    holds = None
                choice = choice or _chooses(cur.test)
            child, cur = cur, self.sf.parents.get(id(cur))
        return text, (holds if text is not None else None), choice

    def _describe(self, test: ast.expr, in_body: bool) -> str:
        text = f"if {self.sf.segment(test, 60)}" if in_body else f"unless {self.sf.segment(test, 60)}"
        target = test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) else test
        if isinstance(target, ast.Compare):
            target = target.left
        if isinstance(target, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            got = self.resolver.resolve(self.sf, target)
            if got.value is not None and got.source != "literal":
                text += f" ({got.source} {got.value})"
        return text

    def _holds(self, test: ast.expr) -> bool | None:
        """`args.optimizer == "adamw"`, `args.amp`, `not args.no_seed`, with the resolved default."""
        if isinstance(test, ast.BoolOp):
            parts = [self._holds(v) for v in test.values]
            decisive = isinstance(test.op, ast.Or)  # any True decides an `or`, any False an `and`
            if decisive in parts:
                return decisive
            return None if None in parts else not decisive
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self._holds(test.operand)
            return None if inner is None else not inner
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot)) \
                and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
            got = self.resolver.resolve(self.sf, test.left)  # `if args.seed is not None:`
            if got.value is None or got.source == "literal":
                return None
            is_none = got.value == "None"
            return is_none if isinstance(test.ops[0], ast.Is) else not is_none
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left = self.resolver.resolve(self.sf, test.left)
            right = test.comparators[0]
            if left.value is None or left.source == "literal":
                return None
            value = unquote(left.value)
            try:
                const = ast.literal_eval(right)
            except (ValueError, SyntaxError, TypeError):
                return None
            op = test.ops[0]
            if isinstance(op, (ast.Gt, ast.GtE, ast.Lt, ast.LtE)) and isinstance(const, (int, float)):
                try:
                    number = float(value)
                except ValueError:
                    return None
                return {ast.Gt: number > const, ast.GtE: number >= const,
                        ast.Lt: number < const, ast.LtE: number <= const}[type(op)]
            if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(const, (int, float)) and not isinstance(const, bool):
                try:
                    same = float(value) == const
                except ValueError:
                    return None
                return same if isinstance(op, ast.Eq) else not same
            if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(const, (str, int, float)):
                same = value == str(const)
                return same if isinstance(op, ast.Eq) else not same
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(const, (list, tuple, set)):
                inside = value in {str(c) for c in const}
                return inside if isinstance(op, ast.In) else not inside
            return None
        if isinstance(test, (ast.Name, ast.Attribute, ast.Subscript)):
            got = self.resolver.resolve(self.sf, test)
            if got.value is None or got.source == "literal":
                return None
            value = unquote(got.value)
            if value in ("True", "False", "None", ""):
                return value == "True"
            try:
                return float(value) != 0
            except ValueError:
                return None
        return None

    def _train_scope(self, node: ast.AST) -> bool:
        return not any(NON_TRAIN_SCOPE.search(name) for name in self.sf.function_names(node))

    def _imported_demo(self, node: ast.AST) -> bool:
        """Inside an imported module's own `__main__` block: that module's demo, not this run."""
        if self.sf.level == 0:
            return False
        cur = self.sf.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, ast.If) and _is_main_guard(cur):
                return True
            cur = self.sf.parents.get(id(cur))
        return False


def _chooses(test: ast.expr) -> bool:
    """A comparison picks one alternative (`args.optimizer == "sgd"`); `is None` / `is not None`
    switches an optional feature on, like a flag (`if args.seed is not None:`)."""
    return any(isinstance(sub, ast.Compare) and not all(isinstance(op, (ast.Is, ast.IsNot)) for op in sub.ops)
               for sub in ast.walk(test))


def _is_main_guard(node: ast.If) -> bool:
    return "__name__" in ast.unparse(node.test) and "__main__" in ast.unparse(node.test)
