"""RL305 missing-eval-mode: evaluation with Dropout/BatchNorm in training mode, or training left in eval mode."""

import re

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import call_name, dotted, root_name, target_names
from repolens.lint.roles import is_eval_function_name, name_tokens
from repolens.lint.trainflow import (called_name, is_eval_switch,
                                     is_test_path, is_train_switch, is_training_loop, loops_in, switch_owner,
                                     training_loops)
from repolens.lint.trainfacts import MODEL_PARAM_TOKENS
from repolens.lint.traverse import functions_by_name, nodes, walk

_NOT_EVAL_FUNCTIONS = ("_step", "_epoch_end", "_batch_end")  # Lightning hooks: the trainer sets eval mode
# Words of a model that is never trained by gradient and stays in eval mode on purpose: an averaged
# or EMA copy (`swa_model = AveragedModel(model)`), a distillation teacher, a momentum target.
_FROZEN_COPY_WORDS = frozenset({"ema", "swa", "teacher", "averaged", "momentum", "target"})
_FROZEN_COPY_CLASSES = frozenset({"AveragedModel", "ModelEma", "ModelEmaV2", "ModelEmaV3", "EMA",
                                  "ExponentialMovingAverage"})
# Layers whose output does not depend on train/eval mode (a model built only of these trains the
# same in either mode) ...
_MODE_FREE_LAYERS = frozenset({
    "Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "Softplus", "Hardtanh", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d",
    "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "Flatten", "Unflatten", "Identity", "Embedding", "Sequential", "ModuleList",
    "Upsample", "PixelShuffle", "ZeroPad2d"})
# ... and text that says a class has a part whose output does (or, for recurrent layers, whose
# cuDNN backward refuses eval mode: a script that trains an LSTM after `model.eval()` fails).
_MODE_TEXT = re.compile(r"dropout|batch_?norm|drop_?path|dropblock|lstm|gru|rnn|\.training\b", re.I)
# Evaluation alone: a recurrent layer without dropout computes the same in either mode.
_EVAL_MODE_TEXT = re.compile(r"dropout|batch_?norm|drop_?path|dropblock|\.training\b", re.I)
_RECURRENT_LAYERS = frozenset({"LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"})


