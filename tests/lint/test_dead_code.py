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
    names = [name for name, _, _, _ in deadcode.definitions(ast.parse(source))]
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


# so-vits-svc's shape: the training script resumes through the root utils.py's `load_checkpoint`; a
# vendored HiFi-GAN copy under vdecoder/ has a `load_checkpoint` of its own, in a module only its
# sibling models.py imports (for `init_weights`), so no file that can reach it calls it.
VENDORED_UTILS = """\
import torch


def init_weights(m):
    m.weight.data.normal_(0.0, 0.01)


def load_checkpoint(filepath, device):
    return torch.load(filepath, map_location=device)
"""
ROOT_UTILS = """\
import torch


def load_checkpoint(path, model):
    model.load_state_dict(torch.load(path)["model"])
"""
SVC = {
    "vdecoder/__init__.py": "",
    "vdecoder/hifigan/__init__.py": "",
    "vdecoder/hifigan/checkpointing.py": VENDORED_UTILS,
    "vdecoder/hifigan/models.py": "from .checkpointing import init_weights\n\n\nclass Generator:\n    pass\n",
    "models.py": "from vdecoder.hifigan.models import Generator\n",
    "utils.py": ROOT_UTILS,
    "train.py": "import utils\nimport models\n\nutils.load_checkpoint(args.resume, models.Generator())\n",
}
VENDORED = "vdecoder/hifigan/checkpointing.py"


def _lines(code: str, path: str, sources: dict[str, str]) -> list[int]:
    return [r.position.start.line for r in _reports(code, path, sources)]


def test_a_name_written_only_where_the_module_cannot_be_reached_does_not_keep_it_alive():
    assert _lines("RL501", VENDORED, SVC) == []
    assert _lines("RL501", "utils.py", SVC) == [5]
    # A file that imports the vendored module and calls its function keeps it alive.
    direct = {**SVC, "export.py": "from vdecoder.hifigan import checkpointing as hc\nhc.load_checkpoint('g.pt', 'cpu')\n"}
    assert _lines("RL501", VENDORED, direct) == [9]


def test_an_import_of_a_module_so_named_may_read_it():
    """With another folder first on sys.path, `import utils` reads whichever utils.py is there: in
    so-vits-svc itself the vendored copies are vdecoder/hifigan/utils.py, so the training script's
    `utils.load_checkpoint` keeps them alive (the cost: five findings judged "nothing calls it" stay)."""
    same_name = {**{k: v for k, v in SVC.items() if k != VENDORED}, "vdecoder/hifigan/utils.py": VENDORED_UTILS,
                 "vdecoder/hifigan/models.py": "from .utils import init_weights\n\n\nclass Generator:\n    pass\n"}
    assert _lines("RL501", "vdecoder/hifigan/utils.py", same_name) == [9]


def test_readers_through_a_package_that_passes_names_on_and_through_run_time_imports():
    """`from .checkpointing import *` in a package's __init__ hands the names to the package's
    importers; a file importing modules by names built at run time may reach any of them."""
    star = {**SVC, "vdecoder/hifigan/__init__.py": "from .checkpointing import *\n",
            "infer.py": "from vdecoder.hifigan import load_checkpoint\nload_checkpoint('g.pt', 'cpu')\n"}
    assert _lines("RL501", VENDORED, star) == [9]
    dynamic = {**SVC, "plugins.py": "import importlib\nm = importlib.import_module(name)\nm.load_checkpoint('g.pt', 'cpu')\n"}
    assert _lines("RL501", VENDORED, dynamic) == [9]


# stable-dreamfusion's taichi_modules/utils.py: `load_ckpt` is named nowhere, and the loading helper
# it calls, `extract_model_state_dict`, nowhere else: what only dead code calls is dead too.
TAICHI_UTILS = """\
import torch


def packbits(x):
    return x


def extract_model_state_dict(ckpt_path):
    checkpoint = torch.load(ckpt_path, map_location='cpu')
    return checkpoint['state_dict']


def load_ckpt(model, ckpt_path):
    model.load_state_dict(extract_model_state_dict(ckpt_path))
"""


def test_what_only_dead_code_names_is_dead_too():
    files = {"taichi_modules/__init__.py": "from .utils import packbits\n", "taichi_modules/utils.py": TAICHI_UTILS,
             "nerf/renderer.py": "from taichi_modules import packbits\n"}
    assert _lines("RL501", "taichi_modules/utils.py", files) == []
    called = {**files, "main.py": "from taichi_modules.utils import load_ckpt\nload_ckpt(model, opt.ckpt)\n"}
    assert _lines("RL501", "taichi_modules/utils.py", called) == [9]
    # A recursive call is no caller: the function still only names itself.
    recursive = TAICHI_UTILS.replace("    return checkpoint['state_dict']\n",
                                     "    return extract_model_state_dict(ckpt_path) if not checkpoint else checkpoint\n")
    assert _lines("RL501", "taichi_modules/utils.py", {**files, "taichi_modules/utils.py": recursive}) == []


def test_a_model_zoo_a_package_hands_on_whole_stays_in_view():
    """ZijunDeng's pytorch-semantic-segmentation: models/__init__.py star-imports every model file and
    the training scripts star-import the package; a model class no script builds yet is one a user
    picks by name (its pretrained-backbone loads were judged worth acting on). Its own `super(Cls, self)`
    is no caller."""
    fcn32 = ("import torch\nfrom torch import nn\n\n\nclass FCN32VGG(nn.Module):\n    def __init__(self):\n"
             "        super(FCN32VGG, self).__init__()\n        self.vgg.load_state_dict(torch.load(vgg_path))\n")
    files = {"models/__init__.py": "from .fcn32s import *\nfrom .fcn8s import *\n", "models/fcn32s.py": fcn32,
             "models/fcn8s.py": "class FCN8s:\n    pass\n", "train/train.py": "from models import *\nnet = FCN8s()\n"}
    assert _lines("RL501", "models/fcn32s.py", files) == [8]
    named = {**files, "models/__init__.py": "from .fcn32s import FCN32\nfrom .fcn8s import *\n"}
    assert _lines("RL501", "models/fcn32s.py", named) == []
    # A helper function handed on the same way is no model to pick: MPRNet's utils/__init__.py
    # star-imports model_utils, whose `load_checkpoint_multigpu` nothing calls (judged not worth).
    helpers = {"utils/__init__.py": "from .model_utils import *\n", "utils/model_utils.py": MODEL_UTILS,
               "test.py": "import torch\nfrom utils import load_checkpoint\nload_checkpoint(model, args.weights)\n"}
    assert _lines("RL501", "utils/model_utils.py", helpers) == [5]
