"""One scope's own nodes in an `ast` tree, for the facts pass's readings of a function at a time
(`checkpoints`: what a scope saves and loads; `deadcode.never_taken`: what a scope binds)."""

from __future__ import annotations

import ast
from typing import Iterator

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of a scope's statements, in source order; a nested function or class is yielded but
    not entered (the caller reads it as a scope of its own), a lambda is skipped."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, SCOPES):
            continue
        stack.extend(c for c in reversed(list(ast.iter_child_nodes(node))) if not isinstance(c, ast.Lambda))
