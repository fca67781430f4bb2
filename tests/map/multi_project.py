"""A monorepo of small, independent training examples, each with its own `main.py` and a shell
script that runs it: the shape where a map used to depend on hash order (which `main.py` a
`python main.py` line in a script means) and where a commented-out command became an entrypoint."""

from __future__ import annotations

import textwrap
from pathlib import Path

_MAIN = '''
import argparse

import torch
from torch.utils.data import DataLoader

from models import {Net}
from data import {Data}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/{name}.yaml")
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    model = {Net}()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for x, y in DataLoader({Data}(), batch_size=8):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
'''

_MODELS = '''
import torch.nn as nn

from layers import {Block}


class {Net}(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = {Block}()

    def forward(self, x):
        return self.body(x)
'''

_LAYERS = '''
import torch.nn as nn


class {Block}(nn.Module):
    def forward(self, x):
        return x
'''

_DATA = '''
from torch.utils.data import Dataset


class {Data}(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return i
'''

_HELPER = '''
def helper_{i}(value):
    return value + {i}
'''


def multi_project_tree(root: Path, examples: tuple[str, ...] = ("mnist", "cifar", "imnet", "texts", "audio")) -> Path:
    """Write the monorepo under `root`; more than enough files for the parallel reader."""
    files: dict[str, str] = {
        "README.md": """
            # Examples

            Each folder is one example. Run them all with `bash run_all.sh`, or one of them:

            ```bash
            cd mnist && python main.py --lr 0.01
            ```
        """,
        "run_all.sh": "#!/bin/sh\n" + "".join(
            f"(cd {name} && python main.py)\n" for name in examples) + "# python legacy/main.py\n",
        "legacy/main.py": "if __name__ == '__main__':\n    print('old')\n",
    }
    for name in examples:
        cap = name.capitalize()
        fmt = {"Net": f"{cap}Net", "Data": f"{cap}Data", "Block": f"{cap}Block", "name": name}
        files[f"{name}/main.py"] = _MAIN.format(**fmt)
        files[f"{name}/models.py"] = _MODELS.format(**fmt)
        files[f"{name}/layers.py"] = _LAYERS.format(**fmt)
        files[f"{name}/data.py"] = _DATA.format(**fmt)
        files[f"{name}/configs/{name}.yaml"] = "lr: 0.1\nepochs: 3\n"
        # The script sits in its example's folder and moves there: `main.py` is this folder's.
        files[f"{name}/run.sh"] = (
            '#!/bin/bash\ncd "$(dirname "$0")"\n'
            f"python main.py --config configs/{name}.yaml\n"
            "# python main.py --debug   (a commented-out line is no command)\n")
        for i in range(8):
            files[f"{name}/utils/helper_{i}.py"] = _HELPER.format(i=i)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root
