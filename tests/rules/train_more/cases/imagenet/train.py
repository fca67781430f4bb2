"""A typical ImageNet classification training script (mostly correct, a few planted mistakes)."""

import argparse
import logging
import random

import numpy as np
import torch
import torch.backends.cudnn as cudnn
import torch.nn as nn
import torch.optim
import torchvision.datasets as datasets
import torchvision.models as models
import torchvision.transforms as transforms
from torch.utils.data import DataLoader

from utils.seed import seed_all

log = logging.getLogger("imagenet")


def train(train_loader, model, criterion, optimizer, epoch, device, print_freq):
    model.train()
    for i, (images, target) in enumerate(train_loader):
        images = images.to(device, non_blocking=True)
        target = target.to(device, non_blocking=True)
        output = model(images)
        loss = criterion(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % print_freq == 0:
            # ok: sync-in-hot-loop
            log.info("epoch %d [%d] loss %.4f", epoch, i, loss.item())


def validate(val_loader, model, criterion, device):
    # ok: missing-eval-mode
    model.eval()
    top1 = 0
    with torch.no_grad():
        for images, target in val_loader:
            images = images.to(device, non_blocking=True)
            # ok: eval-without-no-grad
            output = model(images)
            top1 += (output.argmax(1) == target.to(device)).sum().item()
    return top1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--wd", type=float, default=1e-4)
    args = parser.parse_args()
    seed_all(0)
    device = torch.device("cuda")
    # ok: cudnn-benchmark
    cudnn.benchmark = True

    model = models.resnet50().to(device)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1).to(device)
    # ok: no-weight-decay
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=0.9, weight_decay=args.wd)
    # ruleid: no-warmup
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)

    train_dataset = datasets.ImageFolder(args.data + "/train", transforms.Compose([
        transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor()]))
    val_dataset = datasets.ImageFolder(args.data + "/val", transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor()]))
    train_loader = DataLoader(train_dataset, batch_size=256, shuffle=True, num_workers=8, pin_memory=True)
    # ok: train-val-same-dataset
    val_loader = DataLoader(val_dataset, batch_size=256, shuffle=False, num_workers=8, pin_memory=True)

    best_acc1 = 0
    # ok: no-early-stopping
    for epoch in range(args.epochs):
        train(train_loader, model, criterion, optimizer, epoch, device, 10)
        acc1 = validate(val_loader, model, criterion, device)
        # ok: scheduler-before-optimizer
        scheduler.step()
        best_acc1 = max(acc1, best_acc1)


# ok: no-seed
if __name__ == "__main__":
    main()
