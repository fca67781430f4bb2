"""A small CNN project file: RL205, RL206, RL212, RL213 and RL204 cases in realistic shape."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBN(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        # ruleid: conv-bias-before-batchnorm
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            # ok: conv-bias-before-batchnorm
            nn.Conv2d(3, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            # ruleid: dropout-on-feature-maps
            nn.Dropout(0.25),
            # ruleid: conv-bias-before-batchnorm
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            # ok: dropout-on-feature-maps
            nn.Dropout2d(0.25),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            # ok: dropout-on-feature-maps
            nn.Dropout(0.5),
            nn.Linear(64, 64),
            # ruleid: missing-nonlinearity
            nn.Linear(64, 32),
            nn.ReLU(),
            # ruleid: double-activation
            nn.Sigmoid(),
        )
        # ruleid: unused-submodule
        self.aux_head = nn.Linear(64, 10)

    def forward(self, x):
        return self.classifier(self.body(x))


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        # ok: unused-submodule
        self.gate = nn.Linear(8, 8)
        # ok: unused-submodule
        self.unused_act = nn.ReLU()

    def forward(self, x):
        return x * torch.sigmoid(self.gate(x))
