"""A realistic lint result for the findings-format tests: a small project on disk (a path with a
space and an accent, a notebook, a file that does not parse, CJK and astral characters) and the
findings the engine reports on it, including RL000, which has no rule class."""

from __future__ import annotations

import json
from pathlib import Path

from repolens.lint.model import Example, Finding, Severity
from repolens.lint.rule import Rule


class DataLoaderPinMemory(Rule):
    """
    ## What it does
    Flags a `DataLoader` without `pin_memory=True` in a project that moves tensors to CUDA.

    ## Why is this bad?
    Copies from pageable memory to the GPU are slower and cannot overlap with compute.

    ## Example
    ```python
    loader = DataLoader(ds, batch_size=32)
    ```

    ## Use instead
    ```python
    loader = DataLoader(ds, batch_size=32, pin_memory=True)
    ```
    """

    code = "RL101"
    name = "dataloader-pin-memory"
    severity = Severity.WARNING
    source = "seed: DataLoader(pin_memory=True)"
    fix_safety = "safe"
    valid = (Example("DataLoader(ds, pin_memory=True)"),)
    invalid = (Example("DataLoader(ds)"),)


class DataLoaderNumWorkers(Rule):
    """
    ## What it does
    Flags a training `DataLoader` that loads batches on the main process.

    ## Why is this bad?
    The GPU waits for every batch.

    ## Example
    `DataLoader(ds)`

    ## Use instead
    `DataLoader(ds, num_workers=4)`
    """

    code = "RL102"
    name = "dataloader-num-workers"
    severity = Severity.WARNING


class ToDeviceNonBlocking(Rule):
    """
    ## What it does
    Flags a batch moved to the GPU without `non_blocking=True`.

    ## Why is this bad?
    The copy blocks the host.

    ## Example
    `x = x.cuda()`

    ## Use instead
    `x = x.cuda(non_blocking=True)`
    """

    code = "RL103"
    name = "to-device-non-blocking"
    severity = Severity.INFO
    fix_safety = "safe"


class UnsafeTorchLoad(Rule):
    """
    ## What it does
    Flags `torch.load` without `weights_only=True`.

    ## Why is this bad?
    Unpickling runs arbitrary code from the checkpoint file.

    ## Example
    `torch.load(path)`

    ## Use instead
    `torch.load(path, weights_only=True)`
    """

    code = "RL501"
    name = "unsafe-torch-load"
    severity = Severity.WARNING
    fix_safety = "unsafe"


RULES: dict[str, type[Rule]] = {r.code: r for r in (DataLoaderPinMemory, DataLoaderNumWorkers, ToDeviceNonBlocking, UnsafeTorchLoad)}

TRAIN_PY = """\
import torch
from torch.utils.data import DataLoader

def main(ds):
    loader = DataLoader(ds, batch_size=32)
    state = torch.load("ckpt.pt")
    for x in loader:
        x = x.cuda()
"""

LOAD_PY = """\
import torch
weights = torch.load(path)  # \U0001d4b2 astral
"""

NET_PY = """\
loader = DataLoader(  # 数据
    ds, shuffle=True,
)
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Explore\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%matplotlib inline\n", "from torch.utils.data import DataLoader\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["ds = list(range(8))\n", "dl = DataLoader(ds)\n"]},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def write_project(root: Path) -> Path:
    files = {
        "train.py": TRAIN_PY,
        "my data/load é.py": LOAD_PY,
        "models/net.py": NET_PY,
        "broken.py": "def f(:\n    pass\n",
        "nb/explore.ipynb": json.dumps(NOTEBOOK, indent=1),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _f(rule, name, sev, path, line, col, end_line, end_col, message, fix=None, cell=None) -> Finding:
    return Finding(path=path, line=line, column=col, rule=rule, name=name, severity=sev,
                   end_line=end_line, end_column=end_col, message=message,
                   fixable=fix is not None, fix_safety=fix, cell=cell)


W, E, I = Severity.WARNING, Severity.ERROR, Severity.INFO


def sample_findings() -> list[Finding]:
    """Deliberately out of order: every format must sort."""
    return [
        _f("RL103", "to-device-non-blocking", I, "train.py", 8, 13, 8, 21,
           "batch moved to the GPU without non_blocking=True → add non_blocking=True", "safe"),
        _f("RL101", "dataloader-pin-memory", W, "train.py", 5, 14, 5, 43,
           "DataLoader without pin_memory=True in a project that moves tensors to CUDA", "safe"),
        _f("RL501", "unsafe-torch-load", W, "train.py", 6, 13, 6, 34,
           "torch.load without weights_only=True unpickles arbitrary code", "unsafe"),
        _f("RL000", "syntax-error", E, "broken.py", 1, 7, 1, 8, "syntax error: invalid syntax"),
        _f("RL501", "unsafe-torch-load", W, "my data/load é.py", 2, 11, 2, 27,
           "torch.load without weights_only=True unpickles arbitrary code", "unsafe"),
        _f("RL101", "dataloader-pin-memory", W, "nb/explore.ipynb", 2, 6, 2, 20,
           "DataLoader without pin_memory=True in a project that moves tensors to CUDA", "safe", cell=2),
        _f("RL101", "dataloader-pin-memory", W, "models/net.py", 1, 10, 3, 2,
           "DataLoader without pin_memory=True in a project that moves tensors to CUDA", "safe"),
        _f("RL102", "dataloader-num-workers", W, "gone.py", 3, 1, 3, 5,
           "DataLoader loads batches on the main process (num_workers=0)"),
    ]
