"""The `github` format: GitHub Actions workflow commands, one annotation per finding.

    ::warning file=train.py,line=12,col=14,endLine=12,endColumn=43,title=RL101 dataloader-pin-memory::message

Escaping follows the Actions toolkit: in the message `%`, CR and LF are percent-encoded; in a
property value `:` and `,` are too. A notebook's cell lines are not lines of the `.ipynb` file,
so a notebook finding becomes a file-level annotation whose message names the cell and line.
"""

from __future__ import annotations

from typing import Sequence

from repolens.lint.model import Finding, Severity
from repolens.textsafe import printable
from repolens.output.findings._common import display_cell, ordered

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    # then the other control characters (an escape sequence in a file name), as `\x1b`
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props: list[tuple[str, object]] = [("file", f.path)]
    message = f.message
    cell = display_cell(f)
    if cell is None:
        props += [("line", f.line), ("col", f.column), ("endLine", f.end_line), ("endColumn", f.end_column)]
    else:
        message = f"cell {cell}, line {f.line}, col {f.column}: {message}"
    props.append(("title", f"{f.rule} {f.name}"))
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    return f"::{_COMMAND.get(f.severity, 'warning')} {joined}::{escape_data(message)}"


def render_github(findings: Sequence[Finding]) -> str:
    return "".join(annotation(f) + "\n" for f in ordered(findings))
