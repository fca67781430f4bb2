"""Semgrep-style annotations in the realistic test files of the rule pack, read one way everywhere.

A comment line `# ruleid: a, b` stands above the line on which rules a and b must fire; `# ok: a`
above a line on which a must not. One comment may hold both (`# ok: x  # ruleid: y`), and stacked
annotation comments all apply to the next line that is not a comment.
"""

from __future__ import annotations

import re
from typing import Collection

ANNOTATION = re.compile(r"\b(ruleid|ok):\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)")
# Annotations name rules ("no-seed", "no-lr-scheduler"): blanked out of the text under test so they
# never count as the project-wide text signals some rules look for.
COMMENT = re.compile(r"#\s*(?:ruleid|ok):.*")


def parse_annotations(text: str, known: Collection[str]) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """({(line, rule name)} that must fire, {(line, rule name)} that must not)."""
    lines = text.splitlines()
    must: set[tuple[int, str]] = set()
    must_not: set[tuple[int, str]] = set()
    for index, line in enumerate(lines):
        if not line.lstrip().startswith("#"):
            continue
        found = ANNOTATION.findall(line)
        if not found:
            continue
        target = index + 1
        while target < len(lines) and lines[target].lstrip().startswith("#"):
            target += 1
        for kind, names in found:
            for name in (n.strip() for n in names.split(",")):
                assert name in known, f"line {index + 1}: unknown rule name {name!r}"
                (must if kind == "ruleid" else must_not).add((target + 1, name))
    return must, must_not


def strip_annotations(text: str) -> str:
    return COMMENT.sub("#", text)