class MissingEvalMode(Rule):
    """
    ## What it does
    Flags two mistakes with `model.eval()` / `model.train()`:

    1. An evaluation function (named `evaluate`, `validate`, `test`, `eval_epoch` ...) that loops
       over data calling a model it receives as a parameter (`model`, `net`, `encoder` ...), when
       nothing puts that model in eval mode: the function switches no mode of that model (with
       `encoder` and `decoder`, `encoder.eval()` says nothing of `decoder`; a switch of anything
       else, such as `self.eval()`, silences it; a callable named as a wrapper of a switched model,
       `model_inferer` beside `model.eval()`, is that model: MONAI's sliding-window inferer, judged
       wrong three times), and no caller anywhere in the project calls it
       after a `.eval()`. The model must be one whose
       output depends on the mode: its annotation names a project class with Dropout/BatchNorm, or,
       unannotated, the project defines such a class, unless the project model says which model
       every call passes (`ProjectModel.argument_builder`: `model = RNN(...)`, `model =
       model.to(DEVICE)`, `evaluate(model, 'Th', 200)`) and it is a class of this file built only
       of layers whose output ignores the mode, an LSTM/GRU without dropout among them (stat453's
       char-RNN notebooks, whose other lectures' dropout models said nothing of this one: 2 judged
       not worth a change). Calls that pass different models, or a model built elsewhere, leave
       the project's answer in place. Files that load models with
       `from_pretrained` (which returns them in eval mode), unit tests and Lightning hooks
       (`validation_step`: the trainer switches modes) are skipped.
    2. A training loop (backward and an optimizer step) that switches to eval mode (`model.eval()`,
       or a call to a function of this file that does and never switches back) and contains no
       `.train()` call to restore training mode: every later step trains with Dropout off and
       BatchNorm statistics frozen. Each training loop is judged, nested ones too: a
       `model.train()` at the top of the epoch loop does not restore the steps that follow a
       validation inside the batch loop. Not reported for a model that stays in eval mode on
       purpose (an averaged or EMA copy, a teacher, a momentum target: `swa_model =
       AveragedModel(model)`, judged wrong on Person_reID_baseline), nor for an instance of a class
       of the file built only of layers whose output ignores the mode (Linear, Conv, activations,
       pooling; no Dropout, BatchNorm, recurrent layer or `self.training`: pytorch-beginner's MLP
       and CNN, 2 judged not worth a change; its LSTM, whose cuDNN backward refuses eval mode, is
       reported), nor for a frozen feature extractor: every call of the switched model in the loop
       binds its result to names the loop `.detach()`es (CSI's linear evaluation: `_, aux =
       model(images); feats = aux['penultimate'].detach()`, and only the linear head's optimizer
       steps: 2 judged wrong).
    3. A training loop that calls an evaluation function of this file (as in 1, but one that some
       other caller does call after `.eval()`) with the model and no `.eval()` before the call in
       the loop: this call site evaluates in training mode.

    ## Why is this bad?
    In training mode Dropout drops activations at random and BatchNorm normalises with the
    statistics of the current batch and updates its running averages. Evaluating in that mode
    gives noisy, pessimistic metrics that change from run to run (and corrupts BatchNorm's running
    statistics with validation data); training in eval mode silently removes the regularisation.

    ## Example
    ```python
    def evaluate(model: GPT, loader):
        with torch.no_grad():
            for x, y in loader:
                _, loss = model(x, y)
    ```

    ## Use instead
    ```python
    def evaluate(model: GPT, loader):
        model.eval()
        with torch.no_grad():
            for x, y in loader:
                _, loss = model(x, y)
        model.train()
    ```
    """

    code = "RL305"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "missing-eval-mode"
    severity = Severity.ERROR
    tier = "default"
    tier_reason = 'evaluating with dropout/batchnorm in training mode reports wrong metrics (a correctness bug)'
    source = ("PyTorch docs, nn.Module.eval: \"This has an effect only on certain modules ... Dropout, BatchNorm\"; "
              "Zhang et al. 2022 ML code smells; Karpathy, \"A Recipe for Training Neural Networks\"")
    message = "`{model}` is evaluated without model.eval(): Dropout/BatchNorm run in training mode"
    restore_message = "`{switch}` inside the training loop and no `.train()` after it: later steps train in eval mode"
    needles = ("eval", "valid", "test", "Eval", "Valid", "Test")

    _GPT = "import torch\nimport torch.nn as nn\n\nclass GPT(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.drop = nn.Dropout(0.1)\n\n"
    valid = [
        # CSI's linear evaluation: the encoder only extracts features, detached; the head trains
        Example(_GPT + """
def train_linear(model, linear, loader, linear_optim, criterion):
    for images, labels in loader:
        model.eval()
        _, outputs_aux = model(images, penultimate=True)
        penultimate = outputs_aux['penultimate'].detach()
        loss = criterion(linear(penultimate), labels)
        linear_optim.zero_grad()
        loss.backward()
        linear_optim.step()
"""),
        # The inferer wraps the switched model (MONAI's `partial(sliding_window_inference, predictor=model)`).
        Example(_GPT + "def val_epoch(model: GPT, loader, model_inferer=None):\n    model.eval()\n"
                "    for batch in loader:\n        logits = model_inferer(batch)\n"),
        Example(_GPT + """
def evaluate(model: GPT, loader):
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            _, loss = model(x, y)
    model.train()
"""),
        Example(_GPT + """
def evaluate(model, loader):
    for x, y in loader:
        model(x)

def main(model, loader):
    model.eval()
    evaluate(model, loader)
"""),
        Example(_GPT + """
def train(model, loader, optimizer):
    for step, (x, y) in enumerate(loader):
        model(x).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
        if step % 100 == 0:
            model.eval()
            estimate(model)
            model.train()
"""),
        Example("""
import torch

class Plain(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

def evaluate(model: Plain, loader):
    with torch.no_grad():
        for x, y in loader:
            model(x)
"""),
    ]
    invalid = [
        # the same loop without the detach: the encoder trains in eval mode
        Example(_GPT + """
def train_linear(model, linear, loader, linear_optim, criterion):
    for images, labels in loader:
        model.eval()
        _, outputs_aux = model(images, penultimate=True)
        loss = criterion(linear(outputs_aux['penultimate']), labels)
        linear_optim.zero_grad()
        loss.backward()
        linear_optim.step()
"""),
        Example(_GPT + """
def evaluate(model: GPT, loader, device):
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            _, loss = model(x.to(device), y.to(device))
            total += loss.item()
    return total
"""),
        Example(_GPT + """
def validate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(model(x).sum().item() for x, _ in loader)

def fit(model, loader, val_loader, opt):
    model.train()
    for step, (x, y) in enumerate(loader):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        if step % 500 == 0:
            validate(model, val_loader)
"""),
        Example("""
from torchvision import models

def test_epoch(net, loader):
    for images, labels in loader:
        net(images)

net = models.resnet18()
""", files={"model.py": "import torch.nn as nn\nclass Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.bn = nn.BatchNorm1d(8)\n"}),
        # The encoder is switched, the decoder (with dropout) is not.
        Example(_GPT + """
def validate(val_loader, encoder, decoder):
    if encoder is not None:
        encoder.eval()
    with torch.no_grad():
        for imgs, caps in val_loader:
            if encoder is not None:
                imgs = encoder(imgs)
            scores = decoder(imgs, caps)
"""),
        # `model.train()` opens each epoch, but the steps after a validation inside the batch loop
        # train in eval mode.
        Example(_GPT + """
def fit(model, loader, opt, total):
    step = 0
    while True:
        model.train()
        for x, y in loader:
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
            step += 1
            if step % 1000 == 0:
                model.eval()
                print(estimate(model))
"""),
        # `validate` is called after .eval() in the test-only branch, but not from the training loop.
        Example(_GPT + """
def validate(model, loader):
    with torch.no_grad():
        return [model(x) for x, _ in loader]

def main(model, loader, val_loader, opt, test_only):
    if test_only:
        model.eval()
        validate(model, val_loader)
        return
    for step, (x, y) in enumerate(loader):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        if step % 500 == 0:
            validate(model, val_loader)
            model.train()
""", expect=[(24, "`validate(...)` is called from the training loop with `model` in training mode")]),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source)
        self._pretrained = "from_pretrained" in self.context.source
        self._reported: set[int] = set()
        if not self._skip:
            loops = training_loops(node, self.context.source)
            if loops:
                self._functions = functions_by_name(node)
            for outer in loops:
                for loop in (n for n in loops_in(outer) if n is outer or is_training_loop(n)):
                    self._check_restore(loop)
                    self._check_eval_calls(loop)

    # -- 1. evaluation without eval mode --------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        if self._skip or self._pretrained or not is_eval_function_name(name) or name.startswith("on_") \
                or name.endswith(_NOT_EVAL_FUNCTIONS) or name in self.facts.eval_mode_callees:
            return
        if "predict" in name_tokens(name) or "inference" in name_tokens(name):
            return  # inference helpers are often handed a model already in eval mode
        models = {p.name.value: p for i, p in enumerate(node.params.params)
                  if any(t in p.name.value.lower() for t in MODEL_PARAM_TOKENS) and self._stochastic(p, name, i)}
        models.update({p.name.value: p for p in node.params.kwonly_params
                       if any(t in p.name.value.lower() for t in MODEL_PARAM_TOKENS) and self._stochastic(p, name, -1)})
        if not models:  # checked before any walk of the body: most functions take no model
            return
        own = list(nodes(node.body))
        switches = [n for n in own if isinstance(n, cst.Call) and (is_eval_switch(n) or is_train_switch(n))]
        if any(isinstance(n, cst.Call) and _is_backward(n) for n in own):
            return
        owners = {switch_owner(n) for n in switches}
        if not owners <= set(models):
            return  # a switch of something else (`self.eval()`, a wrapper): it may cover the models
        # each model its own switch; a callable named as a wrapper of a switched one is that model
        # (MONAI's `model_inferer = partial(sliding_window_inference, predictor=model)`: judged wrong three times)
        models = {name: p for name, p in models.items() if name not in owners and not _wraps(name, owners)}
        for loop in (n for n in own if isinstance(n, (cst.For, cst.While, cst.CompFor))):
            body = loop.body if not isinstance(loop, cst.CompFor) else None
            scope = body if body is not None else node.body
            for call in (c for c in nodes(scope) if isinstance(c, cst.Call)):
                if isinstance(call.func, cst.Name) and call.func.value in models:
                    self.report(call, self.message.format(model=call.func.value))
                    return

    def _stochastic(self, param: cst.Param, function: str, index: int) -> bool:
        """Does the model's output depend on train/eval mode, as far as the project shows? Per
        model where the project model says which one every call passes (`model = RNN(...)` then
        `evaluate(model, 'Th', 200)`, an RNN of this file built of an Embedding, an LSTM and a
        Linear: stat453's char-RNN notebooks, 2 judged not worth a change); otherwise for the
        project (any class of it with Dropout/BatchNorm)."""
        if param.annotation is not None:
            written = dotted(param.annotation.annotation) or ""
            annotated = written.rsplit(".", 1)[-1]
            if self.class_kind(written) == "module" or annotated in self.facts.stochastic_classes:
                return annotated in self.facts.stochastic_classes
        built = self.facts.model.argument_builder(self.context.path, function, index, param.name.value)
        found = self.facts.model.resolve(built, self.context.path) if built is not None else None
        if found is not None and found.kind == "class" and found.rel == self.context.path \
                and self._mode_free_class(found.name, evaluation=True):
            return False
        return bool(self.facts.stochastic_classes)

    # -- 2. eval mode never restored inside a training loop ----------------------------------------
    def _check_restore(self, loop: cst.For | cst.While) -> None:
        switch: cst.Call | None = None
        for n in walk(loop.body):
            if not isinstance(n, cst.Call):
                continue
            if is_train_switch(n):
                return
            name = called_name(n)
            if name and "train" in name.lower():
                return  # a helper named for training may switch back; unknown
            if is_eval_switch(n):
                switch = switch or n
            elif name in self._functions:
                bodies = [c for f in self._functions[name] for c in walk(f.body) if isinstance(c, cst.Call)]
                if any(is_train_switch(c) for c in bodies):
                    return
                if any(is_eval_switch(c) for c in bodies):
                    switch = switch or n
        if switch is not None and id(switch) not in self._reported and not self._separate_copy(switch, loop) \
                and not self._frozen_copy(switch) and not self._mode_free(switch) \
                and not _feature_extractor(switch_owner(switch), loop):
            self._reported.add(id(switch))
            self.report(switch, self.restore_message.format(switch=_code(switch)))

    def _bound_call(self, owner: str | None) -> cst.Call | None:
        """The call `owner` is bound to in this file (`model = Cnn(1, 10)`), when it is one."""
        if not owner or self.context.module is None:
            return None
        for n in walk(self.context.module):
            if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call) and any(
                    isinstance(t.target, cst.Name) and t.target.value == owner for t in n.targets):
                return n.value
        return None

    def _frozen_copy(self, switch: cst.Call) -> bool:
        """The switched model is never trained by gradient: an averaged / EMA copy or a teacher
        (`swa_model = AveragedModel(model)`; `swa_model.eval()` before its no-grad forward: judged
        wrong on Person_reID_baseline), which stays in eval mode on purpose."""
        owner = switch_owner(switch)
        if owner and set(name_tokens(owner)) & _FROZEN_COPY_WORDS:
            return True
        bound = self._bound_call(owner)
        return bound is not None and call_name(bound) in _FROZEN_COPY_CLASSES

    def _mode_free(self, switch: cst.Call) -> bool:
        """The switched model is an instance of a class of this file built only of layers whose
        output does not depend on the mode (Linear, Conv, ReLU, pooling: no Dropout, BatchNorm or
        recurrent layer, no `self.training`; a layer only named in an `isinstance` test of an init
        method is none): training it in eval mode changes nothing (pytorch-beginner's MLP and CNN
        scripts, TingsongYu's LeNet: 4 judged findings, not worth a change)."""
        bound = self._bound_call(switch_owner(switch))
        return bound is not None and self._mode_free_class(call_name(bound) or "", evaluation=False)

    def _mode_free_class(self, name: str, evaluation: bool) -> bool:
        """`name` is a class of this file built only of layers whose output ignores the mode (see
        `_mode_free`); for `evaluation` alone, recurrent layers without dropout count among them."""
        if self.context.module is None:
            return False
        classes = [n for n in walk(self.context.module) if isinstance(n, cst.ClassDef) and n.name.value == name]
        if len(classes) != 1:
            return False
        code = self.context.module.code_for_node(classes[0])
        for test in (n for n in walk(classes[0]) if isinstance(n, cst.Call) and call_name(n) == "isinstance"):
            # an init method's `isinstance(m, nn.BatchNorm2d)` names a layer, it builds none (TingsongYu's
            # LeNet `initialize_weights`: judged not worth)
            code = code.replace(self.context.module.code_for_node(test), "")
        if (_EVAL_MODE_TEXT if evaluation else _MODE_TEXT).search(code):
            return False
        free = _MODE_FREE_LAYERS | _RECURRENT_LAYERS if evaluation else _MODE_FREE_LAYERS
        for call in (n for n in walk(classes[0]) if isinstance(n, cst.Call)):
            callee = call_name(call) or ""
            if callee[:1].isupper() and callee not in free:
                return False  # a block of its own or a library model: its parts are unknown here
        bases = {dotted(b.value) for b in classes[0].bases}
        return bool(bases) and bases <= {"nn.Module", "torch.nn.Module", "Module"}

    @staticmethod
    def _separate_copy(switch: cst.Call, loop: cst.For | cst.While) -> bool:
        """The switch puts a model in eval mode that the loop never calls: a separate copy built for
        evaluation (`eval_model = Yolov4(...)`, `eval_model.load_state_dict(model.state_dict())`,
        `evaluate(eval_model, ...)`), while the trained model (`model(images)`) stays in training mode."""
        called = {dotted(n.func) for n in walk(loop.body) if isinstance(n, cst.Call)} - {None}
        if isinstance(switch.func, cst.Attribute) and switch.func.attr.value == "eval":
            involved = {dotted(switch.func.value)}
        else:
            involved = {dotted(a.value) for a in switch.args if isinstance(a.value, (cst.Name, cst.Attribute))}
        involved.discard(None)
        return bool(involved) and not involved & called


    # -- 3. an evaluation function called from the training loop in training mode ---------------
    def _check_eval_calls(self, loop: cst.For | cst.While) -> None:
        """Only for evaluation functions that 1. leaves alone because another caller switches first."""
        if self._pretrained or not self.facts.stochastic_classes:
            return
        for n in walk(loop.body):
            if not isinstance(n, cst.Call):
                continue
            if is_eval_switch(n):
                return  # switched before the call (or the restore check speaks)
            name = called_name(n)
            if not name or name not in self.facts.eval_mode_callees or not is_eval_function_name(name) \
                    or name not in self._functions or id(n) in self._reported:
                continue
            models = [a.value.value for a in n.args if isinstance(a.value, cst.Name)
                      and any(t in a.value.value.lower() for t in MODEL_PARAM_TOKENS)]
            bodies = [c for f in self._functions[name] for c in walk(f.body) if isinstance(c, cst.Call)]
            if models and not any(is_eval_switch(c) or is_train_switch(c) for c in bodies):
                self._reported.add(id(n))
                self.report(n, f"`{name}(...)` is called from the training loop with `{models[0]}` in training mode "
                               f"(no .eval() before it here, none inside it): Dropout/BatchNorm run in training mode")
                return


