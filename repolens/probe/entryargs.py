"""The arguments the main entrypoint builds the core model with, read statically (nothing imported).

The map's call graph gives the call site (`train.py:197`) of the core model's constructor; that call
is read with `ast`: literal arguments, and `args.X` (any `name.X`) whose argparse option `--X` in
the same file has a literal default (converted by its `type`, as argparse does; `store_true` ->
False). Positional arguments are named from the class's `__init__`. What cannot be resolved is left
out and listed, so the constructor's own default applies or the probe says which argument is missing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repolens.discover.source import read_source
from repolens.project.cli_options import cli_options


@dataclass(frozen=True)
class EntryArgs:
    site: str  # "train.py:197"
    kwargs: dict[str, Any]
    unresolved: tuple[str, ...]  # arguments whose value is not a literal nor an argparse default

    def describe(self, name: str) -> str:
        if not self.kwargs:
            return f"the arguments {self.site} gives {name} are not resolved statically: {', '.join(self.unresolved)}"
        shown = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        rest = f"; not resolved: {', '.join(self.unresolved)}" if self.unresolved else ""
        return f"built with {name}({shown}) as {self.site} builds it{rest}"


_MISSING = object()


def _parse(path: Path) -> ast.Module | None:
    text = read_source(path).text
    if text is None:
        return None
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING


def argparse_defaults(tree: ast.Module) -> dict[str, Any]:
    """dest -> default of every optional `add_argument` in the file whose default is known."""
    out: dict[str, Any] = {}
    for option in cli_options(tree):
        if option.required:
            continue
        if option.default is not None:
            value = _literal(option.default)
        elif option.action in ("store_true", "store_false"):
            value = option.action == "store_false"
        else:
            value = None  # argparse's own default
        if isinstance(value, str) and option.type_name in ("int", "float"):
            try:
                value = int(value) if option.type_name == "int" else float(value)
            except ValueError:
                value = _MISSING
        if value is not _MISSING:
            out.setdefault(option.dest, value)
    return out


def _init_params(tree: ast.Module | None, name: str) -> list[str]:
    for node in tree.body if tree is not None else ():
        if isinstance(node, ast.ClassDef) and node.name == name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    return [a.arg for a in item.args.posonlyargs + item.args.args][1:]
    return []


def _call_at(tree: ast.Module, line: int, name: str) -> ast.Call | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno <= line <= (node.end_lineno or node.lineno):
            func = node.func
            written = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if written == name:
                return node
    return None


def entry_args(root: Path, site: tuple[str, int], core: tuple[str, str]) -> EntryArgs | None:
    """The arguments of the call to `core` (file, class) at `site` (file, line); None when that call
    cannot be read."""
    tree = _parse(root / site[0])
    call = _call_at(tree, site[1], core[1]) if tree is not None else None
    if call is None:
        return None
    defaults = argparse_defaults(tree)
    params = _init_params(_parse(root / core[0]), core[1])
    kwargs: dict[str, Any] = {}
    unresolved: list[str] = []

    def resolve(key: str, node: ast.expr) -> None:
        value = _literal(node)
        if value is _MISSING and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            value = defaults.get(node.attr, _MISSING)  # args.classes -> --classes's default
        if value is _MISSING:
            unresolved.append(key)
        else:
            kwargs[key] = value

    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred) or i >= len(params):
            unresolved.append(f"positional argument {i + 1}")
            break
        resolve(params[i], arg)
    for kw in call.keywords:
        if kw.arg is None:
            unresolved.append("**" + ast.unparse(kw.value))
        else:
            resolve(kw.arg, kw.value)
    return EntryArgs(f"{site[0]}:{site[1]}", kwargs, tuple(unresolved))
