"""Where a `#` comment starts on a line of a shell script or a YAML file: both languages start one
at an unquoted `#` that begins a word (`lr: 0.1  # peak`, `python train.py  # one GPU`), and
neither inside quotes (`tag: 'a # b'`)."""

from __future__ import annotations

from typing import Iterator


def unquoted(text: str) -> Iterator[tuple[int, str]]:
    """(index, character) of the characters outside shell quotes."""
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        else:
            yield i, ch


def strip_hash_comment(line: str) -> str:
    """The line up to an unquoted `#` that starts a word: what the shell runs, what YAML reads."""
    for i, ch in unquoted(line):
        if ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line
