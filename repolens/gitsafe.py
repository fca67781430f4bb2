"""Git, run so that nothing of the analysed repository executes.

A repository's own `.git/config` can name commands that plain reads run: `core.fsmonitor` (run by
`git status` / `git diff` to list changed files) and hooks (`core.hooksPath`; a clone runs
`post-checkout`). Every git process repolens starts gets, through the environment (git >= 2.31's
GIT_CONFIG_COUNT, the same as `-c` on each command and stronger than any config file):
core.fsmonitor=false, core.hooksPath=/dev/null (no hook found) and core.untrackedCache=false.

Not covered (docs/robustness.md): clean/smudge filters named in `.git/config` for paths in
`.gitattributes` still run when git compares the working tree (`lint --since` / `--staged`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

SAFE_CONFIG = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.untrackedCache", "false"),
)


def safe_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """GIT_CONFIG_* variables that add SAFE_CONFIG after any the caller's environment already has."""
    base = os.environ if base is None else base
    try:
        start = int(base.get("GIT_CONFIG_COUNT", "0") or 0)
    except ValueError:
        start = 0
    env = {"GIT_CONFIG_COUNT": str(start + len(SAFE_CONFIG)), "GIT_TERMINAL_PROMPT": "0"}
    for i, (key, value) in enumerate(SAFE_CONFIG, start):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def open_repo(path: Path, **kwargs: Any):  # -> git.Repo
    """`git.Repo(path, **kwargs)` whose every command runs with `safe_env()`."""
    import git

    repo = git.Repo(path, **kwargs)
    repo.git.update_environment(**safe_env())
    return repo


def clone_from(source: str, dest: Path, **kwargs: Any):  # -> git.Repo
    import git

    repo = git.Repo.clone_from(source, dest, env=safe_env(), **kwargs)
    repo.git.update_environment(**safe_env())
    return repo
