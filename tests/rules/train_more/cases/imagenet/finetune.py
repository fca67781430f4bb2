"""Fine-tune only the head of a pretrained ResNet (a second entrypoint of the same project)."""

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, models


def freeze(model, prefixes):
    for name, param in model.named_parameters():
        if name.startswith(tuple(prefixes)):
            # ok: freeze-by-name
            param.requires_grad = False


def main():
    device = "cuda"
    model = models.resnet18(weights="DEFAULT").to(device)
    for name, param in model.named_parameters():
        if not name.startswith("fc."):
            # ruleid: freeze-by-name
            param.requires_grad = False
    # ruleid: adam-l2-weight-decay
    optimizer = torch.optim.Adam(model.fc.parameters(), lr=1e-3, weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    full = datasets.ImageFolder("data/")
    # ok: train-val-same-dataset
    train_set, val_set = random_split(full, [0.9, 0.1])
    train_loader = DataLoader(full, batch_size=64, shuffle=True)
    # ruleid: train-val-same-dataset
    val_loader = DataLoader(full, batch_size=64)
    for epoch in range(5):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x.to(device)), y.to(device))
            loss.backward()
            optimizer.step()
            # ruleid: sync-in-hot-loop
            print(loss.item())
        # ok: missing-eval-mode
        model.eval()
        for x, y in val_loader:
            # ruleid: eval-without-no-grad
            model(x.to(device))


if __name__ == "__main__":
    main()
