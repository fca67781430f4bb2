# Copyright (c) OpenMMLab. All rights reserved.
from .base import BaseDetector
from .faster_rcnn import FasterRCNN
from .two_stage import TwoStageDetector

__all__ = ['BaseDetector', 'TwoStageDetector', 'FasterRCNN']
