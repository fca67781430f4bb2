"""With torch >= 2.6 torch.load defaults to weights_only=True."""

import torch


def load(path):
    # ok: unsafe-torch-load
    return torch.load(path, map_location="cpu")


def load_full(path):
    # ruleid: unsafe-torch-load
    return torch.load(path, map_location="cpu", weights_only=False)
