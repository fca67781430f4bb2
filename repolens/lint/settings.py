"""The resolved settings of one lint run: config file + command line -> rules, options, hash.

This is where codes are checked against the loaded rules (select, ignore, per-file-ignores,
severity overrides, rule options): an unknown code or option is a `ConfigError`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from repolens import __version__
from repolens.lint.catalogue import SYNTAX_ERROR, RuleInfo, load_catalogue, rule_classes
from repolens.lint.config import ConfigError, LintConfig
from repolens.lint.model import Severity
from repolens.lint.selection import (SelectionError, SelectionLayer, check_selectors, matches_any,
                                     select_rules)


@dataclass(frozen=True)
class LintSettings:
    root: Path
    rules: tuple[RuleInfo, ...]  # the enabled rules, sorted by code
    catalogue: tuple[RuleInfo, ...]  # every loaded rule (RL000 included), sorted by code
    rule_dirs: tuple[Path, ...] = ()  # the user's rule folders (the built-in one is implied)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    target_version: tuple[int, ...] | None = None
    report_syntax_errors: bool = True
    fail_on: str = "warning"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rules)

    def rule_by_code(self) -> dict[str, RuleInfo]:
        """Every rule by code, with the configured severity (what formatters and SARIF show)."""
        return {r.code: replace(r, severity=self.severity_of(r)) for r in self.catalogue}

    def severity_of(self, rule: RuleInfo) -> Severity:
        return self.severity.get(rule.code, rule.severity)

    def rule_classes(self) -> list[Any]:
        """The enabled rules' classes (loads their files: only when a file must really be linted)."""
        return rule_classes(self.rules)

    def ignored_for_path(self, rel: str) -> tuple[str, ...]:
        """Selectors that per-file-ignores applies to this file (ruff: glob on the path or file name)."""
        return path_ignores(self.per_file_ignores, rel)

    def is_ignored(self, rel: str, code: str, name: str) -> bool:
        return matches_any(self.ignored_for_path(rel), code, name)

    def fingerprint(self) -> str:
        """What the cached results depend on besides the file itself: tool, rules and settings."""
        h = hashlib.sha256()
        h.update(__version__.encode())
        for rule in self.rules:
            h.update(rule.code.encode())
            h.update(_file_digest(rule.file).encode())
        h.update(json.dumps({
            "severity": {k: v.value for k, v in sorted(self.severity.items())},
            "options": {k: dict(v) for k, v in sorted(self.options.items())},
            "pfi": list(self.per_file_ignores),
            "target": self.target_version,
            "syntax": self.report_syntax_errors,
        }, sort_keys=True, default=repr).encode())
        return h.hexdigest()[:20]


def path_ignores(per_file_ignores: Iterable[tuple[str, Sequence[str]]], rel: str) -> tuple[str, ...]:
    """The selectors of the per-file-ignores whose glob matches `rel` (the path or the file name;
    a folder covers everything below it)."""
    out: list[str] = []
    base = rel.rsplit("/", 1)[-1]
    for glob, codes in per_file_ignores:
        g = glob[2:] if glob.startswith("./") else glob
        if (fnmatch.fnmatchcase(rel, g) or ("/" not in g.rstrip("/") and fnmatch.fnmatchcase(base, g))
                or rel.startswith(g.rstrip("/") + "/")):  # a folder covers everything below it
            out.extend(codes)
    return tuple(out)


def _class_file(rule: Any) -> str:
    from repolens.lint.registry import rule_file

    return rule_file(rule)


_DIGESTS: dict[str, str] = {}


def _file_digest(path: str) -> str:
    if path not in _DIGESTS:
        try:
            _DIGESTS[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            _DIGESTS[path] = "?"
    return _DIGESTS[path]


def resolve_settings(
    config: LintConfig,
    *,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    rules: Sequence[Any] | None = None,
    catalogue_cache: Path | None = None,
) -> LintSettings:
    """Combine the config file and the command line. Raises ConfigError (the CLI exits 2) and
    RuleLoadError (a rule file is invalid).

    `rules` (classes or RuleInfo) replaces the loaded catalogue: tests pass their own tiny rules.
    `catalogue_cache` is a folder where the rules' metadata may be cached.
    """
    if rules is None:
        infos = load_catalogue(config.extend_rules, catalogue_cache)
    else:
        infos = [r if isinstance(r, RuleInfo) else RuleInfo.from_class(r, _class_file(r)) for r in rules]
    rules = sorted(infos, key=lambda r: r.code)
    catalogue = sorted([SYNTAX_ERROR, *[r for r in rules if r.code != SYNTAX_ERROR.code]], key=lambda r: r.code)
    where = str(config.path) if config.path else "config"
    engine = (SYNTAX_ERROR.code, SYNTAX_ERROR.name)
    try:
        for key, values in (("select", config.select or ()), ("extend-select", config.extend_select),
                            ("ignore", config.ignore)):
            check_selectors(values, rules, f"{where}: `{key}`", engine)
        for glob, codes in config.per_file_ignores.items():
            check_selectors(codes, rules, f"{where}: `per-file-ignores.\"{glob}\"`", engine)
        for key, values in (("--select", select or ()), ("--extend-select", extend_select), ("--ignore", ignore)):
            check_selectors(values, rules, key, engine)
    except SelectionError as exc:
        raise ConfigError(str(exc)) from None

    known = {r.code: r for r in catalogue}
    for code in config.severity:
        if code not in known:
            raise ConfigError(f"{where}: `severity.{code}`: unknown rule code")
    options: dict[str, dict[str, Any]] = {}
    for code, opts in config.rule_options.items():
        rule = known.get(code)
        if rule is None:
            raise ConfigError(f"{where}: `rules.{code}`: unknown rule code")
        for key in opts:
            if key not in rule.options:
                allowed = ", ".join(sorted(rule.options)) or "none"
                raise ConfigError(f"{where}: `rules.{code}.{key}`: unknown option (options of {code}: {allowed})")
        options[code] = dict(opts)

    layers = [SelectionLayer(config.select, config.extend_select, config.ignore),
              SelectionLayer(tuple(select) if select is not None else None, tuple(extend_select), tuple(ignore))]
    enabled = select_rules(rules, layers)
    all_ignores = (*config.ignore, *ignore)
    syntax_on = not any(s in engine for s in all_ignores)
    return LintSettings(
        root=config.root,
        rules=tuple(r for r in enabled if r.code != SYNTAX_ERROR.code),
        catalogue=tuple(catalogue),
        rule_dirs=tuple(config.extend_rules),
        severity=dict(config.severity),
        options=options,
        per_file_ignores=tuple((g, tuple(c)) for g, c in config.per_file_ignores.items()),
        exclude=config.all_exclude,
        target_version=config.target_version,
        report_syntax_errors=syntax_on,
        fail_on=fail_on or config.fail_on or "warning",
    )


__all__ = ["LintSettings", "resolve_settings", "SYNTAX_ERROR"]
