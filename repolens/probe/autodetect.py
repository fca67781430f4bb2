"""With no model named: find nn.Module classes whose constructor needs no arguments (static, `ast`).

Nothing is imported or executed here; the child process builds the candidate and infers its input
from its first layer. The top-level model is preferred: a class that no other candidate builds.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from repolens.discover import files as discover_files
from repolens.discover.source import read_source
from repolens.project.frameworks import MODULE
from repolens.project.model import ProjectModel
from repolens.project.moduleinfo import import_prefix, module_info

_SKIP_PARTS = {"tests", "test", "testing", "docs", "examples", "benchmarks", "scripts"}


@dataclass(frozen=True)
class Candidate:
    target: str  # "rel/path.py:Class"
    path: str
    line: int
    name: str
    why: str
    built_by_others: bool
    size: int  # lines of the class body: bigger networks first among equals
    helper: bool = False  # an activation, sampler, wrapper, loss...: not the model to probe


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_base_name(node.value)}.{node.attr}"
    return ""


def _init_needs_args(cls: ast.ClassDef) -> bool | None:
    """True/False from the class's own __init__; None when it has none (it inherits one)."""
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            args = item.args
            positional = args.posonlyargs + args.args
            required = len(positional) - len(args.defaults) - 1  # minus self
            kw_required = sum(1 for d in args.kw_defaults if d is None)
            return required > 0 or kw_required > 0
    return None


_HELPER_WORDS = ("sampler", "wrapper", "inference", "predictor", "loss", "activation", "swish", "mish", "gelu",
                 "identity", "ema", "lambda", "hook", "metric", "criterion", "scheduler", "dataset", "loader")
_LAYER_CALLS = {"Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "Embedding", "LSTM", "GRU", "RNN",
                "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder", "Parameter"}


def _is_helper(cls: ast.ClassDef, modules: set[str]) -> bool:
    """An activation, a sampler or an inference wrapper: no layer of its own and no project module built,
    or a name that says it is one."""
    lowered = cls.name.lower()
    if any(word in lowered for word in _HELPER_WORDS):
        return True
    called = _called_names(cls)
    return not (called & _LAYER_CALLS) and not (called & modules)


def _called_names(cls: ast.ClassDef) -> set[str]:
    return {n.func.id if isinstance(n.func, ast.Name) else n.func.attr
            for n in ast.walk(cls) if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))}


def _called_written(cls: ast.ClassDef) -> set[str]:
    """Calls in a class's body as written (`Block`, `models.Block`): resolved by the project model."""
    return {w for n in ast.walk(cls) if isinstance(n, ast.Call) and (w := _base_name(n.func))}


def find_candidates(root: str | Path) -> list[Candidate]:
    root = Path(root)
    # (file, class): two files of a collection may both define `Generator`, one with arguments
    classes: dict[tuple[str, str], ast.ClassDef] = {}
    infos = []
    prefix = import_prefix(root)
    for entry in discover_files.discover(root).python_files:
        rel = entry.rel
        text = read_source(entry.path).text
        if text is None:
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        infos.append(module_info(rel, text, tree, prefix))  # every file: bases may live anywhere
        parts = set(Path(rel).parts[:-1])
        if parts & _SKIP_PARTS or Path(rel).name.startswith("test_"):
            continue
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                classes.setdefault((rel, node.name), node)
    # nn.Module subclasses: the project model answers, through imports and bases across files
    model = ProjectModel(infos)
    modules = {key for key in classes if model.class_kind(*key) == MODULE}

    def needs_args(key: tuple[str, str], seen: frozenset[tuple[str, str]] = frozenset()) -> bool:
        own = _init_needs_args(classes[key])
        if own is not None:
            return own
        info = model.classes(key[0]).get(key[1])
        for base in info.bases if info is not None else ():
            d = model.module_class(base, key[0])  # the base this file imports, not any class of that name
            if d is not None and (d.rel, d.name) in modules and (d.rel, d.name) not in seen:
                return needs_args((d.rel, d.name), seen | {key})
        return False

    built: set[tuple[str, str]] = set()
    for key in modules:
        for written in _called_written(classes[key]):
            d = model.module_class(model.qualify(written, key[0]), key[0])
            if d is not None and (d.rel, d.name) != key:
                built.add((d.rel, d.name))
    names = {name for _, name in modules}
    out = []
    for key in sorted(modules, key=lambda k: (k[1], k[0])):
        if needs_args(key):
            continue
        rel, name = key
        node = classes[key]
        size = (node.end_lineno or node.lineno) - node.lineno
        why = f"{rel}:{node.lineno}: class {name}(nn.Module) needs no constructor arguments"
        out.append(Candidate(f"{rel}:{name}", rel, node.lineno, name, why, key in built, size,
                             _is_helper(node, names - {name})))
    out.sort(key=lambda c: (c.helper, c.built_by_others, -c.size, c.path, c.line))
    return out
