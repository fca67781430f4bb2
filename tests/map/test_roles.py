"""Roles come from code evidence, with names only as a prior."""

from __future__ import annotations

from repolens.mapper import build_map


def roles(root) -> dict[str, str]:
    return {f.path: f.role for f in build_map(str(root)).files}


def test_module_base_resolved_through_import_alias(make_project):
    root = make_project({
        "net.py": """
            from torch import nn as tnn

            class Tiny(tnn.Module):
                def forward(self, x):
                    return x
        """,
    })
    m = build_map(str(root))
    f = m.files[0]
    assert f.role == "model"
    assert any("Tiny" in s for s in f.signals)


def test_subclass_of_a_repo_module_in_another_file_is_a_model(make_project):
    root = make_project({
        "base.py": """
            import torch.nn as nn

            class Backbone(nn.Module):
                pass
        """,
        "things.py": """
            from base import Backbone

            class Encoder(Backbone):
                def __init__(self):
                    super().__init__()
        """,
    })
    assert roles(root)["things.py"] == "model"


def test_test_py_that_scores_a_checkpoint_is_eval_not_a_unit_test(make_project):
    root = make_project({
        "test.py": """
            import argparse
            import torch
            from model import Net

            def main():
                parser = argparse.ArgumentParser()
                args = parser.parse_args()
                model = Net()
                model.load_state_dict(torch.load(args.ckpt))
                model.eval()
                with torch.no_grad():
                    pass

            if __name__ == "__main__":
                main()
        """,
        "model.py": """
            import torch.nn as nn
            class Net(nn.Module):
                pass
        """,
        "tests/test_model.py": """
            import pytest
            from model import Net

            def test_builds():
                assert Net() is not None

            def test_other():
                assert True
        """,
    })
    got = roles(root)
    assert got["test.py"] == "eval"
    assert got["tests/test_model.py"] == "test"
    assert got["model.py"] == "model"


def test_training_loop_is_train_even_with_a_neutral_name(make_project):
    root = make_project({
        "run_experiment.py": """
            import torch
            def fit(model, loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = model(x).sum()
                    loss.backward()
                    optimizer.step()

            if __name__ == "__main__":
                fit(None, [], None)
        """,
    })
    f = build_map(str(root)).files[0]
    assert f.role == "train"
    assert "calls loss.backward() and optimizer.step()" in f.signals


def test_dataset_config_and_utils_files(make_project):
    root = make_project({
        "loaders.py": """
            from torch.utils.data import Dataset

            class Pairs(Dataset):
                def __getitem__(self, i):
                    return i
                def __len__(self):
                    return 3
        """,
        "configs/base.py": """
            lr = 0.1
            epochs = 30
            batch_size = 128
            model = "resnet18"
        """,
        "utils/meter.py": """
            class AverageMeter:
                def update(self, v):
                    self.v = v

            def accuracy(out, target):
                return 0.0
        """,
    })
    got = roles(root)
    assert got == {"loaders.py": "data", "configs/base.py": "config", "utils/meter.py": "utils"}


def test_transform_modules_are_data_not_model(make_project):
    root = make_project({
        "transforms.py": """
            import torch.nn as nn

            class RandomFlip(nn.Module):
                def forward(self, x):
                    return x.flip(-1)
        """,
    })
    assert roles(root)["transforms.py"] == "data"


def test_unparsable_file_still_gets_a_role_marked_unparsed(make_project):
    root = make_project({
        "models/old_net.py": """
            import torch.nn as nn
            class OldNet(nn.Module):
                def forward(self, x):
                    print "python 2"
        """,
    })
    f = build_map(str(root)).files[0]
    assert f.parsed is False
    assert f.role == "model"
    assert f.problem and "does not parse" in f.problem


def test_secondary_roles_and_confidence_are_reported(make_project):
    root = make_project({
        "train.py": """
            import torch
            lr = 0.1
            epochs = 3
            batch = 8
            def train(model, opt, data):
                for x in data:
                    model(x).sum().backward()
                    opt.step()
            def evaluate(model, data):
                model.eval()
                with torch.no_grad():
                    pass
            if __name__ == "__main__":
                train(None, None, [])
        """,
    })
    f = build_map(str(root)).files[0]
    assert f.role == "train"
    assert 0.0 < f.confidence <= 1.0
    assert all(r != "train" for r in f.secondary)


def test_reexporting_package_init_takes_the_role_of_what_it_exports(make_project):
    root = make_project({
        "models/__init__.py": "from .net import Net\n",
        "models/net.py": """
            import torch.nn as nn
            class Net(nn.Module):
                pass
        """,
    })
    assert roles(root)["models/__init__.py"] == "model"


def test_notebook_is_mapped_from_its_code_cells(make_project):
    import json

    nb = {"cells": [{"cell_type": "code", "source": ["%matplotlib inline\n", "import torch\n",
                                                      "loss.backward()\n", "optimizer.step()\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    root = make_project({"explore.ipynb": json.dumps(nb)})
    f = build_map(str(root)).files[0]
    assert f.path == "explore.ipynb"
    assert f.role == "train"
