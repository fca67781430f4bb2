"""A symlink to a folder of the same project is not linted twice (XLM's `src -> xlm`), in a git
work tree (git lists the link as an entry) and in a plain folder (the walk follows links)."""

from __future__ import annotations

import json
import subprocess

from typer.testing import CliRunner

from repolens.cli import app

LOADER = "import torch\n\n\ndef reload(path):\n    return torch.load(path)\n"


def _paths(root) -> list[str]:
    result = CliRunner().invoke(app, ["lint", str(root), "--format", "json", "--no-cache", "--select", "RL501"])
    assert result.exit_code in (0, 1), result.output
    return sorted(f["path"] for f in json.loads(result.stdout))


def _project(tmp_path):
    (tmp_path / "xlm").mkdir()
    (tmp_path / "xlm" / "trainer.py").write_text(LOADER)
    (tmp_path / "src").symlink_to("xlm", target_is_directory=True)
    (tmp_path / "train.py").write_text("from xlm.trainer import reload\nreload('pretrained.pth')\n")
    return tmp_path


def test_a_plain_folder_lints_a_linked_folder_once(tmp_path):
    assert _paths(_project(tmp_path)) == ["xlm/trainer.py"]


def test_a_git_work_tree_lints_a_linked_folder_once(tmp_path):
    root = _project(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    assert _paths(root) == ["xlm/trainer.py"]


def test_a_folder_reached_only_through_a_link_is_still_linted(tmp_path):
    """The real folder is ignored; the link is the only way in: its files stay, under the link."""
    root = _project(tmp_path)
    (root / ".gitignore").write_text("xlm/\n")
    assert _paths(root) == ["src/trainer.py"]
