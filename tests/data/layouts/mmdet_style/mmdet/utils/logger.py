# Copyright (c) OpenMMLab. All rights reserved.
import inspect

from mmengine.logging import print_log


def get_caller_name():
    """Get name of caller method."""
    caller_frame = inspect.stack()[2][0]
    caller_method = caller_frame.f_code.co_name
    try:
        caller_class = caller_frame.f_locals['self'].__class__.__name__
        return f'{caller_class}.{caller_method}'
    except KeyError:
        return caller_method


def log_img_scale(img_scale, shape_order='hw', skip_square=False):
    """Log image size."""
    if shape_order == 'hw':
        height, width = img_scale
    else:
        width, height = img_scale
    if skip_square and (height == width):
        return False
    caller = get_caller_name()
    print_log(f'image shape: height={height}, width={width} in {caller}', logger='current')
    return True
