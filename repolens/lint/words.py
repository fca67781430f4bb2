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


# The word of a name that says its split: `train_loader`, `trainset` (train); `val_tfms`,
# `testloader` (evaluation). Here rather than in `roles.py` so that `reach.py`, which `roles.py`
# imports, reads a call named for training the same way.
_SUFFIX = r"(?:set|sets|loader|loaders|data|dataset|datasets|ds|dl|transforms?|tfms?|tf|augs?|split|iter)?"
TRAIN_WORD = re.compile(rf"^(?:train|training|trainval|trn){_SUFFIX}$")
EVAL_WORD = re.compile(rf"^(?:val|valid|validation|test|testing|eval|evaluation|holdout|infer|inference"
                       rf"|predict|prediction){_SUFFIX}$")
TRAIN, EVAL = "train", "eval"


def role_of_name(name: str | None) -> str | None:
    """TRAIN for `train_loader`, `trainset`, `x_train`; EVAL for `val_tfms`, `testloader`; else None.

    None when both kinds appear (`train_val_split`) or a token says test-time augmentation.
    """
    if not name:
        return None
    tokens = name_tokens(name)
    if "tta" in tokens:  # test-time augmentation: random at evaluation on purpose
        return None
    roles = {TRAIN for t in tokens if TRAIN_WORD.match(t)} | {EVAL for t in tokens if EVAL_WORD.match(t)}
    return roles.pop() if len(roles) == 1 else None
