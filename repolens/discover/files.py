"""Walk a project folder: the Python files and notebooks to analyse, and the other files map reads.

Honours `.gitignore` files (root and nested) and the caller's exclude patterns, skips the folders
no one wants analysed (VCS, virtual environments, caches), survives symlink loops and unreadable
folders, and reports each problem as one line instead of failing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

from repolens.discover.ignore import IgnoreMatcher, parse_patterns

FileKind = Literal["python", "notebook", "other"]

# Folders that are never part of the project's own code.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".repolens_cache", "node_modules", "site-packages",
        ".eggs", ".ipynb_checkpoints", ".idea", ".vscode",
    }
)


@dataclass(frozen=True)
class DiscoveredFile:
    path: Path  # absolute
    rel: str  # posix path relative to the project root
    kind: FileKind


@dataclass(frozen=True)
class Discovery:
    root: Path
    files: tuple[DiscoveredFile, ...]  # python files and notebooks, sorted by rel
    others: tuple[DiscoveredFile, ...] = ()  # every other file, when asked for
    problems: tuple[str, ...] = field(default=())  # one readable line each

    @property
    def python_files(self) -> tuple[DiscoveredFile, ...]:
        return tuple(f for f in self.files if f.kind == "python")


def _kind(name: str) -> FileKind:
    if name.endswith(".py"):
        return "python"
    if name.endswith(".ipynb"):
        return "notebook"
    return "other"


def _read_ignore_file(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def discover(
    root: str | os.PathLike[str],
    *,
    exclude: Iterable[str] = (),
    respect_gitignore: bool = True,
    include_others: bool = False,
) -> Discovery:
    """List a folder's Python files and notebooks (and, optionally, everything else).

    `root` may also be a single file: it is returned alone, relative to its folder.
    Raises FileNotFoundError for a missing path (the CLI turns it into exit code 2).
    """
    root_path = Path(root)
    if not root_path.exists():
        raise FileNotFoundError(f"no such file or folder: {root}")
    root_path = root_path.resolve()
    if root_path.is_file():
        kind = _kind(root_path.name)
        entry = DiscoveredFile(root_path, root_path.name, kind)
        if kind == "other":
            return Discovery(root_path.parent, (), (entry,) if include_others else ())
        return Discovery(root_path.parent, (entry,))

    matcher = IgnoreMatcher(parse_patterns(list(exclude)))
    files: list[DiscoveredFile] = []
    others: list[DiscoveredFile] = []
    problems: list[str] = []
    seen_dirs: set[str] = set()

    def on_error(err: OSError) -> None:
        where = err.filename
        try:
            where = Path(where).relative_to(root_path).as_posix()
        except (TypeError, ValueError):
            pass
        problems.append(f"cannot read folder {where}: {err.strerror}")

    for dirpath, dirnames, filenames in os.walk(root_path, followlinks=True, onerror=on_error):
        real = os.path.realpath(dirpath)
        rel_dir = Path(dirpath).relative_to(root_path).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        if real in seen_dirs:
            problems.append(f"symlink loop or duplicate folder skipped: {rel_dir or '.'}")
            dirnames[:] = []
            continue
        seen_dirs.add(real)
        if respect_gitignore and ".gitignore" in filenames:
            matcher.extend(parse_patterns(_read_ignore_file(Path(dirpath, ".gitignore")), rel_dir))

        keep = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d in SKIP_DIRS or d.endswith(".egg-info") or matcher.ignored(rel, True):
                continue
            # a virtual environment under any name; os.path, not Path.exists: an unreadable
            # folder answers False instead of raising PermissionError
            if os.path.isfile(os.path.join(dirpath, d, "pyvenv.cfg")):
                continue
            keep.append(d)
        dirnames[:] = keep

        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if matcher.ignored(rel, False):
                continue
            full = Path(dirpath, name)
            if os.path.islink(full) and not os.path.exists(full):
                problems.append(f"broken symlink skipped: {rel}")
                continue
            kind = _kind(name)
            if kind == "other":
                if include_others:
                    others.append(DiscoveredFile(full, rel, kind))
            else:
                files.append(DiscoveredFile(full, rel, kind))

    files.sort(key=lambda f: f.rel)
    others.sort(key=lambda f: f.rel)
    return Discovery(root_path, tuple(files), tuple(others), tuple(problems))
