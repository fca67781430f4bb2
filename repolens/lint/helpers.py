"""Shared syntax helpers for rule authors: arguments, literals, fixes, names.

Rules import these by module name (`from repolens.lint.helpers import keyword_arg`). Everything
here is pure (no I/O, no state) and works on libcst nodes, so rules stay small and read like their
docs. Walking a subtree is `repolens.lint.traverse`; PyTorch knowledge is `repolens.lint.knowledge`.
"""

from __future__ import annotations

import ast
from typing import Any, Sequence

import libcst as cst

from repolens.lint.traverse import walk
from repolens.pyindex.aliases import cst_dotted_name

NOT_LITERAL: Any = object()  # sentinel: the expression is not a constant
_EMPTY = cst.Module([])


# -- arguments -----------------------------------------------------------------------------------
def has_star_args(call: cst.Call) -> bool:
    """True when the call passes `*args` or `**kwargs`: any keyword may already be in there."""
    return any(a.star for a in call.args)


def scope_name(function_stack: Sequence[str], class_stack: Sequence[str]) -> str | None:
    """The project model's name of the scope being visited: "<module>", "main", "Trainer.fit";
    None inside a nested function (the model reads top-level functions and methods only)."""
    if not function_stack:
        return "<module>"
    if len(function_stack) == 1:
        return f"{class_stack[-1]}.{function_stack[0]}" if class_stack else function_stack[0]
    return None


def star_kwargs(rule: Any, call: cst.Call) -> Any:
    """The dict a call's single `**name` passes, when the project model read it whole.

    `DataLoader(ds, **train_kwargs)` with `train_kwargs = {"batch_size": 64}` (and any
    `.update({...})` of it in the same scope) gives that `KwargsDict`: its keys, the source of
    their values, and which keys only some paths set. None for `*args`, several `**`, a dict the
    model could not read completely, or a scope it does not read.
    """
    stars = [a for a in call.args if a.star]
    if len(stars) != 1 or stars[0].star != "**" or not isinstance(stars[0].value, cst.Name):
        return None
    scope = scope_name(getattr(rule, "function_stack", ()), getattr(rule, "class_stack", ()))
    if scope is None:
        return None
    found = rule.facts.model.kwargs_dict(rule.context.path, scope, stars[0].value.value)
    return found if found is not None and found.complete else None


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a
    return None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def argument(call: cst.Call, name: str, position: int | None = None) -> cst.Arg | None:
    """The argument bound to parameter `name` (by keyword, or by `position` when given)."""
    found = keyword_arg(call, name)
    if found is not None:
        return found
    if position is not None:
        pos = positional_args(call)
        if len(pos) > position:
            return pos[position]
    return None


def add_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """`call` with `name=value` appended, keeping the call's layout (one line or one arg a line)."""
    new_arg = cst.Arg(
        value=cst.parse_expression(value),
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    if not isinstance(last.comma, cst.Comma):
        # The space before `)` (a newline and the closing indent) moves behind the new argument:
        # `f(a, b\n)` becomes `f(a, b, name=value\n)`.
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                                     whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new_arg.with_changes(whitespace_after_arg=last.whitespace_after_arg))
        return call.with_changes(args=args)
    after = last.comma.whitespace_after
    if not isinstance(after, cst.ParenthesizedWhitespace):  # `f(a, b,)` on one line
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new_arg.with_changes(comma=last.comma))
        return call.with_changes(args=args)
    # One argument a line with a trailing comma: the new argument goes on its own line, indented
    # like the others; a comment after the old last argument stays on its line.
    line = next((a.comma.whitespace_after for a in reversed(args[:-1])
                 if isinstance(a.comma, cst.Comma) and isinstance(a.comma.whitespace_after, cst.ParenthesizedWhitespace)),
                call.whitespace_before_args)
    indent = line.last_line if isinstance(line, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace("")
    args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=cst.ParenthesizedWhitespace(
        first_line=after.first_line, empty_lines=after.empty_lines, indent=True, last_line=indent)))
    args.append(new_arg.with_changes(comma=cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=(), indent=after.indent, last_line=after.last_line))))
    return call.with_changes(args=args)


# -- literals and names --------------------------------------------------------------------------
def literal(node: cst.CSTNode | None) -> Any:
    """The constant value of `node` (True, 0, 0.5, "train", -1 ...), else NOT_LITERAL."""
    if node is None:
        return NOT_LITERAL
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)) or (
        isinstance(node, cst.UnaryOperation) and isinstance(node.expression, (cst.Integer, cst.Float))
    ):
        try:
            return ast.literal_eval(code_of(node))
        except (ValueError, SyntaxError):
            return NOT_LITERAL
    return NOT_LITERAL


def code_of(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node).strip()


def dotted(node: cst.CSTNode | None) -> str | None:
    return cst_dotted_name(node)


