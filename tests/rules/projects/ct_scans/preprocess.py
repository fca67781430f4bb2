"""Scaling of CT volumes (read with nibabel in io_utils.py)."""

import numpy as np


def minmax(volume):
    # ruleid: minmax-scientific-images
    return (volume - volume.min()) / (volume.max() - volume.min() + 1e-8)


def minmax_vars(volume):
    lo, hi = np.min(volume), np.max(volume)
    # ruleid: minmax-scientific-images
    return (volume - lo) / (hi - lo)


def window(volume, lo=-1000.0, hi=400.0):
    volume = np.clip(volume, lo, hi)
    # ok: minmax-scientific-images
    return (volume - lo) / (hi - lo)


def per_feature(table):
    # ok: minmax-scientific-images
    return (table - table.min(0)) / (table.max(0) - table.min(0))
