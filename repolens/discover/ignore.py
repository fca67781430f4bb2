"""gitignore-style pattern matching, for `.gitignore` files and the `exclude` setting.

A small, dependency-free subset of git's rules that covers what real projects write: comments,
negation (`!`), directory-only patterns (`dir/`), anchored patterns (`/build`, `a/b`), `*`, `?`,
`[...]` and `**`. Nested `.gitignore` files apply below their own folder, as in git.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IgnorePattern:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    base: str  # posix folder the pattern is relative to ("" for the root)


def _glob_to_regex(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if c == "*":
            if glob[i : i + 3] == "**/":
                out.append("(?:.*/)?")
                i += 3
                continue
            if glob[i : i + 2] == "**":
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = glob.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = glob[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse_patterns(lines: list[str], base: str = "") -> list[IgnorePattern]:
    patterns: list[IgnorePattern] = []
    for raw in lines:
        line = raw.rstrip("\n").rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        line = line.rstrip()
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        # A slash anywhere but the end anchors the pattern to its base folder.
        anchored = "/" in line
        line = line.lstrip("/")
        body = _glob_to_regex(line)
        prefix = "" if anchored else "(?:.*/)?"
        patterns.append(
            IgnorePattern(re.compile(f"^{prefix}{body}(?:/.*)?$"), negated, dir_only, base)
        )
    return patterns


class IgnoreMatcher:
    """Answers "is this relative path ignored?" for a growing set of pattern files."""

    def __init__(self, patterns: list[IgnorePattern] | None = None) -> None:
        self._patterns: list[IgnorePattern] = list(patterns or [])

    def extend(self, patterns: list[IgnorePattern]) -> None:
        self._patterns.extend(patterns)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        result = False
        for pat in self._patterns:
            if pat.base:
                if not rel.startswith(pat.base + "/"):
                    continue
                sub = rel[len(pat.base) + 1 :]
            else:
                sub = rel
            if pat.dir_only and not is_dir:
                # `build/` still ignores `build/x.py`: match the file's parent folders.
                parent = sub.rsplit("/", 1)[0] if "/" in sub else ""
                if not parent or not pat.regex.match(parent):
                    continue
            elif not pat.regex.match(sub):
                continue
            result = not pat.negated
        return result
