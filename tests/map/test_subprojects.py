"""Sub-projects: a collection of independent examples is mapped one sub-project at a time, and a
single project (with its tools/, scripts/, evaluations/ folders) stays one. Trees shaped after real
repositories: a GAN zoo (one folder per model, run after a README `cd`), a tutorial series (folders
with their own README / requirements), a flat folder of single-file RL scripts."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import write_tree

from repolens.mapper import build_map
from repolens.output.map import render_map

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "map.schema.json").read_text(encoding="utf-8"))

_GAN_SCRIPT = '''
import argparse
import os

import torch
from torch.utils.data import DataLoader
from torchvision import datasets

from models import {Gen}, Discriminator

os.makedirs("images", exist_ok=True)
parser = argparse.ArgumentParser()
parser.add_argument("--n_epochs", type=int, default=200)
opt = parser.parse_args()

generator = {Gen}()
discriminator = Discriminator()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002)
loader = DataLoader(datasets.MNIST("../../data/mnist", download=True), batch_size=64)
for epoch in range(opt.n_epochs):
    for imgs, _ in loader:
        optimizer_G.zero_grad()
        loss = -discriminator(generator(imgs)).mean()
        loss.backward()
        optimizer_G.step()
'''

_GAN_MODELS = '''
import torch.nn as nn


class {Gen}(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(100, 256), nn.ReLU(), nn.Linear(256, 784))

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(784, 1)

    def forward(self, x):
        return self.net(x)
'''

_GANS = {"acgan": ("Auxiliary Classifier GAN", "AcGenerator"), "dcgan": ("Deep Convolutional GAN", "DcGenerator"),
         "wgan": ("Wasserstein GAN", "WGenerator")}


def gan_zoo(root: Path) -> Path:
    readme = ["# PyTorch-GAN zoo", "", "Collection of GAN implementations.", "", "## Implementations", ""]
    files: dict[str, str] = {}
    for name, (title, gen) in _GANS.items():
        readme += [f"### {title}", "", f"[[Code]](implementations/{name}/{name}.py)", "", "#### Run Example",
                   "```", f"$ cd implementations/{name}/", f"$ python3 {name}.py", "```", ""]
        files[f"implementations/{name}/{name}.py"] = _GAN_SCRIPT.format(Gen=gen)
        files[f"implementations/{name}/models.py"] = _GAN_MODELS.format(Gen=gen)
    files["README.md"] = "\n".join(readme)
    files["data/download_dataset.sh"] = "#!/bin/bash\nwget http://example.com/$1.zip\n"
    return write_tree(root, files)


def git_repo(root: Path) -> Path:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_AUTHOR_DATE": "2024-01-02T10:00:00",
           "GIT_COMMITTER_DATE": "2024-01-02T10:00:00"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "zoo"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return root


_TUTORIAL = '''
import torch
import torch.nn as nn
import torchvision

train_dataset = torchvision.datasets.MNIST(root="{data}", train=True, download=True)
train_loader = torch.utils.data.DataLoader(dataset=train_dataset, batch_size=100, shuffle=True)


class {Net}(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x)


model = {Net}()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(5):
    for images, labels in train_loader:
        loss = nn.functional.cross_entropy(model(images.reshape(-1, 784)), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
'''


def tutorials(root: Path) -> Path:
    return write_tree(root, {
        "README.md": """
            # Tutorials

            * [Feedforward Neural Network](https://github.com/x/tutorials/tree/master/tutorials/01-basics/feedforward/main.py#L37)
            * [Convolutional Neural Network](https://github.com/x/tutorials/tree/master/tutorials/02-intermediate/cnn/main.py)
            * [Image Captioning](https://github.com/x/tutorials/tree/master/tutorials/03-advanced/captioning)

            ## Getting Started
            ```bash
            $ cd tutorials/PATH_TO_PROJECT
            $ python main.py
            ```
        """,
        "tutorials/01-basics/feedforward/main.py": _TUTORIAL.format(Net="NeuralNet", data="../../data"),
        # Reads nothing relative to its folder: runnable from the root as `python <folder>/main.py`.
        "tutorials/02-intermediate/cnn/main.py": _TUTORIAL.format(Net="ConvNet", data="/datasets/mnist"),
        "tutorials/03-advanced/captioning/README.md": "# Image Captioning\n\nCNN encoder, LSTM decoder.\n\n"
                                                     "```bash\npython train.py --epochs 5\n```\n",
        "tutorials/03-advanced/captioning/requirements.txt": "torch>=1.0\nnltk\n",
        "tutorials/03-advanced/captioning/model.py": _GAN_MODELS.format(Gen="DecoderRNN"),
        "tutorials/03-advanced/captioning/train.py": '''
            import torch
            from model import DecoderRNN


            def main():
                decoder = DecoderRNN()
                optimizer = torch.optim.Adam(decoder.parameters())
                for x in torch.load("./data/batches.pt"):
                    loss = decoder(x).sum()
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()


            if __name__ == "__main__":
                main()
        ''',
    })


def _rl_script(net: str) -> str:
    return f'''
import gym
import torch
import torch.nn as nn


class {net}(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def main():
    env = gym.make("CartPole-v1")
    model = {net}()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.0005)
    for episode in range(10000):
        loss = model(torch.zeros(4)).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
'''


def test_a_gan_zoo_maps_each_implementation_as_its_own_project(tmp_path):
    root = git_repo(gan_zoo(tmp_path / "zoo"))
    m = build_map(str(root))
    assert [s.path for s in m.subprojects] == ["implementations/acgan", "implementations/dcgan", "implementations/wgan"]
    acgan = m.subprojects[0]
    assert acgan.about == "Auxiliary Classifier GAN"  # the README section about it alone, not "Run Example"
    # Its code reads ../../data: the command moves into the folder, as the README's own `cd` does.
    assert acgan.main_entrypoint is not None and acgan.main_entrypoint.path == "acgan.py"
    assert acgan.main_entrypoint.command == "cd implementations/acgan && python3 acgan.py"
    assert acgan.main_entrypoint.evidence == "../../README.md:14"
    assert acgan.workdir == "implementations/acgan" and "'../../data/mnist'" in (acgan.workdir_evidence or "")
    core = acgan.core_step()
    assert core is not None and (core.path, core.symbol) == ("models.py", "AcGenerator")
    # Its own map: paths relative to its folder, git history included.
    assert {f.path for f in acgan.map.files} == {"acgan.py", "models.py"}
    assert acgan.map.git is not None and set(acgan.map.git.files) == {"acgan.py", "models.py"}
    # The top level is the collection's index: no one implementation's reading order or recipe.
    assert [s.path for s in m.reading_order] == ["README.md"]
    assert m.recipe is None
    assert {e.path: e.command for e in m.entrypoints}["implementations/wgan/wgan.py"] == \
        "cd implementations/wgan && python3 wgan.py"


def test_tutorials_with_their_own_readme_and_commands_from_the_root(tmp_path):
    m = build_map(str(tutorials(tmp_path / "tut")))
    subs = {s.path: s for s in m.subprojects}
    assert set(subs) == {"tutorials/01-basics/feedforward", "tutorials/02-intermediate/cnn",
                         "tutorials/03-advanced/captioning"}
    ff, cnn, cap = (subs[p] for p in sorted(subs))
    assert (ff.about, cnn.about, cap.about) == ("Feedforward Neural Network", "Convolutional Neural Network",
                                                "Image Captioning")
    assert ff.main_entrypoint is not None and ff.main_entrypoint.command == "cd tutorials/01-basics/feedforward && python main.py"
    # No relative path in its code: runnable from the root as it is.
    assert cnn.main_entrypoint is not None and cnn.main_entrypoint.command == "python tutorials/02-intermediate/cnn/main.py"
    assert cnn.workdir == "" and cnn.workdir_evidence is None
    # The README's `python main.py` under `cd tutorials/PATH_TO_PROJECT` belongs to no tutorial.
    assert all(not e.evidence.endswith("README.md:9") for s in m.subprojects for e in s.map.entrypoints)
    # Its own README: its command, its reading order starting with that README.
    assert cap.main_entrypoint is not None and cap.main_entrypoint.command == \
        "cd tutorials/03-advanced/captioning && python train.py --epochs 5"
    assert cap.main_entrypoint.evidence == "README.md:6"
    assert [s.path for s in cap.map.reading_order][:2] == ["README.md", "train.py"]
    assert "own README.md" in cap.evidence and "own requirements.txt" in cap.evidence
    assert cap.map.environment["torch"] == ">=1.0"


def test_a_flat_collection_of_single_file_scripts(tmp_path):
    root = write_tree(tmp_path / "rl", {
        "README.md": "# minimal RL\n\n1. [DQN](https://github.com/x/rl/blob/master/dqn.py)\n"
                     "2. [PPO](https://github.com/x/rl/blob/master/ppo.py)\n\n"
                     "## Usage\n```bash\npython3 dqn.py\npython3 ppo.py\npython3 sac.py\n```\n",
        "dqn.py": _rl_script("Qnet"), "ppo.py": _rl_script("PPO"), "sac.py": _rl_script("PolicyNet"),
    })
    m = build_map(str(root))
    assert [(s.path, s.about) for s in m.subprojects] == [("dqn.py", "DQN"), ("ppo.py", "PPO"), ("sac.py", "")]
    dqn = m.subprojects[0]
    assert dqn.main_entrypoint is not None and dqn.main_entrypoint.command == "python3 dqn.py"
    core = dqn.core_step()
    assert core is not None and core.symbol == "Qnet"
    assert [f.path for f in dqn.map.files] == ["dqn.py"]


def test_two_side_by_side_scripts_are_not_a_collection(tmp_path):
    root = write_tree(tmp_path / "two", {"dqn.py": _rl_script("Qnet"), "ppo.py": _rl_script("PPO")})
    assert build_map(str(root)).subprojects == ()


def test_a_single_project_with_self_contained_tool_folders_stays_one(tmp_path):
    # tools/ and scripts/ import nothing of the project, have their own README and a __main__;
    # evaluations/ even its own requirements. The project's training entrypoint is outside them.
    root = write_tree(tmp_path / "single", {
        "README.md": "# Net\n\n```bash\npython train.py\n```\n",
        "requirements.txt": "torch>=2.0\n",
        "train.py": _rl_script("Net").replace("import gym\n", "from models.net import Backbone\n"),
        "models/__init__.py": "",
        "models/net.py": _GAN_MODELS.format(Gen="Backbone"),
        "tools/README.md": "# Tools\n",
        "tools/convert.py": "import argparse\nimport torch\n\nif __name__ == '__main__':\n"
                            "    argparse.ArgumentParser().parse_args()\n    torch.save({}, 'x.pt')\n",
        "scripts/README.md": "# Scripts\n",
        "scripts/download.py": "import urllib.request\n\nif __name__ == '__main__':\n"
                               "    urllib.request.urlretrieve('http://x', 'data.zip')\n",
        "evaluations/README.md": "# Evaluations\n",
        "evaluations/requirements.txt": "tensorflow\n",
        "evaluations/evaluator.py": "import argparse\n\n\ndef main():\n    argparse.ArgumentParser().parse_args()\n\n\n"
                                    "if __name__ == '__main__':\n    main()\n",
    })
    m = build_map(str(root))
    assert m.subprojects == ()
    assert "subprojects" not in m.to_json()  # the JSON of a single project is unchanged
    assert [s.path for s in m.reading_order][:2] == ["README.md", "train.py"]


def test_examples_that_share_a_helper_are_one_project(tmp_path):
    files = {"common/utils.py": "def seed(n):\n    return n\n"}
    for name in ("mnist", "cifar"):
        files[f"{name}/main.py"] = _rl_script(name.capitalize() + "Net").replace(
            "import gym\n", "from common.utils import seed\n")
    assert build_map(str(write_tree(tmp_path / "shared", files))).subprojects == ()


def test_collection_json_is_valid_and_the_same_bytes_under_any_hash_seed(tmp_path):
    root = git_repo(gan_zoo(tmp_path / "zoo"))
    outputs = set()
    for seed in ("0", "1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-m", "repolens", "map", str(root), "--format", "json"],
                             capture_output=True, env=env, timeout=120, check=True).stdout
        outputs.add(out)
    assert len(outputs) == 1
    data = json.loads(outputs.pop())
    jsonschema.validate(data, SCHEMA)
    assert [s["path"] for s in data["subprojects"]] == ["implementations/acgan", "implementations/dcgan",
                                                       "implementations/wgan"]
    assert data["subprojects"][0]["core_model"] == {"path": "models.py", "symbol": "AcGenerator", "line": 4}
    assert "subprojects" not in data["subprojects"][0]["map"]


@pytest.mark.parametrize("fmt", ["rich", "markdown", "html"])
def test_every_human_format_shows_the_index_and_each_sub_project(tmp_path, fmt):
    m = build_map(str(gan_zoo(tmp_path / "zoo")))
    text = render_map(m, fmt)
    shown = html.escape if fmt == "html" else str
    assert "Sub-projects" in text
    for name, (title, gen) in _GANS.items():
        assert title in text and shown(f"cd implementations/{name} && python3 {name}.py") in text
        # Each sub-project's own reading order, with paths from the repository root.
        assert f"implementations/{name}/models.py" in text and gen in text
    if fmt == "markdown":
        assert "| [`implementations/acgan`](#sub-0) |" in text and '<a id="sub-0"></a>' in text
        assert "(implementations/acgan/models.py#L4)" in text
    if fmt == "html":
        assert 'href="#sub-0"' in text and 'id="sub-0"' in text
        assert 'href="implementations/acgan/models.py"' in text  # relative: no line anchor without a remote
