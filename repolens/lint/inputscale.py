"""How large the tensors a finding is about are, from the sizes the project states (the project
model's `stated_sizes`: argparse defaults, config files, torchvision datasets, resize/crop transforms).

Memory and speed rules are worth acting on only at scale. Judged on real code (issue #8): an
in-place activation or cudnn's autotuner on 28-64 px demo nets, or pinned memory for batches of a
few megabytes, changed nothing a user would notice, while the same rules on 128-513 px inputs were
worth the line. What cannot be seen: sizes passed on the command line at run time, or computed.
Where no size is stated the rules keep speaking, except for reinforcement learning: a loader in a
script that steps a gym-style environment carries environment states (vectors, 84 px frames),
whose batches are small.
"""

from __future__ import annotations

import libcst as cst

from repolens.lint.helpers import last_segment
from repolens.lint.knowledge.dataloader import dataloader_arg
from repolens.lint.roles import dataset_class_name
from repolens.project.inputsizes import DATASET_SIDES

# At or below this side, a conv net's feature maps are a few megabytes per layer: in-place
# activations and cudnn autotuning save nothing measurable (judged on 28-64 px GANs and VAEs).
SMALL_IMAGE_SIDE = 64
# A batch this small crosses PCIe in well under a millisecond from pageable memory (a float32 RGB
# batch: batch x 3 x side x side x 4 bytes): pinning it saves a fraction of a step.
SMALL_BATCH_BYTES = 4 << 20
# With no batch size known, a side this small keeps even a 512-sample batch near that size.
TINY_IMAGE_SIDE = 32


def stated_image_side(rule, rel: str | None = None) -> int | None:  # type: ignore[no-untyped-def]
    """The largest image side stated for the rule's file (or `rel`), scoped as `ProjectModel.stated_sizes` says."""
    found = rule.facts.model.image_side(rel or rule.context.path)
    return found[0] if found is not None else None


def small_images(rule) -> bool:  # type: ignore[no-untyped-def]
    """Every image side stated for the rule's file is at most SMALL_IMAGE_SIDE (and one is stated),
    or none is stated and the file belongs to a reinforcement-learning script (84 px frames, states)."""
    side = stated_image_side(rule)
    if side is None:
        model, rel = rule.facts.model, rule.context.path
        return model.steps_environments(rel) or any(model.steps_environments(r)
                                                    for r in sorted(model.importers.get(rel, ())))
    return side <= SMALL_IMAGE_SIDE


def loader_image_side(rule, call: cst.Call) -> int | None:  # type: ignore[no-untyped-def]
    """A DataLoader's image side: its torchvision dataset's, else the one stated for the file."""
    cls = dataset_class_name(call, rule)
    if cls is not None and cls.rsplit(".", 1)[-1] in DATASET_SIDES:
        return DATASET_SIDES[cls.rsplit(".", 1)[-1]]
    return stated_image_side(rule)


def loader_batch_size(rule, call: cst.Call) -> int | None:  # type: ignore[no-untyped-def]
    """A DataLoader's batch size: a literal, or a name (`opt.batch_size`, `batch_size`) whose default
    the file states (an argparse option, a config key of that name). DataLoader's default is 1."""
    arg = dataloader_arg(call, "batch_size")
    if arg is None:
        return 1 if dataloader_arg(call, "batch_sampler") is None else None
    value = arg.value
    if isinstance(value, cst.Integer):
        return int(value.value)
    name = last_segment(value)
    if not name:
        return None
    values = {s.value for _, s in rule.facts.model.stated_sizes("batch", rule.context.path) if s.name == name}
    return values.pop() if len(values) == 1 else None


def small_batches(rule, call: cst.Call) -> bool:  # type: ignore[no-untyped-def]
    """The loader's batches are small enough that pinning them saves nothing measurable: a stated
    size says so, or the loader feeds a reinforcement-learning agent (environment states)."""
    side = loader_image_side(rule, call)
    if side is None and rule.facts.model.steps_environments(rule.context.path):
        return True
    if side is None:
        return False
    return _small_batch(side, loader_batch_size(rule, call))


def small_stated_batches(rule) -> bool:  # type: ignore[no-untyped-def]
    """The batches of the rule's file are small by the sizes stated for it, for a loader this file
    does not build (`self.train_loader`, a factory's): its image side and the largest batch size
    stated (`--batch_size` of the script that imports it), or reinforcement-learning states."""
    side = stated_image_side(rule)
    if side is None:
        return rule.facts.model.steps_environments(rule.context.path)
    batches = [s.value for _, s in rule.facts.model.stated_sizes("batch", rule.context.path)]
    return _small_batch(side, max(batches) if batches else None)


def _small_batch(side: int, batch: int | None) -> bool:
    """A float32 RGB batch of `batch` images of `side` px is at most SMALL_BATCH_BYTES (with no
    batch size known, the side is tiny)."""
    if batch is None:
        return side <= TINY_IMAGE_SIDE
    return batch * 3 * side * side * 4 <= SMALL_BATCH_BYTES
