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


def test_a_file_of_another_framework_beside_the_pytorch_code_is_not_linted(tmp_path):
    """ResNeSt ships MXNet Gluon scripts beside its PyTorch ones: `network(...)` there is a Gluon block,
    which has no `.eval()` (RL305 judged wrong). A file importing another framework and not torch gets
    no rule's finding; a syntax error is still reported."""
    evaluate = ("def test(network, val_data):\n    correct = 0\n    for data, label in val_data:\n"
                "        outputs = network(data)\n        correct += (outputs.argmax(1) == label).sum()\n"
                "    return correct\n")
    (tmp_path / "model.py").write_text("import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                                       "        super().__init__()\n        self.drop = nn.Dropout(0.5)\n")
    args = ["lint", str(tmp_path), "--select", "RL305,RL000", "--format", "json", "--no-cache", "--fail-on", "never"]
    (tmp_path / "verify.py").write_text("import torch\n" + evaluate)
    found = json.loads(CliRunner().invoke(app, args).stdout)
    assert [(f["path"], f["rule"]) for f in found] == [("verify.py", "RL305")]
    gluon = "import mxnet as mx\nfrom mxnet import gluon\n" + evaluate
    (tmp_path / "verify.py").write_text(gluon)
    assert json.loads(CliRunner().invoke(app, args).stdout) == []
    (tmp_path / "verify.py").write_text(gluon + "def broken(:\n")
    assert [f["rule"] for f in json.loads(CliRunner().invoke(app, args).stdout)] == ["RL000"]
