"""RL303 loss-accumulated-with-graph: `total += loss` keeps every iteration's graph alive."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import dotted, method_name
from repolens.lint.knowledge.training import BACKWARD, backpropagated
from repolens.lint.loops import loop_flow
from repolens.lint.traverse import nodes

DETACHING_METHODS = frozenset({"item", "detach", "tolist", "numpy"})
DETACHING_FUNCS = frozenset({"float", "int"})


class LossAccumulatedWithGraph(Rule):
    """
    ## What it does
    Flags a running sum of the loss tensor in a training loop: `total += loss` (or
    `total += loss * n`, `total = total + loss`) where `loss` is what the same loop body calls
    `backward()` on (`loss.backward()`, `scaler.scale(loss).backward()`,
    `accelerator.backward(loss)`), bound in the loop body, and not turned into a number or
    detached before the sum (`.item()`, `.detach()`, `float()`, `.data`, also inside a chain:
    facenet-pytorch's `loss_batch = loss_batch.detach().cpu()`, judged wrong when it was flagged in
    the thirty-sixth set). Sums into the
    backpropagated tensor itself (`loss += reg`) and accumulators reset on every iteration are
    not flagged; one reset only under a condition (`if step % log_every == 0: running_loss = 0`)
    still sums the graphs of every step in between, and is flagged.

    The fix (`total += loss` -> `total += loss.detach()`) keeps `total` a tensor on the same
    device; it is marked unsafe because code that later differentiates `total` would change.

    ## Why is this bad?
    A loss tensor carries its autograd graph. Adding it to a Python-level accumulator makes the
    accumulator a tensor whose graph references every iteration's graph until it is reset: the
    PyTorch FAQ's first out-of-memory example ("total_loss is accumulating history across your
    training loop"). How much that costs depends on where the sum sits: a `backward()` frees the
    activations its graph saved, so after one (the example below) what stays is the graph's nodes,
    host memory that grows by every step's graph until the epoch ends, not an epoch of GPU
    activations (UCTransNet's `Train_one_epoch.py`, a few steps per epoch: judged not worth a
    change). Measured (`benchmarks/rl303_graph_memory.py`, CPU, 20 Conv-BN-ReLU blocks): about 90 KB
    of host memory per step, 87 MB over a thousand steps, none with `.detach()`; an epoch-long sum over
    a larger model grows by that per step until the epoch ends. On the judged sets 2 of 15 such
    findings were judged worth acting on (short epochs, small graphs), so how much this matters
    depends on steps per reset, which the code does not say. Activations stay when the loss is not backpropagated before the next sum (`retain_graph
    =True`, a backward every N steps on another tensor), and a tensor-valued total is often logged
    or compared as if it were a number.

    ## Example
    ```python
    total_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        total_loss += loss
    ```

    ## Use instead
    ```python
    total_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()   # or loss.detach() to avoid a sync every step
    ```
    """

    code = "RL303"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "loss-accumulated-with-graph"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'summing loss tensors keeps every graph alive: memory grows each step (a bug)'
    source = ("PyTorch FAQ \"My model reports cuda runtime error(2): out of memory\": \"Don't accumulate history "
              "across your training loop ... total_loss += loss\"")
    message = "`{target} += {loss}` keeps the autograd graph of every iteration alive: use `{loss}.item()` or `{loss}.detach()`"
    needles = ("backward",)
    fix_safety = "unsafe"

    valid = [
        Example("""
def train(model, loader, optimizer, criterion):
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss += 0.01 * model.reg()        # building the loss itself
        loss.backward()
        optimizer.step()
        total += loss.item()
        running = loss.detach()
        total += running
"""),
        Example("""
def train(model, loader, optimizer):
    seen = 0
    for x, y in loader:
        loss = model(x, y)
        loss.backward()
        optimizer.step()
        loss = loss.item()
        seen += loss
        batch_sum = 0
        batch_sum += loss
"""),
        Example("""
def pass_epoch(model, loss_fn, loader, optimizer):
    loss = 0
    for x, y in loader:
        loss_batch = loss_fn(model(x), y)
        loss_batch.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_batch = loss_batch.detach().cpu()
        loss += loss_batch
"""),
    ]
    invalid = [
        Example("""
def train(model, loader, optimizer, criterion):
    total_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        total_loss += loss
    return total_loss / len(loader)
""", fixed="""
def train(model, loader, optimizer, criterion):
    total_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        total_loss += loss.detach()
    return total_loss / len(loader)
"""),
        Example("""
import torch

