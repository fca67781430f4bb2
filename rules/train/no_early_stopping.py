"""RL313 no-early-stopping: an epoch loop that validates but never stops early (off by default)."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.trainflow import is_test_path, runs_epochs_without_stopping


class NoEarlyStopping(Rule):
    """
    ## What it does
    Flags a loop over epochs (`for epoch in ...`) that trains (a training loop inside, or a call
    to a function named for training: `train_one_epoch`, `train`) and validates (a call named
    `validate`, `evaluate`, `test` ...) every epoch, with no `break` or `return` in the loop and
    no "best" value tracked in it (`best_acc = ...`, `is_best`: keeping the best checkpoint is
    model selection), in a project with no early-stopping sign (`EarlyStopping`, `early_stop`,
    `patience`, `should_stop`). Off by default: training for a fixed budget is a valid choice.
    Unit tests are skipped.

    ## Why is this bad?
    Once the validation loss stops improving, further epochs overfit and waste compute. Early
    stopping (stop after `patience` epochs without improvement) or at least keeping the best
    checkpoint makes the run end at the model that generalises best.

    ## Example
    ```python
    for epoch in range(epochs):
        train_one_epoch(model, train_loader, optimizer)
        val_loss = validate(model, val_loader)
    ```

    ## Use instead
    ```python
    best, bad_epochs = float("inf"), 0
    for epoch in range(epochs):
        train_one_epoch(model, train_loader, optimizer)
        val_loss = validate(model, val_loader)
        if val_loss < best:
            best, bad_epochs = val_loss, 0
            torch.save(model.state_dict(), "best.pt")
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                break
    ```
    """

    code = "RL313"
    name = "no-early-stopping"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'early stopping is a recipe choice'
    superseded_by = "RL314"
    source = "seed notes: 'Warm-up / early stopping'"
    message = "epoch loop with validation but no early stopping and no best-checkpoint tracking"
    needles = ("epoch",)

    valid = [
        Example("for epoch in range(epochs):\n    train_one_epoch(model, loader, opt)\n"
                "    val = validate(model, val_loader)\n    if stopper.step(val):\n        break\n"),
        Example("for epoch in range(epochs):\n    train(model, loader, opt)\n    acc = evaluate(model, val_loader)\n"
                "    is_best = acc > best_acc\n    best_acc = max(acc, best_acc)\n"),
        Example("for epoch in range(epochs):\n    train(model, loader, opt)\n", path="fit.py"),
    ]
    invalid = [
        Example("for epoch in range(epochs):\n    train_one_epoch(model, loader, opt)\n"
                "    val_loss = validate(model, val_loader)\n    print(epoch, val_loss)\n"),
        Example("def main():\n    for epoch in range(1, args.epochs + 1):\n        train(args, model, device, train_loader, optimizer, epoch)\n"
                "        test(model, device, test_loader)\n        scheduler.step()\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source) or "early_stop" in self.facts.train_signals

    def visit_For(self, node: cst.For) -> None:
        if not self._skip and runs_epochs_without_stopping(node):
            self.report(node, self.message)