# Words that name a callable wrapping a model rather than another model: `model_inferer`, `net_fn`.
_WRAPPER_WORDS = frozenset({"inferer", "infer", "inference", "fn", "func", "wrapper", "predictor", "forward", "runner"})


def _wraps(name: str, owners: set[str | None]) -> bool:
    """`model_inferer` wraps `model` (switched): the name holds a switched model's words and a wrapper word."""
    words = set(name_tokens(name))
    return bool(words & _WRAPPER_WORDS) and any(o and set(name_tokens(o)) <= words for o in owners)


def _is_backward(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "backward"


def _code(call: cst.Call) -> str:
    return cst.Module([]).code_for_node(call).split("\n", 1)[0]


def _feature_extractor(owner: str | None, loop: cst.For | cst.While) -> bool:
    """The switched model only extracts features for another to train on: every call of it in the
    loop binds its result to names that the loop detaches before use (`_, aux = model(images);
    feats = aux['penultimate'].detach()`: CSI's linear evaluation, whose optimizer holds only the
    linear head's parameters; two judged wrong). Its gradient is cut, so it never trains, and eval
    mode is what a frozen extractor wants."""
    if not owner:
        return False
    assigns = [n for n in walk(loop.body) if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call)
               and dotted(n.value.func) == owner]
    calls = [n for n in walk(loop.body) if isinstance(n, cst.Call) and dotted(n.func) == owner]
    if not calls or {id(c) for c in calls} != {id(a.value) for a in assigns}:
        return False  # a call whose result is used as it comes, not bound and detached
    bound = {name for a in assigns for t in a.targets for name in target_names(t.target)}
    if any(not target_names(t.target) for a in assigns for t in a.targets):
        return False  # `self.feats = model(x)`: an attribute, not followed
    detached = {root_name(n.func.value) for n in walk(loop.body)
                if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "detach"}
    return bound <= detached | {"_"}
