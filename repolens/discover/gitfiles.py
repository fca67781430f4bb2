"""The files git sees in a work tree: tracked, plus untracked files that are not ignored.

This is the file list of a project kept in git. A tracked file matched by `.gitignore` is still
part of the project (git never ignores a tracked file: a `datasets/` folder of preparation
scripts committed before the ignore rule was written), so it is listed; ignored untracked files
(checkpoints, caches, virtual environments) are not.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from repolens import gitsafe

# A large work tree lists in well under a second; past this, git is stuck (a network file system).
_TIMEOUT_S = 60


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    # gitsafe: never start a file-system monitor or a hook named by the analysed repository's own
    # configuration (each names a program to run).
    command = ["git", "-C", str(root), *args]
    env = {**os.environ, **gitsafe.safe_env(), "GIT_OPTIONAL_LOCKS": "0"}
    try:
        return subprocess.run(command, capture_output=True, timeout=_TIMEOUT_S, env=env, check=False)
    except (OSError, subprocess.SubprocessError):  # no git binary, or it hung
        return None


def git_listed(root: Path) -> list[str] | None:
    """Posix paths relative to `root` that git lists under it, sorted; None outside a work tree.

    Folders come back with a trailing `/`: submodules and nested repositories, whose files git
    does not list; the caller walks them. None also when `root` itself is ignored by the work
    tree around it (a scratch folder inside some unrelated repository): git would list nothing.
    """
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0 or inside.stdout.strip() != b"true":
        return None
    ignored = _git(root, "check-ignore", "-q", ".")
    if ignored is not None and ignored.returncode == 0:
        return None
    listed = _git(root, "ls-files", "-co", "--exclude-standard", "-z", "--", ".")
    if listed is None or listed.returncode != 0:
        return None
    out: set[str] = set()
    for raw in listed.stdout.split(b"\0"):
        if not raw:
            continue
        rel = os.fsdecode(raw)
        if (root / rel).is_dir() and not rel.endswith("/"):
            rel += "/"  # a submodule (a gitlink entry)
        out.add(rel)  # a file in a merge conflict is listed once per stage
    return sorted(out)
