"""A CIFAR-style GPU training script with the mistakes of issue #8 (and their correct neighbours)."""
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import transforms
from tqdm import tqdm

device = torch.device("cuda")


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.conv2(self.relu(self.conv1(x))) + x)


# ruleid: missing-weight-init
class ResNetish(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, bias=False)
        self.layers = nn.Sequential(Block(16), Block(16), Block(16), Block(16))  # 10 Conv/Linear: VGG-11 depth
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


class Critic(nn.Module):
    """Initialises itself with Xavier and uses Tanh: right for this class."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 64)
        self.fc2 = nn.Linear(64, 1)
        self.act = nn.Tanh()
        # ok: init-activation-mismatch
        nn.init.xavier_uniform_(self.fc1.weight)


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 16, 3)
        self.relu = nn.ReLU(inplace=True)
        # ruleid: init-activation-mismatch
        nn.init.xavier_uniform_(self.conv.weight)


def drop_path(x, keep_prob):
    # ruleid: legacy-tensor-constructor
    mask = torch.cuda.FloatTensor((x.shape[0], 1, 1, 1)).bernoulli_(keep_prob)
    # ok: legacy-tensor-constructor
    box = torch.FloatTensor([0.0, 0.0, 1.0, 1.0])
    return x / keep_prob * mask + box.sum() * 0


def dataset_mean(train_set):
    # ok: dataloader-pin-memory
    loader = DataLoader(train_set, batch_size=512)
    total = 0.0
    for images, _ in loader:
        total += images.mean((0, 2, 3))
    return total / len(loader)


def main(train_set, test_set):
    model = ResNetish().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    criterion = nn.CrossEntropyLoss()
    # ruleid: dataloader-pin-memory
    train_loader = DataLoader(train_set, batch_size=128, shuffle=True, num_workers=4)
    # ok: dataloader-pin-memory
    test_loader = DataLoader(test_set, batch_size=256, num_workers=4)
    best_acc = 0.0
    for epoch in range(30):
        model.train()
        pbar = tqdm(total=len(train_loader))
        for images, labels in train_loader:
            # ok: to-device-non-blocking (the loader is not pinned: RL101's pin_memory comes first)
            images, labels = images.to(device), labels.to(device)
            # ruleid: cuda-synchronize-in-loop
            torch.cuda.synchronize()
            start = time.time()
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            # ruleid: tensor-format-in-loop
            pbar.set_description(f"epoch {epoch} loss {loss:.4f} {time.time() - start:.2f}s")
            pbar.update()
        acc = evaluate(model, test_loader)
        # ruleid: checkpoint-selected-on-test
        if acc > best_acc:
            best_acc = acc
            # ruleid: save-whole-module
            torch.save(model, "best.pt")


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = 0
    for images, labels in loader:
        # ok: to-device-non-blocking (an evaluation loop)
        correct += (model(images.to(device)).argmax(1) == labels.to(device)).sum()
    return correct.item() / len(loader.dataset)


def load_best(net, path="best.pt"):
    # the script's own reader expects a state dict: the pickled module above breaks it
    net.load_state_dict(torch.load(path, map_location=device, weights_only=True))
    return net
