"""Models that fail at run time, for the isolation tests (each in its own child process)."""

import ctypes
import os
import time

import torch
from torch import nn


class WrongFlatten(nn.Module):
    """The classifier expects 16*8*8 features: fine for 8x8 inputs, a shape error for 32x32."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
        self.classifier = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class Sleeper(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = SleepyLayer()

    def forward(self, x):
        return self.inner(x)


class SleepyLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        time.sleep(3600)
        return self.fc(x)


class Spinner(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        while True:
            pass


class HardExit(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = ExitLayer()

    def forward(self, x):
        return self.head(x)


class ExitLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        os._exit(3)


class Segfault(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        ctypes.string_at(0)
        return self.fc(x)


class HugeAllocation(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(x) + torch.empty(2**40, 2**20).sum()


class NeedsArgs(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, 4)


class Chatty(nn.Module):
    """Prints 4 MB in forward, then fails: the parent must keep only a tail of it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        line = "x" * 1023
        for _ in range(4 * 1024):
            print(line)
        print("LAST LINE")
        raise ValueError("chatty model failed on purpose")
