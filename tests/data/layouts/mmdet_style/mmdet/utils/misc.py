# Copyright (c) OpenMMLab. All rights reserved.
import glob
import os
import os.path as osp
import warnings

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log


def find_latest_checkpoint(path, suffix='pth'):
    """Find the latest checkpoint from the working directory."""
    if not osp.exists(path):
        warnings.warn('The path of checkpoints does not exist.')
        return None
    if osp.exists(osp.join(path, f'latest.{suffix}')):
        return osp.join(path, f'latest.{suffix}')
    checkpoints = glob.glob(osp.join(path, f'*.{suffix}'))
    if len(checkpoints) == 0:
        return None
    latest = -1
    latest_path = None
    for checkpoint in checkpoints:
        count = int(osp.basename(checkpoint).split('_')[-1].split('.')[0])
        if count > latest:
            latest = count
            latest_path = checkpoint
    return latest_path


def setup_cache_size_limit_of_dynamo():
    """Setup cache size limit of dynamo."""
    import torch
    if 'DYNAMO_CACHE_SIZE_LIMIT' in os.environ:
        torch._dynamo.config.cache_size_limit = int(os.environ['DYNAMO_CACHE_SIZE_LIMIT'])
        print_log(f'torch._dynamo.config.cache_size_limit is force set to {torch._dynamo.config.cache_size_limit}.',
                  logger='current')
