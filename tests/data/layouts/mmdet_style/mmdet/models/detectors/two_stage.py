# Copyright (c) OpenMMLab. All rights reserved.
import copy

import torch
from torch import Tensor

from mmdet.registry import MODELS
from .base import BaseDetector


@MODELS.register_module()
class TwoStageDetector(BaseDetector):
    """Base class for two-stage detectors."""

    def __init__(self, backbone, neck=None, rpn_head=None, roi_head=None, train_cfg=None, test_cfg=None,
                 data_preprocessor=None, init_cfg=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        if rpn_head is not None:
            rpn_head_ = rpn_head.copy()
            rpn_head_.update(train_cfg=train_cfg.rpn if train_cfg is not None else None, test_cfg=test_cfg.rpn)
            self.rpn_head = MODELS.build(rpn_head_)
        if roi_head is not None:
            self.roi_head = MODELS.build(roi_head)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    def extract_feat(self, batch_inputs: Tensor):
        x = self.backbone(batch_inputs)
        if self.with_neck:
            x = self.neck(x)
        return x

    def loss(self, batch_inputs: Tensor, batch_data_samples) -> dict:
        x = self.extract_feat(batch_inputs)
        losses = dict()
        rpn_losses, rpn_results_list = self.rpn_head.loss_and_predict(x, batch_data_samples)
        losses.update(rpn_losses)
        roi_losses = self.roi_head.loss(x, rpn_results_list, batch_data_samples)
        losses.update(roi_losses)
        return losses

    def predict(self, batch_inputs: Tensor, batch_data_samples, rescale: bool = True):
        x = self.extract_feat(batch_inputs)
        rpn_results_list = self.rpn_head.predict(x, batch_data_samples, rescale=False)
        results_list = self.roi_head.predict(x, rpn_results_list, batch_data_samples, rescale=rescale)
        return results_list
