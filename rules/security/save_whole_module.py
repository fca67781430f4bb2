"""RL502 save-whole-module: `torch.save(model)` pickles the module object instead of its weights."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import assigned_values
from repolens.lint.checkpoints import SETTINGS_NAMES, reads_as_module
from repolens.lint.helpers import argument, last_segment
from repolens.lint.scoped import ScopedRule
from repolens.lint.trainflow import called_name
from repolens.lint.traverse import nodes, walk

_CHECKPOINT = """
import torch
def main(args, model, ema, opt, checkpoint_dir):
    for train_steps in range(args.steps):
        if train_steps % args.ckpt_every == 0:
            checkpoint = {{
                "model": {model},
                "ema": ema.state_dict(),
                "opt": opt.state_dict(),
                "args": args,
            }}
            torch.save(checkpoint, f"{{checkpoint_dir}}/{{train_steps:07d}}.pt")
"""


# The project's loader, reading a state dict (the rule speaks where a project loads what it saves).
_LOADS = {"evaluate.py": "import torch\nmodel = Net()\nmodel.load_state_dict(torch.load('checkpoints/best.pt'))\n"}


class SaveWholeModule(ScopedRule):
    """
    ## What it does
    Flags `torch.save(obj, path)` whose `obj` is a model object rather than its `state_dict()`:
    a name whose last segment reads as a module (`model`, `self.net`, `netG`, `generator`,
    `encoder`, `resnet`, `lstm` ...) and not as weights or outputs (`model_state`, `net_dict`, `ckpt`, `outputs`),
    or a class of the project known to be an `nn.Module` built in the call
    (`torch.save(Net(), path)`); `model.module` (the module a DistributedDataParallel wraps) reads
    as its receiver does. A checkpoint dict is read too, written in the call or bound to the
    saved name in the same function (`checkpoint = {"model": model.module, "opt": opt.state_dict()}`
    then `torch.save(checkpoint, path)`, as DiT's training loop would be with the `.state_dict()`
    forgotten): each value that reads as a module is reported. `x.state_dict()` and
    `.module.state_dict()` values are fine.

    Tried on real code (22 research/tutorial repositories of the benchmark corpus, plus timm's
    train.py, pytorch-cifar100, resnet-cifar10, CutMix and sgrvinod's super-resolution tutorial):
    8 findings, all right: `torch.save(model, f)` in awd-lstm-lm's finetune.py and
    `torch.save(resnet, ...)` in yunjey's basics tutorial, and checkpoint dicts holding the modules
    in sgrvinod's captioning (`encoder`, `decoder`), object-detection (`model`) and
    super-resolution (`model`, `generator`, `discriminator`) tutorials, whose own loading code
    reads `checkpoint['model']` and breaks under torch >= 2.6's `weights_only=True`.

    Not in a project that loads whole modules back (`ProjectFacts.loads_modules`: some file calls
    what `torch.load` returned, or a method only a module has on it: `model = torch.load(f)` then
    `model.eval()`, YOLOv7's `torch.load(w)["model"].float().fuse().eval()`, a char-RNN tutorial's
    `rnn = torch.load(path)` then `rnn(x, hidden)`, or restores it as an attribute named for a model,
    `self.model = state_dict['model']`: Bayesian-Neural-Networks' `BaseNet.load`, eleven findings
    on its copies judged not worth in the thirty-third set): there the whole-module pickle is the project's
    format, saved and read by design, and changing one save breaks its loaders. On the judged
    repositories those findings split 4 worth a change (sgrvinod's tutorials and awd-lstm-lm, for
    portability and torch >= 2.6) to 5 not (YOLOv7, practical-pytorch: the format is deliberate),
    which is no default finding. What the rule keeps is the inconsistent save: a module pickled
    where every load of the project reads a state dict (`net.load_state_dict(torch.load(path))`),
    which breaks the project's own loader. Nor is a parameter reported whose every caller in the
    file passes weights (`save_checkpoint(info, model.module.state_dict(), ...)` into
    `def save_checkpoint(info, model, optim, ...)`: vqa.pytorch, judged wrong twice). Nor in a
    project that loads nothing back (no
    `torch.load` anywhere): its saves are outputs for someone else's code, and no loader of the
    project breaks (bamos/densenet.pytorch pickles the DenseNet each epoch and never reads it;
    judged not worth a change). A field of the run's settings is no module (`'model': args.model`,
    the architecture's name in AugMix's checkpoints: judged wrong twice), nor is a name the
    function assigns items into, saved as it is or as a value of the checkpoint dict (`model =
    package['model']; model['state'] = best`: denoiser, judged wrong; liif's `model_spec =
    config['model']; model_spec['sd'] = model_.state_dict()` then `{'model': model_spec, ...}`:
    judged wrong), nor an attribute the file reads by a string key (`self.gpt2_encoder["vocab"]`: the
    vocabulary of microsoft/LoRA's copy of the DeBERTa tokenizer, saved whole; judged wrong once), nor
    a dict value bound in the function to what no module is (deep_gcns_torch's
    `model_cpu = {k: v.cpu() for k, v in model.state_dict().items()}`, then `{'state_dict':
    model_cpu, ...}`: judged wrong four times).

    ## Why is this bad?
    `torch.save(model)` pickles the module object: loading it needs the exact class at the same
    import path (a renamed file or moved class breaks every checkpoint), and since PyTorch 2.6
    `torch.load` refuses it unless the caller passes `weights_only=False`, which executes
    arbitrary code from the file (RL501). The PyTorch tutorial's recommended format is the
    `state_dict()`, loaded into a freshly built model.

    ## Example
    ```python
    torch.save(model, "checkpoints/best.pt")
    ```

    ## Use instead
    ```python
    torch.save(model.state_dict(), "checkpoints/best.pt")
    # later
    model = Net()
    model.load_state_dict(torch.load("checkpoints/best.pt", weights_only=True))
    ```

    No autofix: the code that loads the file has to change with it.
    """

    code = "RL502"
    quiet_in_dead_code = True
    name = "save-whole-module"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = ("a pickled module breaks when code moves and forces weights_only=False to load: experts "
                   "save the state_dict")
    source = "PyTorch tutorial 'Saving and Loading Models': 'save/load state_dict (recommended)'"
    message = "torch.save of the module `{name}` itself: pickles the class; save `{name}.state_dict()` instead"
    dict_message = ("checkpoint dict holds the module `{name}` itself: torch.save pickles the class; store "
                    "`{name}.state_dict()` instead")
    needles = ("save",)

    valid = [
        # Nothing in the project loads a checkpoint (bamos/densenet.pytorch): no loader of its own breaks.
        Example("import torch\nfor epoch in range(300):\n    train(epoch)\n    torch.save(net, 'latest.pth')\n"),
        # A loaded state dict under a module-like name, rewritten and saved (BasicSR's convert_models.py).
        Example("import torch\ndef convert(save_path):\n    crt_net = torch.load('net_g.pth')\n"
                "    for k in list(crt_net):\n        crt_net[k.replace('module.', '')] = crt_net.pop(k)\n"
                "    torch.save(crt_net, save_path)\n"),
        # The project reads its checkpoints back as modules (practical-pytorch's char-RNN): its format.
        Example("import torch\ndef save(rnn):\n    torch.save(rnn, 'char-rnn-classification.pt')\n",
                files={"predict.py": "import torch\nrnn = torch.load('char-rnn-classification.pt')\n"
                                     "def evaluate(line_tensor):\n    hidden = rnn.initHidden()\n"
                                     "    return rnn(line_tensor, hidden)\n"}),
        Example("import torch\ntorch.save(model.state_dict(), 'm.pt')\n"
                "torch.save({'model': model.state_dict(), 'epoch': 3}, 'ckpt.pt')\n"
                "torch.save(model_state, 'w.pt')\ntorch.save(outputs, 'preds.pt')\n"),
        Example("import pickle\npickle.dump(model, f)\nmodel.save('x')\n"),
        Example(_CHECKPOINT.format(model="model.module.state_dict()")),
        # cleanrl: the name says model, the value is a dict of weights and settings
        Example("import torch\ndef save(q_network, args, model_path):\n"
                "    model_data = {'model_weights': q_network.state_dict(), 'args': vars(args)}\n"
                "    torch.save(model_data, model_path)\n"),
        # a tutorial showing both ways side by side (yunjey/pytorch-tutorial's basics)
        Example("import torch\nimport torchvision\nresnet = torchvision.models.resnet18(pretrained=True)\n"
                "# Save and load the entire model.\ntorch.save(resnet, 'model.ckpt')\nmodel = torch.load('model.ckpt')\n"
                "# Save and load only the model parameters (recommended).\n"
                "torch.save(resnet.state_dict(), 'params.ckpt')\nresnet.load_state_dict(torch.load('params.ckpt'))\n"),
        # a state dict copied to the CPU under a module-like name (deep_gcns_torch's save_ckpt)
        Example("import torch\ndef save_ckpt(model, optimizer, epoch, filename):\n"
                "    model_cpu = {k: v.cpu() for k, v in model.state_dict().items()}\n"
                "    state = {'epoch': epoch, 'model_state_dict': model_cpu, 'optimizer_state_dict': optimizer.state_dict()}\n"
                "    torch.save(state, filename)\n", files=_LOADS),
        # an attribute read by string keys is a mapping (microsoft/LoRA's DeBERTa tokenizer's vocabulary)
        Example("import torch\nclass GPT2Tokenizer:\n    def __init__(self, vocab_file):\n"
                "        self.gpt2_encoder = load_vocab(vocab_file)\n"
                "        self.bpe = get_encoder(self.gpt2_encoder['encoder'], self.gpt2_encoder['vocab'])\n"
                "    def save_pretrained(self, path):\n        torch.save(self.gpt2_encoder, path)\n", files=_LOADS),
        # data named for the model that made it (tabular-dl-revisiting-models: targets an MLP produced)
        Example("import torch\nx, y_tree, y_mlp = get_data(args)\n"
                "torch.save({'x': x, 'y_tree': y_tree, 'y_mlp': y_mlp}, output / 'data.pt')\n", files=_LOADS),
    ]
    invalid = [
        Example("import torch\ntorch.save(model, 'checkpoints/best.pt')\n", files=_LOADS),
        Example("import torch as T\nclass Trainer:\n    def save(self):\n        T.save(self.netG, self.path)\n", files=_LOADS),
        Example(_CHECKPOINT.format(model="model.module"), files=_LOADS),
        Example("import torch\ntorch.save(dict(epoch=epoch, net=self.net, optimizer=optimizer.state_dict()), path)\n", files=_LOADS),
        # the captioning tutorial's utils.py: one dict, saved twice (reported once per module value)
        Example("import torch\ndef save_checkpoint(epoch, encoder, decoder, is_best):\n"
                "    state = {'epoch': epoch, 'encoder': encoder, 'decoder': decoder}\n"
                "    torch.save(state, 'checkpoint.pth.tar')\n    if is_best:\n"
                "        torch.save(state, 'BEST_checkpoint.pth.tar')\n", expect=((3, "`encoder`"), (3, "`decoder`")), files=_LOADS),
    ]

    def __init__(self, context, options=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self._reported: set[int] = set()  # dict values already reported (one dict, saved twice)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, "torch.save") or self.facts.loads_modules or not self.facts.loads_checkpoints:
            return  # whole modules loaded back: the project's format; nothing loaded back: no loader it breaks
        obj = argument(node, "obj", 0)
        if obj is None:
            return
        value = obj.value
        if isinstance(value, cst.Call):
            last = last_segment(value.func) or ""
            if self.class_kind(value.func) == "module":
                self.report(node, self.message.format(name=f"{last}()"))
            elif self.is_name(value.func, "dict"):
                self._check_checkpoint(value)
            return
        if isinstance(value, cst.Dict):
            self._check_checkpoint(value)
            return
        if isinstance(value, cst.Name):
            scope = self.enclosing_scope
            bound_values = assigned_values(scope, value.value)
            for bound in bound_values:
                if isinstance(bound, cst.Dict) or isinstance(bound, cst.Call) and self.is_name(bound.func, "dict"):
                    self._check_checkpoint(bound)
            if any(self._not_a_module(bound) for bound in bound_values):
                return  # `model_data = {"model_weights": q.state_dict(), ...}`: the name misleads, the value says
            if self._callers_pass_weights(value.value):
                return  # `save_checkpoint(info, model.module.state_dict(), ...)`: the parameter holds weights
            if _items_assigned(scope, value.value):
                return  # `model = package["model"]; model["state"] = best`: a mapping (denoiser: judged wrong)
        if isinstance(value, cst.Attribute) and self._read_by_key(value):
            return  # `self.gpt2_encoder["vocab"]` elsewhere in the file: a mapping (LoRA's DeBERTa tokenizer; judged wrong)
        if isinstance(value, (cst.Name, cst.Attribute)) and _reads_as_module(value) \
                and not self._also_saves_state_dict(value):
            self.report(node, self.message.format(name=self._shown(value)))

    def _callers_pass_weights(self, name: str) -> bool:
        """`name` is a parameter of the enclosing function, and every call of that function in this
        file passes a value no module is (`model.module.state_dict()`: vqa.pytorch's
        `save_checkpoint(info, model, optim, ...)`; judged wrong twice)."""
        fn = self.current_function
        module = self.context.module
        if fn is None or module is None:
            return False
        params = [p.name.value for p in fn.params.params]
        if name not in params:
            return False
        index = params.index(name) - (1 if params[0] in ("self", "cls") else 0)
        passed = []
        for call in walk(module):
            if isinstance(call, cst.Call) and called_name(call) == fn.name.value:
                arg = argument(call, name, index)
                if arg is None:
                    return False
                passed.append(arg.value)
        return bool(passed) and all(self._not_a_module(v) for v in passed)

    def _also_saves_state_dict(self, value: cst.Name | cst.Attribute) -> bool:
        """The same scope also saves `value.state_dict()`: both formats side by side, on purpose (a
        tutorial showing the two ways, a release script writing both)."""
        scope = self.enclosing_scope
        shown = self._shown(value)
        for call in nodes(scope):
            if isinstance(call, cst.Call) and self.is_name(call.func, "torch.save"):
                obj = argument(call, "obj", 0)
                if obj is not None and isinstance(obj.value, cst.Call) and last_segment(obj.value.func) == "state_dict" \
                        and isinstance(obj.value.func, cst.Attribute) and self._shown(obj.value.func.value) == shown:
                    return True
        return False

    def _check_checkpoint(self, checkpoint: cst.Dict | cst.Call) -> None:
        """A checkpoint dict (`{"model": model.module, "opt": opt.state_dict()}` or `dict(...)`) that
        holds a module object among its values."""
        values = [e.value for e in checkpoint.elements if isinstance(e, cst.DictElement)] \
            if isinstance(checkpoint, cst.Dict) else [a.value for a in checkpoint.args if a.keyword is not None]
        scope = self.enclosing_scope
        for v in values:
            if isinstance(v, cst.Name) and scope is not None and _items_assigned(scope, v.value):
                continue  # `model_spec = config['model']; model_spec['sd'] = ...`: a mapping (liif: judged wrong)
            if isinstance(v, cst.Name) and scope is not None \
                    and any(self._not_a_module(bound) for bound in assigned_values(scope, v.value)):
                continue  # `model_cpu = {k: v.cpu() for k, v in model.state_dict().items()}` (deep_gcns: judged wrong 4x)
            if isinstance(v, (cst.Name, cst.Attribute)) and _reads_as_module(v) and id(v) not in self._reported:
                self._reported.add(id(v))
                self.report(v, self.dict_message.format(name=self._shown(v)))

    def _not_a_module(self, bound: cst.BaseExpression) -> bool:
        """A value no module is: a container literal, `dict(...)`, `x.state_dict()`, an OrderedDict,
        or what `torch.load` returned, an item of it included (`crt_net = torch.load(path)`, a state
        dict a conversion script rewrites; in a project that loads whole modules back the rule is
        silent anyway)."""
        if isinstance(bound, (cst.Dict, cst.List, cst.Tuple, cst.DictComp, cst.ListComp, cst.SimpleString)):
            return True
        while isinstance(bound, cst.Subscript):
            bound = bound.value
        return isinstance(bound, cst.Call) and (
            self.is_name(bound.func, "dict", "collections.OrderedDict", "torch.load")
            or last_segment(bound.func) in ("state_dict", "OrderedDict"))

    def _read_by_key(self, value: cst.Attribute) -> bool:
        """Is `self.x` read with a string key somewhere in the file (`self.gpt2_encoder["encoder"]`)?
        Then it is a mapping, whatever its name says. The cost: an `nn.ModuleDict`, the one module read
        that way, saved whole under a module-like name would go unreported."""
        module = self.context.module
        if module is None:
            return False
        shown = self._shown(value)
        return any(isinstance(n, cst.Subscript) and len(n.slice) == 1 and isinstance(n.slice[0].slice, cst.Index)
                   and isinstance(n.slice[0].slice.value, cst.SimpleString) and self._shown(n.value) == shown
                   for n in walk(module))

    def _shown(self, value: cst.CSTNode) -> str:
        return self.context.module.code_for_node(value) if self.context.module is not None else last_segment(value) or ""


def _reads_as_module(value: cst.Name | cst.Attribute) -> bool:
    """`model`, `self.netG`, `nets[0].encoder`, `model.module` (the module a DDP wraps): by the last
    name, as `checkpoints.reads_as_module` reads it. A field of the run's settings is a setting
    (`args.model`: the architecture's name, AugMix's checkpoints; judged wrong twice)."""
    if isinstance(value, cst.Attribute) and value.attr.value == "module" \
            and isinstance(value.value, (cst.Name, cst.Attribute)):
        return _reads_as_module(value.value)
    if isinstance(value, cst.Attribute) and last_segment(value.value) in SETTINGS_NAMES:
        return False
    return reads_as_module(last_segment(value) or "")


def _items_assigned(scope: cst.CSTNode, name: str) -> bool:
    """Does the scope assign an item of `name` (`name["state"] = ...`)? Then `name` is a mapping."""
    return any(isinstance(n, cst.AssignTarget) and isinstance(n.target, cst.Subscript)
               and isinstance(n.target.value, cst.Name) and n.target.value.value == name for n in nodes(scope))
