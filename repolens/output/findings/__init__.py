"""Findings formatters for `repolens lint`: one module per `--format`, all pure functions of
the findings (plus the source files they point at), returning the text the CLI prints.

    render(findings, "text" | "json" | "sarif" | "github", root=..., rules=..., color=False)
    render_statistics(findings, rules)   # --statistics
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from repolens.lint.model import Finding

if TYPE_CHECKING:  # the rule classes need libcst; formatting never does
    from repolens.lint.rule import Rule
from repolens.output.findings.github import render_github
from repolens.output.findings.json import render_json
from repolens.output.findings.sarif import render_sarif
from repolens.output.findings.statistics import render_statistics
from repolens.output.findings.text import render_text

FORMATS = ("text", "json", "sarif", "github")


def render(
    findings: Sequence[Finding], fmt: str, *, root: Path, rules: Mapping[str, type[Rule]],
    color: bool = False,
) -> str:
    """The findings in format `fmt`; raises ValueError for an unknown format."""
    if fmt == "text":
        return render_text(findings, root=Path(root), rules=rules, color=color)
    if fmt == "json":
        return render_json(findings)
    if fmt == "sarif":
        return render_sarif(findings, root=Path(root), rules=rules)
    if fmt == "github":
        return render_github(findings)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "render", "render_statistics"]
