"""How large the tensors a finding is about are, from the sizes the project states (the project
model's `stated_sizes`: argparse defaults, config files, torchvision datasets, resize/crop transforms).

Memory and speed rules are worth acting on only at scale. Judged on real code (issue #8): an
in-place activation or cudnn's autotuner on 28-64 px demo nets, or pinned memory for batches of a
few megabytes, changed nothing a user would notice, while the same rules on 128-513 px inputs were
worth the line. What cannot be seen: sizes passed on the command line at run time, or computed.
Where no size is stated the rules keep speaking, except for reinforcement learning: a loader in a
script that steps a gym-style environment carries environment states (vectors, 84 px frames),
whose batches are small; and, for RL101's pinning, a loader with no image reading near it
(`ProjectModel.images_near`): its batches are token ids, audio, point clouds or features.
"""

from __future__ import annotations

import libcst as cst

from repolens.lint.helpers import last_segment, literal
from repolens.lint.knowledge.dataloader import dataloader_arg
from repolens.lint.roles import dataset_class_name
from repolens.project.inputsizes import DATASET_SIDES, GREY_DATASETS

# At or below this side, a conv net's feature maps are a few megabytes per layer: in-place
# activations and cudnn autotuning save nothing measurable (judged on 28-64 px GANs and VAEs).
SMALL_IMAGE_SIDE = 64
# A batch this small crosses PCIe in well under a millisecond from pageable memory (a float32
# batch: batch x channels x side x side x 4 bytes): pinning it saves a fraction of a step.
SMALL_BATCH_BYTES = 4 << 20
# A batch this small crosses PCIe in tens of microseconds even from pinned memory: overlapping the
# copy with compute (`non_blocking`) saves less than one kernel launch per step (64 MNIST digits,
# 200 KB; 64 CIFAR images, 768 KB, are above it).
TINY_BATCH_BYTES = 512 << 10
# A sample of a loader far from any image reading, taken generously (128 float32 features; a
# sequence of token ids is smaller): only a batch of thousands of them passes SMALL_BATCH_BYTES.
FEATURE_SAMPLE_BYTES = 512
# With no batch size known, a side this small keeps even a 512-sample batch near SMALL_BATCH_BYTES.
TINY_IMAGE_SIDE = 32
# How large a loader's batches are, ordered: TINY <= TINY_BATCH_BYTES < SMALL <= SMALL_BATCH_BYTES < LARGE
# (LARGE also when nothing is known).
TINY, SMALL, LARGE = 0, 1, 2
_RGB = 3


def _stated_image(rule, rel: str | None = None) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    """The largest image side stated for the rule's file (or `rel`) and its channels (1 for MNIST)."""
    found = rule.facts.model.largest_image(rel or rule.context.path)
    return (found[1].value, found[1].channels) if found is not None else None


def stated_image_side(rule, rel: str | None = None) -> int | None:  # type: ignore[no-untyped-def]
    """The largest image side stated for the rule's file (or `rel`), scoped as `ProjectModel.stated_sizes` says."""
    found = _stated_image(rule, rel)
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


def _loader_image(rule, call: cst.Call) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    """A DataLoader's image side and channels: its torchvision dataset's, else the ones stated for the file."""
    cls = dataset_class_name(call, rule)
    last = cls.rsplit(".", 1)[-1] if cls is not None else ""
    if last in DATASET_SIDES:
        return DATASET_SIDES[last], 1 if last in GREY_DATASETS else _RGB
    return _stated_image(rule)


def loader_batch_size(rule, call: cst.Call) -> tuple[int | None, bool]:  # type: ignore[no-untyped-def]
    """A DataLoader's batch size, and whether it is read exactly: a literal, or a name
    (`opt.batch_size`, `batch_size`) whose default the file states once (an argparse option, a
    config key of that name). DataLoader's default is 1. Not exactly, an upper bound or a guess:
    the largest of the values configs state for that name, and for a plain name no stated size is
    called by (a helper's parameter) its literal default (`def get_data_loader(..., batch_size=16)`),
    else the batch size the file states, when it states one value (glow-pytorch's
    `sample_data(path, batch_size, image_size)`, called with `args.batch`, whose option `--batch`
    defaults to 16)."""
    arg = dataloader_arg(call, "batch_size")
    if arg is None:
        return (1 if dataloader_arg(call, "batch_sampler") is None else None), True
    value = arg.value
    if isinstance(value, cst.Integer):
        number = literal(value)  # `0x40` and `1_024` are ints too
        return (number if isinstance(number, int) else None), True
    name = last_segment(value)
    if not name:
        return None, True
    stated = rule.facts.model.stated_sizes("batch", rule.context.path)
    values = {s.value for _, s in stated if s.name == name}
    if len(values) == 1:
        return values.pop(), True
    if not values and isinstance(value, cst.Name):
        default = _parameter_default(rule, value.value)
        if default is not None:
            return default, False  # a factory's `batch_size=16` default (udacity's get_data_loader)
        values = {s.value for _, s in stated}
        return (values.pop() if len(values) == 1 else None), False
    return (max(values) if values else None), False


