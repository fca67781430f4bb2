"""Issue 11 item 7: an unreadable subfolder is one problem line, for lint and map, as a non-root user."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from _robustkit import FIXABLE, helper_user, repolens, require_user_can_run_python, shared_tmp


@pytest.fixture
def project_with_a_locked_folder():
    require_user_can_run_python()
    d = shared_tmp()
    proj = d / "proj"
    (proj / "pkg").mkdir(parents=True)
    (proj / "pkg" / "a.py").write_text(FIXABLE)
    locked = proj / "secret"
    (locked / "sub").mkdir(parents=True)
    (locked / "sub" / "b.py").write_text(FIXABLE)
    (locked / "pyproject.toml").write_text("[tool.repolens]\n")
    if helper_user() is not None:
        for p in [d, *d.rglob("*")]:
            os.chown(p, 65534, 65534)
    locked.chmod(0)
    try:
        yield proj
    finally:
        locked.chmod(0o755)
        shutil.rmtree(d)


@pytest.mark.parametrize("command", [("lint", ".", "--select", "RL501", "--no-cache"), ("map", "."),
                                     ("map", ".", "--format", "json")])
def test_unreadable_subfolder_is_a_problem_line(project_with_a_locked_folder: Path, command: tuple[str, ...]) -> None:
    r = repolens(*command, cwd=project_with_a_locked_folder, user=True)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode in (0, 1), r.stderr[-3000:]
    assert "cannot read folder secret: Permission denied" in r.stdout + r.stderr
    if command[0] == "lint":
        assert "pkg/a.py" in r.stdout and r.returncode == 1  # the readable rest is still linted
