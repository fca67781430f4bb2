# Copyright (c) OpenMMLab. All rights reserved.
from .base_det_dataset import BaseDetDataset
from .coco import CocoDataset

__all__ = ['BaseDetDataset', 'CocoDataset']
