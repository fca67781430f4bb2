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

The same question asked of a branch (`branches`, `never_given_spans`): HRNet's classifier loads in
`init_weights(self, pretrained='')` under `if os.path.isfile(pretrained):`, and its only caller is
`model.init_weights()`; AdaptSegNet's `DeeplabVGG(num_classes, vgg16_caffe_path=None,
pretrained=False)` loads under `if pretrained:` and every construction leaves it out. Such a body
runs only when a parameter with a false default is given, and nothing gives it: dead code, as
`deadcode`'s spans are. A guard counts only where the function never rebinds the parameter
(`pretrained = pretrained or cfg.PRETRAINED` before the test decides nothing).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from repolens.lint.trainfacts import callee_name, called_names

_GUARDS = frozenset({"exists", "bool"})
_PATH_TESTS = frozenset({"isfile", "exists", "isdir"})  # `os.path.isfile(q)`: false for a default ''


@dataclass(frozen=True)
class OptionalArgs:
    guarded: frozenset[str] = frozenset()  # "M|q|owner|index" (index -1: not positional)
    unguarded: frozenset[str] = frozenset()  # names of functions called outside such guards
    given: frozenset[str] = frozenset()  # parameter names something gives
    wide: frozenset[str] = frozenset()  # "Name:n": calls with n >= 2 positional arguments
    # "owner|q|index|first|last": the body of an `if` that runs only when the optional q is given
    branches: frozenset[str] = frozenset()


def _tested(test: ast.expr) -> tuple[str, bool] | None:
    """The name an `if` tests for being given, and whether the test is against None: `q is not None`
    (True), `q`, `exists(q)`, `os.path.isfile(q)` (False: any false default keeps them false)."""
    if isinstance(test, ast.Name):
        return test.id, False
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot) \
            and isinstance(test.left, ast.Name) and isinstance(test.comparators[0], ast.Constant) \
            and test.comparators[0].value is None:
        return test.left.id, True
    if isinstance(test, ast.Call) and len(test.args) == 1 and isinstance(test.args[0], ast.Name) \
            and (isinstance(test.func, ast.Name) and test.func.id in _GUARDS
                 or isinstance(test.func, ast.Attribute) and test.func.attr in _PATH_TESTS):
        return test.args[0].id, False
    return None


def _optional(function: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST]) -> dict[str, tuple[int, bool]]:
    """The function's parameters with a false constant default (None, '', False), with their
    position (-1 keyword-only) and whether that default is None, and the names it binds by
    `kwargs.pop("q", None)` / `kwargs.get("q")` (-1, None); `nodes`: the function's nodes, walked
    once by the caller. A parameter the function binds again is left out: its test decides nothing."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    out: dict[str, tuple[int, bool]] = {}
    for i, (a, d) in enumerate(zip(positional[len(positional) - len(args.defaults):], args.defaults)):
        if isinstance(d, ast.Constant) and not d.value:
            out[a.arg] = (len(positional) - len(args.defaults) + i, d.value is None)
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if isinstance(d, ast.Constant) and not d.value:
            out[a.arg] = (-1, d.value is None)
    popped: set[str] = set()
    rebound: set[str] = set()
    for stmt in nodes:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) \
                and stmt.value.func.attr in ("pop", "get") and stmt.value.args \
                and isinstance(stmt.value.args[0], ast.Constant) and stmt.value.args[0].value == stmt.targets[0].id \
                and (len(stmt.value.args) == 1 or isinstance(stmt.value.args[1], ast.Constant)
                     and stmt.value.args[1].value is None):
            popped.add(stmt.targets[0].id)
        elif isinstance(stmt, ast.Name) and isinstance(stmt.ctx, ast.Store):
            rebound.add(stmt.id)
    for name in popped:
        out.setdefault(name, (-1, True))
    rebound -= popped
    return {name: v for name, v in out.items() if name not in rebound}


def scan(tree: ast.Module, calls: Iterable[ast.Call], given_names: Iterable[str], tests_given: bool) -> OptionalArgs:
    """This file's guarded calls, other calls, given names and call widths (see the module doc).
    `calls`: every call of the file; `given_names`: attributes read off anything but `self` and
    string keys of dict literals; `tests_given`: some `if` could test whether a name is given (the
    facts pass's walk collected all three)."""
    guarded: set[str] = set()
    branches: set[str] = set()
    inside: set[int] = set()
    if tests_given:
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                _guarded_in(stmt, stmt.name, guarded, branches, inside)
            elif isinstance(stmt, ast.ClassDef):
                for function in stmt.body:
                    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        owner = stmt.name if function.name == "__init__" else function.name
                        _guarded_in(function, owner, guarded, branches, inside)
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
    return OptionalArgs(frozenset(guarded), unguarded, frozenset(given), frozenset(wide), frozenset(branches))


def _guarded_in(function: ast.FunctionDef | ast.AsyncFunctionDef, owner: str, guarded: set[str],
                branches: set[str], inside: set[int]) -> None:
    nodes = list(ast.walk(function))
    optional = _optional(function, nodes)
    if not optional:
        return
    for node in nodes:
        if not isinstance(node, ast.If) or (tested := _tested(node.test)) is None:
            continue
        q, against_none = tested
        if q not in optional or against_none and not optional[q][1]:
            continue  # `q is not None` with a default of False holds
        index = optional[q][0]
        branches.add(f"{owner}|{q}|{index}|{node.body[0].lineno}|{node.body[-1].end_lineno or node.body[-1].lineno}")
        if not optional[q][1]:
            continue
        for stmt in node.body:
            for call in ast.walk(stmt):
                if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Name) \
                        and call.args[0].id == q and (name := callee_name(call)):
                    guarded.add(f"{name}|{q}|{owner}|{index}")
                    inside.add(id(call))


def _given_and_widths(files: list[OptionalArgs], config_keys: Iterable[str]) -> tuple[frozenset[str], dict[str, int]]:
    """What the project gives: names (keywords, dict keys, options, config keys) and, per callee,
    its widest positional call."""
    given = frozenset().union(*(f.given for f in files), config_keys) if files else frozenset()
    widths: dict[str, int] = {}
    for f in files:
        for entry in f.wide:
            name, _, n = entry.rpartition(":")
            widths[name] = max(widths.get(name, 0), int(n))
    return given, widths


def _reached(owner: str, index: str, widths: dict[str, int]) -> bool:
    # `__init__`'s index counts `self`; a call `Owner(a, b)` fills positions 1 and 2
    return int(index) >= 0 and widths.get(owner, 0) >= int(index)


def never_given(per_file: Iterable[OptionalArgs], config_keys: Iterable[str]) -> frozenset[str]:
    """Functions every call of which runs only when an optional parameter is given, where nothing in
    the project gives one: no keyword, dict key, option or config key of that name, and no call of
    the owner with enough positional arguments to reach it."""
    files = list(per_file)
    unguarded = frozenset().union(*(f.unguarded for f in files)) if files else frozenset()
    given, widths = _given_and_widths(files, config_keys)
    verdict: dict[str, bool] = {}
    for f in files:
        for entry in f.guarded:
            callee, q, owner, index = entry.split("|")
            ok = callee not in unguarded and q not in given and not _reached(owner, index, widths)
            verdict[callee] = verdict.get(callee, True) and ok
    return frozenset(name for name, ok in verdict.items() if ok)


def never_given_spans(per_file: Iterable[tuple[str, OptionalArgs]], config_keys: Iterable[str],
                      library: bool) -> frozenset[tuple[str, int, int]]:
    """(path, first line, last line) of the branches that run only when an optional parameter is
    given that nothing in the project gives (as `never_given` decides it). In a `library` (the
    project installs as a package) a public function's parameters are its users' to give: BasicSR's
    `SPyNetTOF(load_path=None)` loads a downloaded SPyNet under `if load_path:`, and though nothing in
    BasicSR or EDVR passes one, the three such loads were judged worth acting on."""
    pairs = list(per_file)
    given, widths = _given_and_widths([f for _, f in pairs], config_keys)
    # the function must be called in the project, and so only as seen: one handed to a command-line
    # framework (`fire.Fire(detect)`) or left to a library's users takes its arguments elsewhere
    called = frozenset().union(*(f.unguarded | {g.split("|", 1)[0] for g in f.guarded} for _, f in pairs)) \
        if pairs else frozenset()
    spans: set[tuple[str, int, int]] = set()
    for path, f in pairs:
        for entry in f.branches:
            owner, q, index, first, last = entry.split("|")
            if owner in called and q not in given and not _reached(owner, index, widths) \
                    and not (library and not owner.startswith("_")):
                spans.add((path, int(first), int(last)))
    return frozenset(spans)
