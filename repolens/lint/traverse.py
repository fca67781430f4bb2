"""The engine's traversal: fast children, walks, the batched visit of all rules, the per-file memo.

libcst's own traversal rebuilds and re-validates every node it passes; the rules walk subtrees
often, so the engine reads node fields directly instead (`children_of`). Rule authors use `walk`,
`nodes`, `calls`, `calls_in` and `children_of`; `visit_batched` and `per_file` serve the engine
and the shared analyses.
"""

from __future__ import annotations

import ast
import inspect as _inspect
import textwrap as _textwrap
from typing import Any, Iterator

import libcst as cst

SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def walk(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """Every node under `node` (itself included), depth first, in source order."""
    stack = [node]
    pop, extend = stack.pop, stack.extend
    scopes = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    while stack:
        n = pop()
        yield n
        if not into_scopes and n is not node and isinstance(n, scopes):
            continue
        fn = _CHILDREN.get(type(n))
        kids = fn(n) if fn is not None else children_of(n)
        kids.reverse()
        extend(kids)


def calls_in(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.Call]:
    return (n for n in walk(node, into_scopes=into_scopes) if isinstance(n, cst.Call))


def nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under `node` in source order, not entering nested functions, classes, lambdas."""
    return walk(node, into_scopes=False)


def calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    return (n for n in nodes(node) if isinstance(n, cst.Call))


def class_nodes(cls: cst.ClassDef) -> Iterator[cst.CSTNode]:
    """Nodes of a class body in source order, its methods included, not entering nested classes."""
    stack = list(reversed(children_of(cls.body)))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, cst.ClassDef):
            stack.extend(reversed(children_of(n)))


def statement_nodes(stmt: cst.CSTNode) -> list[cst.CSTNode]:
    """Nodes of one statement; a compound statement contributes only its header expressions."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return list(nodes(stmt))
    heads = [getattr(stmt, a) for a in ("test", "iter", "items") if getattr(stmt, a, None) is not None]
    out: list[cst.CSTNode] = []
    for h in heads:
        for part in (h if isinstance(h, (list, tuple)) else [h]):
            out.extend(nodes(part))
    return out


# -- fast children ------------------------------------------------------------------------------
# libcst's `node.children` rebuilds the node through `_visit_and_replace_children` (a new node,
# validated) to learn its children: about 8 us a node, and rules walk subtrees often. The fields
# that method visits, and their order (the lexical order `children` promises), are read once per
# node class from libcst's own source, and compiled into a small function that reads the fields
# directly. A class whose method is not the plain `return Cls(field=visit_x(self, "field", ...),
# ...)` shape falls back to `.children`; tests/rules/test_helpers.py compares both on real code.
_VISIT_KINDS = {"visit_required": "required", "visit_optional": "optional", "visit_sentinel": "sentinel",
                "visit_sequence": "sequence", "visit_body_sequence": "sequence", "visit_iterable": "sequence"}


def _visit_plan(cls: type) -> tuple[tuple[str, str], ...] | None:
    """((field, kind), ...) in visiting order, () for a leaf, None when the method is not plain."""
    owner = next((c for c in cls.__mro__ if "_visit_and_replace_children" in c.__dict__), None)
    if owner is None:
        return None
    try:
        tree = ast.parse(_textwrap.dedent(_inspect.getsource(owner.__dict__["_visit_and_replace_children"])))
    except (OSError, TypeError, SyntaxError):
        return None
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstring
    if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Name) \
            and body[0].value.id == "self":
        return ()
    if not body or not isinstance(body[-1], ast.Return) or not isinstance(body[-1].value, ast.Call) \
            or body[-1].value.args:
        return None
    for stmt in body[:-1]:  # `names = self.names`: a local alias, nothing visited
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Attribute)
                and isinstance(stmt.value.value, ast.Name) and stmt.value.value.id == "self"):
            return None
    plan = []
    for kw in body[-1].value.keywords:
        v = kw.value
        if isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id == "self":
            continue  # a plain value copied as is (`star="*"`): not a node
        visits = [c for c in ast.walk(v) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
                  and c.func.id in _VISIT_KINDS]
        fields = {c.args[1].value if len(c.args) >= 3 and isinstance(c.args[1], ast.Constant) else None
                  for c in visits}
        if fields != {kw.arg}:
            return None
        kinds = {_VISIT_KINDS[c.func.id] for c in visits}
        plan.append((kw.arg, kinds.pop() if len(kinds) == 1 and v is visits[0] else "any"))
    return tuple(plan)


