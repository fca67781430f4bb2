"""RL323 zero-grad-after-backward: gradients cleared between backward() and step()."""

from repolens.lint import Example, Severity
from repolens.lint.knowledge.training import BACKWARD, STEP, ZERO_GRAD
from repolens.lint.loops import TrainingLoopRule


class ZeroGradAfterBackward(TrainingLoopRule):
    """
    ## What it does
    Flags a `zero_grad()` (or `p.grad = None`) that runs after the `backward()` and before the
    `optimizer.step()` of the same iteration: the three calls in one loop body, in that source
    order, under the same condition (all unconditional, or all in the same `if` block), with no
    other `backward()` between the clear and the step. With several optimizers, a clear only
    counts against the step of the optimizer it names.

    ## Why is this bad?
    The step runs on gradients that were just erased: with `set_to_none=True` (the default since
    PyTorch 2.0) the optimizer skips every parameter, otherwise it steps on zeros (only weight
    decay and momentum move the weights). The loss does not go down, and nothing raises.

    ## Example
    ```python
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
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

    code = "RL323"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "zero-grad-after-backward"
    severity = Severity.ERROR
    tier = "default"
    tier_reason = 'zeroing the gradients before the step makes the step a no-op (a correctness bug)'
    source = ("PyTorch tutorial \"Optimizing Model Parameters\" (zero_grad, backward, step order); "
              "Zhang et al. 2022 ML code smells")
    message = "gradients are cleared after backward() and before `{step}`: the step sees no gradient"
    needles = ("zero_grad", ".grad")

    valid = [
        Example("""
def train(model, loader, optimizer, criterion):
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
"""),
        Example("""
def train_gan(G, D, loader, opt_g, opt_d):
    for real in loader:
        d_loss = D(real).mean() - D(G(real)).mean()
        d_loss.backward()
        opt_g.zero_grad()          # clears G's grads polluted by D's backward: another optimizer
        opt_d.step()
        opt_d.zero_grad()
        g_loss = -D(G(real)).mean()
        g_loss.backward()
        opt_g.step()
"""),
        Example("""
def train(model, loader, opt, accum):
    for i, (x, y) in enumerate(loader):
        model(x, y).backward()
        if (i + 1) % accum == 0:
            opt.step()
            opt.zero_grad()
"""),
    ]
    invalid = [
        Example("""
def train(model, loader, optimizer, criterion):
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
"""),
        Example("""
import torch

def train(model, loader, scaler):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    while True:
        for x, y in loader:
            with torch.autocast("cuda"):
                loss = model(x, y)
            scaler.scale(loss).backward()
            model.zero_grad(set_to_none=True)
            scaler.step(opt)
            scaler.update()
"""),
    ]

    def check_loop(self, flow) -> None:
        events = [e for e in flow.events if not e.nested]
        owners = self.step_owners(flow)
        for i, step in enumerate(events):
            if step.kind != STEP:
                continue
            before = events[:i]
            last_backward = max((j for j, e in enumerate(before) if e.kind == BACKWARD), default=None)
            if last_backward is None or before[last_backward].guard != step.guard:
                continue
            for zero in before[last_backward + 1:]:
                if zero.kind == ZERO_GRAD and zero.guard == step.guard and self.same_optimizer(zero, step, owners):
                    self.report(zero.node, self.message.format(step=f"{step.owner or 'optimizer'}.step()"))
                    return
