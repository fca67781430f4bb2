"""RL324 step-before-backward: the step runs before the gradients of its iteration exist."""

import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.helpers import method_name, receiver
from repolens.lint.knowledge.training import BACKWARD, STEP, ZERO_GRAD, classify_call
from repolens.lint.loops import TrainingLoopRule
from repolens.lint.traverse import walk
from repolens.pyindex.aliases import cst_dotted_name


class StepBeforeBackward(TrainingLoopRule):
    """
    ## What it does
    Flags an `optimizer.step()` that comes before the loop body's `backward()` when the
    gradients are also cleared on the way from that backward to the next iteration's step
    (`zero_grad` after `backward()`, or before the step): the step can never see a gradient.
    Each optimizer of the loop is judged on its own (a captioning loop with a decoder optimizer
    and an optional encoder optimizer under `if encoder_optimizer is not None:`): its steps must
    all run unconditionally (an accumulation pattern, with the step under an `if`, is never
    flagged), come before every `backward()` of the loop body (guarded ones included), and a clear
    of its gradients must always run in between (its own `zero_grad()`, or `model.zero_grad()`
    and `p.grad = None` when it is the loop's only optimizer). `optimizer.step(closure)` (LBFGS)
    runs its own backward and is never flagged, nor is a step whose clear is followed by a call
    to a helper named for a backward pass (`architect.unrolled_backward(...)`, `self.backward_D()`):
    the helper fills the gradients the step reads (pt.darts' DARTS search assigns `alpha.grad`
    itself; judged wrong once).

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
    quiet_in_dead_code = True
    quiet_in_tests = True
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
        Example("""
def fit_lbfgs(model, loader, optimizer, criterion):
    for x, y in loader:
        def closure():
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            return loss
        optimizer.zero_grad()
        optimizer.step(closure)
        criterion(model(x), y).backward()  # a diagnostic gradient, not the step's
"""),
        Example("""
def search(loader, model, architect, w_optim, alpha_optim):
    for x, y in loader:
        alpha_optim.zero_grad()
        architect.unrolled_backward(x, y, w_optim)  # assigns alpha.grad itself
        alpha_optim.step()
        w_optim.zero_grad()
        model.loss(x, y).backward()
        w_optim.step()
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
        Example("""
def train(loader, encoder, decoder, criterion, encoder_optimizer, decoder_optimizer):
    for imgs, caps in loader:
        loss = criterion(decoder(encoder(imgs), caps), caps)
        decoder_optimizer.zero_grad()
        if encoder_optimizer is not None:
            encoder_optimizer.zero_grad()
        decoder_optimizer.step()
        loss.backward()
        if encoder_optimizer is not None:
            encoder_optimizer.step()
"""),
    ]

    def check_loop(self, flow) -> None:
        events = [e for e in flow.events if not e.nested]
        owners = self.step_owners(flow)
        # Every backward counts, guarded or not: one that may run before the step may feed it.
        backwards = [i for i, e in enumerate(events) if e.kind == BACKWARD]
        if not backwards:
            return
        for owner in sorted(o for o in owners if o):
            steps = [i for i, e in enumerate(events) if e.kind == STEP and e.owner == owner]
            if any(events[i].guard or _closure_step(events[i].node, owner) for i in steps):
                continue  # an accumulation pattern, or LBFGS's step(closure) that runs its own backward
            first_step = steps[0]
            if first_step > backwards[0]:
                continue
            # On the way from the last backward, around the loop, to the first step: a clear that
            # always runs and clears this optimizer's gradients?
            clears = [i for i, e in enumerate(events) if e.kind == ZERO_GRAD and not e.guard
                      and (i > backwards[-1] or i < first_step) and self.same_optimizer(e, events[first_step], owners)]
            if not clears:
                continue
            # A helper named for a backward between the clear and the step fills the gradients the
            # step reads (pt.darts: `alpha_optim.zero_grad(); architect.unrolled_backward(...);
            # alpha_optim.step()`, the helper assigning `alpha.grad` itself).
            last_clear = max((i for i in clears if i < first_step), default=None)
            after = self.position(events[last_clear].node).end if last_clear is not None else None
            if after is not None and self._helper_backward_between(flow, after, self.position(events[first_step].node).start):
                continue
            self.report(events[first_step].node, self.message.format(step=f"{owner}.step()"))

    def _helper_backward_between(self, flow, after, before) -> bool:
        for node in walk(flow.loop.body, into_scopes=False):
            if isinstance(node, cst.Call) and classify_call(node) is None:
                name = method_name(node) or (cst_dotted_name(node.func) or "").rsplit(".", 1)[-1]
                if _HELPER_BACKWARD.search(name or ""):
                    pos = self.position(node)
                    if (pos.start.line, pos.start.column) > (after.line, after.column) and \
                            (pos.end.line, pos.end.column) <= (before.line, before.column):
                        return True
        return False


# `unrolled_backward`, `backward_G`, `compute_backward`: a method named for a backward pass.
_HELPER_BACKWARD = re.compile(r"(?:^|_)backward(?:_|$)", re.IGNORECASE)


def _closure_step(call, owner: str) -> bool:
    """`optimizer.step(closure)`: the closure computes the loss and its gradients itself."""
    return bool(call.args) and cst_dotted_name(receiver(call)) == owner
