"""Issue 11 item 6: git runs none of the analysed repository's commands (fsmonitor, hooks)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from _robustkit import repolens


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(repo)})


@pytest.fixture
def trapped_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose fsmonitor and hooks each leave a trace file when run."""
    repo = tmp_path / "repo"
    repo.mkdir()
    traces = tmp_path / "traces"
    traces.mkdir()
    _git(repo, "init", "-q")
    (repo / "train.py").write_text('import torch\nx = torch.load("a.pt")\n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("fsmonitor", "post-checkout", "post-index-change", "reference-transaction"):
        script = hooks / name
        script.write_text(f"#!/bin/sh\ntouch {traces / name}\n")
        script.chmod(0o755)
    (repo / "train.py").write_text('import torch\ny = torch.load("b.pt")\n')
    (repo / "new.py").write_text('import torch\nz = torch.load("c.pt")\n')
    _git(repo, "add", "new.py")
    # installed last: the setup itself must not trip them
    _git(repo, "config", "core.fsmonitor", str(hooks / "fsmonitor"))
    _git(repo, "config", "core.hooksPath", str(hooks))
    return repo, traces


def test_the_trap_works_for_plain_git(trapped_repo: tuple[Path, Path]) -> None:
    repo, traces = trapped_repo
    subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True)
    assert (traces / "fsmonitor").exists()


@pytest.mark.parametrize("args", [("--since", "HEAD"), ("--staged",)])
def test_lint_since_and_staged_run_no_repository_command(trapped_repo: tuple[Path, Path], args: tuple[str, ...]) -> None:
    repo, traces = trapped_repo
    r = repolens("lint", ".", "--select", "RL501", "--no-cache", *args, cwd=repo)
    assert r.returncode == 1, r.stderr
    assert "RL501" in r.stdout
    assert sorted(p.name for p in traces.iterdir()) == []


def test_map_of_the_repository_and_of_its_clone_run_no_repository_command(trapped_repo: tuple[Path, Path]) -> None:
    repo, traces = trapped_repo
    r = repolens("map", ".", "--format", "json", cwd=repo)
    assert r.returncode == 0, r.stderr
    bare = repo.parent / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_GLOBAL": "/dev/null"})
    for f in traces.iterdir():
        f.unlink()
    r = repolens("map", str(bare), "--format", "json", cwd=repo.parent, env={"GIT_CONFIG_GLOBAL": str(repo / ".git" / "config")})
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in traces.iterdir()) == []
