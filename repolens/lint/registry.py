"""Load rule classes from folders, by file path: the built-in pack and a user's folders alike.

`rules/` is data the engine loads, never a package imported by name. The wheel ships it as
`repolens/_builtin_rules`; a source checkout falls back to the repository's `rules/`.

Every loaded rule is checked (`validate_rules`): a rule without its four doc sections, without a
valid and an invalid example, with a malformed code or name, or clashing with another rule, is
refused with a `RuleLoadError` that names the file and the problem (the CLI exits 2 on it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from repolens.lint.model import DOC_SECTIONS, TIERS

if TYPE_CHECKING:  # the Rule module imports libcst: loaded only when rule files are
    from repolens.lint.rule import Rule

BUILTIN_CODE = re.compile(r"^RL\d{3}$")
USER_CODE = re.compile(r"^[A-Z]+\d+$")
KEBAB_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
# Codes the engine itself reports (RL000 syntax-error); no rule file may take them.
RESERVED_CODES = frozenset({"RL000"})
RESERVED_NAMES = frozenset({"syntax-error"})


class RuleLoadError(Exception):
    """A rule file or class is unusable (import error, broken metadata)."""


def builtin_rules_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "_builtin_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "rules"


# Loaded modules by resolved file path: a forked worker process inherits them instead of
# executing every rule file again.
_LOADED: dict[str, list[type[Rule]]] = {}


def _load_file(path: Path) -> list[type[Rule]]:
    from repolens.lint.rule import Rule

    resolved = path.resolve()
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise RuleLoadError(f"{path}: unreadable: {exc.strerror or exc}") from exc
    # Keyed by path and version, so an edited rule file is loaded afresh.
    key = f"{resolved}:{stat.st_mtime_ns}:{stat.st_size}"
    if key in _LOADED:
        return list(_LOADED[key])
    # A unique module name per file version, so two folders may hold files of the same name.
    mod_name = "repolens_rules_" + hashlib.sha1(key.encode()).hexdigest()[:12] + "_" + path.stem
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise RuleLoadError(f"{path}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's rule file may raise anything at import
        sys.modules.pop(mod_name, None)
        raise RuleLoadError(f"{path}: {type(exc).__name__}: {exc}") from exc
    found = [
        obj for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == mod_name and obj.code
    ]
    _LOADED[key] = found
    return list(found)


def rule_file(rule: type[Rule]) -> str:
    """Where a rule class was defined, for error messages."""
    try:
        return inspect.getfile(rule)
    except (TypeError, OSError):
        return rule.__qualname__


def load_rules_from(folder: Path) -> list[type[Rule]]:
    """Every Rule subclass defined in `folder/**/*.py` (files starting with `_` are helpers)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RuleLoadError(f"{folder}: rule folder does not exist")
    rules: list[type[Rule]] = []
    for path in sorted(folder.rglob("*.py")):
        if path.name.startswith("_"):
            continue
        rules.extend(_load_file(path))
    return rules


def rule_problems(rule: type[Rule], *, builtin: bool) -> list[str]:
    """What is wrong with one rule class on its own (empty when it is fine)."""
    problems: list[str] = []
    pattern = BUILTIN_CODE if builtin else USER_CODE
    if not isinstance(rule.code, str) or not pattern.match(rule.code):
        expected = "RL followed by three digits" if builtin else "capital letters followed by digits"
        problems.append(f"code {rule.code!r} is malformed (expected {expected}, e.g. "
                        f"{'RL101' if builtin else 'ACME001'})")
    if not isinstance(rule.name, str) or not KEBAB_NAME.match(rule.name):
        problems.append(f"name {rule.name!r} is not kebab-case (lower-case words joined by '-')")
    doc = rule.doc()
    missing = [s for s in DOC_SECTIONS if s not in doc]
    if missing:
        problems.append("docstring lacks the section(s) " + ", ".join(repr(s) for s in missing))
    if not rule.valid:
        problems.append("has no valid example (`valid = [Example(...)]`)")
    if not rule.invalid:
        problems.append("has no invalid example (`invalid = [Example(...)]`)")
    problems.extend(_expectation_problems(rule))
    tier = getattr(rule, "tier", "")
    if tier and tier not in TIERS:
        problems.append(f"tier {tier!r} must be one of {', '.join(TIERS)}")
    elif tier and bool(rule.default_enabled) != (tier == "default"):
        problems.append(f"tier {tier!r} contradicts default_enabled={rule.default_enabled!r}")
    if builtin and not tier:
        problems.append("declares no tier (`tier = \"default\" | \"advice\" | \"opinion\"`)")
    if builtin and not getattr(rule, "tier_reason", ""):
        problems.append("declares no tier_reason (one sentence: why this tier)")
    if rule.fix_safety not in (None, "safe", "unsafe"):
        problems.append(f"fix_safety {rule.fix_safety!r} must be 'safe', 'unsafe' or None")
    return problems