def train(model, loader, opt, scaler):
    stats = {"n": 0}
    epoch_loss = 0
    for x, y in loader:
        opt.zero_grad()
        with torch.autocast("cuda"):
            out = model(x)
            l = torch.nn.functional.mse_loss(out, y)
        scaler.scale(l).backward()
        scaler.step(opt)
        scaler.update()
        epoch_loss = epoch_loss + l * x.size(0)
""", expect=[(15, "`epoch_loss += l` keeps the autograd graph")]),
        Example("""
def train(model, loader, opt, log_every=100):
    running_loss, log_steps = 0, 0
    for step, (x, y) in enumerate(loader):
        loss = model(x, y).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        running_loss += loss
        log_steps += 1
        if step % log_every == 0:
            print(running_loss / log_steps)
            running_loss = 0
            log_steps = 0
""", expect=[(9, "`running_loss += loss` keeps the autograd graph")]),
    ]

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def visit_While(self, node: cst.While) -> None:
        self._check(node)

    def _check(self, loop) -> None:
        losses: set[str] = set()
        for event in loop_flow(loop).of(BACKWARD):
            losses |= backpropagated(event.node)
        if not losses:
            return
        body = list(nodes(loop.body))
        # accumulators re-set on every iteration only ever hold one (`total = total + l` is no reset);
        # a reset under an `if` (`if step % log_every == 0: running = 0`) lets the sum span many steps
        reset_in_loop = {dotted(t.target) for n in _unconditional(loop.body) if isinstance(n, cst.Assign)
                         and not _self_sum(n) for t in n.targets}
        last_value: dict[str, cst.BaseExpression] = {}
        for n in body:
            if isinstance(n, cst.Assign) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name):
                name = n.targets[0].target.value
                target_name = dotted(n.targets[0].target)
                # `total = total + loss`: an accumulation written out
                if _self_sum(n) and target_name not in losses:
                    self._accumulation(n, target_name, n.value.right, losses, last_value, reset_in_loop)
                last_value[name] = n.value
            elif isinstance(n, cst.AugAssign) and isinstance(n.operator, cst.AddAssign):
                target_name = dotted(n.target)
                if target_name and target_name not in losses:
                    self._accumulation(n, target_name, n.value, losses, last_value, reset_in_loop)

    def _accumulation(self, node, target, value, losses, last_value, reset_in_loop) -> None:
        name_node = _loss_operand(value, losses)
        if name_node is None or target in reset_in_loop:
            return
        bound = last_value.get(name_node.value)
        if bound is None or _detached(bound):
            return
        self.report(node, self.message.format(target=target, loss=name_node.value),
                    fix_node=name_node,
                    replacement=cst.Call(func=cst.Attribute(value=name_node, attr=cst.Name("detach"))))


def _unconditional(block: cst.BaseSuite) -> list[cst.CSTNode]:
    """The small statements of a loop body that run on every iteration: not under an `if`, `try` or
    `match` (through `with` blocks and nested loops' bodies)."""
    out: list[cst.CSTNode] = []
    for stmt in getattr(block, "body", ()):
        if isinstance(stmt, cst.SimpleStatementLine):
            out.extend(stmt.body)
        elif isinstance(stmt, (cst.With, cst.For, cst.While)):
            out.extend(_unconditional(stmt.body))
    return out


def _self_sum(node: cst.Assign) -> bool:
    """`total = total + x`."""
    return (len(node.targets) == 1 and isinstance(node.value, cst.BinaryOperation)
            and isinstance(node.value.operator, cst.Add)
            and dotted(node.value.left) is not None and dotted(node.value.left) == dotted(node.targets[0].target))


def _loss_operand(value, losses):
    """`loss`, `loss * n`, `n * loss`, `loss / k` -> the Name node of the loss."""
    if isinstance(value, cst.Name) and value.value in losses:
        return value
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Multiply, cst.Divide)):
        for side in (value.left, value.right):
            if isinstance(side, cst.Name) and side.value in losses:
                return side
    return None


def _detached(value) -> bool:
    """`loss.item()`, `float(loss)`, `loss.data`, and chains through one of them:
    `loss.detach().cpu()` (facenet-pytorch's `loss_batch = loss_batch.detach().cpu()` before its
    sum), `loss.cpu().data.numpy()`."""
    while True:
        if isinstance(value, cst.Attribute):
            if value.attr.value == "data":
                return True
            value = value.value
        elif isinstance(value, cst.Call):
            if method_name(value) in DETACHING_METHODS or dotted(value.func) in DETACHING_FUNCS:
                return True
            if not isinstance(value.func, cst.Attribute):
                return False
            value = value.func.value
        else:
            return False
