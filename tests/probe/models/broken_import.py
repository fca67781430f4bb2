"""A model file whose import fails: a dependency the environment lacks."""

import torch
from torch import nn

import a_package_that_is_not_installed  # noqa: F401


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
