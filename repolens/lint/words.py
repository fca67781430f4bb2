"""The words of an identifier or dotted name, the one way every reader splits them.

`train_loader`, `trainLoader`, `opt.TRAINING.RESUME`, `resnet50` -> lower-case words. Plain `re`, no
libcst: the facts pass (`ast` only) reads names with it too.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"[^0-9a-zA-Z]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")


def name_tokens(name: str) -> list[str]:
    return [t.lower() for t in _SPLIT.split(name) if t]
