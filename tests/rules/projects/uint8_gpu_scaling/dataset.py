"""YOLO-style: the dataset returns uint8 tensors, the training step scales them on the GPU."""

import cv2
import torch
from torch.utils.data import Dataset


class Images(Dataset):
    def __init__(self, files):
        self.files = files

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        img = cv2.imread(self.files[i])
        # ok: unnormalized-image-input
        return torch.from_numpy(img).permute(2, 0, 1)
