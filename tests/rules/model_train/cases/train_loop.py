"""A training script with the common loop mistakes, and their correct twins."""

import torch
import torch.nn as nn
import torch.nn.functional as F

criterion = nn.CrossEntropyLoss()
bce = nn.BCELoss()


def train_epoch(model, loader, optimizer, device):
    model.train()
    epoch_loss = 0.0
    for images, targets in loader:
        images = images.to(device)
        optimizer.zero_grad()
        logits = model(images)
        probs = F.softmax(logits, dim=1)
        # ruleid: softmax-before-cross-entropy
        loss = criterion(probs, targets)
        loss.backward()
        optimizer.step()
        # ruleid: loss-accumulated-with-graph
        epoch_loss += loss
    return epoch_loss


def train_epoch_ok(model, loader, optimizer):
    running = 0.0
    for images, targets in loader:
        optimizer.zero_grad(set_to_none=True)
        logits = model(images)
        # ok: softmax-before-cross-entropy
        loss = criterion(logits, targets)
        loss.backward()
        optimizer.step()
        # ok: loss-accumulated-with-graph
        running += loss.item() * images.size(0)
    return running


def train_multilabel(model, loader, opt):
    for x, y in loader:
        opt.zero_grad()
        # ruleid: sigmoid-with-bce
        loss = bce(torch.sigmoid(model(x)), y)
        loss.backward()
        opt.step()


def find_lr(model, loader, optimizer):
    for x, y in loader:
        # ruleid: missing-zero-grad
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def late_zero(model, loader, optimizer):
    for x, y in loader:
        F.cross_entropy(model(x), y).backward()
        # ruleid: zero-grad-after-backward
        optimizer.zero_grad()
        optimizer.step()


def early_step(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        # ruleid: step-before-backward
        optimizer.step()
        F.cross_entropy(model(x), y).backward()


def accumulate(model, loader, optimizer, accum=4):
    for i, (x, y) in enumerate(loader):
        # ok: missing-zero-grad
        (F.cross_entropy(model(x), y) / accum).backward()
        if (i + 1) % accum == 0:
            # ok: step-before-backward
            optimizer.step()
            # ok: zero-grad-after-backward
            optimizer.zero_grad()


def scores(logits):
    # ruleid: log-of-softmax
    return torch.log(F.softmax(logits, dim=-1))


def setup(model, n):
    # ruleid: data-parallel
    model = nn.DataParallel(model)
    # ruleid: tensor-created-then-moved
    mask = torch.ones(n, n).cuda()
    # ok: tensor-created-then-moved
    ids = torch.arange(n, device="cuda")
    return model, mask, ids
