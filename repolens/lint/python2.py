"""A project written in Python 2 gets one syntax-error finding, not one per file.

Each file with a Python 2 statement (`print x`, `exec code`, `except E, e:`, backquotes, `0777`)
fails to parse on Python 3, and RL000 reported each one. On a Python 2 project that is the same
fact N times: two-stream-action-recognition gave eight findings, deepcluster and
PyTorch-ActorCritic two each, all judged not worth a change one by one (the project has to be
ported, not a line fixed). A run with two or more such files reports them once: at a training
script among them (`train*.py`, `main.py`; else the first by path), saying how many files are Python 2 code and naming
the others. Files that fail for any other reason (a typo, `.cuda(async=True)`, which parsed up to
Python 3.6) keep their own findings.

A file the project also ships ported is not reported at all: a file of the same path inside a
folder named for a newer Python or PyTorch (`pytorch_0.4/`, `V100_python1.0/`, `py3/`) that parses.
AdaptSegNet's and PC-DARTS's top-level Python 2 scripts, whose Python 3 ports sit in such a folder,
were judged not worth a change (three findings, the thirty-fifth and thirty-sixth sets).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Sequence

from repolens.lint.catalogue import SYNTAX_ERROR
from repolens.lint.model import Finding

# What CPython and `syntaxhints` say of a form only Python 2 accepts.
PYTHON2_MARKERS = ("Missing parentheses in call to 'print'", "Missing parentheses in call to 'exec'",
                   "Python 2's", "Python 2 backquotes", "leading zeros in decimal integer literals")
MAX_NAMED = 8
# A folder holding a port to a newer Python or PyTorch: `pytorch_0.4`, `V100_python1.0`, `py3`, `torch1.0`.
PORT_FOLDER = re.compile(r"(?:^|[_-])(?:py|python|pytorch|torch)[_-]?\d", re.I)


def is_python2_error(finding: Finding) -> bool:
    return finding.rule == SYNTAX_ERROR.code and any(m in finding.message for m in PYTHON2_MARKERS)


def collapse_python2(findings: Sequence[Finding]) -> list[Finding]:
    """The findings with every Python 2 syntax error of the run folded into one, when there are two
    or more."""
    py2 = sorted((f for f in findings if is_python2_error(f)), key=lambda f: (f.path, f.line))
    if len(py2) < 2:
        return list(findings)
    keep = next((f for f in py2 if _stem(f.path).startswith("train") or _stem(f.path) == "main"), py2[0])
    others = [f"{f.path}:{f.line}" for f in py2 if f is not keep]
    named = ", ".join(others[:MAX_NAMED]) + (f" and {len(others) - MAX_NAMED} more" if len(others) > MAX_NAMED else "")
    detail = keep.message.removeprefix("syntax error: ")
    merged = replace(keep, message=f"syntax error: {len(py2)} files of this project are Python 2 code, which Python 3 "
                                   f"cannot parse, so no rule checked them: port them (2to3) or exclude them. "
                                   f"Here: {detail}; also {named}")
    return [f for f in findings if not is_python2_error(f)] + [merged]


def drop_ported(findings: Sequence[Finding], files: Iterable[str]) -> list[Finding]:
    """The findings less the syntax errors of files the project ships ported (a file of the same
    path under a PORT_FOLDER, which parses)."""
    broken = {f.path for f in findings if f.rule == SYNTAX_ERROR.code}
    if not broken:
        return list(findings)
    ported: set[str] = set()
    for rel in files:
        parts = rel.split("/")
        if rel not in broken:
            ported.update("/".join(parts[:i] + parts[i + 1:]) for i, part in enumerate(parts[:-1])
                          if PORT_FOLDER.search(part))
    return [f for f in findings if not (f.rule == SYNTAX_ERROR.code and f.path in ported)]


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
