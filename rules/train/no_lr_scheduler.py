"""RL311 no-lr-scheduler: a training entrypoint whose learning rate never changes."""

from repolens.lint import Example, Severity
from repolens.lint.trainflow import TrainingEntrypointRule

_LOOP = """
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
"""


class NoLrScheduler(TrainingEntrypointRule):
    """
    ## What it does
    Flags a training entrypoint (a file, not a unit test, that runs a loop with `backward()` and
    an optimizer step and has a `__main__` guard or runs the loop at module level) in a project
    where nothing changes the learning rate: no `torch.optim.lr_scheduler` class, no scheduler
    factory (`get_scheduler`, `get_cosine_schedule_with_warmup`, anything named `*sched*`), no
    manual update (`group["lr"] = ...`, `adjust_learning_rate`). The whole project is searched,
    so a scheduler built in `utils/optim.py` counts. Reported once, at the `__main__` guard.

    ## Why is this bad?
    A constant learning rate is rarely the best one for a whole run: too high at the end (the
    loss plateaus above its minimum) or too low at the start. Step decay, cosine annealing,
    OneCycleLR or ReduceLROnPlateau usually reach a better optimum in the same number of epochs.

    ## Example
    ```python
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(epochs):
        train_one_epoch(model, loader, optimizer)
    ```

    ## Use instead
    ```python
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=epochs * len(loader))
    for epoch in range(epochs):
        train_one_epoch(model, loader, optimizer, scheduler)   # scheduler.step() after each optimizer.step()
    ```
    """

    code = "RL311"
    name = "no-lr-scheduler"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'an LR schedule is a recipe choice (13 of 13 real findings were not worth a change)'
    superseded_by = "RL314"
    source = "seed notes: 'OneCycleLR + SGD / Adam (torch.optim.lr_scheduler.ReduceLROnPlateau)'"
    message = "training entrypoint with a constant learning rate: no LR scheduler anywhere in the project (OneCycleLR, cosine, ReduceLROnPlateau)"
    needles = ("backward",)

    valid = [
        Example("import torch\n\ndef main():\n    sched = torch.optim.lr_scheduler.StepLR(optimizer, 30)\n" + _LOOP
                + "        sched.step()\n\nif __name__ == '__main__':\n    main()\n"),
        # The scheduler lives in another file of the project.
        Example("def main():\n" + _LOOP + "\nif __name__ == '__main__':\n    main()\n",
                path="train.py", files={"utils/optim.py": "def build(opt):\n    return get_cosine_schedule_with_warmup(opt, 10, 100)\n"}),
        # A library module with a training loop but no entrypoint.
        Example("def fit(model, loader, optimizer, criterion):\n" + _LOOP),
    ]
    invalid = [
        Example("import torch\n\ndef main():\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n" + _LOOP
                + "\nif __name__ == '__main__':\n    main()\n", path="train.py"),
        Example("import torch\noptimizer = torch.optim.Adam(model.parameters())\n"
                "for x, y in loader:\n    optimizer.zero_grad()\n    model(x, y).backward()\n    optimizer.step()\n",
                path="notebook_train.py"),
    ]

    def missing(self) -> bool:
        return "scheduler" not in self.facts.train_signals
