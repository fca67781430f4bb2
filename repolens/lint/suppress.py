"""Stage 5, suppressions: `# repolens: ignore[RL101, RL102]` comments and per-file-ignores.

Reading the comments, dropping the reports they (or a per-file-ignore) silence, and writing the
comments for `--add-suppressions`.

A finding is suppressed by a comment on its first line, or on the first or last line of the
logical line (statement) that holds it: a long call split over lines can carry the comment
where a formatter leaves it. Comments are found with `tokenize`, so text inside strings never counts.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from repolens.lint.selection import matches_any

if TYPE_CHECKING:
    from repolens.lint.model import Finding
    from repolens.lint.rule import Report, Rule
    from repolens.lint.targets import Target

MARKER = "repolens:"
_COMMENT = re.compile(r"#\s*repolens:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
ALL = ("ALL",)


@dataclass(frozen=True)
class SuppressionMap:
    comments: Mapping[int, tuple[str, ...]]  # line -> selectors ("ALL" for a bare ignore)
    starts: Sequence[int]  # first line of every logical line, sorted
    ends: Sequence[int]  # last line of the same logical lines

    def statement(self, line: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, line) - 1
        if i >= 0 and self.starts[i] <= line <= self.ends[i]:
            return self.starts[i], self.ends[i]
        return line, line

    def suppresses(self, line: int, code: str, name: str) -> bool:
        first, last = self.statement(line)
        for ln in {line, first, last}:
            selectors = self.comments.get(ln)
            if selectors is not None and matches_any(selectors, code, name):
                return True
        return False


def _parse_selectors(group: str | None) -> tuple[str, ...]:
    if group is None:
        return ALL
    parts = tuple(p.strip() for p in group.split(",") if p.strip())
    return parts or ALL


def logical_lines(source: str) -> tuple[list[int], list[int], dict[int, str]]:
    """(starts, ends, comments by line) of a source that tokenizes; best effort otherwise."""
    starts: list[int] = []
    ends: list[int] = []
    comments: dict[int, str] = {}
    start: int | None = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string
                continue
            if tok.type in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if tok.type == tokenize.NEWLINE:
                if start is not None:
                    starts.append(start)
                    ends.append(tok.start[0])
                start = None
                continue
            if start is None:
                start = tok.start[0]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return starts, ends, comments


def suppression_map(source: str) -> SuppressionMap | None:
    """None when the file has no suppression comment at all (the common, cheap case)."""
    if MARKER not in source:
        return None
    starts, ends, comments = logical_lines(source)
    parsed: dict[int, tuple[str, ...]] = {}
    for line, text in comments.items():
        m = _COMMENT.search(text)
        if m:
            parsed[line] = _parse_selectors(m.group(1))
    if not parsed:
        return None
    return SuppressionMap(parsed, starts, ends)


def unsuppressed(reports: Iterable[Report], by_code: Mapping[str, type[Rule]], ignored: Sequence[str], rel: str,
                 code: str, line_of: Callable[[Report], int]) -> list[Report]:
    """Reports that survive per-file-ignores (`ignored`: the selectors that apply to `rel`) and
    suppression comments."""
    smap = suppression_map(code)
    out = []
    for r in reports:
        rule = by_code[r.code]
        if ignored and matches_any(ignored, rule.code, rule.name):
            continue
        if smap is not None and smap.suppresses(line_of(r), rule.code, rule.name):
            continue
        out.append(r)
    return out


def add_suppressions(source: str, findings: Iterable[tuple[int, str]]) -> str:
    """Write `# repolens: ignore[CODE]` for each (line, code) at the end of its logical line.

    The end of a logical line is the one place where a comment is always legal (never inside a
    multi-line string or after a backslash). An existing repolens comment there is extended.
    """
    starts, ends, comments = logical_lines(source)
    by_line: dict[int, set[str]] = {}
    for line, code in findings:
        i = bisect.bisect_right(starts, line) - 1
        target = ends[i] if i >= 0 and starts[i] <= line <= ends[i] else line
        by_line.setdefault(target, set()).add(code)
    if not by_line:
        return source
    lines = source.splitlines(keepends=True)
    for line, codes in by_line.items():
        if line < 1 or line > len(lines):
            continue
        raw = lines[line - 1]
        body = raw.rstrip("\r\n")
        ending = raw[len(body):]
        comment = comments.get(line)
        m = _COMMENT.search(comment) if comment else None
        if m:
            existing = _parse_selectors(m.group(1))
            if existing == ALL:
                continue
            merged = ", ".join(sorted(set(existing) | codes))
            col = body.rfind(comment)  # the comment token is the line's tail
            new_comment = comment[: m.start()] + f"# repolens: ignore[{merged}]" + comment[m.end():]
            body = body[:col] + new_comment
        else:
            body = body + f"  # repolens: ignore[{', '.join(sorted(codes))}]"
        lines[line - 1] = body + ending
    return "".join(lines)


@dataclass(frozen=True)
class SuppressionsWritten:
    added: int = 0  # (line, rule) comments written
    files: int = 0  # files changed
    problems: tuple[str, ...] = field(default=())  # "path: why not" for files left alone


def write_suppressions(findings: Iterable[Finding], targets: Sequence[Target], *,
                       skip_rules: Iterable[str] = ()) -> SuppressionsWritten:
    """`--add-suppressions`: write a comment for every finding into its file (atomically).

    Notebooks, files that cannot be rewritten losslessly and findings of `skip_rules` (a syntax
    error: the file does not parse) are left alone.
    """
    from repolens.atomic import write_atomic
    from repolens.discover.source import encode_source, read_source, snapshot

    skip = set(skip_rules)
    by_rel = {t.rel: t for t in targets}
    per_file: dict[str, list[tuple[int, str]]] = {}
    for f in findings:
        t = by_rel.get(f.path)
        if t is None or t.kind != "python" or f.rule in skip:
            continue
        per_file.setdefault(f.path, []).append((f.line, f.rule))
    added = files = 0
    problems: list[str] = []
    for rel, items in sorted(per_file.items()):
        src = read_source(by_rel[rel].path)
        if src.text is None or src.lossy:
            problems.append(f"{rel}: suppressions not written: the file cannot be rewritten losslessly")
            continue
        new = add_suppressions(src.text, items)
        if new != src.text:
            try:
                write_atomic(by_rel[rel].path, encode_source(new, src), expect=snapshot(src))
            except OSError as exc:  # WriteRefused included: changed, deleted or not writable
                problems.append(f"{rel}: suppressions not written: {exc.strerror or exc}")
                continue
            added += len(set(items))
            files += 1
    return SuppressionsWritten(added, files, tuple(problems))
