"""No rule reports inside code nothing in the project names (repolens/lint/deadcode.py): through the
CLI on real folders (the engine's walk of configs and docs) and through `collect_facts`."""

from __future__ import annotations

import ast
import json

from typer.testing import CliRunner

from repolens.cli import app
from repolens.lint import deadcode
from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules

# MPRNet's utils/model_utils.py: `load_checkpoint` is what test.py calls on the released weights;
# `load_checkpoint_multigpu` is named nowhere else in the repository.
MODEL_UTILS = """\
import torch


def load_checkpoint(model, weights):
    checkpoint = torch.load(weights)
    model.load_state_dict(checkpoint["state_dict"])


def load_checkpoint_multigpu(model, weights):
    checkpoint = torch.load(weights)
    model.load_state_dict(checkpoint["state_dict"])
"""
TEST = """\
import utils.model_utils as model_utils
from networks import MPRNet

model = MPRNet()
model_utils.load_checkpoint(model, args.weights)
"""
README = "Download the released weights from https://example.org/mprnet/model_deblurring.pth\n"


def _lint(root) -> list[tuple[str, int, str]]:
    result = CliRunner().invoke(app, ["lint", str(root), "--format", "json", "--no-cache", "--select", "RL501"])
    assert result.exit_code in (0, 1), result.output
    return sorted((f["path"], f["line"], f["rule"]) for f in json.loads(result.output))


def _project(tmp_path, **files: str):
    for rel, text in {"utils/model_utils.py": MODEL_UTILS, "test.py": TEST, "README.md": README, **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_helper_nothing_names_gets_no_finding_and_its_called_twin_does(tmp_path):
    assert _lint(_project(tmp_path)) == [("utils/model_utils.py", 5, "RL501")]


def test_a_name_in_a_config_or_script_keeps_the_helper_alive(tmp_path):
    """Hydra's `_target_` or a shell script may be the only caller."""
    root = _project(tmp_path, **{"configs/eval.yaml": "loader:\n  _target_: utils.model_utils.load_checkpoint_multigpu\n"})
    assert _lint(root) == [("utils/model_utils.py", 5, "RL501"), ("utils/model_utils.py", 10, "RL501")]


def test_in_an_installable_package_only_private_names_can_be_dead(tmp_path):
    """A package's public function may be its users' API; `_private` ones are not."""
    private = MODEL_UTILS.replace("load_checkpoint_multigpu", "_load_checkpoint_multigpu")
    root = _project(tmp_path, **{"setup.py": "from setuptools import setup\nsetup(name='mprnet')\n"})
    assert _lint(root) == [("utils/model_utils.py", 5, "RL501"), ("utils/model_utils.py", 10, "RL501")]
    (root / "utils/model_utils.py").write_text(private)
    assert _lint(root) == [("utils/model_utils.py", 5, "RL501")]


RULES = {r.code: r for r in load_builtin_rules()}


def _reports(code: str, path: str, sources: dict[str, str]):
    return lint_text(sources[path], path, [RULES[code]], collect_facts(sources))[1]


def test_a_script_no_file_imports_keeps_its_unused_functions_in_view():
    """A file may be run directly, or be the whole project: only helper modules can hold dead code."""
    assert len(_reports("RL501", "utils/model_utils.py", {"utils/model_utils.py": MODEL_UTILS})) == 2


def test_decorated_definitions_and_framework_methods_are_never_dead():
    """A registry may hold a decorated function; Lightning calls `validation_step` by name."""
    registered = MODEL_UTILS.replace("def load_checkpoint_multigpu", "@LOADERS.register\ndef load_checkpoint_multigpu")
    assert len(_reports("RL501", "utils/model_utils.py", {"utils/model_utils.py": registered, "test.py": TEST})) == 2
    source = """\
import pytorch_lightning as pl
from torch import nn


class Net(pl.LightningModule):
    def validation_step(self, batch, i):
        pass

    def evaluate_later(self, loader):
        pass


class Block(nn.Module):
    def forward(self, x):
        pass

    def on_load(self):
        pass

    def load_param(self, path):
        pass


def __getattr__(name):
    pass


def test_block():
    pass
"""
    names = [name for name, _, _ in deadcode.definitions(ast.parse(source))]
    assert names == ["Net", "Block", "load_param"]


# NRI's utils.py: `load_data` is what every training script calls; `load_kuramoto_data` (a loader
# that never shuffles its training data) is named nowhere else. Three such RL108 findings were
# judged not worth a change: no run builds that loader.
NRI_UTILS = """\
import torch.nn as nn
from torch.utils.data import DataLoader


def load_data(batch_size=1):
    train_data_loader = DataLoader(train_data, batch_size=batch_size)
    return train_data_loader


def load_kuramoto_data(batch_size=1):
    train_data_loader = DataLoader(train_data, batch_size=batch_size)
    return train_data_loader


class UnusedEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(4, 4), nn.Linear(4, 4)]
"""
NRI_TRAIN = "import torch\nfrom utils import load_data\ntrain_loader = load_data(128)\n"


def test_a_rule_about_what_a_run_does_is_quiet_in_dead_code_and_one_about_a_definition_is_not():
    files = {"utils.py": NRI_UTILS, "train.py": NRI_TRAIN}
    assert [r.position.start.line for r in _reports("RL108", "utils.py", files)] == [6]
    # An unregistered module list is a mistake of the class itself: reported though nothing builds it.
    assert [r.position.start.line for r in _reports("RL211", "utils.py", files)] == [18]
    run_rules = {r.code for r in load_builtin_rules() if r.quiet_in_dead_code}
    assert {"RL101", "RL102", "RL103", "RL108", "RL304", "RL501"} <= run_rules
    assert not run_rules & {"RL201", "RL202", "RL211", "RL106"}
