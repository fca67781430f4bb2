"""The source line a finding points at (for baseline fingerprints), files read once each."""

from __future__ import annotations

from typing import Mapping

from repolens.discover.notebook import NotebookError, load_notebook
from repolens.discover.source import read_source
from repolens.lint.model import Finding
from repolens.lint.targets import Target


class SourceLineReader:
    def __init__(self, targets: Mapping[str, Target]) -> None:
        self._targets = targets
        self._lines: dict[str, list[str]] = {}
        self._cells: dict[str, dict[int, int]] = {}

    def _load(self, rel: str) -> None:
        target = self._targets.get(rel)
        text = read_source(target.path).text if target is not None else None
        if text is not None and target is not None and target.kind == "notebook":
            try:
                nb = load_notebook(text)
            except NotebookError:
                text = None
            else:
                self._cells[rel] = {c.index: c.first_line for c in nb.cells}
                text = nb.code
        self._lines[rel] = (text or "").splitlines()

    def line(self, finding: Finding) -> str:
        if finding.path not in self._lines:
            self._load(finding.path)
        line = finding.line
        if finding.cell is not None:
            line = self._cells.get(finding.path, {}).get(finding.cell, 1) + finding.line - 1
        lines = self._lines[finding.path]
        return lines[line - 1] if 0 < line <= len(lines) else ""
