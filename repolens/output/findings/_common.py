"""What every findings format shares: the output order, fix status, and the source lines.

Positions follow the Finding contract: `line`/`column` are 1-based, `end_column` is exclusive
(a one-character span has end_column == column + 1). A notebook finding (`cell` set) counts
lines inside its cell; `cell` is the 0-based index among all the notebook's cells, and people
are shown it 1-based ("cell 3" is the third cell, as Jupyter lays them out).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from repolens.discover.source import read_source
from repolens.lint.model import Finding, Severity

if TYPE_CHECKING:  # the rule classes need libcst; formatting never does
    from repolens.lint.rule import Rule

# Codes the engine itself reports, with no rule class behind them.
ENGINE_CODES: Mapping[str, str] = {
    "RL000": "The file could not be parsed, so no rule could check it.",
}


def sort_key(f: Finding) -> tuple:
    """Path, (cell), line, column, code; then the rest so that equal positions stay stable."""
    return (f.path, -1 if f.cell is None else f.cell, f.line, f.column, f.rule,
            f.end_line, f.end_column, f.message)


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=sort_key)


def has_safe_fix(f: Finding) -> bool:
    return f.fixable and f.fix_safety != "unsafe"


def has_unsafe_fix(f: Finding) -> bool:
    return f.fixable and f.fix_safety == "unsafe"


def display_cell(f: Finding) -> int | None:
    return None if f.cell is None else f.cell + 1


def rule_name(code: str, findings: Sequence[Finding], rules: Mapping[str, type[Rule]]) -> str:
    rule = rules.get(code)
    if rule is not None:
        return rule.name
    return next((f.name for f in findings if f.rule == code), code)


def rule_severity(code: str, findings: Sequence[Finding], rules: Mapping[str, type[Rule]]) -> Severity:
    rule = rules.get(code)
    if rule is not None:
        return rule.severity
    return next((f.severity for f in findings if f.rule == code), Severity.ERROR)


class SourceLines:
    """Source lines of the reported files, each file read at most once; None when unknown."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, list[str] | dict[int, list[str]] | None] = {}

    def line(self, f: Finding) -> str | None:
        lines = self._lines(f.path, f.cell)
        if lines is None or not 1 <= f.line <= len(lines):
            return None
        return lines[f.line - 1]

    def _lines(self, path: str, cell: int | None) -> list[str] | None:
        if path not in self._files:
            self._files[path] = self._load(path)
        loaded = self._files[path]
        if cell is None:
            return loaded if isinstance(loaded, list) else None
        return loaded.get(cell) if isinstance(loaded, dict) else None

    def _load(self, path: str) -> list[str] | dict[int, list[str]] | None:
        source = read_source(self.root / path)
        if source.text is None:
            return None
        if not path.endswith(".ipynb"):
            return source.text.splitlines()
        # The cells as the user wrote them (magics included), by their index in the notebook.
        try:
            cells = json.loads(source.text).get("cells")
        except (ValueError, AttributeError):
            return None
        if not isinstance(cells, list):
            return None
        by_index: dict[int, list[str]] = {}
        for index, cell in enumerate(cells):
            if isinstance(cell, dict):
                text = cell.get("source", "")
                text = "".join(str(s) for s in text) if isinstance(text, list) else str(text)
                by_index[index] = text.splitlines()
        return by_index
