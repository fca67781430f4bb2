"""Jupyter notebooks as Python: the code cells joined into one virtual module, with a line map.

IPython syntax (`%magic`, `!shell`, `?help`, `%%cell magics`) is not Python: those lines become
`pass` statements (same line count, so positions map back), an assignment of a command's output
(`files = !ls`, `t = %timeit -o f()`) becomes `files = None`, an automagic written without its
`%` (`cd ..`, `pip install timm`: a line that is no Python) becomes `pass`, and a cell magic
blanks its cell. A course notebook's fill-in blank (`model =`, `criterion = # TODO: define the
loss`, `x = pass`) becomes `model = ...`: the exercise left for the student, not a syntax error to
report (Udacity's deep-learning notebooks: 16 such RL000 findings, none worth a change), and the
rest of the notebook is linted. So does a function whose body the student writes: a one-line `def`
followed by nothing but comments (`def softmax(x):` then `## TODO: implement`) gets a `...` body,
but only in a cell that does not parse as written and parses with it (three more RL000 findings in
Udacity's notebooks, none worth a change); any other syntax error of the cell is still reported.
A line inside an open bracket is never a magic (`print('%03d'` then `      %(epoch))`), and a cell
whose first line is indented loses that indentation, as IPython runs it, when it only parses so.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from dataclasses import dataclass

_MAGIC_LINE = re.compile(r"^(\s*)([%!?]|[\w*][\w.*]*\?\??\s*$)")  # `obj?`, the wildcard search `torch.*Tensor?`
# Automagics and shell aliases IPython runs without `%` (`cd ..`, `pip install timm`, `ls -l`):
# only a line that is not valid Python on its own is taken for one (`ls = []` stays Python).
_AUTOMAGIC = re.compile(r"^(\s*)(?:cd|pip|conda|mamba|pwd|env|set_env|load_ext|reload_ext|autoreload|matplotlib"
                        r"|run|time|timeit|ls|ll|mkdir|rmdir|rm|cp|mv|cat)\s+\S")
# `files = !ls`, `t = %timeit -o f()`: IPython binds the output of a shell command or a line magic
_MAGIC_ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]")
# `model =`, `criterion = # TODO ...`, `x = pass`: an exercise's blank for the student to fill
_BLANK_ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*(?:pass\s*)?(#.*)?$")


# `def softmax(x):` / `def f(a, b) -> int:  # TODO`: a one-line function header, its comment apart
_DEF_HEADER = re.compile(r"^(\s*)(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->[^:#]*)?:(\s*(?:#.*)?)$")


class NotebookError(ValueError):
    """The file is not a readable notebook (bad JSON, no cells)."""


@dataclass(frozen=True)
class NotebookCell:
    index: int  # position among all the notebook's cells (as Jupyter numbers them from 0)
    first_line: int  # 1-based line of the cell's first line in the virtual module
    line_count: int


@dataclass(frozen=True)
class NotebookSource:
    code: str
    cells: tuple[NotebookCell, ...]

    def locate(self, line: int) -> tuple[int, int]:
        """Map a virtual-module line to (cell index, 1-based line inside the cell)."""
        for cell in self.cells:
            if cell.first_line <= line < cell.first_line + cell.line_count:
                return cell.index, line - cell.first_line + 1
        last = self.cells[-1] if self.cells else NotebookCell(0, 1, 1)
        return last.index, max(1, line - last.first_line + 1)


def _neutralize(line: str) -> str:
    m = _MAGIC_LINE.match(line)
    if m:
        return f"{m.group(1)}pass  # ipython: {line.strip()}"
    m = _MAGIC_ASSIGNMENT.match(line)
    if m:  # the name stays bound (to None) for the lines that use it
        return f"{m.group(1)}{m.group(2)} = None  # ipython: {line.strip()}"
    m = _AUTOMAGIC.match(line)
    if m and not _parses(line.strip()):
        return f"{m.group(1)}pass  # ipython: {line.strip()}"
    m = _BLANK_ASSIGNMENT.match(line)
    if m:
        return f"{m.group(1)}{m.group(2)} = ...  # exercise blank: {line.strip()}"
    return line


def _parses(statement: str) -> bool:
    try:
        ast.parse(statement)
    except SyntaxError:
        return False
    return True


def _neutralize_lines(cell_lines: list[str]) -> list[str]:
    """Each magic line becomes `pass`; a `!shell` or `%magic` line that ends in `\\` goes on to the
    next line (`!python export.py --weights w.pt \\` then `    --grid --simplify`), and so do
    its continuation lines: those become blank lines. A line inside an open bracket of the lines
    before it is Python, whatever it starts with (`print('Epoch: %03d' ` then `      %(epoch, n))`:
    stat453's and dlwpt's notebooks, seven RL000 findings judged wrong)."""
    out: list[str] = []
    continued = False
    for i, line in enumerate(cell_lines):
        if continued:
            out.append("")
        else:
            neutral = _neutralize(line)
            if neutral != line and i and _inside_brackets(out):
                neutral = line
            out.append(neutral)
            if neutral == line:
                continue
        continued = line.rstrip().endswith("\\")
    return out


def _inside_brackets(lines: list[str]) -> bool:
    """Do `lines` end inside an open bracket (or a backslash continuation): is the next line a
    continuation of their last statement? Asked only of a line that looks like a magic."""
    text = "\n".join(lines) + "\n"
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            pass
    except tokenize.TokenError:
        return True  # "EOF in multi-line statement"
    except (SyntaxError, ValueError):
        return False  # an unterminated string or a bad dedent: not a bracket left open
    return False


def _strip_leading_indent(cell_lines: list[str]) -> list[str]:
    """IPython removes the indentation of a cell's first line from every line of the cell (its
    `leading_indent` transform): ` import torch` runs. Applied only where the cell does not parse
    as written and does without it (n-gram.ipynb's one-space first line: RL000 judged wrong); the
    cell's columns then count from the stripped text."""
    prefix = cell_lines[0][:_indent(cell_lines[0])] if cell_lines and cell_lines[0].strip() else ""
    if not prefix or _parses("\n".join(cell_lines)):
        return cell_lines
    out = [line[len(prefix):] if line.startswith(prefix) else line for line in cell_lines]
    return out if _parses("\n".join(out)) else cell_lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _fill_empty_bodies(cell_lines: list[str]) -> list[str]:
    """A cell that does not parse because a function's body is an exercise (comments only, or
    nothing) gets `...` after each such header: same lines, so positions still map back. Kept only
    when the cell then parses; otherwise the cell is left as it was and its error is reported."""
    out = list(cell_lines)
    for i, line in enumerate(cell_lines):
        m = _DEF_HEADER.match(line)
        if not m:
            continue
        body = next((x for x in cell_lines[i + 1:] if x.strip() and not x.lstrip().startswith("#")), None)
        if body is None or _indent(body) <= _indent(line):
            comment = m.group(2)
            out[i] = line[:len(line) - len(comment)] + " ..." + comment
    if out == cell_lines:  # no empty body: nothing to parse here (most cells)
        return cell_lines
    return out if not _parses("\n".join(cell_lines)) and _parses("\n".join(out)) else cell_lines


def load_notebook(text: str) -> NotebookSource:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"broken notebook: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        raise NotebookError("broken notebook: no 'cells' list")
    lines: list[str] = []
    cells: list[NotebookCell] = []
    for index, cell in enumerate(doc["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        cell_lines = str(source).splitlines() or [""]
        if cell_lines[0].lstrip().startswith("%%"):
            cell_lines = [f"pass  # ipython cell magic: {cell_lines[0].strip()}"] + [""] * (len(cell_lines) - 1)
        else:
            cell_lines = _fill_empty_bodies(_strip_leading_indent(_neutralize_lines(cell_lines)))
        cells.append(NotebookCell(index, len(lines) + 1, len(cell_lines)))
        lines.extend(cell_lines)
    code = "\n".join(lines) + ("\n" if lines else "")
    return NotebookSource(code, tuple(cells))
