"""The data lint produces: severities, findings (the JSON contract), per-file results, rule examples."""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Mapping, Sequence

FixSafety = Literal["safe", "unsafe"]
# The sections every rule doc must have (ruff's shape), checked by the registry.
DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")
# A rule's tier says whether it runs by default. "default": findings an expert acts on in real
# training code (bugs, clear performance wins); "advice": recipe advice, opt-in as a group
# (`--select ADVICE`); "opinion": the seed author's opinions (RL9xx), opt-in (`--select OPINION`).
TIERS = ("default", "advice", "opinion")
# Group selectors: an upper-case word that selects every rule of a tier.
TIER_GROUPS = {"ADVICE": "advice", "OPINION": "opinion"}


def tier_of(rule: Any) -> str:
    """A rule's declared tier; a rule that declares none (a user's) is "default" when on by default."""
    tier = getattr(rule, "tier", "") or ""
    return tier or ("default" if getattr(rule, "default_enabled", True) else "advice")


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]

    @classmethod
    def parse(cls, value: str) -> "Severity":
        v = value.strip().lower()
        aliases = {"e": "error", "w": "warning", "i": "info", "warn": "warning"}
        return cls(aliases.get(v, v))


@dataclass(frozen=True, order=True)
class Finding:
    """One finding. Field order is the sort order: path, line, column, rule."""

    path: str  # posix, relative to the project root
    line: int
    column: int  # 1-based, like ruff and editors
    rule: str
    name: str = field(compare=False)
    severity: Severity = field(compare=False)
    end_line: int = field(compare=False)
    end_column: int = field(compare=False)
    message: str = field(compare=False)
    fixable: bool = field(default=False, compare=False)
    fix_safety: FixSafety | None = field(default=None, compare=False)
    cell: int | None = field(default=None, compare=False)  # notebook cell index, when in a notebook

    def to_json(self) -> dict[str, Any]:
        """The SPEC's JSON contract (plus `cell` for notebooks)."""
        data: dict[str, Any] = {
            "rule": self.rule, "name": self.name, "severity": self.severity.value,
            "path": self.path, "line": self.line, "column": self.column,
            "end_line": self.end_line, "end_column": self.end_column,
            "message": self.message, "fixable": self.fixable,
        }
        if self.cell is not None:
            data["cell"] = self.cell
        return data


@dataclass(frozen=True)
class Expected:
    """A finding an invalid example must produce: its line (1-based, in `Example.code` as
    written: a code that starts with a newline has an empty line 1) and, optionally, its message:
    a substring, or a regular expression searched in it when `regex` is true."""

    line: int
    message: str | None = None
    regex: bool = False

    def matches(self, line: int, message: str) -> bool:
        if line != self.line:
            return False
        if self.message is None:
            return True
        return bool(re.search(self.message, message)) if self.regex else self.message in message


@dataclass(frozen=True)
class Example:
    """A code example embedded in a rule; the test suite runs every one.

    `code` is the file under test (named `path` inside a throwaway project that also holds
    `files`, so project facts and file-name heuristics can be exercised). It runs through the
    per-file pipeline `repolens lint` uses (suppression comments included). An invalid example
    must produce at least one finding of its rule in `code`; with `expect`, exactly the findings
    listed there (Fixit's `Invalid` with a range and a message). If `fixed` is given, applying the
    rule's fixes (unsafe ones included) must turn `code` into exactly `fixed`, and fixing that
    again must change nothing.
    """

    code: str
    fixed: str | None = None
    path: str = "example.py"
    files: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    expect: Sequence[Expected] = ()

    def __post_init__(self) -> None:
        # `(line, message)` pairs for short, and dicts when read back from the catalogue cache
        items = [e if isinstance(e, Expected) else Expected(**e) if isinstance(e, Mapping) else Expected(*e)
                 for e in self.expect]
        object.__setattr__(self, "expect", tuple(items))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FileResult:
    """One file's outcome in a run: its findings, problems and the cache key of its content."""

    rel: str
    findings: tuple[Finding, ...] = ()
    problems: tuple[str, ...] = ()
    mtime_ns: int = 0
    size: int = 0
    digest: str = ""
    parsed: bool = False  # libcst parsed this file in this run
    fixes_applied: int = 0
    diff: str | None = None
    cacheable: bool = True
