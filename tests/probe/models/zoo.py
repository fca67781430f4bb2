"""Models for the probe's tests: real small architectures that must pass every check, and models
each built to break exactly one check. The probe imports this file in its child process."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

# ---------------------------------------------------------------- clean, real architectures


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class SmallResNet(nn.Module):
    """A CIFAR-style ResNet: stem, two stages of basic blocks, global pooling, classifier."""

    def __init__(self, num_classes=10, width=16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.layer1 = BasicBlock(width, width)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class TransformerClassifier(nn.Module):
    """Token ids -> transformer encoder -> mean pool -> classes (a text classifier)."""

    def __init__(self, vocab=100, dim=32, classes=5):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.zeros(1, 64, dim))
        layer = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=64, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids):
        h = self.embed(ids) + self.pos[:, : ids.shape[1]]
        h = self.encoder(h)
        return self.head(self.norm(h.mean(dim=1)))


class LSTMLanguageModel(nn.Module):
    """Token ids N x T -> logits N x T x V."""

    def __init__(self, vocab=50, dim=32, hidden=64, batch_first=True):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, hidden, batch_first=batch_first)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, ids):
        h, _ = self.lstm(self.embed(ids))
        return self.out(h)


class MLPRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x)


class MLPClassifier(nn.Module):
    def __init__(self, features=16, classes=4):
        super().__init__()
        self.fc1 = nn.Linear(features, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def build_mlp(features=16, classes=4):
    """A factory function with keyword arguments (config `kwargs`)."""
    return MLPClassifier(features, classes)


# ---------------------------------------------------------------- each breaks one check


class UnusedBranch(MLPClassifier):
    """RT001: a sub-network defined and then forgotten."""

    def __init__(self):
        super().__init__()
        self.aux = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))


class DetachedLayer(MLPClassifier):
    """RT002: fc1 runs, but its output is detached, so it never gets a gradient."""

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)).detach())


class FrozenFirstLayer(MLPClassifier):
    """RT003: fc1 frozen by the model itself."""

    def __init__(self):
        super().__init__()
        for p in self.fc1.parameters():
            p.requires_grad = False


class HugeLogits(MLPClassifier):
    """RT004: the classifier's initial weights are far too large (overconfident at init)."""

    def __init__(self):
        super().__init__()
        with torch.no_grad():
            self.fc2.weight.mul_(50.0)


class ConstantOutput(MLPClassifier):
    """RT005: the prediction cannot depend on the sample (learned bias only)."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(4))

    def forward(self, x):
        return self.bias.expand(x.shape[0], 4) + 0.0 * self.fc2(F.relu(self.fc1(x)))


class Log(nn.Module):
    def forward(self, x):
        return torch.log(x)


class NaNOutput(nn.Module):
    """RT006: log of negative numbers."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)
        self.log = Log()

    def forward(self, x):
        return self.log(self.fc(x))


class DeadReLU(MLPClassifier):
    """RT007: fc1's bias pushes every unit below zero: the ReLU is dead."""

    def __init__(self):
        super().__init__()
        self.act = nn.ReLU()
        with torch.no_grad():
            self.fc1.bias.fill_(-100.0)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class VanishingGradient(MLPClassifier):
    """RT007: a 1e-9 scale between the layers starves fc1 of gradient."""

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)) * 1e-9)


class ExplodingActivations(MLPClassifier):
    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x * 1e5)))


class LossDict(nn.Module):
    """RT009: returns its own loss terms, four orders of magnitude apart."""

    def __init__(self, aux_weight=1e-4):
        super().__init__()
        self.fc = nn.Linear(16, 8)
        self.aux_weight = aux_weight

    def forward(self, x):
        y = self.fc(x)
        return {"reconstruction": ((y - 1.0) ** 2).mean(), "sparsity": self.aux_weight * y.abs().mean()}


def balanced_loss_dict():
    return LossDict(aux_weight=1.0)


class GraphBreak(MLPClassifier):
    """RT012: a data-dependent Python branch breaks the torch.compile graph."""

    def forward(self, x):
        h = F.relu(self.fc1(x))
        if h.sum().item() > 0:  # .item() is a graph break
            h = h * 2
        return self.fc2(h)


class BatchMixing(nn.Module):
    """RT013: a transpose-then-reshape that shuffles features across samples."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        h = h.t().reshape(x.shape[0], -1)  # should be h, not h.t()
        return self.fc2(h)


def lstm_lm_sequence_first():
    """Clean: a sequence-first language model (T x N token ids, like torch's word-language-model)."""
    return LSTMLanguageModel(batch_first=False)


class ConvLSTMWrongLayout(nn.Module):
    """RT013: conv features N x T x C fed to an LSTM whose batch_first was forgotten: it runs along the batch."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 16, 3, padding=1)
        self.lstm = nn.LSTM(16, 32)
        self.head = nn.Linear(32, 5)

    def forward(self, x):
        out, _ = self.lstm(F.relu(self.conv(x)).permute(0, 2, 1))
        return self.head(out[:, -1])


class PositionMemorizer(MLPClassifier):
    """RT014: fits its targets by batch position, hardly looking at the input."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(8, 4))

    def forward(self, x):
        return self.table[: x.shape[0]] + 1e-3 * self.fc2(F.relu(self.fc1(x)))


# ---------------------------------------------------------------- datasets (RT010, RT011)


def raw_imbalanced_dataset():
    """Unscaled 0-255 pixels and a long tail: 90% of labels are class 0."""
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (200, 3, 8, 8), generator=g).float()
    y = torch.zeros(200, dtype=torch.long)
    y[180:] = torch.arange(20) % 3 + 1
    return TensorDataset(x, y)


def normalized_balanced_dataset():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 3, 8, 8, generator=g)
    y = torch.arange(200) % 4
    return TensorDataset(x, y)


class TinyConvNet(nn.Module):
    """For the dataset tests: 3 x 8 x 8 images, 4 classes."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 8 * 8, 4)

    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.conv(x)), 1))