def _compile_children(cls: type) -> Any:
    plan = _visit_plan(cls)
    if plan is None:
        return lambda node: node.children
    lines = ["def children(node):", "    out = []"]
    for name, kind in plan:
        lines.append(f"    v = node.{name}")
        if kind == "required":
            lines.append("    out.append(v)")
        elif kind == "sequence":
            lines.append("    out.extend(v)")
        elif kind == "optional":
            lines.append("    if v is not None: out.append(v)")
        else:  # a sentinel, or a field visited one way or another
            lines.append("    if isinstance(v, CSTNode): out.append(v)")
            lines.append("    elif isinstance(v, (list, tuple)): out.extend(v)")
    lines.append("    return out")
    scope: dict[str, Any] = {"CSTNode": cst.CSTNode}
    exec("\n".join(lines), scope)  # our own text, built from field names of libcst's classes
    return scope["children"]


_CHILDREN: dict[type, Any] = {}


# -- the batched traversal, without rebuilding nodes ----------------------------------------------
def visit_batched(module: cst.Module, visitors: Any) -> bool:
    """Call every visitor's `visit_<Node>` / `leave_<Node>` methods over `module`, in libcst's order.

    What `MetadataWrapper(module).visit_batched(visitors)` does for visitors that declare no
    metadata and no attribute visitors (`visit_Call_func`), but walking with `children_of`
    instead of libcst's `visit`, which rebuilds (and re-validates) every node it passes. Returns
    False, having done nothing, when some visitor needs more than that: the caller then uses libcst.
    """
    visit: dict[str, list[Any]] = {}
    leave: dict[str, list[Any]] = {}
    for v in visitors:
        if getattr(v, "METADATA_DEPENDENCIES", ()):
            return False
        for name, method in v.get_visitors().items():
            kind, _, node_type = name.partition("_")
            if "_" in node_type:
                return False  # an attribute visitor: libcst calls it mid-node
            (visit if kind == "visit" else leave).setdefault(node_type, []).append(method)
    stack: list[Any] = [(module, False)]
    pop, append = stack.pop, stack.append
    table = _CHILDREN
    while stack:
        node, leaving = pop()
        name = type(node).__name__
        if leaving:
            for method in leave.get(name, ()):
                method(node)
            continue
        for method in visit.get(name, ()):
            method(node)
        append((node, True))
        fn = table.get(type(node))
        kids = fn(node) if fn is not None else children_of(node)
        for child in reversed(kids):
            append((child, False))
    return True


# -- per-file memo ------------------------------------------------------------------------------
# Several rules ask the same question of the whole file (its training loops, its functions by
# name, its bindings). Nodes are immutable, so the first answer is kept for the file being linted:
# one slot, holding the module itself (so its id cannot be reused by another file's module).
_MEMO_MODULE: list[Any] = [None]
_MEMO: dict[str, Any] = {}


def per_file(module: cst.Module, key: str, compute: Any) -> Any:
    """`compute(module)`, computed once per parsed module and `key`."""
    if _MEMO_MODULE[0] is not module:
        _MEMO_MODULE[0] = module
        _MEMO.clear()
    if key not in _MEMO:
        _MEMO[key] = compute(module)
    return _MEMO[key]


def children_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children`, in the same (lexical) order, without rebuilding the node."""
    fn = _CHILDREN.get(type(node))
    if fn is None:
        fn = _CHILDREN[type(node)] = _compile_children(type(node))
    return fn(node)


def functions_by_name(module: cst.Module) -> dict[str, list[cst.FunctionDef]]:
    """Every function and method of the file by name (a name may be defined more than once)."""
    if isinstance(module, cst.Module):
        return per_file(module, "functions_by_name", _functions_by_name)
    return _functions_by_name(module)


def _functions_by_name(module: cst.CSTNode) -> dict[str, list[cst.FunctionDef]]:
    out: dict[str, list[cst.FunctionDef]] = {}
    for n in walk(module):
        if isinstance(n, cst.FunctionDef):
            out.setdefault(n.name.value, []).append(n)
    return out
