"""CIFAR-10 loaders for a CUDA training run."""

import torch
from torch.utils.data import DataLoader, TensorDataset
from torchvision import datasets
from torchvision import transforms as T

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)

# ruleid: no-train-augmentation
train_transform = T.Compose([T.Resize(32), T.ToTensor(), T.Normalize(MEAN, STD)])
# ok: random-augmentation-in-eval, no-train-augmentation
val_transform = T.Compose([T.Resize(36), T.CenterCrop(32), T.ToTensor(), T.Normalize(MEAN, STD)])
augment = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()])
# ok: random-augmentation-in-eval
tta_transform = T.Compose([T.RandomHorizontalFlip(), T.ToTensor()])


def build_loaders(root, batch_size, workers):
    train_set = datasets.CIFAR10(root, train=True, transform=train_transform)
    # ruleid: random-augmentation-in-eval
    test_set = datasets.CIFAR10(root, train=False, transform=augment)
    # ruleid: dataloader-shuffle
    # ok: dataloader-pin-memory, dataloader-num-workers (CIFAR is in memory: 32 px batches of a few MB, samples cost microseconds)
    train_loader = DataLoader(train_set, batch_size=batch_size)
    # ok: dataloader-pin-memory, dataloader-num-workers, dataloader-shuffle
    val_loader = DataLoader(test_set, batch_size=batch_size, num_workers=workers, pin_memory=True)
    return train_loader, val_loader


def build_debug_loader(x, y):
    # ok: dataloader-num-workers, dataloader-shuffle, dataloader-pin-memory
    train_loader = DataLoader(TensorDataset(x, y), shuffle=True, pin_memory=torch.cuda.is_available())
    return train_loader


def build_from_config(train_set, **loader_kwargs):
    # ok: dataloader-pin-memory, dataloader-num-workers, dataloader-shuffle
    train_loader = DataLoader(train_set, **loader_kwargs)
    return train_loader


def build_eval_loader(val_set):
    # ok: dataloader-shuffle (an evaluation order does not change an averaged metric)
    val_loader = DataLoader(val_set, batch_size=256, shuffle=True, num_workers=4, pin_memory=True)
    return val_loader


def build_imagenet_loader(root):
    train_set = datasets.ImageFolder(root, transform=T.Compose([T.RandomResizedCrop(224), T.ToTensor()]))
    # ruleid: dataloader-num-workers (224 px crops at batch 256: a JPEG read per sample)  # ok: dataloader-pin-memory (no
    # workers: the main thread would pin each batch itself; RL102's fix comes first)
    train_loader = DataLoader(train_set, batch_size=256, shuffle=True)
    return train_loader


def build_imagenet_loader_with_workers(root, workers):
    train_set = datasets.ImageFolder(root, transform=T.Compose([T.RandomResizedCrop(224), T.ToTensor()]))
    # ruleid: dataloader-pin-memory (224 px crops at batch 256: 154 MB per batch, read by worker processes)
    train_loader = DataLoader(train_set, batch_size=256, shuffle=True, num_workers=workers)
    return train_loader