def _expectation_problems(rule: type[Rule]) -> list[str]:
    """`Example.expect` must fit its code: only on invalid examples, on lines the code has, with
    regular expressions that compile (whether the rule meets them is for the example run)."""
    import re

    problems: list[str] = []
    for i, example in enumerate(rule.valid):
        if example.expect:
            problems.append(f"valid example {i} expects findings (`expect` is for invalid examples)")
    for i, example in enumerate(rule.invalid):
        lines = len(example.code.splitlines())
        for e in example.expect:
            if not 1 <= e.line <= lines:
                problems.append(f"invalid example {i} expects a finding on line {e.line}, its code has {lines}")
            if e.regex and e.message is not None:
                try:
                    re.compile(e.message)
                except re.error as exc:
                    problems.append(f"invalid example {i}: expected message {e.message!r} is not a regex ({exc})")
    return problems


def validate_rules(groups: Iterable[tuple[Sequence[type[Rule]], bool]]) -> list[type[Rule]]:
    """Check every rule and their uniqueness across all folders; return them all, in order.

    `groups` is a sequence of (rules, builtin?) pairs. Raises RuleLoadError listing every problem.
    """
    problems: list[str] = []
    by_code: dict[str, type[Rule]] = {}
    by_name: dict[str, type[Rule]] = {}
    out: list[type[Rule]] = []
    for rules, builtin in groups:
        for rule in rules:
            where = f"{rule_file(rule)}: {rule.__name__}"
            problems.extend(f"{where}: {p}" for p in rule_problems(rule, builtin=builtin))
            if rule.code in RESERVED_CODES or rule.name in RESERVED_NAMES:
                problems.append(f"{where}: {rule.code} / {rule.name} is reserved for the engine's syntax-error finding")
            other = by_code.get(rule.code)
            if other is not None and other is not rule:
                problems.append(f"{where}: duplicate code {rule.code} (also {rule_file(other)}: {other.__name__})")
            other = by_name.get(rule.name)
            if other is not None and other is not rule:
                problems.append(f"{where}: duplicate name {rule.name!r} (also {rule_file(other)}: {other.__name__})")
            if rule not in out:
                by_code.setdefault(rule.code, rule)
                by_name.setdefault(rule.name, rule)
                out.append(rule)
    if problems:
        raise RuleLoadError("invalid rule(s):\n  " + "\n  ".join(problems))
    return out


def load_builtin_rules() -> list[type[Rule]]:
    return validate_rules([(load_rules_from(builtin_rules_dir()), True)])


def load_all_rules(extra_folders: Sequence[Path] = ()) -> list[type[Rule]]:
    """The built-in pack plus a user's folders (`extend-rules`), validated together."""
    groups: list[tuple[Sequence[type[Rule]], bool]] = [(load_rules_from(builtin_rules_dir()), True)]
    for folder in extra_folders:
        groups.append((load_rules_from(Path(folder)), False))
    return sorted(validate_rules(groups), key=lambda r: r.code)
