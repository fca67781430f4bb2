# Copyright (c) OpenMMLab. All rights reserved.
from .detectors import *  # noqa: F401,F403
