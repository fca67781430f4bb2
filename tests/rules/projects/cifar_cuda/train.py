"""Training loop: moves every batch to the GPU."""

import torch

from data import build_imagenet_loader, build_imagenet_loader_with_workers, build_loaders


def train(model, optimizer, criterion, args):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    train_loader, val_loader = build_loaders(args.root, args.batch_size, args.workers)
    for epoch in range(args.epochs):
        for images, labels in train_loader:
            # ruleid: to-device-non-blocking
            images = images.to(device)
            # ok: to-device-non-blocking
            labels = labels.to(device, non_blocking=True)
            # ok: to-device-non-blocking
            weights = torch.ones(labels.shape[0]).to(device)
            loss = (criterion(model(images), labels) * weights).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for i, batch in enumerate(val_loader):
            # ok: to-device-non-blocking (an evaluation loop)
            batch = {k: v.cuda() for k, v in batch.items()}
            # ok: to-device-non-blocking
            preds = model(batch["image"]).to("cpu")


def load_checkpoint(path):
    # ruleid: unsafe-torch-load
    state = torch.load(path, map_location="cpu")
    # ok: unsafe-torch-load (an explicit opt-out: reported only with report_explicit_false)
    legacy = torch.load(path, weights_only=False)
    return state, legacy


def load_with(path, **kwargs):
    # ok: unsafe-torch-load
    return torch.load(path, **kwargs)


def imagenet_loader(args):
    # The ImageNet factories are called (a loader helper nothing names is dead code, never reported).
    if args.workers:
        return build_imagenet_loader_with_workers(args.root, args.workers)
    return build_imagenet_loader(args.root)
