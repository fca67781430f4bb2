"""Shared pieces for the robustness tests: run repolens as a real subprocess, as a non-root user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

FIXABLE = 'import torch\nx = torch.load("a.pt")\n'  # RL501, an unsafe fix
FIX_ARGS = ("--select", "RL501", "--fix", "--unsafe-fixes", "--no-cache")


def repolens(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None,
             env: dict[str, str] | None = None, user: bool = False, timeout: float = 300,
             ) -> subprocess.CompletedProcess[str]:
    """`python -m repolens ARGS`; with user=True as the helper non-root user (see `as_user`)."""
    cmd = [sys.executable, "-m", "repolens", *map(str, args)]
    if user:
        cmd = as_user(cmd)
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


def helper_user() -> str | None:
    """The non-root user the permission tests run as, or None when they can only run as ourselves."""
    if os.geteuid() != 0:
        return None
    return "nobody"


def as_user(cmd: list[str]) -> list[str]:
    """`cmd` run as a non-root user: unchanged when we are not root, else through setpriv/runuser."""
    user = helper_user()
    if user is None:
        return cmd
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        pytest.skip(f"running as root and there is no '{user}' user to drop to")
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", *cmd]
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *cmd]
    pytest.skip("running as root with neither setpriv nor runuser: cannot test as a non-root user")


def shared_tmp() -> Path:
    """A temp folder the helper user can enter and write (pytest's tmp_path is root-only)."""
    d = Path(tempfile.mkdtemp(prefix="repolens-robust-"))
    d.chmod(0o777)
    return d


def require_user_can_run_python() -> None:
    if helper_user() is None:
        return
    probe = subprocess.run(as_user([sys.executable, "-c", "import repolens"]), capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"the helper user cannot run this interpreter: {probe.stderr.strip()[-200:]}")
