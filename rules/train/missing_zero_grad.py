"""RL301 missing-zero-grad: a training loop that never clears the gradients."""

from repolens.lint import Example, Severity
from repolens.lint.knowledge.training import BACKWARD, STEP, ZERO_GRAD
from repolens.lint.loops import TrainingLoopRule

DIST_BACKWARD = ("torch.distributed.autograd.backward",)


class MissingZeroGrad(TrainingLoopRule):
    """
    ## What it does
    Flags a loop whose body calls `backward()` and `optimizer.step()` (or `scaler.step(optimizer)`)
    but clears no gradient anywhere in the loop: no `zero_grad()` on an optimizer or a model
    (`set_to_none` or not), no `p.grad = None` / `p.grad.zero_()`, no helper whose name says
    `zero_grad`. Only what the loop body shows counts; a `backward` inside a nested function (an
    LBFGS closure) is not the loop's, and a loop without both calls (Lightning's `training_step`)
    is never flagged.

    Distributed autograd is not flagged: `dist_autograd.backward(context_id, [loss])` inside
    `with dist_autograd.context() as context_id:` accumulates into that context, not into `.grad`,
    and a `DistributedOptimizer.step(context_id)` reads them from there; each iteration opens a
    fresh context, so there is nothing to clear (3 of 6 findings on real RPC training code were
    this pattern before).

    ## Why is this bad?
    `backward()` adds to `.grad`; it does not overwrite it. Without clearing, every step uses the
    sum of all gradients since the start (or since the last clear outside the loop), so the
    effective learning rate grows with every batch and training diverges or crawls, without any
    error.

    ## Example
    ```python
    def train(model, loader, optimizer, criterion):
        optimizer.zero_grad()
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
    ```

    ## Use instead
    ```python
    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
    ```
    For gradient accumulation, clear under the same condition as the step.
    """

    code = "RL301"
    name = "missing-zero-grad"
    severity = Severity.ERROR
    tier = "default"
    tier_reason = 'gradients accumulating across steps is a correctness bug'
    source = ("PyTorch tutorial \"Optimizing Model Parameters\": \"Gradients by default add up; to prevent "
              "double-counting, we explicitly zero them at each iteration\"; Zhang et al. 2022 ML code smells")
    message = ("backward() and `{step}` in a loop that never clears gradients: they add up across iterations; "
               "call zero_grad() every iteration")
    needles = ("backward",)

    valid = [
        Example("""
def train(model, loader, optimizer, criterion):
    for x, y in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
"""),
        Example("""
import torch

def train(model, loader, opt, scaler, accum=4):
    for i, (x, y) in enumerate(loader):
        with torch.autocast("cuda"):
            loss = model(x, y) / accum
        scaler.scale(loss).backward()
        if (i + 1) % accum == 0:
            scaler.step(opt)
            scaler.update()
            for p in model.parameters():
                p.grad = None
"""),
        Example("""
import torch

def fit(model, x, y, steps):
    optimizer = torch.optim.LBFGS(model.parameters())
    for _ in range(steps):
        def closure():
            optimizer.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss
        optimizer.step(closure)

class Lit:
    def training_step(self, batch, batch_idx):
        loss = self.model(batch)
        return loss
"""),
    ]
    invalid = [
        Example("""
def train(model, loader, optimizer, criterion):
    optimizer.zero_grad()
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
"""),
        Example("""
import torch

def train(model, loader, epochs):
    opt = torch.optim.AdamW(model.parameters())
    sched = torch.optim.lr_scheduler.StepLR(opt, 10)
    for epoch in range(epochs):
        model.zero_grad()
        for x, y in loader:
            model(x, y).backward()
            opt.step()
        sched.step()
"""),
    ]

    def check_loop(self, flow) -> None:
        if flow.of(ZERO_GRAD, nested=True):
            return
        if any(self.is_name(e.node.func, *DIST_BACKWARD) for e in flow.of(BACKWARD, nested=True)):
            return  # distributed autograd: each `dist_autograd.context()` holds its own gradients
        step = flow.of(STEP)[0]
        self.report(flow.of(BACKWARD)[0].node, self.message.format(step=f"{step.owner or 'optimizer'}.step()"))