def last_segment(node: cst.CSTNode | None) -> str | None:
    """`self.train_loader` -> `train_loader`; `loaders["train"]` -> `train`; else the dotted tail."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            key = literal(index.value)
            if isinstance(key, str):
                return key
        return last_segment(node.value)
    name = cst_dotted_name(node)
    return name.rsplit(".", 1)[-1] if name else None


def call_name(call: cst.Call) -> str | None:
    """Last segment of the called name: `T.RandomCrop(...)` -> `RandomCrop`, `x.float().div(2)` -> `div`."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def root_name(node: cst.CSTNode) -> str | None:
    """The variable an expression hangs off: `batch["x"]`, `batch.x`, `batch[0][1]` -> `batch`."""
    while isinstance(node, (cst.Subscript, cst.Attribute)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def target_names(target: cst.BaseExpression) -> list[str]:
    """Names bound by an assignment / loop target (tuples and lists unpacked, starred included)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in target.elements:
            value = el.value
            out.extend(target_names(value))
        return out
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def method_name(call: cst.Call) -> str | None:
    """`x.forward(...)` -> `forward`; None when the callee is not an attribute."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def receiver(call: cst.Call) -> cst.BaseExpression | None:
    """`opt.step()` -> `opt`; None when the callee is not an attribute."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def self_attribute(node: cst.CSTNode | None) -> str | None:
    """`self.layers` -> `layers`; else None."""
    if (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == "self"):
        return node.attr.value
    return None


def class_methods(node: cst.ClassDef) -> list[cst.FunctionDef]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return [s for s in body if isinstance(s, cst.FunctionDef)]


def has_stub_body(func: cst.FunctionDef) -> bool:
    """A body with nothing to run: `pass`, `...`, a docstring, `raise NotImplementedError`."""
    body = func.body.body if isinstance(func.body, cst.IndentedBlock) else (func.body,)
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            return False
        for small in stmt.body:
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString,
                                                                         cst.ConcatenatedString)):
                continue
            if isinstance(small, cst.Raise) and small.exc is not None \
                    and "NotImplementedError" in cst.Module([]).code_for_node(small.exc):
                continue
            return False
    return True


def is_assignment_target(stmt: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Is `node` the target of an assignment in the simple statement `stmt`?"""
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Assign) and any(t.target is node for t in small.targets):
                return True
            if isinstance(small, (cst.AnnAssign, cst.AugAssign)) and small.target is node:
                return True
    return False


def appended(stmt: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """`layers.append(x)` as a statement -> ("layers", x)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
        call = stmt.body[0].value
        if isinstance(call, cst.Call) and method_name(call) == "append" and len(call.args) == 1:
            owner = dotted(receiver(call))
            if owner:
                return owner, call.args[0].value
    return None


# Wrappers whose first argument is what a `for` loop really iterates.
ITER_WRAPPERS = frozenset({"enumerate", "tqdm", "iter", "track", "progress_bar", "islice", "auto"})


def unwrap_iter(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`enumerate(tqdm(loader))` -> `loader`."""
    while isinstance(expr, cst.Call) and call_name(expr) in ITER_WRAPPERS and positional_args(expr):
        expr = positional_args(expr)[0].value
    return expr


def moves_to_device(node: cst.CSTNode) -> bool:
    """Does this code call `.to(...)` or `.cuda(...)` anywhere?"""
    return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("to", "cuda")
               for n in walk(node))


def is_main_guard(node: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":` (either operand order)."""
    if not isinstance(node, cst.If) or not isinstance(node.test, cst.Comparison):
        return False
    test = node.test
    if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = {cst_dotted_name(test.left) or literal(test.left),
             cst_dotted_name(test.comparisons[0].comparator) or literal(test.comparisons[0].comparator)}
    return sides == {"__name__", "__main__"}


def turns_grad_off(expr: cst.BaseExpression, qualified: bool = False) -> bool:
    """`torch.no_grad()`, `torch.inference_mode()` (not `inference_mode(False)`), a bare decorator
    `@torch.no_grad`, a project wrapper named for one (ultralytics' `smart_inference_mode()`), by the
    called name's last part; `qualified`: the caller resolved the name to one of torch's (an alias)."""
    func = expr.func if isinstance(expr, cst.Call) else expr
    last = (cst_dotted_name(func) or "").rsplit(".", 1)[-1]
    if not (qualified or "no_grad" in last or "inference_mode" in last):
        return False
    if isinstance(expr, cst.Call) and expr.args and expr.args[0].keyword is None:
        return literal(expr.args[0].value) is not False  # inference_mode(False) turns it off
    return True


def disables_grad(call: cst.Call, qualified: bool = False) -> bool:
    """`torch.set_grad_enabled(False)`, by the called name's last part; `qualified`: the caller
    resolved the name to torch's (an alias). As a statement, gradients stay off from there on."""
    last = (cst_dotted_name(call.func) or "").rsplit(".", 1)[-1]
    return (qualified or last == "set_grad_enabled") and bool(call.args) and literal(call.args[0].value) is False

