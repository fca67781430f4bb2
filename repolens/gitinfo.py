"""Git facts through gitpython: is this a repository, its HEAD, per-file history, and cloning.

Per-file commit counts and last-change dates come from ONE `git log --name-only` pass over the
history (a per-file `git log` would cost one process per file: minutes on a large repository).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from repolens import gitsafe
from repolens.mapper.model import GitFileInfo, GitInfo

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.I)
_MARK = "@@repolens-commit@@ "  # a line no file path starts with


class GitError(RuntimeError):
    """A clone or a git command failed; the message says why in one line."""


def looks_like_git_url(target: str) -> bool:
    """`https://...`, `ssh://...`, `file://...`, `git@host:owner/repo`, or a path ending in `.git`."""
    return bool(_URL.match(target)) or target.rstrip("/").endswith(".git")


def _repo(path: Path):  # -> git.Repo | None
    try:
        import git  # gitpython; imported lazily so a missing git binary only matters here
    except ImportError:  # pragma: no cover - gitpython is a hard dependency, git itself may be absent
        return None
    try:
        return gitsafe.open_repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, OSError):
        return None


def is_git_repo(path: str | os.PathLike[str]) -> bool:
    return _repo(Path(path)) is not None


def is_bare_repo(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_dir() and (p / "HEAD").is_file() and (p / "objects").is_dir() and (p / "refs").is_dir()


def head_sha(path: str | os.PathLike[str]) -> str | None:
    repo = _repo(Path(path))
    if repo is None:
        return None
    try:
        return repo.head.commit.hexsha
    except (ValueError, TypeError):  # a repository with no commit yet
        return None


def git_info(path: str | os.PathLike[str]) -> GitInfo | None:
    """HEAD and per-file history of the files under `path` (paths relative to `path`).

    None for a plain folder. A repository with no commits gives an empty history.
    """
    import git

    root = Path(path).resolve()
    repo = _repo(root)
    if repo is None or repo.working_tree_dir is None:
        return None
    try:
        head = repo.head.commit.hexsha
    except (ValueError, TypeError):
        return GitInfo(head="", files={})
    top = Path(repo.working_tree_dir).resolve()
    try:
        sub = root.relative_to(top).as_posix()
    except ValueError:
        sub = "."
    prefix = "" if sub in ("", ".") else sub + "/"
    try:
        out = repo.git.execute(
            ["git", "-c", "core.quotepath=off", "log", "--no-renames", "--name-only",
             f"--format={_MARK}%cI", "HEAD", "--", sub or "."],
            with_extended_output=False, as_process=False, stdout_as_string=True,
        )
    except git.GitCommandError:
        return GitInfo(head=head, files={})
    counts: dict[str, int] = {}
    last: dict[str, str] = {}
    date = ""
    for line in str(out).split("\n"):  # not splitlines(): paths may hold odd characters
        if line.startswith(_MARK):
            date = line[len(_MARK):][:10]
            continue
        if not line or not line.startswith(prefix):
            continue
        rel = line[len(prefix):]
        counts[rel] = counts.get(rel, 0) + 1
        last.setdefault(rel, date)  # newest first: the first date seen is the last change
    return GitInfo(head=head, files={p: GitFileInfo(counts[p], last[p]) for p in counts})


@contextmanager
def cloned(source: str) -> Iterator[Path]:
    """Clone a git URL or a local repository into a temporary folder, removed afterwards.

    The full history is fetched (per-file commit counts need it).
    """
    import git

    tmp = Path(tempfile.mkdtemp(prefix="repolens-clone-"))
    dest = tmp / "repo"
    try:
        try:
            gitsafe.clone_from(source, dest, multi_options=["--no-tags", "--quiet"])
        except git.GitCommandError as exc:
            detail = (exc.stderr or "").strip().splitlines()
            reason = detail[-1].strip() if detail else str(exc)
            raise GitError(f"cannot clone {source}: {reason.removeprefix('stderr: ').strip(chr(39))}") from exc
        yield dest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
