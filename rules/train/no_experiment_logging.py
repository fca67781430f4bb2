"""RL319 no-experiment-logging: a training entrypoint that records nothing but prints."""

from repolens.lint import Example, Severity
from repolens.lint.trainflow import TrainingEntrypointRule

_MAIN = """
def main():
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        print(epoch, loss.item())

if __name__ == "__main__":
    main()
"""


class NoExperimentLogging(TrainingEntrypointRule):
    """
    ## What it does
    Flags a training entrypoint (a non-test file with a `__main__` guard, or module-level code,
    that runs a loop with `backward()` and an optimizer step) in a project that records nothing:
    no `logging` / logger, no TensorBoard `SummaryWriter`, wandb, mlflow, neptune, comet, clearml,
    aim, dvclive, no CSV or JSON written (`csv.writer`, `json.dump`, `to_csv`), no Lightning
    `self.log`. The whole project is searched: a logger set up in `utils/logger.py` counts.
    `print` alone does not: it is gone when the terminal closes. Reported at the `__main__` guard.

    ## Why is this bad?
    Without a record of the configuration, the losses and the metrics of each run, results cannot
    be compared, reproduced or debugged later (the seed notes end with "Record the experiment
    process in detail"). Loss curves are also the first diagnostic of a training problem.

    ## Example
    ```python
    for epoch in range(epochs):
        loss = train_one_epoch(model, loader, optimizer)
        print(epoch, loss)
    ```

    ## Use instead
    ```python
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter()
    for epoch in range(epochs):
        loss = train_one_epoch(model, loader, optimizer)
        writer.add_scalar("train/loss", loss, epoch)
    ```
    """

    code = "RL319"
    name = "no-experiment-logging"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'how a run is recorded is a workflow choice (13 of 13 real findings were not worth a change)'
    superseded_by = "RL314"
    source = "seed notes: 'Record the experiment process in detail'; Karpathy, \"A Recipe for Training Neural Networks\""
    message = "training entrypoint that records nothing (no logging, TensorBoard, wandb, mlflow, CSV/JSON log anywhere in the project)"
    needles = ("backward",)

    valid = [
        Example("from torch.utils.tensorboard import SummaryWriter\nwriter = SummaryWriter()\n" + _MAIN),
        Example(_MAIN, path="train.py", files={"utils/log.py": "import logging\nlog = logging.getLogger(__name__)\n"}),
        Example("import wandb\n" + _MAIN.replace("print(epoch, loss.item())", "wandb.log({'loss': loss.item()})")),
    ]
    invalid = [
        Example("import torch\n" + _MAIN, path="train.py"),
        Example("import torch as t\nfor x, y in loader:\n    opt.zero_grad()\n    model(x, y).backward()\n    opt.step()\n"
                "    print(x.shape)\n", path="script.py"),
    ]

    def missing(self) -> bool:
        return "logging" not in self.facts.train_signals
