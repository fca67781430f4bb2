"""One forward pass and its loss, the way every check runs the model."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn

from repolens.probe.runtime.run import Run
from repolens.probe.runtime.task import Output, compute_loss, split_output


def forward(run: Run, inputs: torch.Tensor | None = None) -> tuple[Output, torch.Tensor, dict[str, torch.Tensor]]:
    run.tracer.reset_stack()
    out = run.model(run.inputs if inputs is None else inputs)
    output = split_output(out)
    loss, comps = compute_loss(run.task, output)
    return output, loss, comps


@contextmanager
def training_without_dropout(model: nn.Module) -> Iterator[None]:
    """Train mode (BatchNorm uses batch statistics) with dropout off: the overfit test must be able
    to reach zero loss, and Karpathy's recipe turns regularisation off for it."""
    was = model.training
    model.train()
    drops = [m for m in model.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    for m in drops:
        m.eval()
    try:
        yield
    finally:
        model.train(was)
