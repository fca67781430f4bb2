"""RL321 sync-in-hot-loop: a CPU-GPU synchronisation on every training step."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.helpers import method_name
from repolens.lint.knowledge.training import BACKWARD, STEP
from repolens.lint.loops import TrainingLoopRule
from repolens.lint.trainflow import every_step_nodes, is_test_path

SYNC_METHODS = frozenset({"item", "cpu", "numpy", "tolist"})


class SyncInHotLoop(TrainingLoopRule):
    """
    ## What it does
    Flags `.item()`, `.cpu()`, `.numpy()` and `.tolist()` that run unconditionally on every
    iteration of a training loop (a loop whose own body calls `backward()` and an optimizer
    step), in a project that moves tensors to CUDA. Calls under an `if` (a logging condition
    such as `if step % log_every == 0:`), in a nested loop or comprehension, or in a nested
    function are not flagged; in a chain (`loss.detach().cpu().numpy()`) only the outer call is
    reported, and a statement holding several (`print(a.item(), b.item())`) is reported once. A
    bare `.numpy()` (not after `.cpu()` / `.to(...)`) is not flagged: it only works on a CPU
    tensor, which needs no sync. Unit tests are skipped.

    Precision on real code: on 20 research/tutorial repositories, 116 findings before these two
    changes, most of them one per `.item()` of the same multi-line `print` (PyTorch-GAN) or
    `.numpy()` of CPU labels; see docs/rules.md for the count after.

    ## Why is this bad?
    Reading a CUDA tensor's value on the host waits for every queued GPU kernel to finish: the
    CPU can no longer run ahead and queue the next step while the GPU computes, so the GPU idles
    between steps. One sync per step can cost a noticeable share of the step time on small
    models; accumulate on the device and read the value only when logging.

    ## Example
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x.cuda()), y.cuda())
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    ```

    ## Use instead
    ```python
    running_loss = torch.zeros((), device="cuda")
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = criterion(model(x.cuda()), y.cuda())
        loss.backward()
        optimizer.step()
        running_loss += loss.detach()
        if step % log_every == 0:
            print(running_loss.item() / (step + 1))
    ```
    """

    code = "RL321"
    name = "sync-in-hot-loop"
    severity = Severity.INFO
    default_enabled = False
    tier = "advice"
    tier_reason = ("judged by hand on 12 real training repositories, 0 of 15 findings were worth a change: the "
                   "per-step `.item()` feeding a meter or progress bar is the research-code idiom and costs little "
                   "next to the step; select it (ADVICE) when profiling a small, fast model")
    source = ("PyTorch Performance Tuning Guide: \"Avoid unnecessary CPU-GPU synchronization\" "
              "(tensor.item(), .cpu(), .numpy(), print of a CUDA tensor)")
    message = "`.{method}()` on every training step forces a CPU-GPU sync: accumulate on the device and read it only when logging"
    needles = ("backward",)

    _CUDA = "import torch\ndevice = torch.device('cuda')\n"
    valid = [
        # `.numpy()` of CPU labels (a CUDA tensor would raise): no sync.
        Example(_CUDA + """
def train(model, loader, opt):
    for x, labels in loader:
        onehot = to_categorical(labels.numpy())
        model(x.cuda(), onehot).sum().backward()
        opt.step()
"""),
        Example(_CUDA + """
def train(model, loader, optimizer, criterion, log_every):
    running = torch.zeros((), device=device)
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = criterion(model(x.to(device)), y.to(device))
        loss.backward()
        optimizer.step()
        running += loss.detach()
        if step % log_every == 0:
            print(running.item())
"""),
        # CPU-only project: there is no device to wait for.
        Example("""
def train(model, loader, optimizer, criterion):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        print(loss.item())
"""),
    ]
    invalid = [
        # One statement, two syncs: one finding.
        Example(_CUDA + """
def train(model, loader, opt_d, opt_g, d_loss, g_loss):
    for i, (x, labels) in enumerate(loader):
        d_loss.backward()
        opt_d.step()
        print("[D loss: %f] [G loss: %f]" % (d_loss.item(),
                                             g_loss.item()))
"""),
        Example(_CUDA + """
def train(model, loader, optimizer, criterion):
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x.to(device)), y.to(device))
        loss.backward()
        optimizer.step()
        total += loss.item()
"""),
        Example(_CUDA + """
def train(model, loader, opt, scaler, history):
    for batch in loader:
        opt.zero_grad()
        loss = model(**batch).loss
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        history.append(loss.detach().cpu().numpy())
"""),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source) or not self.facts.uses_cuda_at(self.context.path)

    def check_loop(self, flow) -> None:
        if self._skip or not flow.of(BACKWARD) or not flow.of(STEP):
            return
        # One finding per statement: a `print(...)` of five `.item()`s is one line to change.
        # The inner calls of a reported chain are the same sync: not entered.
        by_statement: dict[int, list[cst.Call]] = {}
        statement: cst.CSTNode = flow.loop
        for n in every_step_nodes(flow.loop, leaf=_is_sync):
            if isinstance(n, cst.SimpleStatementLine):
                statement = n
            elif _is_sync(n):
                by_statement.setdefault(id(statement), []).append(n)  # type: ignore[arg-type]
        for syncs in by_statement.values():
            message = self.message.format(method=method_name(syncs[0]))
            if len(syncs) > 1:
                message = f"{len(syncs)} syncs in one statement: " + message
            self.report(syncs[0], message)


def _is_sync(n: cst.CSTNode) -> bool:
    """`.item()`, `.cpu()`, `.tolist()`, and `.numpy()` after `.cpu()`: a bare `.numpy()` is on a
    CPU tensor already (it raises on a CUDA one), no sync."""
    if not (isinstance(n, cst.Call) and method_name(n) in SYNC_METHODS and not n.args):
        return False
    if method_name(n) == "numpy":
        inner = n.func.value  # type: ignore[union-attr]
        while isinstance(inner, (cst.Attribute, cst.Call)):
            if isinstance(inner, cst.Call) and method_name(inner) in ("cpu", "to"):
                return True
            inner = inner.func if isinstance(inner, cst.Call) else inner.value
        return False
    return True
