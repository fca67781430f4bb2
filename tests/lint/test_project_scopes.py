"""Project facts are gathered per project: linting a folder of several projects judges each alone."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from repolens.cli import app
from repolens.lint.scopes import project_scopes

CUDA_TRAIN = """\
import torch
from torch.utils.data import DataLoader
from torchvision import transforms

train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)
for x, y in train_loader:
    x = x.cuda(non_blocking=True)
"""
CPU_TRAIN = """\
import torch
from torch.utils.data import DataLoader
from torchvision import transforms

train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)
for x, y in train_loader:
    loss = model(x).sum()
"""


def test_each_file_belongs_to_the_nearest_folder_with_a_project_marker(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "requirements.txt").write_text("torch\n")
    (tmp_path / "a" / "pkg").mkdir()
    (tmp_path / "b").mkdir()
    scopes = project_scopes(tmp_path, ["a/train.py", "a/pkg/model.py", "b/x.py", "top.py"])
    assert scopes == {"a/train.py": "a", "a/pkg/model.py": "a", "b/x.py": "", "top.py": ""}


def test_a_cpu_project_beside_a_cuda_project_gets_no_pin_memory_finding(tmp_path):
    for name, code in (("gpu_project", CUDA_TRAIN), ("cpu_project", CPU_TRAIN)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "requirements.txt").write_text("torch>=2.0\n")
        (tmp_path / name / "train.py").write_text(code)
    result = CliRunner().invoke(app, ["lint", str(tmp_path), "--select", "RL101", "--format", "json",
                                      "--no-cache", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert [(f["path"], f["rule"]) for f in json.loads(result.stdout)] == [("gpu_project/train.py", "RL101")]
