"""A small ResNet-style model file: RL201, RL209, RL211 cases in realistic shape."""

import torch
import torch.nn as nn
from torchvision import transforms

# trained on 224 px crops: large feature maps
TRAIN_TRANSFORM = transforms.RandomResizedCrop(224)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        # ruleid: relu-not-inplace
        self.relu = nn.LeakyReLU(0.1, inplace=True)
        self.shortcut = nn.Sequential()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = self.relu(out)
        return out


class PreActBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bn = nn.BatchNorm2d(c)
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        # ok: relu-not-inplace
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x):
        # the activation reads the block input, which the residual needs unchanged
        return x + self.conv(self.act(x))


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1, bias=False),
            nn.BatchNorm2d(32),
            # ruleid: relu-not-inplace
            nn.ELU(inplace=True),
            # ok: relu-not-inplace (SiLU keeps its input for backward in place or not)
            nn.SiLU(),
            nn.Conv2d(32, 32, 3, 1, 1),
            # ok: relu-not-inplace
            nn.ReLU(inplace=True),
            nn.Sigmoid(),
            # ok: relu-not-inplace
            nn.LeakyReLU(0.2),
        )

    def forward(self, x):
        return self.body(x)


class MultiExit(nn.Module):
    def __init__(self, dim, n_classes):
        super().__init__()
        # ruleid: modules-in-plain-container
        self.heads = nn.ModuleList([nn.Linear(dim, n) for n in n_classes])
        # ok: modules-in-plain-container
        self.norms = nn.ModuleList([nn.LayerNorm(dim) for _ in n_classes])
        # ok: modules-in-plain-container
        self.dims = [dim, dim // 2]
        self.encoder = nn.Linear(dim, dim)

    def forward(self, x):
        # ok: direct-forward-call (the project's only hook sits on `model`, not on an encoder)
        h = self.encoder.forward(x)
        return [head(norm(h)) for head, norm in zip(self.heads, self.norms)]


class Tower(nn.Module):
    def __init__(self, depth):
        super().__init__()
        # ok: modules-in-plain-container
        self.blocks = [BasicBlock(8, 8) for _ in range(depth)]
        self.blocks = nn.ModuleList(self.blocks)

    def forward(self, x):
        for block in self.blocks:
            # ok: direct-forward-call
            x = block.forward(x)
        return x


class Child(Tower):
    def forward(self, x):
        # ok: direct-forward-call
        return Tower.forward(self, x) + super().forward(x)


def smoke():
    model = Tower(2)
    # ruleid: direct-forward-call
    return model(torch.zeros(1, 8, 4, 4))


def watch_activations(model, store):
    # RL209 speaks only where something works through module hooks: this file registers one
    return model.register_forward_hook(lambda module, inputs, output: store.append(output.detach()))
