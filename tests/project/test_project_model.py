"""The project model that map and lint share (issue: one project model for map and lint).

Each test writes a small realistic project to a temporary folder and runs the real commands on it
(`repolens lint` through its CLI, `build_map` for the map), so what is checked is what a user sees.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from repolens.lint.facts import collect_facts
from repolens.mapper import build_map
from repolens.project import ProjectModel, module_info


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def lint(root: Path, *args: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "repolens", "lint", str(root), "--format", "json", "--no-cache", *args],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def found(findings: list[dict], rule: str) -> list[tuple[str, int]]:
    return sorted((f["path"], f["line"]) for f in findings if f["rule"] == rule)


FRAMEWORK_BASES = {
    "transformers": ("from transformers import PreTrainedModel", "PreTrainedModel"),
    "mmengine": ("from mmengine.model import BaseModule", "BaseModule"),
    "lightning": ("import lightning as L", "L.LightningModule"),
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_BASES))
def test_framework_model_classes_are_modules_to_lint_and_models_to_the_map(tmp_path, framework):
    imp, base = FRAMEWORK_BASES[framework]
    root = write(tmp_path / framework, {
        "models/heads.py": f"""
            import torch.nn as nn
            {imp}


            class Heads({base}):
                def __init__(self, config):
                    super().__init__()
                    self.fc = nn.Conv2d(8, 8, 1)  # RL201 speaks of feature maps, not MLP heads
                    self.act = nn.LeakyReLU(0.1)
                    self.extra = [nn.Linear(8, 8) for _ in range(3)]

                def forward(self, x):
                    x = self.act(self.fc(x))
                    return sum(layer(x) for layer in self.extra)
            """,
        "configs/train.yaml": "data:\n  image_size: 256\n",  # large inputs: RL201 speaks
    })
    findings = lint(root, "--select", "RL201,RL211")
    assert found(findings, "RL201") == [("models/heads.py", 9)]
    assert found(findings, "RL211") == [("models/heads.py", 10)]  # never registered: never trained
    roles = {f.path: f.role for f in build_map(str(root)).files}
    assert roles["models/heads.py"] == "model"


def test_a_module_subclass_through_a_repo_base_in_another_file(tmp_path):
    root = write(tmp_path / "p", {
        "pkg/__init__.py": "from .base import Block\n",
        "pkg/base.py": "from transformers import PreTrainedModel\nclass Block(PreTrainedModel):\n    pass\n",
        "pkg/net.py": """
            import torch.nn as nn
            from pkg import Block


            class Net(Block):
                def __init__(self):
                    super().__init__()
                    self.blocks = [nn.Conv2d(3, 3, 3), nn.Conv2d(3, 3, 3)]
            """,
    })
    assert found(lint(root, "--select", "RL211"), "RL211") == [("pkg/net.py", 8)]


def test_same_named_classes_in_two_files_do_not_leak_into_each_other(tmp_path):
    root = write(tmp_path / "p", {
        "model.py": """
            import torch.nn as nn


            class Head(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 2)

                def forward(self, x):
                    return self.fc(x)
            """,
        # A plain registry object that happens to be called Head too: its list of layers is a
        # recipe handed to a builder, not submodules of a Module.
        "builders.py": """
            import torch.nn as nn


            class Head:
                def __init__(self):
                    self.layers = [nn.Linear(4, 4), nn.ReLU()]

                def build(self):
                    return nn.Sequential(*self.layers)
            """,
    })
    findings = lint(root, "--select", "RL211,RL201")
    assert found(findings, "RL211") == []
    assert found(findings, "RL201") == []


def test_a_loader_bound_to_self_in_init_and_iterated_by_a_training_loop_elsewhere(tmp_path):
    root = write(tmp_path / "p", {
        "data.py": """
            from torch.utils.data import DataLoader


            class Data:
                def __init__(self, dataset):
                    self.loader = DataLoader(dataset, batch_size=32, num_workers=4)
            """,
        "trainer.py": """
            class Trainer:
                def __init__(self, model, data, optimizer):
                    self.model, self.data, self.optimizer = model, data, optimizer

                def fit(self):
                    for x, y in self.data.loader:
                        self.optimizer.zero_grad()
                        loss = self.model(x, y)
                        loss.backward()
                        self.optimizer.step()
            """,
    })
    # A neutral name ("loader"): the training loop that iterates it says it is the training loader.
    assert found(lint(root, "--select", "RL108"), "RL108") == [("data.py", 6)]


def test_dataloader_keywords_are_read_through_a_dict_literal(tmp_path):
    root = write(tmp_path / "p", {
        "train.py": """
            import torch
            from torch.utils.data import DataLoader

            device = torch.device("cuda")


            def main(train_set, model, optimizer):
                train_kwargs = {"batch_size": 64, "num_workers": 4}
                train_loader = DataLoader(train_set, **train_kwargs)
                pinned_kwargs = {"batch_size": 64, "num_workers": 4, "pin_memory": True, "shuffle": True}
                other_loader = DataLoader(train_set, **pinned_kwargs)
                for x, y in train_loader:
                    loss = model(x.to(device), y.to(device))
                    loss.backward()
                    optimizer.step()
            """,
    })
    findings = lint(root, "--select", "RL101,RL108")
    assert found(findings, "RL101") == [("train.py", 9)]  # the dict has no pin_memory
    assert found(findings, "RL108") == [("train.py", 9)]  # nor shuffle
    assert all(not f["fixable"] for f in findings)  # keywords travel in the dict: never added twice
    message = next(f["message"] for f in findings if f["rule"] == "RL101")
    assert "train_kwargs" in message and "line 8" in message


def test_a_torch_accelerator_project_is_a_gpu_project(tmp_path):
    root = write(tmp_path / "p", {
        "train.py": """
            import torch
            from torch.utils.data import DataLoader
            from torchvision import transforms
            device = torch.accelerator.current_accelerator()


            def main(train_set):
                train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=2)
                return train_loader
            """,
    })
    assert found(lint(root, "--select", "RL101"), "RL101") == [("train.py", 8)]
    info = module_info("train.py", (root / "train.py").read_text())
    model = ProjectModel([info])
    assert model.gpu.value and "train.py:4: uses torch.accelerator" in model.gpu.evidence[0]


@pytest.mark.parametrize(("requirements", "fires"), [("torch>=2.6\n", False), ("torch>=2.1,<3\n", True),
                                                     ("", True)])
def test_rl501_reads_the_torch_version_the_project_declares(tmp_path, requirements, fires):
    files = {"load.py": "import torch\nstate = torch.load('ckpt.pt', map_location='cpu')\n"}
    if requirements:
        files["requirements.txt"] = requirements
    root = write(tmp_path / "p", files)
    assert bool(found(lint(root, "--select", "RL501"), "RL501")) is fires


@pytest.mark.parametrize("requirements", ["torch==1.4.0\n", "torch>=1.0,<1.10\n"])
def test_rl501_offers_no_fix_on_a_torch_without_weights_only(tmp_path, requirements):
    # weights_only arrived in torch 1.13: on a pinned older torch the keyword raises TypeError,
    # so the finding says to upgrade first and --unsafe-fixes leaves the call as it is.
    source = "import torch\nstate = torch.load(args.pretrained, map_location='cpu')\n"
    root = write(tmp_path / "p", {"requirements.txt": requirements, "load.py": source})
    (finding,) = [f for f in lint(root, "--select", "RL501") if f["rule"] == "RL501"]
    assert "pins torch below 1.13 (requirements.txt:1: torch" in finding["message"]
    assert finding["fixable"] is False
    lint(root, "--select", "RL501", "--fix", "--unsafe-fixes")
    assert (root / "load.py").read_text() == source


@pytest.mark.parametrize(("requirements", "fires"), [("numpy==1.15.2\ntorch==0.4.1\n", False),
                                                     ("torch>=1.4\n", True), ("", True)])
def test_rl302_is_silent_on_a_project_that_pins_torch_below_1_1(tmp_path, requirements, fires):
    # Deep-SVDD pins torch==0.4.1, where `scheduler.step()` at the top of each epoch was the
    # documented order (2 judged not worth); on a newer torch it is still reported
    files = {"src/optim/ae_trainer.py": """
        import torch.optim as optim


        def train(net, loader, optimizer, n_epochs):
            scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[50], gamma=0.1)
            for epoch in range(n_epochs):
                scheduler.step()
                for inputs, _ in loader:
                    optimizer.zero_grad()
                    loss = net(inputs).sum()
                    loss.backward()
                    optimizer.step()
        """}
    if requirements:
        files["requirements.txt"] = requirements
    root = write(tmp_path / "p", files)
    assert bool(found(lint(root, "--select", "RL302"), "RL302")) is fires


def test_rl501_is_silent_in_a_project_written_for_weights_only_loading(tmp_path):
    root = write(tmp_path / "p", {
        "ckpt.py": """
            import argparse
            import torch

            torch.serialization.add_safe_globals([argparse.Namespace])


            def load(path):
                return torch.load(path, map_location="cpu")
            """,
    })
    assert found(lint(root, "--select", "RL501"), "RL501") == []


def test_explicit_target_version_wins_over_the_declared_one(tmp_path):
    root = write(tmp_path / "p", {
        "requirements.txt": "torch>=2.6\n",
        "pyproject.toml": '[project]\nname = "p"\n[tool.repolens]\ntarget-version = "2.1"\n',
        "load.py": "import torch\nstate = torch.load('ckpt.pt')\n",
    })
    assert found(lint(root, "--select", "RL501"), "RL501") == [("load.py", 2)]


def test_model_records_bindings_kwargs_and_evidence():
    text = textwrap.dedent("""
        import torch.nn as nn
        from .blocks import Block as B


        class Net(nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner
                self.block = B(3)
                self.heads = [nn.Linear(2, 2), nn.Linear(2, 2)]


        def main(use_cuda):
            kw = dict(batch_size=8)
            if use_cuda:
                kw.update({"pin_memory": True})
            kw["num_workers"] = 2
        """)
    info = module_info("pkg/net.py", text)
    assert info.module == "pkg.net" and info.package == "pkg"
    bindings = {(b.owner, b.attr): b.value for b in info.bindings}
    assert bindings == {("Net", "inner"): "param:inner", ("Net", "block"): "pkg.blocks.Block",
                        ("Net", "heads"): "list:torch.nn.Linear"}
    (kw,) = info.kwargs_dicts
    assert (kw.scope, kw.name, kw.complete) == ("main", "kw", True)
    assert dict(kw.keys) == {"batch_size": "8", "pin_memory": "True", "num_workers": "2"}
    assert kw.conditional == ("pin_memory",)
    # JSON round trip (the lint cache stores it)
    assert type(info).from_json(json.loads(json.dumps(info.to_json()))) == info


def test_the_map_follows_an_importlib_registry_to_the_model_files(tmp_path):
    # pix2pix/CycleGAN style: `create_model(opt)` imports "models.<name>_model" by name.
    root = write(tmp_path / "gan", {
        "README.md": "# GAN\npython train.py --model cycle_gan\n",
        "train.py": """
            from models import create_model

            if __name__ == "__main__":
                model = create_model(None)
                model.optimize_parameters()
            """,
        "models/__init__.py": """
            import importlib


            def find_model_using_name(model_name):
                model_filename = "models." + model_name + "_model"
                modellib = importlib.import_module(model_filename)
                return getattr(modellib, model_name.title() + "Model")


            def create_model(opt):
                return find_model_using_name(opt.model)(opt)
            """,
        "models/cycle_gan_model.py": """
            from . import networks


            class CycleGANModel:
                def __init__(self, opt):
                    self.netG = networks.ResnetGenerator()

                def optimize_parameters(self):
                    self.netG(self.real).mean().backward()
            """,
        "models/networks.py": """
            import torch.nn as nn


            class ResnetGenerator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Conv2d(3, 64, 7), nn.ReLU(True), nn.Conv2d(64, 3, 7))

                def forward(self, x):
                    return self.body(x)
            """,
    })
    repo_map = build_map(str(root))
    order = [s.path for s in repo_map.reading_order]
    assert "models/cycle_gan_model.py" in order  # reached only through the registry
    core = [s for s in repo_map.reading_order if getattr(s, "core", False)]
    assert [(s.path, s.symbol) for s in core] == [("models/networks.py", "ResnetGenerator")]


def test_relative_imports_resolve_the_same_from_inside_the_package(tmp_path):
    root = write(tmp_path / "repo", {
        "pkg/__init__.py": "",
        "pkg/base.py": "from torch.utils.data import Dataset\n\n\nclass BaseSet(Dataset):\n    pass\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/photos.py": """
            from PIL import Image

            from ..base import BaseSet


            class Photos(BaseSet):
                def __getitem__(self, i):
                    return Image.open(self.paths[i])
            """,
    })
    from_parent = found(lint(root, "--select", "RL903"), "RL903")
    from_inside = found(lint(root / "pkg", "--select", "RL903"), "RL903")
    assert from_parent == [("pkg/sub/photos.py", 8)]
    assert from_inside == [("sub/photos.py", 8)]  # `..base` is pkg.base, not a top-level `base`


def test_a_subscripted_generic_base_is_still_the_base():
    # `class G(Dataset[int])` (typed datasets): the base is torch's Dataset, not an unknown subscript
    text = textwrap.dedent("""
        from torch.utils.data import Dataset, IterableDataset


        class Typed(Dataset[int]):
            pass


        class Stream(IterableDataset[dict]):
            pass
        """)
    model = ProjectModel([module_info("data.py", text)])
    assert model.class_kind("data.py", "Typed") == "dataset"
    assert model.class_kind("data.py", "Stream") == "iterable-dataset"


def test_keywords_the_call_itself_passes_come_before_the_dict(tmp_path):
    # Seen on real code: `DataLoader(ds, shuffle=True, **loader_args)` and `DataLoader(ds, sampler=s, **kw)`
    # shuffle as asked; the dict is read only for what the call does not say.
    root = write(tmp_path / "p", {
        "train.py": """
            import torch
            from torch.utils.data import DataLoader


            def main(train_set, sampler):
                loader_args = dict(batch_size=8, num_workers=4, pin_memory=True)
                train_loader = DataLoader(train_set, shuffle=True, **loader_args)
                kw = {"batch_size": 8}
                train_loader2 = DataLoader(train_set, sampler=sampler, **kw)
                sampled = {"sampler": sampler}
                train_loader3 = DataLoader(train_set, shuffle=False, **sampled)
                return train_loader, train_loader2.to(torch.device("cuda")), train_loader3
            """,
    })
    assert found(lint(root, "--select", "RL108"), "RL108") == []


def test_a_scripts_own_folder_resolves_by_path_when_its_name_is_no_identifier():
    # `python tutorials/03-advanced/image_captioning/train.py` puts that folder on sys.path
    model = ProjectModel([
        module_info("tutorials/03-advanced/image_captioning/train.py", "from data_loader import get_loader\n"),
        module_info("tutorials/03-advanced/image_captioning/data_loader.py", textwrap.dedent("""
            import torch
            def get_loader(root, batch_size):
                data_loader = torch.utils.data.DataLoader(dataset=Coco(root), batch_size=batch_size, shuffle=True)
                return data_loader
            def get_pinned(root):
                return torch.utils.data.DataLoader(Coco(root), pin_memory=torch.cuda.is_available())
            def get_any(root, **kw):
                return torch.utils.data.DataLoader(Coco(root), **kw)
        """)),
        module_info("other/data_loader.py", "def get_loader():\n    pass\n"),
    ])
    here = "tutorials/03-advanced/image_captioning/train.py"
    assert model.module_rel("data_loader", here) == "tutorials/03-advanced/image_captioning/data_loader.py"
    assert model.loader_factory_pin("data_loader.get_loader", here) == "unpinned"
    assert model.loader_factory_pin("data_loader.get_pinned", here) == "pinned"
    assert model.loader_factory_pin("data_loader.get_any", here) == "unknown"
    assert model.loader_factory_pin("data_loader.get_loader", "other/train.py") is None  # returns no loader


def test_an_argument_moved_to_a_device_is_still_what_built_it():
    # `model = RNN(...)`, `model = model.to(DEVICE)`, `evaluate(model)`: a module's `.to()` returns
    # the module, so every call passes what `RNN(...)` built
    source = ("class RNN:\n    pass\n"
              "def evaluate(model):\n    return model(1)\n"
              "model = RNN()\nmodel = model.to(DEVICE)\nevaluate(model)\n")
    facts = collect_facts({"nb.py": source})
    assert facts.model.argument_builder("nb.py", "evaluate", 0, "model") == "nb.RNN"
    rebound = source.replace("model = model.to(DEVICE)", "model = wrap(model)")
    assert collect_facts({"nb.py": rebound}).model.argument_builder("nb.py", "evaluate", 0, "model") == "wrap"


# TransReID's layout: datasets/__init__.py re-exports the function of datasets/make_dataloader.py
_TRANSREID = {
    "datasets/__init__.py": "from .make_dataloader import make_dataloader\n",
    "datasets/make_dataloader.py": (
        "from torch.utils.data import DataLoader\n\ndef make_dataloader(cfg):\n"
        "    train_loader = DataLoader(train_set, shuffle=True)\n"
        "    train_loader_normal = DataLoader(train_set, shuffle=False)\n"
        "    val_loader = DataLoader(val_set)\n"
        "    return train_loader, train_loader_normal, val_loader, len(val_set)\n"),
    "train.py": ("from datasets import make_dataloader\n\nif __name__ == '__main__':\n"
                 "    train_loader, train_loader_normal, val_loader, num_query = make_dataloader(cfg)\n"
                 "    do_train(train_loader, val_loader, num_query)\n"),
    "test.py": ("from datasets import make_dataloader\n\n"
                "train_loader, train_loader_normal, val_loader, num_query = make_dataloader(cfg)\n"
                "do_inference(val_loader, num_query)\n"),
}


def test_a_package_binding_wins_over_its_submodule_of_the_same_name():
    # `from datasets import make_dataloader` imports the function the package re-exports, not the module
    model = collect_facts(_TRANSREID).model
    found = model.resolve("datasets.make_dataloader", "train.py")
    assert (found.rel, found.name, found.kind) == ("datasets/make_dataloader.py", "make_dataloader", "function")


def test_unread_returned_item_needs_every_caller_to_leave_the_item_unread():
    model = collect_facts(_TRANSREID).model
    unread = [model.unread_returned_item("datasets/make_dataloader.py", "make_dataloader", i) for i in range(4)]
    assert unread == [False, True, False, False]
    # one caller that reads it, or that uses the result otherwise (a `for` over an item), is enough
    reads = {**_TRANSREID, "viz.py": "from datasets import make_dataloader\n"
             "a, normal, b, n = make_dataloader(cfg)\nshow(normal)\n"}
    indexed = {**_TRANSREID, "viz.py": "from datasets import make_dataloader\n"
               "for batch in make_dataloader(cfg)[1]:\n    show(batch)\n"}
    # calls no scope reader reads still count as call sites: in a nested function, in a class body
    nested = {**_TRANSREID, "viz.py": "from datasets import make_dataloader\ndef main():\n    def inner():\n"
              "        a, normal, b, n = make_dataloader(cfg)\n        show(normal)\n    inner()\n"}
    in_class = {**_TRANSREID, "viz.py": "from datasets import make_dataloader\nclass Viz:\n"
                "    loaders = make_dataloader(cfg)\n"}
    for files in (reads, indexed, nested, in_class):
        assert not collect_facts(files).model.unread_returned_item("datasets/make_dataloader.py", "make_dataloader", 1)


def test_a_notebooks_own_class_wins_over_a_module_of_the_same_name():
    """captcha_break's notebooks define `CaptchaDataset` in a cell, and `Winpy/CaptchaDataset.py`
    is a module of that name: the notebook's bare name is its own class (RL108 reads its
    `__getitem__`, which ignores the index and draws a random captcha)."""
    getitem = ("import random\nfrom torch.utils.data import Dataset\n\nclass CaptchaDataset(Dataset):\n"
               "    def __getitem__(self, index):\n        return ''.join(random.choice('ab') for _ in range(4))\n")
    model = collect_facts({"ctc_pytorch.ipynb": getitem + "train_set = CaptchaDataset()\n",
                           "Winpy/CaptchaDataset.py": getitem.replace("random.choice('ab')", "self.texts[index]")}).model
    found = model.resolve(model.qualify("CaptchaDataset", "ctc_pytorch.ipynb"), "ctc_pytorch.ipynb")
    assert (found.rel, found.kind) == ("ctc_pytorch.ipynb", "class")
    assert model.draws_at_random(found.rel, found.name)
    # the module's class reads its index: no random generator
    assert not model.draws_at_random("Winpy/CaptchaDataset.py", "CaptchaDataset")


def test_a_relative_import_in_a_folder_whose_name_is_no_identifier_reaches_its_file():
    # code-of-learn-deep-learning-with-pytorch's `chapter9_Computer-Vision/segmentation/data/__init__.py`
    # does `from .voc import VocSegDataset`: the folder has no module name, the dotted path is its path
    folder = "chapter9_Computer-Vision/segmentation"
    model = ProjectModel([
        module_info(f"{folder}/main.py", "from data import VocSegDataset\n"),
        module_info(f"{folder}/data/__init__.py", "from .voc import VocSegDataset\n"),
        module_info(f"{folder}/data/voc.py", "from PIL import Image\nclass VocSegDataset:\n"
                                             "    def __getitem__(self, i):\n        return Image.open(i)\n"),
        module_info("chapter10_Natural-Language-Process/char_rnn/main.py", "import torch\n"),
    ])
    assert model.imported_files(f"{folder}/main.py") == {f"{folder}/data/__init__.py", f"{folder}/data/voc.py"}
    assert model.images_near(f"{folder}/main.py")  # the dataset it imports opens images
    assert model.reads_images.value and not model.images_near("chapter10_Natural-Language-Process/char_rnn/main.py")


def test_may_train_and_importers_train():
    """A file trains when it calls `.backward(` or anything named for training (a word of the
    callee's name: `run_epoch(`, `trainer.fit(`, `Trainer(`, not `crunch(` nor a `def train(`);
    `importers_train` asks it of a file and of every file that imports it (loss-landscape's
    `dataloader.py`, imported only by the scripts that plot the loss surface)."""
    from repolens.project.moduleinfo import may_train
    assert not may_train("def train(model):\n    pass\ncrunch(net, loader)\n")
    for text in ("loss.backward()\n", "run_epoch(net, loader)\n", "trainer.fit(net)\n", "t = Trainer(net)\n",
                 "model.train()\n"):
        assert may_train(text), text
    files = {"dataloader.py": "def load_dataset():\n    return 1, 2\n",
             "plot_surface.py": "import dataloader\na, b = dataloader.load_dataset()\ncrunch(a)\n",
             "alone.py": "def f():\n    return 1\n"}
    model = ProjectModel([module_info(rel, text) for rel, text in files.items()])
    assert model.importers_train("dataloader.py") is False
    assert model.importers_train("alone.py") is None  # nothing imports it: unknown
    files["train.py"] = "from dataloader import load_dataset\nfor x in load_dataset():\n    loss(x).backward()\n"
    model = ProjectModel([module_info(rel, text) for rel, text in files.items()])
    assert model.importers_train("dataloader.py") is True
    # the call through a module imported under its own name is a recorded call site
    assert ("dataloader.load_dataset", "2:7", "", "") in model.infos["plot_surface.py"].arguments
