"""Text from the analysed repository (file names, source lines, messages quoting them), made safe
to print on a terminal or a CI log.

A file name may hold a newline or an escape sequence: printed raw, `x\\n::error file=...` starts a
forged GitHub Actions annotation (Actions reads workflow commands from stdout and stderr) and
`\\x1b]...` drives the terminal. Control characters (C0 but tab, DEL, C1), Unicode line/paragraph
separators and bidirectional overrides (the "Trojan Source" characters) are shown escaped.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def printable(text: str) -> str:
    """`text` with every unsafe character as a backslash escape (`\\n`, `\\x1b`, `\\u202e`)."""
    return _UNSAFE.sub(_escape, text)


def printable_same_width(line: str) -> str:
    """A source line with each unsafe character replaced by U+FFFD: columns stay where they were
    (the carets under a finding are measured on the original line)."""
    return _UNSAFE.sub("\ufffd", line)
