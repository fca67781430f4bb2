"""RL301 missing-zero-grad: a training loop that never clears the gradients."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import file_bindings
from repolens.lint.helpers import dotted, method_name, positional_args, receiver
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

    With several optimizers (a GAN's generator and discriminator), each must have its gradients
    cleared: a loop that calls `d_model.zero_grad()` but nothing for `g_optimizer`, built in this
    file as `optim.Adam(g_model.parameters())`, is flagged at `g_optimizer`'s step. This is judged
    only when every optimizer's model is known from its construction in the file and every
    clearing call names one of these optimizers or models (a helper, a `p.grad = None` loop or a
    wrapper's `zero_grad()` may clear anything: silent).

    Nor is a loop inside a function named `test_*` (a module's self-test: Pyraformer's
    `test_NSA()` times 1000 steps of an attention layer on a constant fake input and prints the
    time and GPU memory; the weights it trains are thrown away: six judged findings, none worth a
    change).

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
    quiet_in_dead_code = True
    quiet_in_tests = True
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
        # A module's self-test: a timing benchmark on fake data (Pyraformer's graph_attention.py).
        Example("""
import time
import torch
def test_NSA(layer, hidden_state, fake_gt):
    optimizer = torch.optim.Adam(layer.parameters(), lr=1e-4)
    start = time.time()
    for i in range(1000):
        loss = ((fake_gt - layer(hidden_state)) ** 2).mean()
        loss.backward()
        optimizer.step()
    print("average time", (time.time() - start) / 1000)
"""),
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
        # DCGAN: each network cleared through the model its optimizer was built on.
        Example("""
import torch.optim as optim
def fit(netG, netD, loader, criterion, noise):
    optimizerD = optim.Adam(netD.parameters(), lr=2e-4)
    optimizerG = optim.Adam(netG.parameters(), lr=2e-4)
    for real, _ in loader:
        netD.zero_grad()
        fake = netG(noise())
        errD = criterion(netD(real), 1) + criterion(netD(fake.detach()), 0)
        errD.backward()
        optimizerD.step()
        netG.zero_grad()
        errG = criterion(netD(fake), 1)
        errG.backward()
        optimizerG.step()
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

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node
        self._functions: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def check_loop(self, flow) -> None:
        if any(name.startswith("test_") for name in self._functions):
            return  # a module's self-test: a timing or memory benchmark on fake data, whose weights nobody uses
        zeros = flow.of(ZERO_GRAD, nested=True)
        if zeros:
            self._check_each_optimizer(flow, {z.owner for z in zeros})
            return
        if any(self.is_name(e.node.func, *DIST_BACKWARD) for e in flow.of(BACKWARD, nested=True)):
            return  # distributed autograd: each `dist_autograd.context()` holds its own gradients
        step = flow.of(STEP)[0]
        self.report(flow.of(BACKWARD)[0].node, self.message.format(step=f"{step.owner or 'optimizer'}.step()"))

    def _check_each_optimizer(self, flow, cleared: set[str | None]) -> None:
        """Several optimizers: is each one's model (or the optimizer itself) cleared in the loop?"""
        steps = {e.owner: e for e in reversed(flow.of(STEP, nested=True))}
        if len(steps) < 2 or None in steps or None in cleared:
            return
        models = {o: self._model_of(o) for o in steps}
        if any(m is None for m in models.values()):
            return
        placed = set(steps) | set(models.values())
        if not cleared <= placed:
            return  # a zero_grad of something else (a wrapper holding both models): it may clear anything
        for owner, event in steps.items():
            model = models[owner]
            if owner not in cleared and model not in cleared:
                self.report(event.node, f"`{owner}` steps `{model}`'s parameters, but this loop never clears their "
                                        f"gradients (no `{owner}.zero_grad()` or `{model}.zero_grad()`): they add up "
                                        "across iterations")

    def _model_of(self, optimizer: str | None) -> str | None:
        """`g_model` for an optimizer this file builds as `Adam(g_model.parameters(), ...)`, every time."""
        found = set()
        for value in file_bindings(self._module).get(optimizer or "", ()):
            args = positional_args(value) if isinstance(value, cst.Call) else []
            params = args[0].value if args else None
            if not (isinstance(params, cst.Call) and method_name(params) == "parameters" and not params.args):
                return None
            found.add(dotted(receiver(params)))
        return found.pop() if len(found) == 1 else None
