"""Dotted names of libcst expressions (kept apart so that `ast` users never import libcst)."""

from __future__ import annotations

import libcst as cst


def cst_dotted_name(node: cst.CSTNode | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None (calls, subscripts ...)."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None
