"""Functions that run only when an optional argument is given, and whether anything gives it.

Latent-diffusion's models (vendored by ControlNet, stable-dreamfusion and many more) load weights
in `init_from_ckpt(path)`, which `__init__` calls only under `if ckpt_path is not None:`, with
`ckpt_path=None` its default. A project whose configs and code never pass `ckpt_path` never runs
that load: its RL501 findings were judged not worth a change (ControlNet's two). One level only:
a guarded call must pass the caller's own optional parameter (stable-dreamfusion's copy also calls
`init_from_ckpt` from `load_classifier(self, ckpt_path, pool)`, a required parameter, so by name
the function is called unguarded there and its loads still fire).

Per file (`scan`): the guarded calls (`M|q|owner|index`: a call of M whose first positional
argument is q, inside `if q is not None:` / `if q:` / `if exists(q):`, where q is an optional
parameter of the calling function, default None, at `index` of its `owner`'s signature, or a name
bound by `kwargs.pop("q", None)` / `kwargs.get("q")`), the names called anywhere else, and what
the file gives: keyword arguments other than `q=q` or `q=None`, string keys of dict literals
(`**{"ckpt_path": p}`), attributes read off anything but `self` (`opt.ckpt_path`), command-line
options (`"--ckpt-path"`: `Model(**vars(args))` passes them on) and positional
call widths (`Name:n`: a call of a class or function with n positional arguments, which may fill
an optional parameter by position). Per project (`never_given`): the functions every call of which
is guarded so, by parameters nothing gives, none named by a config file's key either.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from repolens.lint.trainfacts import callee_name, called_names

_GUARDS = frozenset({"exists", "bool"})


@dataclass(frozen=True)
class OptionalArgs:
    guarded: frozenset[str] = frozenset()  # "M|q|owner|index" (index -1: not positional)
    unguarded: frozenset[str] = frozenset()  # names of functions called outside such guards
    given: frozenset[str] = frozenset()  # parameter names something gives
    wide: frozenset[str] = frozenset()  # "Name:n": calls with n >= 2 positional arguments


def _tested(test: ast.expr) -> str | None:
    """The name an `if` tests for being given: `q is not None`, `q`, `exists(q)`."""
    if isinstance(test, ast.Name):
        return test.id
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot) \
            and isinstance(test.left, ast.Name) and isinstance(test.comparators[0], ast.Constant) \
            and test.comparators[0].value is None:
        return test.left.id
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id in _GUARDS \
            and len(test.args) == 1 and isinstance(test.args[0], ast.Name):
        return test.args[0].id
    return None


def _optional(function: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST]) -> dict[str, int]:
    """The function's parameters that default to None, with their position (-1 keyword-only), and
    the names it binds by `kwargs.pop("q", None)` / `kwargs.get("q")` (-1); `nodes`: the function's
    nodes, walked once by the caller."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    out: dict[str, int] = {}
    for i, (a, d) in enumerate(zip(positional[len(positional) - len(args.defaults):], args.defaults)):
        if isinstance(d, ast.Constant) and d.value is None:
            out[a.arg] = len(positional) - len(args.defaults) + i
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if isinstance(d, ast.Constant) and d.value is None:
            out[a.arg] = -1
    for stmt in nodes:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) \
                and stmt.value.func.attr in ("pop", "get") and stmt.value.args \
                and isinstance(stmt.value.args[0], ast.Constant) and stmt.value.args[0].value == stmt.targets[0].id \
                and (len(stmt.value.args) == 1 or isinstance(stmt.value.args[1], ast.Constant)
                     and stmt.value.args[1].value is None):
            out.setdefault(stmt.targets[0].id, -1)
    return out


def scan(tree: ast.Module, calls: Iterable[ast.Call], given_names: Iterable[str], tests_given: bool) -> OptionalArgs:
    """This file's guarded calls, other calls, given names and call widths (see the module doc).
    `calls`: every call of the file; `given_names`: attributes read off anything but `self` and
    string keys of dict literals; `tests_given`: some `if` could test whether a name is given (the
    facts pass's walk collected all three)."""
    guarded: set[str] = set()
    inside: set[int] = set()
    if tests_given:
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                _guarded_in(stmt, stmt.name, guarded, inside)
            elif isinstance(stmt, ast.ClassDef):
                for function in stmt.body:
                    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        owner = stmt.name if function.name == "__init__" else function.name
                        _guarded_in(function, owner, guarded, inside)
    calls = list(calls)
    unguarded = called_names([c for c in calls if id(c) not in inside])
    given: set[str] = set(given_names)
    wide: set[str] = set()
    for call in calls:
        name = callee_name(call)
        for kw in call.keywords:
            value = kw.value
            if kw.arg and not (isinstance(value, ast.Name) and value.id == kw.arg) \
                    and not (isinstance(value, ast.Constant) and value.value is None):
                given.add(kw.arg)
        if name and call.args:
            starred = any(isinstance(a, ast.Starred) for a in call.args)
            wide.add(f"{name}:{99 if starred else len(call.args)}")
    return OptionalArgs(frozenset(guarded), unguarded, frozenset(given), frozenset(wide))


def _guarded_in(function: ast.FunctionDef | ast.AsyncFunctionDef, owner: str, guarded: set[str],
                inside: set[int]) -> None:
    nodes = list(ast.walk(function))
    optional = _optional(function, nodes)
    if not optional:
        return
    for node in nodes:
        if not isinstance(node, ast.If):
            continue
        q = _tested(node.test)
        if q not in optional:
            continue
        for stmt in node.body:
            for call in ast.walk(stmt):
                if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Name) \
                        and call.args[0].id == q and (name := callee_name(call)):
                    guarded.add(f"{name}|{q}|{owner}|{optional[q]}")
                    inside.add(id(call))


def never_given(per_file: Iterable[OptionalArgs], config_keys: Iterable[str]) -> frozenset[str]:
    """Functions every call of which runs only when an optional parameter is given, where nothing in
    the project gives one: no keyword, dict key, option or config key of that name, and no call of
    the owner with enough positional arguments to reach it."""
    files = list(per_file)
    unguarded = frozenset().union(*(f.unguarded for f in files)) if files else frozenset()
    given = frozenset().union(*(f.given for f in files), config_keys) if files else frozenset()
    widths: dict[str, int] = {}
    for f in files:
        for entry in f.wide:
            name, _, n = entry.rpartition(":")
            widths[name] = max(widths.get(name, 0), int(n))
    verdict: dict[str, bool] = {}
    for f in files:
        for entry in f.guarded:
            callee, q, owner, index = entry.split("|")
            # `__init__`'s index counts `self`; a call `Owner(a, b)` fills positions 1 and 2
            reached = int(index) >= 0 and widths.get(owner, 0) >= int(index)
            ok = callee not in unguarded and q not in given and not reached
            verdict[callee] = verdict.get(callee, True) and ok
    return frozenset(name for name, ok in verdict.items() if ok)
