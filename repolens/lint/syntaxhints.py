"""Why a line of an old research repository no longer parses: the Python 2 and pre-3.7 forms that
still fill training code (PyTorch 0.3's `.cuda(async=True)`, `except E, e:`), named in RL000's
message so the reader sees the cause and the fix, not only CPython's "invalid syntax" (CPython
already names a Python 2 `print` or `exec` statement itself)."""

from __future__ import annotations

import re

# (pattern over the offending line, what it is and what it is today)
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\basync\s*=|\.async\b|\basync\s*[,)]"),
     "`async` is a reserved word since Python 3.7: PyTorch 0.3's `.cuda(async=True)` is "
     "`.cuda(non_blocking=True)` today"),
    (re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:"), "Python 2's `except E, e:`: `except E as e:` in Python 3"),
    (re.compile(r"`[^`]+`"), "Python 2 backquotes: `repr(...)` in Python 3"),
)


def syntax_hint(source: str, line: int) -> str | None:
    """What the 1-based `line` of `source` holds that Python 3 no longer parses, if it is a known form."""
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    return next((hint for pattern, hint in _HINTS if pattern.search(text)), None)


# A Jinja / cookiecutter tag at the start of a line: `{% if cookiecutter.x == "y" %}`, `{{ name }}_MAP = {`.
_TEMPLATE_TAG = re.compile(r"^\s*(\{%|\{\{|\{#)")


def is_template(source: str, line: int) -> bool:
    """Does the file fail to parse because it is a Jinja template (a tag starts the offending line)?
    Such a file is rendered into Python, never imported as it is: not a syntax error of the project
    (transformers' `templates/adding_a_new_model` copied into microsoft/LoRA: judged wrong)."""
    lines = source.splitlines()
    return 1 <= line <= len(lines) and bool(_TEMPLATE_TAG.match(lines[line - 1]))
