"""RL312 no-warmup: a learning-rate schedule that starts at full learning rate (off by default)."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.trainflow import is_test_path

# Schedules that begin at the base learning rate. LambdaLR / MultiplicativeLR are opaque (the
# lambda may warm up); OneCycleLR / CyclicLR ramp up themselves; LinearLR / ConstantLR are the
# usual warm-up pieces; ReduceLROnPlateau reacts to a metric.
NO_WARMUP_SCHEDULERS = frozenset({"StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "CosineAnnealingWarmRestarts", "PolynomialLR"})


class NoWarmup(Rule):
    """
    ## What it does
    Flags the construction of a `torch.optim.lr_scheduler` schedule that starts at the full
    learning rate (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
    CosineAnnealingWarmRestarts, PolynomialLR) in a project with no sign of warm-up anywhere (no
    `warmup` / `warm_up` name, LinearLR, SequentialLR, ChainedScheduler, OneCycleLR, CyclicLR).
    Off by default: warm-up matters most for large batches, Adam-family optimizers and
    transformers, and is the seed author's advice rather than a rule. Unit tests are skipped.

    ## Why is this bad?
    At initialisation the gradients are large and Adam's second-moment estimates are poor: a full
    learning rate in the first steps can push the weights into a bad region or diverge. A short
    linear warm-up (Goyal et al. 2017, "Accurate, Large Minibatch SGD") stabilises the start.

    ## Example
    ```python
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    ```

    ## Use instead
    ```python
    from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

    warmup = LinearLR(optimizer, start_factor=0.01, total_iters=5)
    cosine = CosineAnnealingLR(optimizer, T_max=epochs - 5)
    scheduler = SequentialLR(optimizer, [warmup, cosine], milestones=[5])
    ```
    """

    code = "RL312"
    name = "no-warmup"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'warm-up is a recipe choice that matters for some models only'
    source = "seed notes: 'Warm-up / early stopping'; Goyal et al. 2017, gradual warm-up"
    message = "{sched} starts at the full learning rate and the project has no warm-up: consider a short LinearLR warm-up (SequentialLR)"
    needles = ("lr_scheduler",)

    valid = [
        Example("from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR\n"
                "s = SequentialLR(opt, [LinearLR(opt, 0.01, total_iters=5), CosineAnnealingLR(opt, 95)], [5])\n"),
        Example("import torch\ns = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=1000)\n"
                "p = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\n"),
        Example("import torch\ns = torch.optim.lr_scheduler.StepLR(opt, 30)\n",
                path="train.py", files={"utils.py": "def lr_at(step, warmup_steps):\n    return min(1, step / warmup_steps)\n"}),
    ]
    invalid = [
        Example("import torch\nscheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)\n"),
        Example("from torch.optim import lr_scheduler as ls\nscheduler = ls.MultiStepLR(optimizer, [30, 60])\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source) or "warmup" in self.facts.train_signals

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        qualified = self.qualified_name(node.func) or ""
        if qualified.startswith("torch.optim.lr_scheduler.") and qualified.rsplit(".", 1)[-1] in NO_WARMUP_SCHEDULERS:
            self.report(node, self.message.format(sched=qualified.rsplit(".", 1)[-1]))
