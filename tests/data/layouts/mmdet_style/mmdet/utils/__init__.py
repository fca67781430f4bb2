# Copyright (c) OpenMMLab. All rights reserved.
from .misc import setup_cache_size_limit_of_dynamo
from .logger import get_caller_name, log_img_scale

__all__ = ['setup_cache_size_limit_of_dynamo', 'get_caller_name', 'log_img_scale']
