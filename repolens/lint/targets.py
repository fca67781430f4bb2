"""Which files a lint run reads: the paths given, expanded, with excludes applied as ruff does.

Folders are walked with `repolens.discover` (.gitignore honoured); `exclude` patterns are
relative to the project root. A file passed by name is linted even when excluded (pre-commit
passes names explicitly), unless `force_exclude` is set; likewise a folder passed by name is
walked even when an exclude names the folder itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from repolens.discover import discover
from repolens.discover.files import FileKind, _kind
from repolens.discover.ignore import IgnoreMatcher, parse_patterns


@dataclass(frozen=True)
class Target:
    path: Path  # absolute
    rel: str  # posix, relative to the project root (or to the current folder when outside it)
    kind: FileKind


@dataclass(frozen=True)
class TargetSet:
    targets: tuple[Target, ...]
    problems: tuple[str, ...] = ()


def rel_to(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def _rebase(patterns: Iterable[str], sub: str) -> list[str]:
    """Patterns relative to the root, rewritten for a walk that starts in folder `sub`."""
    if not sub:
        return list(patterns)
    out: list[str] = []
    for pat in patterns:
        negated = pat.startswith("!")
        body = pat[1:] if negated else pat
        anchored = "/" in body.rstrip("/")
        if not anchored:
            out.append(pat)
            continue
        stripped = body.lstrip("/")
        if stripped.startswith(sub + "/"):
            out.append(("!" if negated else "") + "/" + stripped[len(sub) + 1:])
        elif stripped.startswith("**/"):
            out.append(pat)
        # other anchored patterns point outside `sub` (or at `sub` itself: a folder named explicitly)
    return out


def _ancestor_gitignores(root: Path, folder: Path) -> list[str]:
    """.gitignore lines of the folders between root and `folder` (a walk from `folder` misses them)."""
    lines: list[str] = []
    try:
        parts = folder.relative_to(root).parts
    except ValueError:
        return lines
    current = root
    chain = [root] + [current := current / p for p in parts[:-1]] if parts else []
    for base in chain:
        gi = base / ".gitignore"
        if gi.is_file():
            sub = rel_to(root, base)
            sub = "" if sub == "." else sub
            try:
                raw = gi.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for line in raw:
                s = line.strip()
                if not s or s.startswith("#"):
                    continue
                neg = s.startswith("!")
                body = s[1:] if neg else s
                if "/" in body.rstrip("/") and sub:
                    body = f"/{sub}/{body.lstrip('/')}"
                elif "/" in body.rstrip("/"):
                    body = "/" + body.lstrip("/")
                lines.append(("!" if neg else "") + body)
    return lines


def collect_targets(
    paths: Sequence[str | os.PathLike[str]],
    root: Path,
    *,
    exclude: Sequence[str] = (),
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> TargetSet:
    """Expand paths into the Python files and notebooks to lint. Missing paths raise FileNotFoundError."""
    root = root.resolve()
    matcher = IgnoreMatcher(parse_patterns(list(exclude)))
    found: dict[Path, Target] = {}
    problems: list[str] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise FileNotFoundError(f"no such file or folder: {raw}")
        p = p.resolve()
        rel = rel_to(root, p)
        inside = not rel.startswith("..")
        if p.is_file():
            if force_exclude and inside and matcher.ignored(rel, False):
                continue
            kind = _kind(p.name)
            if kind == "other":
                kind = "python"  # a file named explicitly is linted as Python, as ruff does
            found.setdefault(p, Target(p, rel, kind))
            continue
        if force_exclude and inside and rel != "." and matcher.ignored(rel, True):
            continue
        sub = "" if rel in (".", "") or not inside else rel
        extra = _rebase(exclude, sub) if inside else list(exclude)
        if respect_gitignore and inside and sub:
            extra += _rebase(_ancestor_gitignores(root, p), sub)
        disc = discover(p, exclude=extra, respect_gitignore=respect_gitignore)
        problems.extend(disc.problems)
        for f in disc.files:
            full_rel = f"{sub}/{f.rel}" if sub else (f.rel if inside else rel_to(root, f.path))
            found.setdefault(f.path, Target(f.path, full_rel, f.kind))
    targets = sorted(found.values(), key=lambda t: t.rel)
    return TargetSet(tuple(targets), tuple(problems))
