"""Load rule classes from folders, by file path: the built-in pack and a user's folders alike.

`rules/` is data the engine loads, never a package imported by name. The wheel ships it as
`repolens/_builtin_rules`; a source checkout falls back to the repository's `rules/`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from pathlib import Path

from repolens.lint.rule import Rule


class RuleLoadError(Exception):
    """A rule file or class is unusable (import error, broken metadata)."""


def builtin_rules_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "_builtin_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "rules"


def _load_file(path: Path) -> list[type[Rule]]:
    # A unique module name per file path, so two folders may hold files of the same name.
    mod_name = "repolens_rules_" + hashlib.sha1(str(path).encode()).hexdigest()[:12] + "_" + path.stem
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise RuleLoadError(f"{path}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's rule file may raise anything at import
        raise RuleLoadError(f"{path}: {type(exc).__name__}: {exc}") from exc
    return [
        obj for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == mod_name and obj.code
    ]


def load_rules_from(folder: Path) -> list[type[Rule]]:
    """Every Rule subclass defined in `folder/**/*.py` (files starting with `_` are helpers)."""
    rules: list[type[Rule]] = []
    for path in sorted(folder.rglob("*.py")):
        if path.name.startswith("_"):
            continue
        rules.extend(_load_file(path))
    return rules


def load_builtin_rules() -> list[type[Rule]]:
    return load_rules_from(builtin_rules_dir())
