"""`torch.utils.data.DataLoader`: its names and its positional parameters. (Dataset image sides live in
`repolens.project.inputsizes.DATASET_SIDES`.)"""

from __future__ import annotations

import libcst as cst

from repolens.lint.helpers import argument
from repolens.project.frameworks import DATALOADER  # noqa: F401  (the rules import it from here)

# DataLoader's leading positional parameters, for calls that pass them by position.
DATALOADER_POSITIONS = {"dataset": 0, "batch_size": 1, "shuffle": 2, "sampler": 3, "batch_sampler": 4,
                        "num_workers": 5, "collate_fn": 6, "pin_memory": 7}


def dataloader_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return argument(call, name, DATALOADER_POSITIONS.get(name))
