"""The `text` format: ruff's layout, one block per finding, files in order.

    train.py:12:14: RL101 [*] [warning] DataLoader without pin_memory=True ...
       |
    12 |     loader = DataLoader(ds, batch_size=32)
       |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
       |

`path:line:col` comes first so terminals and editors make it a link. The same rich `Text`
lines serve both modes: plain text (no escape codes) or ANSI colour through a rich Console.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from repolens.lint.model import Finding, Severity
from repolens.textsafe import printable, printable_same_width

if TYPE_CHECKING:  # the rule classes need libcst; formatting never does
    from repolens.lint.rule import Rule
from repolens.output.findings._common import (
    SourceLines, display_cell, has_safe_fix, has_unsafe_fix, ordered,
)

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def location(f: Finding) -> str:
    cell = display_cell(f)
    where = f"cell {cell}:" if cell is not None else ""
    return f"{printable(f.path)}:{where}{f.line}:{f.column}"


def _header(f: Finding) -> Text:
    text = Text()
    text.append(location(f), style="bold")
    text.append(": ")
    text.append(f.rule, style="bold red")
    if has_safe_fix(f):
        text.append(" [*]", style="cyan")
    text.append(" ")
    text.append(f"[{f.severity.value}]", style=_SEVERITY_STYLE.get(f.severity, ""))
    text.append(" ")
    text.append(printable(f.message))
    return text


def _underline(line: str, f: Finding) -> str:
    """Carets under the span, measured in terminal cells (tabs kept, wide characters counted twice)."""
    start = min(max(f.column - 1, 0), len(line))
    end = f.end_column - 1 if f.end_line == f.line else len(line.rstrip())
    end = min(max(end, start), len(line))
    prefix = "".join(ch if ch == "\t" else " " * cell_len(ch) for ch in line[:start])
    return prefix + "^" * max(1, cell_len(line[start:end]))


def _snippet(line: str, f: Finding) -> list[Text]:
    number = str(f.line)
    gutter = " " * len(number) + " |"
    return [
        Text(gutter, style="blue"),
        Text.assemble((f"{number} |", "blue"), " " + printable_same_width(line) if line else ""),
        Text.assemble((gutter, "blue"), (" " + _underline(line, f), "bold red")),
        Text(gutter, style="blue"),
    ]


def summary(findings: Sequence[Finding]) -> str:
    if not findings:
        return "All checks passed!"
    n = len(findings)
    safe = sum(1 for f in findings if has_safe_fix(f))
    unsafe = sum(1 for f in findings if has_unsafe_fix(f))
    parts = []
    if safe:
        parts.append(f"{safe} fixable with --fix")
    if unsafe:
        parts.append(f"{unsafe} more with --unsafe-fixes")
    extra = f" ({'; '.join(parts)})" if parts else ""
    return f"Found {n} finding{'s' if n != 1 else ''}{extra}."


def render_text(
    findings: Sequence[Finding], *, root: Path, rules: Mapping[str, type[Rule]], color: bool = False,
) -> str:
    del rules  # the finding carries everything this format shows
    sources = SourceLines(root)
    lines: list[Text] = []
    for f in ordered(findings):
        lines.append(_header(f))
        source_line = sources.line(f)
        if source_line is not None:
            lines.extend(_snippet(source_line.rstrip("\r\n"), f))
        lines.append(Text(""))
    lines.append(Text(summary(findings), style="bold"))
    if not color:
        return "".join(line.plain + "\n" for line in lines)
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=True, color_system="standard", width=10_000,
        highlight=False, emoji=False, markup=False, soft_wrap=True,
    )
    for line in lines:
        console.print(line)
    return buffer.getvalue()
