"""A CPU-only project: nothing moves to CUDA, pinning buys nothing."""

from torch.utils.data import DataLoader


def loaders(train_set, val_set):
    # ok: dataloader-pin-memory
    train_loader = DataLoader(train_set, batch_size=8, shuffle=True, num_workers=2)
    # ok: dataloader-pin-memory
    val_loader = DataLoader(val_set, batch_size=8, num_workers=2)
    return train_loader, val_loader
