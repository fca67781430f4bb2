#!/usr/bin/env python
# Copyright (c) OpenMMLab. All rights reserved.
import os
from setuptools import find_packages, setup


def readme():
    with open('README.md', encoding='utf-8') as f:
        content = f.read()
    return content


version_file = 'mmdet/version.py'


def get_version():
    with open(version_file, 'r') as f:
        exec(compile(f.read(), version_file, 'exec'))
    return locals()['__version__']


def parse_requirements(fname='requirements.txt', with_version=True):
    """Parse the package dependencies listed in a requirements file."""
    require_fpath = fname
    if not os.path.exists(require_fpath):
        return []
    with open(require_fpath, 'r') as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


if __name__ == '__main__':
    setup(
        name='mmdet',
        version=get_version(),
        description='OpenMMLab Detection Toolbox and Benchmark',
        long_description=readme(),
        long_description_content_type='text/markdown',
        author='MMDetection Contributors',
        packages=find_packages(exclude=('configs', 'tools', 'demo')),
        python_requires='>=3.7',
        license='Apache License 2.0',
        install_requires=parse_requirements('requirements/runtime.txt'),
        zip_safe=False)
