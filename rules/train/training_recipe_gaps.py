"""RL314 training-recipe-gaps: one finding per training entrypoint listing the recipe parts it lacks."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.trainflow import entry_anchor, runs_epochs_without_stopping

_MAIN = """
def main():
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()

if __name__ == "__main__":
    main()
"""

# (train_signals tag, what the finding calls it, the rule that reports it alone)
PARTS = (("seed", "a seed", "RL320"), ("logging", "experiment logging", "RL319"),
         ("scheduler", "an LR schedule", "RL311"))


class TrainingRecipeGaps(Rule):
    """
    ## What it does
    Reports a training entrypoint (a non-test file with a `__main__` guard, or module-level code,
    that runs a loop with `backward()` and an optimizer step) once, listing the recipe parts the
    whole project lacks:

    - a seed (what RL320 no-seed checks: `torch.manual_seed`, `seed_everything`, `set_seed` ...);
    - experiment logging (RL319 no-experiment-logging: `logging`, TensorBoard, wandb, CSV ...);
    - an LR schedule (RL311 no-lr-scheduler: any `lr_scheduler`, `adjust_learning_rate` ...);
    - early stopping (RL313 no-early-stopping: an epoch loop of this file that trains and
      validates every epoch, with no `break`, no best-value tracking, and no early-stopping sign
      in the project).

    It is the combined form of those four advisory rules: `--select ADVICE` runs this one, not
    them (each still runs when named, e.g. `--select RL320`). Reported at the `__main__` guard.

    ## Why is this bad?
    Each part is a recipe choice, not a bug: a seed makes runs reproducible, a log makes them
    comparable, a schedule usually buys accuracy, early stopping saves compute. One finding per
    entrypoint says it once, instead of three or four findings stacked on the same line.

    ## Example
    ```python
    def main():
        model = Net()
        for epoch in range(epochs):
            train_one_epoch(model, loader, optimizer)
            validate(model, val_loader)

    if __name__ == "__main__":
        main()
    ```

    ## Use instead
    ```python
    def main():
        torch.manual_seed(0)
        writer = SummaryWriter()
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
        ...
    ```
    """

    code = "RL314"
    name = "training-recipe-gaps"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = ("seed, logging, LR schedule and early stopping are recipe choices; real research code rightly "
                   "goes without some of them")
    source = ("Karpathy, \"A Recipe for Training Neural Networks\" ('fix random seed', 'add significant digits to "
              "your eval'); seed notes: 'Warm-up / early stopping', OneCycleLR, ReduceLROnPlateau")
    message = "training entrypoint without {missing} anywhere in the project"
    needles = ("backward",)

    valid = [
        Example("import torch, logging\ntorch.manual_seed(0)\nlog = logging.getLogger()\n"
                "sched = torch.optim.lr_scheduler.StepLR(optimizer, 10)\n" + _MAIN),
        Example("import torch\n" + _MAIN, path="tests/test_train.py"),
    ]
    invalid = [
        Example("import torch\n" + _MAIN, path="train.py"),
        Example("import torch\nimport wandb\ntorch.manual_seed(0)\n" + _MAIN.replace(
            "            optimizer.step()\n",
            "            optimizer.step()\n        validate(model, val_loader)\n"), path="train.py"),
    ]

    def __init__(self, context, options=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self._no_stopping = False

    def visit_For(self, node: cst.For) -> None:
        if not self._no_stopping and "early_stop" not in self.facts.train_signals:
            self._no_stopping = runs_epochs_without_stopping(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        signals = self.facts.train_signals
        missing = [f"{label} ({code})" for tag, label, code in PARTS if tag not in signals]
        if self._no_stopping:
            missing.append("early stopping or best-checkpoint tracking (RL313)")
        if not missing:
            return
        anchor = entry_anchor(original_node, self.context.path, self.context.source)
        if anchor is None:
            return
        listed = ", ".join(missing[:-1]) + (" or " if len(missing) > 1 else "") + missing[-1]
        self.report(anchor.test if isinstance(anchor, cst.If) else anchor, self.message.format(missing=listed))
