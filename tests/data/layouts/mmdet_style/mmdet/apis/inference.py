# Copyright (c) OpenMMLab. All rights reserved.
import copy
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from mmdet.registry import MODELS


def init_detector(config, checkpoint=None, palette='none', device='cuda:0', cfg_options=None):
    """Initialize a detector from config file."""
    if isinstance(config, (str, Path)):
        config = Config.fromfile(config)
    model = MODELS.build(config.model)
    if checkpoint is not None:
        checkpoint = load_checkpoint(model, checkpoint, map_location='cpu')
    model.cfg = config
    model.to(device)
    model.eval()
    return model


def inference_detector(model: nn.Module, imgs, test_pipeline=None, text_prompt=None):
    """Inference image(s) with the detector."""
    if isinstance(imgs, (list, tuple)):
        is_batch = True
    else:
        imgs = [imgs]
        is_batch = False
    cfg = model.cfg
    if test_pipeline is None:
        cfg = cfg.copy()
        test_pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    result_list = []
    for i, img in enumerate(imgs):
        data_ = dict(img_path=img, img_id=0)
        data_ = test_pipeline(data_)
        with torch.no_grad():
            results = model.test_step(data_)[0]
        result_list.append(results)
    if not is_batch:
        return result_list[0]
    return result_list
