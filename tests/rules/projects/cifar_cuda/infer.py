"""Single-image prediction with OpenCV."""

import cv2
import torch


def predict(model, path):
    img = cv2.imread(path)
    img = cv2.resize(img, (224, 224))
    # ruleid: unnormalized-image-input
    x = torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0)
    return model(x)


def predict_scaled(model, path):
    img = cv2.imread(path)
    # ok: unnormalized-image-input
    x = torch.from_numpy(img).permute(2, 0, 1).float().div(255).unsqueeze(0)
    return model(x)


def read(path):
    # ok: unnormalized-image-input
    return torch.from_numpy(cv2.imread(path))
