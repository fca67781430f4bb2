"""`--staged` and `--since REV`: the files git says changed, through gitpython.

`--staged`: files in the index that differ from HEAD (every indexed file in a repository without
a commit yet). `--since REV`: files that differ between REV and the working tree, plus untracked
ones. Deleted files are left out (there is nothing to lint).
"""

from __future__ import annotations

from pathlib import Path

import git

from repolens import gitsafe


class ChangedFilesError(Exception):
    """Not a git repository, or an unknown revision: one readable line."""


def _repo(start: Path) -> git.Repo:
    try:
        return gitsafe.open_repo(start, search_parent_directories=True)  # no fsmonitor, no hooks
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ChangedFilesError(f"{start} is not inside a git repository (--staged/--since need one)") from None


def _has_head(repo: git.Repo) -> bool:
    try:
        repo.head.commit
    except ValueError:  # a repository without any commit
        return False
    return True


def staged_files(start: Path) -> tuple[Path, set[Path]]:
    """(work tree, absolute paths of the staged files that still exist)."""
    repo = _repo(start)
    top = Path(repo.working_tree_dir or start).resolve()
    if _has_head(repo):
        # index vs HEAD; R=True flips the diff so a_path/b_path read HEAD -> index
        rels = set()
        for d in repo.index.diff("HEAD", R=True):
            if d.deleted_file:
                continue
            rels.add(d.b_path or d.a_path)
    else:
        rels = {str(path) for path, _stage in repo.index.entries}
    return top, {(top / r).resolve() for r in rels if (top / r).exists()}


def changed_since(start: Path, rev: str) -> tuple[Path, set[Path]]:
    repo = _repo(start)
    top = Path(repo.working_tree_dir or start).resolve()
    try:
        commit = repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError) as exc:
        raise ChangedFilesError(f"unknown revision {rev!r}: {exc}") from None
    rels: set[str] = set()
    for d in commit.diff(None):  # REV -> working tree (staged and unstaged changes alike)
        if d.deleted_file:
            continue
        rels.add(d.b_path or d.a_path)
    rels.update(repo.untracked_files)
    return top, {(top / r).resolve() for r in rels if (top / r).exists()}
