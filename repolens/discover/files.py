"""Walk a project folder: the Python files and notebooks to analyse, and the other files map reads.

In a git work tree the list is git's (tracked files, even those a `.gitignore` matches, plus
untracked files that are not ignored); elsewhere `.gitignore` files (root and nested) are honoured
by a walk of the folder. Either way the caller's exclude patterns apply, the folders no one wants
analysed (VCS, virtual environments, caches) are skipped, symlink loops and unreadable folders
are survived, and each problem is reported as one line instead of failing. A file under a path
named with a template placeholder (`{{cookiecutter.name}}/`) is a project template, not code: it is
listed with the other files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

from repolens.discover.gitfiles import git_listed
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


def _template_path(rel: str) -> bool:
    """A file of a project template (cookiecutter: `cookiecutter-template-{{cookiecutter.modelname}}/
    modeling_{{cookiecutter.lowercase_modelname}}.py`): Jinja source that renders into Python, never
    importable under this name. Listed with the other files, not analysed as code (transformers'
    templates copied into microsoft/LoRA: ten syntax errors, judged wrong)."""
    return any("{{" in part and "}}" in part for part in rel.split("/"))


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
    With `respect_gitignore` and `root` in a git work tree, the list is git's (see gitfiles.py).
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
    listing = _Listing(root_path, include_others)
    listed = git_listed(root_path) if respect_gitignore else None
    if listed is None:
        listing.walk(root_path, matcher, respect_gitignore)
    else:
        listing.take_git(listed, matcher)
    listing.drop_linked_copies()
    listing.files.sort(key=lambda f: f.rel)
    listing.others.sort(key=lambda f: f.rel)
    return Discovery(root_path, tuple(listing.files), tuple(listing.others), tuple(listing.problems))


def _skipped_folder(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info")


class _Listing:
    """The files found so far under one root, and the problems met finding them."""

    def __init__(self, root: Path, include_others: bool) -> None:
        self.root = root
        self.include_others = include_others
        self.files: list[DiscoveredFile] = []
        self.others: list[DiscoveredFile] = []
        self.problems: list[str] = []
        self._venv: dict[str, bool] = {}
        self._linked_folders = False  # the walk followed a symlink to a folder: a file may be reached twice

    def add(self, full: Path, rel: str) -> None:
        if os.path.islink(full) and not os.path.exists(full):
            self.problems.append(f"broken symlink skipped: {rel}")
            return
        kind = "other" if _template_path(rel) else _kind(full.name)
        if kind != "other":
            self.files.append(DiscoveredFile(full, rel, kind))
        elif self.include_others:
            self.others.append(DiscoveredFile(full, rel, kind))

    def drop_linked_copies(self) -> None:
        """A file reached twice, once through a symlink to a folder of the project (XLM's
        `src -> xlm`), is kept once, under its own path: linting both would report every finding
        twice. A file reached only through a link (its folder ignored or skipped) is kept. Only a
        walk that followed a link to a folder can reach a file twice: otherwise nothing to resolve."""
        if not self._linked_folders:
            return
        by_real: dict[str, DiscoveredFile] = {}
        for f in self.files:
            real = os.path.realpath(f.path)
            kept = by_real.get(real)
            if kept is None or self._linked(kept) and not self._linked(f):
                by_real[real] = f
        if len(by_real) < len(self.files):
            chosen = {id(f) for f in by_real.values()}
            dropped = [f for f in self.files if id(f) not in chosen]
            first = dropped[0]
            self.problems.append(f"{len(dropped)} linked cop{'y' if len(dropped) == 1 else 'ies'} skipped: files reached "
                                 f"through a symlink to a project folder ({first.rel} is "
                                 f"{by_real[os.path.realpath(first.path)].rel})")
            self.files = [f for f in self.files if id(f) in chosen]

    def _linked(self, f: DiscoveredFile) -> bool:
        """Is the file reached through a symlinked folder (its real path is not root/rel)?"""
        return os.path.realpath(f.path) != os.path.join(self.root, f.rel)

    def _in_venv(self, folder: str) -> bool:
        """Whether a folder (relative, posix) is, or is inside, a virtual environment."""
        if not folder:
            return False
        got = self._venv.get(folder)
        if got is None:
            parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
            got = self._in_venv(parent) or os.path.isfile(self.root / folder / "pyvenv.cfg")
            self._venv[folder] = got
        return got

    def take_git(self, listed: list[str], matcher: IgnoreMatcher) -> None:
        """git's own list; only the caller's excludes and the never-analysed folders apply."""
        for rel in listed:
            is_dir = rel.endswith("/")
            rel = rel.rstrip("/")
            parts = rel.split("/")
            if any(_skipped_folder(part) for part in parts[:-1] if part) or (is_dir and _skipped_folder(parts[-1])):
                continue
            folders = ["/".join(parts[:i]) for i in range(1, len(parts))]
            if any(matcher.ignored(f, True) for f in folders) or matcher.ignored(rel, is_dir):
                continue
            if self._in_venv("/".join(parts[:-1])) or is_dir and self._in_venv(rel):
                continue
            if is_dir:  # a submodule or a nested repository: git lists none of its files
                self.walk(self.root / rel, matcher, True)
            elif (self.root / rel).exists() or (self.root / rel).is_symlink():  # deleted, not yet committed
                self.add(self.root / rel, rel)

    def walk(self, start: Path, matcher: IgnoreMatcher, respect_gitignore: bool) -> None:
        """The file system under `start`, honouring nested `.gitignore` files."""
        seen_dirs: set[str] = set()
        self._linked_folders = self._linked_folders or os.path.islink(start)  # git lists a linked folder as one entry

        def on_error(err: OSError) -> None:
            where = err.filename
            try:
                where = Path(where).relative_to(self.root).as_posix()
            except (TypeError, ValueError):
                pass
            self.problems.append(f"cannot read folder {where}: {err.strerror}")

        for dirpath, dirnames, filenames in os.walk(start, followlinks=True, onerror=on_error):
            real = os.path.realpath(dirpath)
            rel_dir = Path(dirpath).relative_to(self.root).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            if real in seen_dirs:
                self.problems.append(f"symlink loop or duplicate folder skipped: {rel_dir or '.'}")
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            if respect_gitignore and ".gitignore" in filenames:
                matcher.extend(parse_patterns(_read_ignore_file(Path(dirpath, ".gitignore")), rel_dir))

            keep = []
            for d in sorted(dirnames):
                rel = f"{rel_dir}/{d}" if rel_dir else d
                if _skipped_folder(d) or matcher.ignored(rel, True):
                    continue
                # a virtual environment under any name; os.path, not Path.exists: an unreadable
                # folder answers False instead of raising PermissionError
                if os.path.isfile(os.path.join(dirpath, d, "pyvenv.cfg")):
                    continue
                keep.append(d)
            # real folders before links to folders: a folder reached both ways is walked under its own name
            links = {d for d in keep if os.path.islink(os.path.join(dirpath, d))}
            self._linked_folders = self._linked_folders or bool(links)
            dirnames[:] = sorted(keep, key=lambda d: d in links)

            for name in sorted(filenames):
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if not matcher.ignored(rel, False):
                    self.add(Path(dirpath, name), rel)
