"""Entrypoints: what a user runs, with the evidence, strongest first."""

from __future__ import annotations

import pytest

from repolens.mapper import build_map
from repolens.mapper.entrypoints import parse_command

MAIN = """
import argparse

def main():
    argparse.ArgumentParser().parse_args()

if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize(("command", "expected"), [
    ("python train.py --lr 0.1", ("script", "train.py")),
    ("python3 -u tools/train.py configs/a.py", ("script", "tools/train.py")),
    ("python -m pkg.train --epochs 3", ("module", "pkg.train")),
    ("torchrun --nproc_per_node=8 train.py", ("script", "train.py")),
    ("torchrun --nproc_per_node 8 --nnodes 2 train.py cfg", ("script", "train.py")),
    ("python -m torch.distributed.launch --nproc_per_node=4 main.py", ("script", "main.py")),
    ("accelerate launch --num_processes 2 finetune.py", ("script", "finetune.py")),
    ("deepspeed --num_gpus 8 pretrain.py --deepspeed ds.json", ("script", "pretrain.py")),
    ("CUDA_VISIBLE_DEVICES=0,1 python eval.py", ("script", "eval.py")),
    ("python -m torch.distributed.launch --nproc_per_node=$GPUS $(dirname \"$0\")/train.py $CONFIG", ("script", '$0)/train.py')),
    ("python --version", None),
    ("pip install torch", None),
])
def test_parse_command_finds_the_program_a_launcher_runs(command, expected):
    assert parse_command(command) == expected


def test_readme_commands_rank_before_console_scripts_shell_scripts_and_guards(make_project):
    root = make_project({
        "README.md": """
            # proj
            Train with `python tools/train.py --cfg a` and then

            ```bash
            torchrun --nproc_per_node=2 tools/train.py
            python -m proj.evaluate --ckpt x.pt
            proj-export --out model.onnx
            ```
            See [the guide](docs/GUIDE.md).
        """,
        "docs/GUIDE.md": """
            ```
            accelerate launch tools/finetune.py
            ```
        """,
        "tools/train.py": MAIN,
        "tools/finetune.py": MAIN,
        "proj/__init__.py": "",
        "proj/evaluate.py": MAIN,
        "proj/export.py": MAIN,
        "proj/model.py": "import torch.nn as nn\nclass Net(nn.Module):\n    pass\n" + MAIN,
        "scripts/run.sh": "#!/bin/sh\nset -e\npython proj/helper.py --x 1\n",
        "proj/helper.py": MAIN,
        "pyproject.toml": """
            [project]
            name = "proj"
            dependencies = ["torch>=2.0"]
            [project.scripts]
            proj-export = "proj.export:main"
        """,
    })
    eps = build_map(str(root)).entrypoints
    by_path = {e.path: e for e in eps}
    assert eps[0].path == "tools/train.py" and eps[0].kind == "readme-command"
    assert eps[0].evidence == "README.md:2"
    assert by_path["proj/evaluate.py"].command == "python -m proj.evaluate --ckpt x.pt"
    assert by_path["proj/export.py"].kind == "readme-command"  # the console script name used in README
    assert by_path["tools/finetune.py"].evidence == "docs/GUIDE.md:2"
    assert by_path["proj/helper.py"].kind == "shell-script"
    assert by_path["proj/helper.py"].evidence == "scripts/run.sh:3"
    assert eps[-1].path == "proj/model.py" and eps[-1].kind == "main-guard"  # a model's smoke test ranks last
    assert len({e.path for e in eps}) == len(eps)  # one entry per path


def test_console_scripts_from_setup_py_are_read_without_running_it(make_project, tmp_path):
    marker = tmp_path / "setup_ran"
    root = make_project({
        "setup.py": f"""
            from setuptools import setup
            open({str(marker)!r}, "w").write("ran")
            ENTRY = {{"console_scripts": ["tl-train = tl.train:main", "tl-eval=tl.evaluate:main"]}}
            setup(name="tl", install_requires=["torch==2.1.0"], entry_points=ENTRY)
        """,
        "tl/__init__.py": "",
        "tl/train.py": MAIN,
        "tl/evaluate.py": MAIN,
    })
    m = build_map(str(root))
    cs = {e.path: e for e in m.entrypoints if e.kind == "console-script"}
    assert cs["tl/train.py"].evidence == "setup.py entry_points console_scripts tl-train"
    assert cs["tl/evaluate.py"].command == "tl-eval"
    assert not marker.exists()
    assert m.environment["torch"] == "==2.1.0"


def test_setup_cfg_console_scripts(make_project):
    root = make_project({
        "setup.cfg": """
            [options]
            install_requires =
                torch>=1.13
            [options.entry_points]
            console_scripts =
                cfgtool = pkg.cli:main
        """,
        "pkg/__init__.py": "",
        "pkg/cli.py": MAIN,
    })
    m = build_map(str(root))
    assert [(e.path, e.evidence) for e in m.entrypoints] == [
        ("pkg/cli.py", "setup.cfg [options.entry_points] cfgtool")]
    assert m.environment["torch"] == ">=1.13"


def test_shell_script_calling_a_sibling_through_dirname_is_resolved(make_project):
    root = make_project({
        "tools/train.py": MAIN,
        "tools/dist_train.sh": """
            #!/usr/bin/env bash
            PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \\
            python -m torch.distributed.launch \\
                --nproc_per_node=$GPUS \\
                $(dirname "$0")/train.py $CONFIG --launcher pytorch
        """,
    })
    eps = build_map(str(root)).entrypoints
    assert (eps[0].path, eps[0].kind, eps[0].evidence) == ("tools/train.py", "shell-script", "tools/dist_train.sh:2")  # where the (continued) command starts
