"""`[tool.repolens]` in the analysed project's pyproject.toml: found, parsed and checked.

Every key is checked against the known ones (as ruff does): a typo is an error naming the key,
never a silently ignored setting. Codes are checked later, once the rules are loaded
(`repolens.lint.settings`), because `extend-rules` can add codes.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from repolens.lint.model import Severity

FAIL_ON_VALUES = ("error", "warning", "info", "never")
LINT_KEYS = frozenset({
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
    "target-version", "fail-on", "severity", "rules", "extend-rules",
})
# Tables that belong to the other commands; lint leaves them to their owners.
OTHER_COMMAND_KEYS = frozenset({"probe", "map"})
_VERSION = re.compile(r"^\d+(?:\.\d+){0,2}$")


class ConfigError(Exception):
    """The configuration is unusable; the message names the file and the key."""


# Folders excluded unless `exclude` is set (as ruff excludes `build`, `dist` ...): code its authors
# archived. Judged on real repositories, findings there were not worth a change (BiSeNet's `old/`,
# the original implementation its README says users will not need: 6 findings; MAML-Pytorch's
# `backup/` of unfinished stubs nothing instantiates: 4 findings; face.evoLVe's `backup/`,
# pytorch-seq2seq's `legacy/` of tutorials for a torchtext API that no longer exists; SAINT's
# `old_version/`, imported by nothing: 2 findings, and its torchvision import made the project one
# that "reads images" for RL101); maintained code rarely lives under these names. `extend-exclude`
# adds to them; `exclude` replaces them; a file named on the command line is linted anyway.
DEFAULT_EXCLUDE = ("old/", "old_version/", "old_versions/", "archive/", "archived/", "deprecated/", "backup/",
                   "backups/", "legacy/")


@dataclass(frozen=True)
class LintConfig:
    root: Path  # the project root: the config file's folder (or the analysed folder)
    path: Path | None = None  # the config file, when there is one
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    target_version: tuple[int, ...] | None = None
    fail_on: str | None = None
    severity: Mapping[str, Severity] = field(default_factory=dict)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    extend_rules: tuple[Path, ...] = ()

    @property
    def all_exclude(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude


def _has_table(path: Path) -> bool:
    """True for a `[tool.repolens]` table, and for a broken TOML file that mentions `repolens`:
    `load_config` then rejects it (exit 2) instead of lint running silently without it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return "repolens" in text
    return isinstance(data.get("tool"), dict) and "repolens" in data["tool"]


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a `[tool.repolens]` table, walking up from `start`."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return candidate
    return None


def parse_target_version(value: str) -> tuple[int, ...]:
    if not _VERSION.match(value.strip()):
        raise ValueError(f"{value!r} is not a version like \"2.1\"")
    return tuple(int(p) for p in value.strip().split("."))


def _str_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def load_config(path: Path) -> LintConfig:
    """Parse one config file: a pyproject.toml (`[tool.repolens]`) or a repolens.toml-style file
    whose top level holds the same keys."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if path.name == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {}).get("repolens", {}) if isinstance(data.get("tool"), dict) else {}
        prefix = "tool.repolens"
    else:
        table, prefix = data, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `{prefix}` must be a table")
    return config_from_table(table, path=path, root=path.resolve().parent, prefix=prefix)


def config_from_table(table: Mapping[str, Any], *, path: Path | None, root: Path, prefix: str = "tool.repolens") -> LintConfig:
    where = str(path) if path else "config"

    def key_name(k: str) -> str:
        return f"{prefix}.{k}" if prefix else k

    for key in table:
        if key not in LINT_KEYS and key not in OTHER_COMMAND_KEYS:
            known = ", ".join(sorted(LINT_KEYS | OTHER_COMMAND_KEYS))
            raise ConfigError(f"{where}: unknown key `{key_name(key)}` (known keys: {known})")

    kw: dict[str, Any] = {}
    if "select" in table:
        kw["select"] = _str_list(where, key_name("select"), table["select"])
    for key, attr in (("ignore", "ignore"), ("extend-select", "extend_select"), ("exclude", "exclude"),
                      ("extend-exclude", "extend_exclude")):
        if key in table:
            kw[attr] = _str_list(where, key_name(key), table[key])

    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where}: `{key_name('per-file-ignores')}` must be a table of glob = [codes]")
        kw["per_file_ignores"] = {
            glob: _str_list(where, f"{key_name('per-file-ignores')}.\"{glob}\"", codes) for glob, codes in pfi.items()
        }

    if "target-version" in table:
        value = table["target-version"]
        try:
            if not isinstance(value, str):
                raise ValueError(f"{value!r} is not a string")
            kw["target_version"] = parse_target_version(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: `{key_name('target-version')}`: {exc} (the torch version, e.g. \"2.1\")") from exc

    if "fail-on" in table:
        value = table["fail-on"]
        if value not in FAIL_ON_VALUES:
            raise ConfigError(f"{where}: `{key_name('fail-on')}` must be one of {', '.join(FAIL_ON_VALUES)}, got {value!r}")
        kw["fail_on"] = value

    if "severity" in table:
        sev = table["severity"]
        if not isinstance(sev, dict):
            raise ConfigError(f"{where}: `{key_name('severity')}` must be a table like {{RL102 = \"error\"}}")
        parsed: dict[str, Severity] = {}
        for code, value in sev.items():
            try:
                parsed[code] = Severity.parse(str(value))
            except ValueError:
                raise ConfigError(
                    f"{where}: `{key_name('severity')}.{code}`: {value!r} is not error, warning or info") from None
        kw["severity"] = parsed

    if "rules" in table:
        rules = table["rules"]
        if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
            raise ConfigError(f"{where}: `{key_name('rules')}` must hold one table per rule, like [{key_name('rules')}.RL101]")
        kw["rule_options"] = {code: dict(opts) for code, opts in rules.items()}

    if "extend-rules" in table:
        folders = _str_list(where, key_name("extend-rules"), table["extend-rules"])
        base = path.resolve().parent if path else root
        kw["extend_rules"] = tuple((base / f).resolve() for f in folders)

    return LintConfig(root=root, path=path, **kw)