def _parameter_default(rule, name: str) -> int | None:  # type: ignore[no-untyped-def]
    """The literal int default of the enclosing function's parameter `name` (`def get_data_loader(...,
    batch_size=16)`), for a rule that tracks its functions (`BindingTracker`)."""
    nodes = getattr(rule, "function_nodes", None)
    if not nodes:
        return None
    params = nodes[-1].params
    for p in (*params.posonly_params, *params.params, *params.kwonly_params):
        if p.name.value == name:
            value = literal(p.default) if isinstance(p.default, cst.Integer) else None
            return value if isinstance(value, int) and value > 0 else None
    return None


def loader_batch_scale(rule, call: cst.Call) -> int:  # type: ignore[no-untyped-def]
    """How large the loader's batches are by the sizes stated for it (TINY, SMALL, LARGE). With no
    image size stated: SMALL for a loader that feeds a reinforcement-learning agent (environment
    states), else LARGE (unknown). A batch size not read exactly only ever makes the answer
    smaller than with no batch size known: a larger stated one may be another loader's."""
    image = _loader_image(rule, call)
    if image is None:
        return _unsized_scale(rule)
    batch, exact = loader_batch_size(rule, call)
    scale = _batch_scale(*image, batch)
    return scale if exact else min(scale, _batch_scale(*image, None))


def _unsized_scale(rule) -> int:  # type: ignore[no-untyped-def]
    """The batch scale where no image size is stated: SMALL for reinforcement-learning states, else LARGE."""
    return SMALL if rule.facts.model.steps_environments(rule.context.path) else LARGE


def small_batches(rule, call: cst.Call) -> bool:  # type: ignore[no-untyped-def]
    """The loader's batches are small enough that pinning them saves nothing measurable: a stated
    size says so, the loader feeds a reinforcement-learning agent, or no file near the loader
    reads images (`ProjectModel.images_near`): its batches are token ids, graph edges, audio
    clips, point clouds or features, small next to image batches (64 x 20 int64 tokens are 10 KB:
    BERT-pytorch's pretraining loader; ogb's knowledge-graph loaders, 0.5 MB of ids: judged not
    worth pinning), unless the batch size stated for it is so large that even such samples add
    up (`FEATURE_SAMPLE_BYTES` each: ogb's MAG240M loader of 100,000 papers' 768 features, judged
    worth it). RL101's question only: whether `non_blocking` is worth the word on such a loader
    (RL103) was judged both ways on audio and point clouds."""
    if not rule.facts.model.images_near(rule.context.path):
        batch, exact = loader_batch_size(rule, call)
        return not (exact and batch is not None and batch * FEATURE_SAMPLE_BYTES > SMALL_BATCH_BYTES)
    return loader_batch_scale(rule, call) <= SMALL


def stated_batch_scale(rule) -> int:  # type: ignore[no-untyped-def]
    """How large the batches of the rule's file are by the sizes stated for it, for a loader this file
    does not build (`self.train_loader`, a factory's): its image side and the largest batch size
    stated (`--batch_size` of the script that imports it); with none stated, as `_unsized_scale`."""
    image = _stated_image(rule)
    if image is None:
        return _unsized_scale(rule)
    batches = [s.value for _, s in rule.facts.model.stated_sizes("batch", rule.context.path)]
    return _batch_scale(*image, max(batches) if batches else None)


def _batch_scale(side: int, channels: int, batch: int | None) -> int:
    """TINY, SMALL or LARGE for a float32 batch of `batch` images of `side` px (with no batch size
    known, SMALL when the side is tiny, else LARGE)."""
    if batch is None:
        return SMALL if side <= TINY_IMAGE_SIDE else LARGE
    size = batch * channels * side * side * 4
    return TINY if size <= TINY_BATCH_BYTES else SMALL if size <= SMALL_BATCH_BYTES else LARGE
