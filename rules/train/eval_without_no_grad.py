"""RL304 eval-without-no-grad: an evaluation loop that records the autograd graph."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import argument, dotted, has_star_args, literal, method_name, receiver
from repolens.lint.inputscale import small_images
from repolens.lint.trainflow import (grad_off_decorated, grad_off_with, is_eval_switch, is_test_path, is_train_switch,
                                     sets_grad_by_flag, sets_grad_off)
from repolens.lint.traverse import children_of, nodes, walk


class EvalWithoutNoGrad(Rule):
    """
    ## What it does
    Flags a function that puts a model in eval mode (`model.eval()`, `model.train(False)`) and
    then, in a loop, calls that model outside `torch.no_grad()` / `torch.inference_mode()`.
    The function is skipped when it is decorated with `@torch.no_grad()` /
    `@torch.inference_mode()`, calls `torch.set_grad_enabled(False)` or `torch.set_grad_enabled(flag)`
    (`split == 'train'`: pytorch-made's `run_epoch`, judged wrong), makes its inputs with
    `Variable(x, volatile=True)` (PyTorch < 0.4's no-grad, which the code was written for:
    kuangliu's pytorch-retinanet, practical-pytorch; judged wrong and not worth), computes gradients on
    purpose in that loop (`backward`, `autograd.grad`, `requires_grad`: saliency maps,
    adversarial evaluation), when it turns `requires_grad` off on every parameter of the model
    (`model.requires_grad_(False)`, or `v.requires_grad = False` over `model.named_parameters()`:
    SCUNet's test scripts; judged wrong three times: with no parameter and no input
    needing a gradient autograd records nothing; likewise a model every call fills with an instance
    of a class whose `__init__` freezes all its parameters: pytorch-fid's `InceptionV3`, vendored
    in ncsnv2's FID code, judged wrong), or when some file of the project calls it (by name) inside a no-grad
    block or a no-grad function (`ProjectFacts.no_grad_callees`: a `test()` method the training
    script runs under `with torch.no_grad():`; before the sixth session only this file's callers
    were seen, a limit the docs named), or a function such a callee hands the model on to, also
    from a closure it returns (CSI's eval.py runs `eval_ood_detection(P, model, ...)` under
    `torch.no_grad()`, which scores through `compute_ood_score(P, model, ...)`: judged wrong). A
    function of the same name called that way elsewhere silences it too. A training step that puts frozen parts of the model in eval mode is no
    evaluation: after the first eval switch the function calls `backward` and an optimizer `step`
    and switches nothing back to training (continual-learning's `train_a_batch`:
    `self.convE.eval()` keeps a frozen encoder's BatchNorm fixed; judged wrong, eighth session).
    Nor is it reported where the graph is small: in a file with no GPU evidence in it or within two
    imports of it (a CPU lecture script), or where every stated image side is at most 64 px or the
    script steps a reinforcement-learning environment (`repolens.lint.inputscale`). On judged real
    code, the findings in CPU-only MNIST lecture scripts and in a DQN's per-step evaluation were
    not worth a change; those on ImageNet/CIFAR validation, a 5000-step BPTT evaluation and 256 px
    GAN sampling were.

    ## Why is this bad?
    `model.eval()` only switches Dropout and BatchNorm; it does not stop autograd. Every forward
    pass keeps its activations for a backward pass that never comes: evaluation uses several
    times the memory it needs (smaller batches, or out-of-memory errors) and runs slower.

    ## Example
    ```python
    def evaluate(model, loader):
        model.eval()
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct
    ```

    ## Use instead
    ```python
    @torch.no_grad()
    def evaluate(model, loader):
        model.eval()
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct
    ```
    """

    code = "RL304"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "eval-without-no-grad"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'evaluation with autograd on wastes memory and time for nothing: a clear performance win'
    source = ("PyTorch docs, Autograd mechanics \"Locally disabling gradient computation\": use no_grad / "
              "inference_mode for evaluation; Zhang et al. 2022, ML code smells")
    message = "`{model}` runs in an evaluation loop outside torch.no_grad()/inference_mode(): activations are kept for a backward that never comes"
    needles = (".eval()", ".train(False)", ".train(mode=False)")

    valid = [
        # Every parameter frozen before the loop (SCUNet's main_test scripts): autograd records nothing.
        Example("""
import torch


def main(model, paths):
    model.eval()
    for k, v in model.named_parameters():
        v.requires_grad = False
    model = model.cuda()
    for path in paths:
        img_E = model(load(path).cuda())
        save(img_E, path)
"""),
        # autograd switched by the split (pytorch-made's run_epoch)
        Example("""
import torch


def run_epoch(model, split, loader):
    torch.set_grad_enabled(split == 'train')
    model.train() if split == 'train' else model.eval()
    for xb in loader:
        xbhat = model(xb.cuda())
"""),
        # PyTorch 0.3 code: volatile inputs are its no_grad (kuangliu's pytorch-retinanet).
        Example("""
import torch
from torch.autograd import Variable


def test(epoch, net, testloader, criterion):
    net.eval()
    for inputs, loc_targets, cls_targets in testloader:
        inputs = Variable(inputs.cuda(), volatile=True)
        loc_preds, cls_preds = net(inputs)
        loss = criterion(loc_preds, loc_targets, cls_preds, cls_targets)
"""),
        Example("""
import torch

@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    for x, y in loader:
        out = model(x)

def validate(model, loader):
    model.eval()
    with torch.inference_mode():
        for x, y in loader:
            out = model(x)
"""),
        Example("""
import torch

def saliency(model, loader):
    model.eval()
    for x, y in loader:
        x.requires_grad_(True)
        model(x).max().backward()

def test(net, loader):
    net.eval()
    for x, _ in loader:
        yield net(x)

def main(model, loader):
    with torch.no_grad():
        list(test(model, loader))
"""),
        Example("""
from torch import no_grad as ng

def evaluate(model, loader):
    model.eval()
    for x, y in loader:
        with ng():
            out = model(x)
"""),
    ]
    invalid = [
        Example("""
import torch

def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        out = model(x.cuda())
        correct += (out.argmax(1) == y).sum().item()
    return correct
"""),
        Example("""
import torch as t

class Trainer:
    def validate(self):
        self.model.eval()
        with t.no_grad():
            warm = self.model(self.example)
        for batch in self.val_loader:
            self.model(batch.cuda())
"""),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source)
        self._scale: bool | None = None  # asked once a finding is due

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # a function some file of the project calls inside a no-grad block or a no-grad function
        # (`ProjectFacts.no_grad_callees`: this file's callers and the other files')
        if self._skip or grad_off_decorated(self, node) or node.name.value in self.facts.no_grad_callees:
            return
        own = list(nodes(node.body))
        switches = [n for n in own if is_eval_switch(n)]
        if not switches or sets_grad_off(self, node.body):
            return
        models = {dotted(n.func.value) for n in switches} - {None}
        if _freezes(own, models) or self._frozen_class(node, models):
            return  # every parameter has requires_grad=False and the inputs need none: autograd records nothing
        first = own.index(switches[0])
        if _freezes_parts_for_training(own, first, models):
            return
        shielded = {id(d) for w in own if isinstance(w, cst.With) and self._shields(w) for d in walk(w)}
        for loop in (n for n in own[first:] if isinstance(n, (cst.For, cst.While)) and id(n) not in shielded):
            if _computes_gradients(list(nodes(loop.body))):
                continue  # gradients on purpose: saliency, adversarial evaluation
            call = self._first_model_call(loop.body, models)
            if call is not None:
                if not self._at_scale():
                    return
                self.report(call, self.message.format(model=dotted(call.func)))
                return

    def _frozen_class(self, fn: cst.FunctionDef, models: set[str]) -> bool:
        """Every evaluated model is a parameter filled, at each call, with an instance of a class
        that freezes all its parameters in `__init__` (`ProjectFacts.frozen_classes`): pytorch-fid's
        `get_activations(files, model)`, whose model `calculate_fid_given_paths` builds as
        `InceptionV3([block_idx])` and hands down through two functions of the file (ncsnv2, judged
        wrong). What builds the argument is read by the project model; a parameter passed on is
        followed up through this file's module-level callers, three calls at most."""
        frozen = self.facts.frozen_classes
        module = self.context.module
        if not frozen or not models or module is None:
            return False
        own = {stmt.name.value: stmt for stmt in module.body if isinstance(stmt, cst.FunctionDef)}

        def filled_frozen(function: str, param: str, depth: int) -> bool:
            fdef = own.get(function)
            params = [p.name.value for p in fdef.params.params] if fdef is not None else []
            if param not in params:
                return False
            index = params.index(param)
            built = self.facts.model.argument_builder(self.context.path, function, index, param)
            if built is not None:
                return built.rsplit(".", 1)[-1] in frozen
            if depth == 0:
                return False
            handed: list[tuple[str, str]] = []  # (calling function, its parameter passed on)
            for name, caller in own.items():
                caller_params = {p.name.value for p in caller.params.params}
                for call in walk(caller.body):
                    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == function):
                        continue
                    arg = None if has_star_args(call) else argument(call, param, index)
                    if arg is None or not (isinstance(arg.value, cst.Name) and arg.value.value in caller_params):
                        return False
                    handed.append((name, arg.value.value))
            return bool(handed) and all(filled_frozen(g, q, depth - 1) for g, q in handed)

        return all(filled_frozen(fn.name.value, m, 3) for m in models)

    def _at_scale(self) -> bool:
        """Is the wasted graph worth a line here? Not in a file that never reaches a GPU (a CPU
        lecture script), nor where every stated image side is at most 64 px or the data are a
        reinforcement-learning agent's states (MNIST batches, one observation per step): there the
        graph of one batch is kilobytes to a few megabytes and is freed at the next iteration."""
        if self._scale is None:
            self._scale = self.facts.uses_cuda_at(self.context.path) and not small_images(self)
        return self._scale

    def _shields(self, node: cst.With) -> bool:
        """`with torch.no_grad():`, or `with torch.set_grad_enabled(phase == "train"):` (the
        transfer-learning tutorial's loop over both phases: autograd is off in its evaluation phase)."""
        return grad_off_with(self, node) or any(sets_grad_by_flag(self, item.item) for item in node.items)

    def _first_model_call(self, body: cst.CSTNode, models: set[str]) -> cst.Call | None:
        stack: list[cst.CSTNode] = [body]
        while stack:
            n = stack.pop()
            if isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(n, cst.With) and self._shields(n):
                continue
            if isinstance(n, cst.Call):
                name = dotted(n.func)
                if name and any(name == m or m.startswith(name + ".") for m in models):
                    return n
            stack.extend(reversed(children_of(n)))
        return None


def _freezes(own: list[cst.CSTNode], models: set[str]) -> bool:
    """The function turns off `requires_grad` on the evaluated model's parameters: `model.requires_grad_(False)`
    or `for k, v in model.named_parameters(): v.requires_grad = False` (SCUNet's test scripts)."""
    for n in own:
        if isinstance(n, cst.Call) and method_name(n) == "requires_grad_" and dotted(receiver(n)) in models \
                and n.args and literal(n.args[0].value) is False:
            return True
        if isinstance(n, cst.For) and isinstance(n.iter, cst.Call) \
                and method_name(n.iter) in ("parameters", "named_parameters") and dotted(receiver(n.iter)) in models:
            # unconditionally, for every parameter (`if not name.startswith("fc."):` freezes a part only)
            body = n.body.body if isinstance(n.body, cst.IndentedBlock) else (n.body,)
            for line in body:
                for a in (line.body if isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else ()):
                    if isinstance(a, cst.Assign) and literal(a.value) is False and any(
                            isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad"
                            for t in a.targets):
                        return True
    return False


def _freezes_parts_for_training(own: list[cst.CSTNode], first: int, models: set[str]) -> bool:
    """A training step that puts the model in train mode and then parts of it in eval mode:
    `self.train()`, `self.convE.eval()` (a frozen encoder's BatchNorm stays fixed), then a
    backward and an optimizer's step (continual-learning's `train_a_batch`)."""
    before = [dotted(receiver(n)) for n in own[:first] if is_train_switch(n)]
    if not before or not all(any(m.startswith(f"{b}.") for b in before if b) for m in models):
        return False
    after = [n for n in own[first:] if isinstance(n, cst.Call)]
    return any(method_name(c) == "backward" for c in after) and any(
        method_name(c) == "step" and "optim" in (dotted(receiver(c)) or "").lower() for c in after)


def _computes_gradients(own: list[cst.CSTNode]) -> bool:
    for n in own:
        if isinstance(n, cst.Call):
            name = method_name(n) or dotted(n.func) or ""
            if name in ("backward", "requires_grad_", "manual_backward") or name.endswith("autograd.grad"):
                return True
            if name == "grad" and "autograd" in (dotted(n.func) or ""):
                return True
        if isinstance(n, cst.Attribute) and n.attr.value in ("requires_grad", "grad"):
            return True
        if isinstance(n, cst.Name) and n.value in ("enable_grad",):
            return True
    return False
