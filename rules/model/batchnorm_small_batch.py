"""RL210 batchnorm-small-batch: a training batch size below 8 in a project with BatchNorm layers."""

from __future__ import annotations

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import literal
from repolens.lint.knowledge.dataloader import DATALOADER, dataloader_arg
from repolens.lint.roles import TRAIN, dataloader_role

SMALL = 8


class BatchnormSmallBatch(BindingTracker, Rule):
    """
    ## What it does
    Flags the literal `batch_size` of a training `DataLoader(...)` (by its name, its dataset or its
    factory: `train_loader = DataLoader(train_set, batch_size=4)`) when it is below 8 and some
    file of the project builds a BatchNorm layer (`BatchNorm1d/2d/3d`, `SyncBatchNorm`).

    ## Why is this bad?
    BatchNorm normalises with the mean and variance of the current batch. With 2-4 samples these
    estimates are so noisy that training is unstable and the running statistics used at
    evaluation do not match what the network saw in training; accuracy drops sharply below about
    8 samples per GPU (Wu & He 2018, "Group Normalization", figure 1). GroupNorm does not depend on
    the batch; the seed notes: "Batch Normalization / Group Normalization (16 channels per group)".

    ## Example
    ```python
    from torch.utils.data import DataLoader

    train_loader = DataLoader(train_set, batch_size=2, shuffle=True)   # model uses nn.BatchNorm2d
    ```

    ## Use instead
    ```python
    from torch.utils.data import DataLoader

    train_loader = DataLoader(train_set, batch_size=16, shuffle=True)
    # or keep the small batch and replace nn.BatchNorm2d(c) with nn.GroupNorm(c // 16, c)
    ```
    """

    code = "RL210"
    name = "batchnorm-small-batch"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'GroupNorm for small batches is a recipe choice whose payoff depends on the model'
    source = "notes.en.md, Tuning experience: \"Batch Normalization / Group Normalization (16 channels per group).\""
    message = "training batch size {n} with BatchNorm layers in the project: batch statistics are noisy below 8; use GroupNorm"
    needles = ("DataLoader",)

    _MODEL = "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n"
    valid = [
        Example("""
from torch.utils.data import DataLoader

train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
val_loader = DataLoader(val_set, batch_size=1)          # evaluation: BatchNorm uses running stats
""", files={"model.py": _MODEL}),
        Example("""
from torch.utils.data import DataLoader

train_loader = DataLoader(train_set, batch_size=2, shuffle=True)   # no batch-norm layer in the project
"""),
    ]
    invalid = [
        Example("""
from torch.utils.data import DataLoader

train_loader = DataLoader(train_set, batch_size=2, shuffle=True)
""", files={"model.py": _MODEL}),
        Example("""
import torch

def train_dataloader(ds):
    return torch.utils.data.DataLoader(ds, 4, shuffle=True)
""", files={"model.py": "import torch\nbn = torch.nn.SyncBatchNorm(8)\n"}),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, *DATALOADER):
            return
        if not (self.facts.batchnorm_files or "BatchNorm" in self.context.source):
            return
        size = dataloader_arg(node, "batch_size")
        if size is None:
            return
        n = literal(size.value)
        if not isinstance(n, int) or isinstance(n, bool) or not 0 < n < SMALL:
            return
        if dataloader_role(self, node) == TRAIN:
            self.report(size, self.message.format(n=n))
