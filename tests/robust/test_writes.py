"""Issue 11 items 1-3: the writer never loses an edit, follows links, keeps links/mode/owner/endings."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from repolens.atomic import WriteRefused, snapshot_of, write_atomic
from repolens.lint import pipeline

from _robustkit import FIX_ARGS, FIXABLE, repolens, require_user_can_run_python, shared_tmp

FIXED = 'import torch\nx = torch.load("a.pt", weights_only=True)\n'


def test_changed_after_read_is_not_overwritten(tmp_path: Path) -> None:
    f = tmp_path / "a.py"
    f.write_text("old\n")
    snap = snapshot_of(f)
    with f.open("a") as fh:  # an editor appends a line meanwhile
        fh.write("added by the editor\n")
    with pytest.raises(WriteRefused, match="changed after it was read"):
        write_atomic(f, b"new\n", expect=snap)
    assert f.read_text() == "old\nadded by the editor\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]  # no temp file left


def test_same_size_same_mtime_different_content_is_caught_by_hash(tmp_path: Path) -> None:
    f = tmp_path / "a.py"
    f.write_text("aaaa\n")
    snap = snapshot_of(f)
    f.write_text("bbbb\n")
    os.utime(f, ns=(snap.mtime_ns, snap.mtime_ns))
    with pytest.raises(WriteRefused):
        write_atomic(f, b"new\n", expect=snap)
    assert f.read_text() == "bbbb\n"


def test_deleted_after_read_is_not_recreated(tmp_path: Path) -> None:
    f = tmp_path / "a.py"
    f.write_text("old\n")
    snap = snapshot_of(f)
    f.unlink()
    with pytest.raises(WriteRefused, match="deleted"):
        write_atomic(f, b"new\n", expect=snap)
    assert not f.exists()


def test_fix_run_skips_a_file_edited_while_it_was_being_fixed(tmp_path: Path, monkeypatch) -> None:
    """The reproducer of item 1: an editor appends a line between lint's read and its write."""
    f = tmp_path / "big.py"
    f.write_text(FIXABLE)
    real_fix = pipeline.fix_source

    def fix_while_editor_appends(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real_fix(*args, **kwargs)
        with f.open("a") as fh:
            fh.write("y = 1  # typed in the editor\n")
        return out

    monkeypatch.setattr(pipeline, "fix_source", fix_while_editor_appends)
    from repolens.lint.engine import lint_targets
    from repolens.lint.settings import resolve_settings
    from repolens.lint.targets import collect_targets
    from repolens.lint.config import LintConfig

    settings = resolve_settings(LintConfig(root=tmp_path), select=["RL501"])
    targets = collect_targets([tmp_path], tmp_path).targets
    run = lint_targets(targets, settings, fix_mode="fix", unsafe_fixes=True, use_cache=False)
    assert f.read_text() == FIXABLE + "y = 1  # typed in the editor\n"
    assert run.fixes_applied == 0
    assert any("big.py: fixes not written: the file changed after it was read" in p for p in run.problems)


def test_fix_follows_a_symlink_and_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "real" / "model.py"
    target.parent.mkdir()
    target.write_text(FIXABLE)
    link = tmp_path / "proj" / "model.py"
    link.parent.mkdir()
    link.symlink_to(target)
    r = repolens("lint", link, *FIX_ARGS, cwd=tmp_path / "proj")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    assert target.read_text() == FIXED


def test_fix_keeps_hard_links_mode_and_owner(tmp_path: Path) -> None:
    f = tmp_path / "a.py"
    f.write_text(FIXABLE)
    other = tmp_path / "other_name.py"
    os.link(f, other)
    f.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(f, 65534, 65534)  # someone else's file, fixed by root: it stays theirs
    before = f.stat()
    r = repolens("lint", f, *FIX_ARGS, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    after = f.stat()
    assert f.read_text() == FIXED and other.read_text() == FIXED
    assert after.st_ino == before.st_ino and after.st_nlink == 2
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_replace_keeps_mode_and_owner_of_a_single_link(tmp_path: Path) -> None:
    f = tmp_path / "a.py"
    f.write_text("old\n")
    f.chmod(0o604)
    if os.geteuid() == 0:
        os.chown(f, 65534, 65534)
    before = f.stat()
    write_atomic(f, b"new\n", expect=snapshot_of(f))
    after = f.stat()
    assert f.read_text() == "new\n"
    assert stat.S_IMODE(after.st_mode) == 0o604
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_read_only_file_is_refused_for_a_non_root_user() -> None:
    require_user_can_run_python()
    d = shared_tmp()
    try:
        f = d / "ro.py"
        f.write_text(FIXABLE)
        f.chmod(0o444)
        os.chown(d, 65534, 65534) if os.geteuid() == 0 else None  # the folder is theirs: replace would work
        if os.geteuid() == 0:
            os.chown(f, 65534, 65534)
        r = repolens("lint", f, *FIX_ARGS, cwd=d, user=True)
        assert f.read_text() == FIXABLE
        assert "ro.py: fixes not written: you have no permission to write this file" in r.stderr + r.stdout
    finally:
        shutil.rmtree(d)


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_fix_keeps_every_line_ending(tmp_path: Path, ending: str) -> None:
    f = tmp_path / "cr.py"
    f.write_bytes(FIXABLE.replace("\n", ending).encode())
    r = repolens("lint", f, *FIX_ARGS, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f.read_bytes() == FIXED.replace("\n", ending).encode()


def test_diff_of_a_cr_only_file_does_not_mix_terminators(tmp_path: Path) -> None:
    f = tmp_path / "cr.py"
    f.write_bytes(FIXABLE.replace("\n", "\r").encode())
    r = repolens("lint", f, "--select", "RL501", "--diff", "--unsafe-fixes", "--no-cache", cwd=tmp_path)
    assert "-x = torch.load(\"a.pt\")\n+x = torch.load(\"a.pt\", weights_only=True)\n" in r.stdout
    assert "\r" not in r.stdout
    assert f.read_bytes() == FIXABLE.replace("\n", "\r").encode()  # --diff writes nothing


def test_output_file_through_a_symlink_writes_the_target(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(FIXABLE)
    real = tmp_path / "reports" / "out.json"
    real.parent.mkdir()
    real.write_text("{}")
    link = tmp_path / "out.json"
    link.symlink_to(real)
    repolens("lint", "a.py", "--select", "RL501", "--format", "json", "--output", link, "--no-cache", cwd=tmp_path)
    assert link.is_symlink() and '"RL501"' in real.read_text()
