# Copyright (c) OpenMMLab. All rights reserved.

__version__ = '3.3.0'
short_version = __version__


def parse_version_info(version_str):
    version_info = []
    for x in version_str.split('.'):
        if x.isdigit():
            version_info.append(int(x))
    return tuple(version_info)


version_info = parse_version_info(__version__)
