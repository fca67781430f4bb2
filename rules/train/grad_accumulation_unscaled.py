"""RL317 grad-accumulation-unscaled: accumulated gradients of a loss not divided by the number of steps."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import code_of, method_name, receiver, target_names
from repolens.lint.knowledge.optimizers import only_scale_free
from repolens.lint.knowledge.training import BACKWARD, STEP
from repolens.lint.loops import loop_flow
from repolens.lint.traverse import nodes, walk


# An accumulation loop whose loss is never divided; `build` may construct the optimizer.
_UNSCALED = """
import torch

def train(model, loader, criterion, accum_steps{param}):
{build}    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y)
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
"""


class GradAccumulationUnscaled(Rule):
    """
    ## What it does
    Flags gradient accumulation whose loss is not scaled: in one loop, the optimizer step sits
    under a modulo condition (`if (i + 1) % accum_steps == 0:`) while `loss.backward()` (or
    `scaler.scale(loss).backward()`) runs every iteration, and `loss`, bound in the loop, is never
    divided or multiplied: no `/`, `.div(`, `/=`, `*=` on it and no mention of the accumulation
    count (`accum_steps`) in its computation. `accelerator.backward(loss)`, DeepSpeed's
    `engine.backward(loss)` and Lightning's `manual_backward` scale the loss themselves and are
    not flagged; nor is a loss whose computation this loop does not show, nor a file whose
    optimizer divides its learning rate by the batch size (`lr=cfg.learning_rate / cfg.batch`:
    darknet's convention, as in pytorch-YOLOv4, where the loss is summed over every image of the
    accumulated batch and the per-image learning rate makes the step a mean; dividing the loss
    too would shrink the step by the accumulation count).

    Nor where the step cannot tell: every optimizer the project builds divides the gradient by a
    running measure of its own size (Adam, AdamW, RMSprop, Adagrad, ...: a gradient N times larger
    gives the same step, up to eps), none with a coupled weight decay (`Adam(weight_decay=1e-4)`
    adds the decay to the gradient, so scaling it changes the decay's weight; AdamW's is decoupled),
    SGD named nowhere, the loop clips no gradient (a clip threshold sees the N-times norm) and
    divides none of the losses it backpropagates (a divided loss beside an undivided one mixes two
    scales, which no optimizer undoes: BERT-NER-Pytorch's adversarial `loss_adv`). The Annotated
    Transformer's commented-out division under Adam, MiniGPT-4's `accum_grad_iters` under AdamW:
    two judged findings, both not worth a change for that reason. An optimizer the project builds
    outside `torch.optim` (apex, bitsandbytes) is not seen; one chosen by a name that is not "sgd"
    (`getattr(torch.optim, cfg.name)`) is not either.

    ## Why is this bad?
    `backward()` adds gradients up. Accumulating N micro-batches without dividing each loss by N
    gives a gradient N times larger than the one of the large batch it stands for: the effective
    learning rate is multiplied by N, and changing `accum_steps` silently changes the
    optimisation (the seed notes recommend accumulation for large batches; this is how it goes
    wrong).

    ## Example
    ```python
    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y)
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    ```

    ## Use instead
    ```python
    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    ```
    """

    code = "RL317"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "grad-accumulation-unscaled"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'unscaled accumulated gradients multiply the effective learning rate (a correctness bug)'
    source = ("seed notes: 'Batch size: a large batch is good for small objects; use gradient accumulation'; "
              "HF Accelerate docs, gradient accumulation: \"the loss is divided by gradient_accumulation_steps\"")
    message = "gradient accumulation (step every `{divisor}` iterations) with `{loss}` not divided by `{divisor}`: the gradient is {divisor}x too large"
    needles = ("%",)

    valid = [
        # The Annotated Transformer: Adam without weight decay takes the same step from an N-times gradient
        Example("""
import torch

def run(model, loader, loss_compute, accum_iter):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5, betas=(0.9, 0.98), eps=1e-9)
    for i, batch in enumerate(loader):
        loss, loss_node = loss_compute(model(batch.src), batch.tgt_y, batch.ntokens)
        loss_node.backward()
        if i % accum_iter == 0:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
