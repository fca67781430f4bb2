"""A U-Net-style AMP segmentation script (loader kwargs in a dict, a GradScaler, a DDP checkpoint
dict) with the mistakes RL325, RL406 and RL502 must see through that plumbing, and their correct
neighbours."""
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split
from tqdm import tqdm

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def train_model(model, dataset, epochs=5, batch_size=4, val_percent=0.1, amp=True):
    n_val = int(len(dataset) * val_percent)
    train_set, val_set = random_split(dataset, [len(dataset) - n_val, n_val],
                                      generator=torch.Generator().manual_seed(0))
    loader_args = dict(batch_size=batch_size, num_workers=os.cpu_count(), pin_memory=True)
    train_loader = DataLoader(train_set, shuffle=True, **loader_args)
    # ruleid: train-val-same-dataset
    val_loader = DataLoader(train_set, shuffle=False, drop_last=True, **loader_args)
    # ok: train-val-same-dataset
    holdout_loader = DataLoader(val_set, shuffle=False, **loader_args)

    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-5, momentum=0.999, foreach=True)
    grad_scaler = torch.cuda.amp.GradScaler(enabled=amp)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(1, epochs + 1):
        model.train()
        with tqdm(total=len(train_set), desc=f"Epoch {epoch}/{epochs}", unit="img") as pbar:
            for images, masks in train_loader:
                images = images.to(device, non_blocking=True)
                masks = masks.to(device, non_blocking=True)
                with torch.autocast(device.type, enabled=amp):
                    loss = criterion(model(images), masks)
                optimizer.zero_grad(set_to_none=True)
                grad_scaler.scale(loss).backward()
                grad_scaler.step(optimizer)
                grad_scaler.update()
                pbar.update(images.shape[0])
                # ruleid: tensor-format-in-loop
                pbar.set_description(f"Epoch {epoch}/{epochs} loss {loss:.4f}")
                # ok: tensor-format-in-loop
                pbar.set_postfix(lr=optimizer.param_groups[0]["lr"])
        evaluate(model, val_loader, holdout_loader)
        save_checkpoint(model, optimizer, epoch)


def save_checkpoint(model, optimizer, epoch):
    checkpoint = {
        # ruleid: save-whole-module
        "model": model.module,
        "opt": optimizer.state_dict(),
        "epoch": epoch,
    }
    torch.save(checkpoint, f"checkpoints/{epoch:04d}.pt")
    weights = {
        # ok: save-whole-module
        "model": model.module.state_dict(),
        "opt": optimizer.state_dict(),
    }
    # ok: save-whole-module
    torch.save(weights, "checkpoints/last.pt")


def resume(model, optimizer, path="checkpoints/last.pt"):
    # the project's own loader reads state dicts: the pickled module above breaks it
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.module.load_state_dict(state["model"])
    optimizer.load_state_dict(state["opt"])
