"""The command-line options a file declares (`parser.add_argument(...)`), read once per file for the
rules: what `args.<dest>` holds when the user passes nothing (`--pin-mem` with `action="store_true"`
is off unless asked for; `--weights` defaults to the file a checkpoint loader reads)."""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst

from repolens.lint.traverse import per_file
from repolens.project.cli_options import CliOption, cli_options


def file_options(rule: Any) -> dict[str, CliOption]:
    """The rule's file's options by destination (`--pin-mem` -> "pin_mem"); empty when it declares none."""
    source = rule.context.source
    if "add_argument" not in source or rule.context.module is None:
        return {}

    def read(_module: cst.Module) -> dict[str, CliOption]:
        try:
            return {o.dest: o for o in cli_options(ast.parse(source))}
        except (SyntaxError, ValueError, RecursionError):
            return {}

    return per_file(rule.context.module, "cli_options", read)  # type: ignore[no-any-return]


def off_by_default(rule: Any, expr: cst.BaseExpression) -> bool:
    """`args.pin_mem` / `pin_mem` names an option of this file that is off unless the user turns it
    on: `action="store_true"` without a default, or a literal `default=False` (timm-style `--pin-mem`)."""
    dest = expr.attr.value if isinstance(expr, cst.Attribute) else expr.value if isinstance(expr, cst.Name) else None
    option = file_options(rule).get(dest) if dest else None
    if option is None:
        return False
    if option.default is not None:
        return isinstance(option.default, ast.Constant) and option.default.value is False
    return option.action == "store_true"
