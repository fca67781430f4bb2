"""`parser.add_argument(...)` calls read statically: one reading for the map's training recipe and
the probe's constructor arguments, so both name an option's destination the way argparse does."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class CliOption:
    dest: str  # the attribute argparse stores it under (`--learning-rate` -> learning_rate)
    options: tuple[str, ...]  # the option strings as written (`-b`, `--batch-size`)
    default: ast.expr | None  # the `default=` expression, when written
    action: str | None  # a literal `action=` ("store_true", ...)
    type_name: str | None  # `type=int` -> "int", when a bare name
    required: bool  # a literal `required=True`
    node: ast.Call


def cli_option(node: ast.Call) -> CliOption | None:
    """The option an `add_argument` call declares, or None when it is not one (no literal name)."""
    if not (isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"):
        return None
    options = tuple(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    if not options:
        return None
    kws = {kw.arg: kw.value for kw in node.keywords if kw.arg}
    dest_node = kws.get("dest")
    if isinstance(dest_node, ast.Constant) and isinstance(dest_node.value, str):
        dest = dest_node.value
    else:
        # argparse: the first long option, else the first one, without dashes, `-` -> `_`.
        longs = [o for o in options if o.startswith("--")]
        dest = (longs[0] if longs else options[0]).lstrip("-").replace("-", "_")
    action = kws.get("action")
    kind = kws.get("type")
    required = kws.get("required")
    return CliOption(
        dest=dest, options=options, default=kws.get("default"),
        action=action.value if isinstance(action, ast.Constant) and isinstance(action.value, str) else None,
        type_name=kind.id if isinstance(kind, ast.Name) else None,
        required=isinstance(required, ast.Constant) and required.value is True,
        node=node,
    )


def cli_options(tree: ast.AST) -> list[CliOption]:
    """Every option the tree declares, in source order."""
    found = [cli_option(n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return sorted((o for o in found if o is not None), key=lambda o: (o.node.lineno, o.node.col_offset))
