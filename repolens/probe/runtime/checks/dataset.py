"""RT010 inputs not normalized; RT011 class imbalance; and the overfit batch from real samples."""

from __future__ import annotations

from collections import Counter
from typing import Any

import torch

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run

SAMPLE_COUNT = 256  # samples read for the statistics, spread evenly over the dataset
_INPUT_KEYS = ("image", "images", "input", "inputs", "x", "data", "input_ids", "img")
_LABEL_KEYS = ("label", "labels", "target", "targets", "y", "class", "cls")


def split_sample(sample: Any) -> tuple[Any, Any]:
    if isinstance(sample, dict):
        x = next((sample[k] for k in _INPUT_KEYS if k in sample), None)
        y = next((sample[k] for k in _LABEL_KEYS if k in sample), None)
        return x, y
    if isinstance(sample, (list, tuple)):
        return sample[0], (sample[1] if len(sample) > 1 else None)
    return sample, None


def _as_tensor(x: Any) -> torch.Tensor | None:
    if isinstance(x, torch.Tensor):
        return x
    try:
        return torch.as_tensor(x)
    except (TypeError, ValueError, RuntimeError):
        return None


def read_samples(dataset: Any, count: int) -> tuple[list[int], list[torch.Tensor], list[Any]]:
    n = len(dataset)
    if n == 0:
        raise ValueError("the dataset is empty")
    step = max(n / min(count, n), 1.0)
    idx = sorted({int(i * step) for i in range(min(count, n))})
    xs, ys = [], []
    for i in idx:
        x, y = split_sample(dataset[i])
        t = _as_tensor(x)
        if t is None:
            raise ValueError(f"sample {i}'s input is a {type(x).__name__}, not a tensor or array "
                             "(is a ToTensor transform missing?)")
        xs.append(t)
        ys.append(y)
    return idx, xs, ys


def check_normalization(run: Run, xs: list[torch.Tensor]) -> None:
    th = run.spec.thresholds
    if not xs[0].is_floating_point() and xs[0].dtype != torch.uint8:
        run.measure("dataset_inputs", {"dtype": str(xs[0].dtype), "note": "integer inputs (token ids): not checked"})
        run.skip("RT010", "integer (token id) inputs")
        return
    data = torch.stack([x.float() for x in xs]) if len({tuple(x.shape) for x in xs}) == 1 else \
        torch.cat([x.float().flatten() for x in xs])
    stats: dict[str, Any] = {"samples": len(xs), "dtype": str(xs[0].dtype).removeprefix("torch."),
                             "shape": list(xs[0].shape), "min": float(data.min()), "max": float(data.max()),
                             "mean": float(data.mean()), "std": float(data.std())}
    if data.dim() == 4 and data.shape[1] <= 4:  # N x C x H x W images: per channel
        stats["channel_mean"] = data.mean(dim=(0, 2, 3)).tolist()
        stats["channel_std"] = data.std(dim=(0, 2, 3)).tolist()
    run.measure("dataset_inputs", stats)
    abs_max = max(abs(stats["min"]), abs(stats["max"]))
    problems = []
    if xs[0].dtype == torch.uint8:
        problems.append("the samples are uint8")
    if abs_max > th.normalized_abs_max:
        problems.append(f"values reach {abs_max:.4g} (> {th.normalized_abs_max:g}; raw 0-255 pixels?)")
    if abs(stats["mean"]) > th.normalized_abs_mean:
        problems.append(f"the mean is {stats['mean']:.4g}")
    if stats["std"] < th.normalized_min_std:
        problems.append(f"the std is {stats['std']:.2g} (nearly constant inputs)")
    if problems:
        run.add(finding("RT010", "warning", f"dataset inputs are not normalized: {'; '.join(problems)} over "
                        f"{len(xs)} samples (range {stats['min']:.4g}..{stats['max']:.4g}, mean {stats['mean']:.4g}, "
                        f"std {stats['std']:.4g}); scale to [0, 1] or standardize (ToTensor, Normalize)"))


def _label_value(y: Any) -> int | None:
    if isinstance(y, bool):
        return None
    if isinstance(y, int):
        return y
    if isinstance(y, torch.Tensor) and y.dim() == 0 and not y.is_floating_point():
        return int(y)
    return None


def check_imbalance(run: Run, ys: list[Any]) -> None:
    labels = [_label_value(y) for y in ys]
    if not labels or any(v is None for v in labels):
        run.skip("RT011", "the samples carry no integer class label")
        return
    hist = Counter(labels)
    classes = run.spec.classes or (max(hist) + 1)
    counts = {c: hist.get(c, 0) for c in range(classes)} if classes <= 1000 else dict(hist)
    present = [v for v in counts.values() if v > 0]
    ratio = max(present) / min(present)
    # absent classes only count when the sample is big enough to expect every class in it
    absent = [c for c, v in counts.items() if v == 0] if len(labels) >= 10 * classes else []
    run.measure("dataset_labels", {"samples": len(labels), "histogram": {str(k): v for k, v in sorted(counts.items())},
                                   "imbalance_ratio": ratio, "absent_classes": absent})
    th = run.spec.thresholds.imbalance_ratio
    if ratio > th or absent:
        top = max(counts, key=counts.__getitem__)
        rare = min((c for c in counts if counts[c] > 0), key=counts.__getitem__)
        text = f"class {top} has {counts[top]} samples, class {rare} {counts[rare]} (ratio {ratio:.1f} > {th:g})"
        if absent:
            text += f"; classes {absent[:10]} never occur"
        run.add(finding("RT011", "warning", f"class imbalance in {len(labels)} samples: {text}. A long tail: "
                        "consider focal loss, class weights or a balanced sampler"))


def overfit_batch(xs: list[torch.Tensor], ys: list[Any], n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    x = torch.stack(xs[:n])
    if x.dtype == torch.uint8:
        x = x.float()
    labels = [y for y in ys[:n]]
    if any(y is None for y in labels):
        return x, None
    try:
        y = torch.stack([torch.as_tensor(v) for v in labels])
    except (TypeError, RuntimeError, ValueError):
        return x, None
    return x, y
