# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
from typing import List, Optional

from mmengine.dataset import BaseDataset
from mmengine.fileio import load


class BaseDetDataset(BaseDataset):
    """Base dataset for detection."""

    def __init__(self, *args, seg_map_suffix: str = '.png', proposal_file: Optional[str] = None,
                 file_client_args: dict = None, backend_args: dict = None, **kwargs) -> None:
        self.seg_map_suffix = seg_map_suffix
        self.proposal_file = proposal_file
        self.backend_args = backend_args
        super().__init__(*args, **kwargs)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.data_list = self.load_data_list()
        if self.proposal_file is not None:
            self.load_proposals()
        self.data_list = self.filter_data()
        self._fully_initialized = True

    def load_proposals(self) -> None:
        proposals_list = load(self.proposal_file, backend_args=self.backend_args)
        for data_info in self.data_list:
            data_info['proposals'] = proposals_list[data_info['img_path']]

    def get_cat_ids(self, idx: int) -> List[int]:
        instances = self.get_data_info(idx)['instances']
        return [instance['bbox_label'] for instance in instances]
