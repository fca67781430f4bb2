"""The pre-commit hooks, run for real: pre-commit installs this repository into a fresh
environment (pip, from PyPI) and runs the hooks on throwaway git repositories.

The hook repository is a git repository built from the current working tree (tracked and
untracked-but-not-ignored files), not a clone: uncommitted work is what is under test.
`pre-commit try-repo` always installs into a new temporary store, so it is used once; the other
tests use `pre-commit run` with a config naming the hook repository, which installs once into the
module's PRE_COMMIT_HOME and reuses that environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

BAD_TRAIN = """\
import torch
from torch.utils.data import DataLoader
from torchvision import transforms  # an image project: its batches are pixels


def train(model, dataset):
    loader = DataLoader(dataset, batch_size=32, shuffle=True, num_workers=4)
    for x, y in loader:
        x, y = x.cuda(non_blocking=True), y.cuda(non_blocking=True)
        model(x).sum().backward()
"""

CLEAN_DATA = """\
import torch
from torch.utils.data import DataLoader


def make_loader(dataset):
    return DataLoader(dataset, batch_size=32, shuffle=True, num_workers=4, pin_memory=True)


def to_gpu(batch):
    return batch.to(torch.device("cuda"), non_blocking=True)
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Look at the data\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["import torch\n", "from torch.utils.data import DataLoader\n",
                    "train_dl = DataLoader(dataset, batch_size=2, shuffle=True, num_workers=2)\n",
                    "for x in train_dl:\n",
                    "    x = x.cuda(non_blocking=True)\n",
                    "    model(x).sum().backward()\n",
                    "from torchvision import transforms  # an image notebook: its batches are pixels\n"]},
    ],
    "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5,
}


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def _missing_hook_target() -> str | None:
    """Why the hooks cannot work yet, or None. The hooks run `repolens lint --force-exclude`
    (and `--fix`), and the fix test needs RL101's safe fix in the built-in pack."""
    helped = subprocess.run([sys.executable, "-m", "repolens", "lint", "--help"], capture_output=True, text=True,
                            cwd=PROJECT, env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    for option in ("--force-exclude", "--fix"):
        if option not in helped.stdout:
            return f"`repolens lint` has no {option} option yet (the lint CLI has not landed)"
    from repolens.lint.registry import load_builtin_rules

    if not any(r.code == "RL101" and r.fix_safety == "safe" for r in load_builtin_rules()):
        return "rule RL101 dataloader-pin-memory with a safe fix is not in rules/ yet"
    return None


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    reason = _missing_hook_target()
    if reason:
        pytest.skip(reason)
    if not (PROJECT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs the project's git checkout and git to list the working tree")
    listed = _git(PROJECT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    repo = tmp_path_factory.mktemp("repolens-hooks")
    for rel in filter(None, listed.split("\0")):
        source = PROJECT / rel
        if rel.split("/", 1)[0] in {".venv", ".git"} or not source.is_file():
            continue  # deleted but still tracked, or not a file
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "working tree under test")
    return repo


@pytest.fixture(scope="module")
def precommit_env(tmp_path_factory) -> dict[str, str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
           "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("VIRTUAL_ENV", None)  # the hook gets its own environment, not the test venv
    return env


def _project(root: Path, files: dict[str, str], hook_repo: Path | None = None, hook: str = "") -> Path:
    root.mkdir()
    if hook_repo is not None:
        rev = _git(hook_repo, "rev-parse", "HEAD").strip()
        files = {**files, ".pre-commit-config.yaml": yaml.safe_dump(
            {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": hook}]}]})}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start")
    return root


def _run(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
    )


def _try_repo(hook_repo: Path, hook: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files", "--verbose"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
    )


def test_hooks_file_declares_repolens_and_repolens_fix():
    hooks = {h["id"]: h for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"repolens", "repolens-fix"}
    assert hooks["repolens"]["entry"] == "repolens lint --force-exclude"
    assert hooks["repolens-fix"]["entry"] == "repolens lint --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "jupyter"]
        assert hook["require_serial"] is True


def test_try_repo_repolens_hook_fails_on_a_finding_in_a_script_and_a_notebook(hook_repo, precommit_env, tmp_path):
    project = _project(tmp_path / "bad", {"train.py": BAD_TRAIN, "explore.ipynb": json.dumps(NOTEBOOK)})
    done = _try_repo(hook_repo, "repolens", project, precommit_env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "train.py:7:14: RL101" in output
    assert "explore.ipynb:cell 2:3:12: RL101" in output


def test_repolens_hook_passes_on_clean_code_and_honours_exclude_for_named_files(hook_repo, precommit_env, tmp_path):
    # pre-commit names vendor/copied.py explicitly; --force-exclude must still skip it.
    files = {"data.py": CLEAN_DATA, "vendor/copied.py": BAD_TRAIN,
             "pyproject.toml": '[tool.repolens]\nexclude = ["vendor"]\n'}
    project = _project(tmp_path / "clean", files, hook_repo, "repolens")
    done = _run(project, precommit_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout and "RL101" not in done.stdout


def test_repolens_fix_hook_applies_the_safe_fix(hook_repo, precommit_env, tmp_path):
    project = _project(tmp_path / "fixme", {"train.py": BAD_TRAIN}, hook_repo, "repolens-fix")
    done = _run(project, precommit_env)
    fixed = (project / "train.py").read_text(encoding="utf-8")
    # pre-commit fails a hook that modified files, so the user reviews and re-stages them.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DataLoader(dataset, batch_size=32, shuffle=True, num_workers=4, pin_memory=True)" in fixed
    assert fixed.replace(", pin_memory=True", "") == BAD_TRAIN
    assert "files were modified by this hook" in done.stdout
    _git(project, "add", "-A")
    again = _run(project, precommit_env)  # the fix is idempotent: nothing left to change or report
    assert again.returncode == 0, again.stdout + again.stderr