"""),
        Example("""
def train(model, loader, optimizer, criterion, accum):
    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y)
        (loss / accum).backward()
        if (i + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
"""),
        Example("""
import torch

def train(model, loader, opt, scaler, args):
    for step, batch in enumerate(loader):
        with torch.autocast("cuda"):
            outputs = model(**batch)
            loss = outputs.loss
            loss = loss / args.gradient_accumulation_steps
        scaler.scale(loss).backward()
        if step % args.gradient_accumulation_steps == 0:
            scaler.step(opt)
            scaler.update()
            opt.zero_grad()
"""),
        Example("""
def train(model, loader, optimizer, accelerator, accum):
    for step, batch in enumerate(loader):
        loss = model(**batch).loss
        accelerator.backward(loss)
        if step % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
"""),
        Example("""
def train(generator, critic, loader, opt_g, opt_c, n_critic):
    for i, real in enumerate(loader):
        opt_c.zero_grad()
        loss_c = critic(generator.sample(len(real)).detach()).mean() - critic(real).mean()
        loss_c.backward()
        opt_c.step()
        if i % n_critic == 0:
            opt_g.zero_grad()
            loss_g = -critic(generator.sample(len(real))).mean()
            loss_g.backward()
            opt_g.step()
"""),
        # darknet's convention (pytorch-YOLOv4): a summed loss and a per-image learning rate.
        Example("""
from torch import optim

def train(model, train_loader, criterion, config, device):
    optimizer = optim.SGD(model.parameters(), lr=config.learning_rate / config.batch, momentum=config.momentum)
    global_step = 0
    for epoch in range(config.epochs):
        for i, (images, bboxes) in enumerate(train_loader):
            global_step += 1
            bboxes_pred = model(images.to(device))
            loss, loss_xy, loss_wh, loss_obj, loss_cls, loss_l2 = criterion(bboxes_pred, bboxes)
            loss.backward()
            if global_step % config.subdivisions == 0:
                optimizer.step()
                model.zero_grad()
"""),
    ]
    invalid = [
        # Adam with a coupled weight decay: the undivided gradient shrinks the decay's weight
        Example(_UNSCALED.format(param="", build="    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, "
                                                  "weight_decay=1e-4)\n")),
        # BERT-NER-Pytorch: under AdamW, `loss` is divided and the adversarial loss is not
        Example("""
import torch

def train(model, loader, fgm, args):
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for step, batch in enumerate(loader):
        loss = model(**batch)[0]
        loss = loss / args.gradient_accumulation_steps
        loss.backward()
        fgm.attack()
        loss_adv = model(**batch)[0]
        loss_adv.backward()
        fgm.restore()
        if (step + 1) % args.gradient_accumulation_steps == 0:
            optimizer.step()
            model.zero_grad()
"""),
        Example(_UNSCALED.format(param=", optimizer", build="")),
        Example("""
import torch

def train(model, loader, opt, scaler, cfg):
    for step, batch in enumerate(loader):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            outputs = model(**batch)
            loss = outputs.loss
        scaler.scale(loss).backward()
        if (step + 1) % cfg.grad_accum == 0:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(opt)
            scaler.update()
            opt.zero_grad(set_to_none=True)
"""),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._lr_per_sample = any(isinstance(n, cst.Call) and self._lr_divided_by_batch(n) for n in walk(node))
        facts = getattr(self, "facts", None)
        self._scale_free = facts is not None and only_scale_free(facts.optimizers)

    def _lr_divided_by_batch(self, call: cst.Call) -> bool:
        """`optim.SGD(params, lr=base_lr / batch)`: the learning rate is per sample."""
        qualified = self.qualified_name(call.func) or ""
        if not qualified.startswith("torch.optim.") or ".lr_scheduler." in qualified:
            return False
        lr = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "lr"), None)
        return isinstance(lr, cst.BinaryOperation) and isinstance(lr.operator, cst.Divide) \
            and "batch" in code_of(lr.right).lower()

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def visit_While(self, node: cst.While) -> None:
        self._check(node)

    def _check(self, loop: cst.For | cst.While) -> None:
        if self._lr_per_sample:
            return  # the loss sums the accumulated batch and the learning rate divides by it
        flow = loop_flow(loop)
        steps, backwards = flow.of(STEP), flow.of(BACKWARD)
        if not steps or not backwards:
            return
        modulo_ifs = {id(n): n for n in nodes(loop.body) if isinstance(n, cst.If) and _modulo(n.test) is not None}
        step = next((s for s in steps if any(g in modulo_ifs for g in s.guard)), None)
        if step is None:
            return
        guard = next(modulo_ifs[g] for g in step.guard if g in modulo_ifs)
        divisor = _modulo(guard.test)
        if self._scale_free and "clip_grad" not in code_of(loop.body) and not any(
                (loss := _backpropagated_name(e.node)) is not None and self._scaled(loop.body, loss, divisor, known=True)
                for e in backwards):
            return  # one scale throughout, and the optimizer's step does not depend on it
        for event in backwards:
            if id(guard) in event.guard:
                continue  # backward only on the stepping iterations: no accumulation
            if _consumed_every_iteration(flow, event, id(guard)):
                continue  # e.g. a WGAN critic: its optimizer steps every iteration, the generator's every n
            loss = _backpropagated_name(event.node)
            if loss is None or self._scaled(loop.body, loss, divisor):
                continue
            self.report(event.node, self.message.format(loss=loss, divisor=divisor))
            return

    @staticmethod
    def _scaled(body: cst.CSTNode, loss: str, divisor: str, known: bool = False) -> bool:
        """Is `loss` divided (or multiplied) in `body`? A loss the body does not compute counts as
        scaled (unknown: not reported), unless `known` asks for a division that is seen."""
        bound = False
        for n in nodes(body):
            if isinstance(n, cst.AugAssign) and code_of(n.target) == loss:
                if isinstance(n.operator, (cst.DivideAssign, cst.MultiplyAssign, cst.FloorDivideAssign)):
                    return True
                bound = True
            elif isinstance(n, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in n.targets] if isinstance(n, cst.Assign) else [n.target]
                if any(loss in target_names(t) for t in targets) and n.value is not None:
                    bound = True
                    if _divides(n.value, divisor):
                        return True
        return not bound and not known  # a loss this loop does not compute: unknown


def _consumed_every_iteration(flow, backward, guard: int) -> bool:
    """Whether the first optimizer step after this backward runs on every iteration (outside the
    modulo condition): then its gradients are used at once and nothing accumulates."""
    after = flow.events[flow.events.index(backward) + 1:]
    first = next((e for e in after if e.kind == STEP and not e.nested), None)
    return first is not None and guard not in first.guard


def _modulo(test: cst.BaseExpression) -> str | None:
    """`(i + 1) % accum == 0` -> "accum" (the divisor's code)."""
    for n in walk(test):
        if isinstance(n, cst.BinaryOperation) and isinstance(n.operator, cst.Modulo):
            right = n.right
            if isinstance(right, cst.Integer) and right.value in ("1", "2"):
                return None  # `% 2`: alternating steps (GANs), not accumulation
            return code_of(right)
    return None


def _divides(value: cst.BaseExpression, divisor: str) -> bool:
    for n in walk(value):
        if isinstance(n, cst.BinaryOperation) and isinstance(n.operator, (cst.Divide, cst.Multiply, cst.FloorDivide)):
            return True
        if isinstance(n, cst.Call) and method_name(n) in ("div", "div_", "mul", "mul_", "true_divide"):
            return True
    return divisor in code_of(value) or "accum" in code_of(value).lower()


def _backpropagated_name(call: cst.Call) -> str | None:
    """`loss.backward()` / `scaler.scale(loss).backward()` -> "loss"; else None (other APIs scale)."""
    if method_name(call) != "backward" or any(a.keyword is None for a in call.args):
        return None
    recv = receiver(call)
    if isinstance(recv, cst.Call) and method_name(recv) == "scale" and recv.args:
        recv = recv.args[0].value
    if isinstance(recv, cst.Name):
        return recv.value
    if isinstance(recv, cst.Attribute) and isinstance(recv.value, cst.Name) and recv.value.value != "self":
        return code_of(recv)
    return None
