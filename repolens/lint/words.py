"""The words of an identifier or a dotted name: `train_loader` -> train, loader; `resumeTraining` ->
resume, training; `opt.TRAINING.RESUME` -> opt, training, resume (an all-caps word stays one word).

Kept apart from `roles.py`, which needs libcst, so that the facts pass (`checkpoints`), which a warm
run takes without libcst, reads names the same way the rules do. (`trainfacts._says_resume` splits
on its own on purpose: it reads no all-capital config key as "resume", see its comment.)"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"[^0-9a-zA-Z]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")


def name_tokens(name: str) -> list[str]:
    return [t.lower() for t in _SPLIT.split(name) if t]
