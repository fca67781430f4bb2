"""RL324 step-before-backward: the step runs before the gradients of its iteration exist."""

from repolens.lint import Example, Severity
from repolens.lint.knowledge.training import BACKWARD, STEP, ZERO_GRAD
from repolens.lint.loops import TrainingLoopRule


class StepBeforeBackward(TrainingLoopRule):
    """
    ## What it does
    Flags an `optimizer.step()` that comes before the loop body's `backward()` when the
    gradients are also cleared on the way from that backward to the next iteration's step
    (`zero_grad` after `backward()`, or before the step): the step can never see a gradient.
    Only unconditional calls of one loop body count (an accumulation pattern, with the step
    under an `if`, is never flagged), and only with a single optimizer in the loop.

    A "rotated" loop (`step()`, `zero_grad()`, forward, `backward()`) is not flagged: each step
    then uses the previous iteration's fresh gradients, which is correct apart from the last batch.
    A loop with no clear at all is RL301's finding.

    ## Why is this bad?
    The gradients computed by `backward()` are erased before any step uses them: the optimizer
    steps on nothing (`set_to_none=True`) or on zeros, and the model does not learn, without any
    error.

    ## Example
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        optimizer.step()
        loss = criterion(model(x), y)
        loss.backward()
    ```

    ## Use instead
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```
    """

    code = "RL324"
    name = "step-before-backward"
    severity = Severity.ERROR
    tier = "default"
    tier_reason = "stepping before backward uses the previous batch's gradient (a correctness bug)"
    source = ("PyTorch tutorial \"Optimizing Model Parameters\" (zero_grad, backward, step order); "
              "Zhang et al. 2022 ML code smells")
    message = "`{step}` runs before backward(), and the gradients are cleared in between: the step never sees them"
    needles = ("backward",)

    valid = [
        Example("""
def train(model, loader, optimizer, criterion):
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
"""),
        Example("""
def rotated(model, loader, optimizer):
    for x, y in loader:
        optimizer.step()           # steps on the previous iteration's gradients
        optimizer.zero_grad()
        model(x, y).backward()

def accumulate(model, loader, optimizer, k):
    for i, (x, y) in enumerate(loader):
        if i > 0 and i % k == 0:
            optimizer.step()
            optimizer.zero_grad()
        model(x, y).backward()
"""),
    ]
    invalid = [
        Example("""
def train(model, loader, optimizer, criterion):
    for x, y in loader:
        optimizer.zero_grad()
        optimizer.step()
        loss = criterion(model(x), y)
        loss.backward()
"""),
        Example("""
import torch

def train(model, loader):
    opt = torch.optim.Adam(model.parameters())
    for x, y in loader:
        opt.step()
        model(x, y).backward()
        model.zero_grad()
"""),
    ]

    def check_loop(self, flow) -> None:
        events = [e for e in flow.events if not e.nested]
        if any(e.guard for e in events) or len(self.step_owners(flow)) != 1:
            return
        steps = [i for i, e in enumerate(events) if e.kind == STEP]
        backwards = [i for i, e in enumerate(events) if e.kind == BACKWARD]
        zeros = [i for i, e in enumerate(events) if e.kind == ZERO_GRAD]
        first_step, last_backward = steps[0], backwards[-1]
        if first_step > backwards[0]:
            return
        # On the way from the last backward, around the loop, to the first step: a clear?
        if any(z > last_backward or z < first_step for z in zeros):
            step = events[first_step]
            self.report(step.node, self.message.format(step=f"{step.owner or 'optimizer'}.step()"))
