"""RL502 save-whole-module: `torch.save(model)` pickles the module object instead of its weights."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import argument, last_segment
from repolens.lint.roles import name_tokens

# Last-name words that say "a model object"; words that say "already weights / a dict".
_MODEL_WORDS = frozenset({"model", "net", "network", "netg", "netd", "generator", "discriminator", "encoder",
                          "decoder", "classifier", "backbone", "autoencoder", "vae", "unet", "policy", "critic",
                          "actor", "resnet", "vgg", "densenet", "mobilenet", "efficientnet", "vit", "transformer",
                          "lstm", "rnn", "cnn", "mlp", "gan"})
_NOT_MODULE = frozenset({"state", "dict", "sd", "ckpt", "checkpoint", "weights", "params", "parameters", "config",
                         "cfg", "args", "path", "dir", "name", "file", "optimizer", "optim", "opt", "scheduler",
                         "output", "outputs", "out", "pred", "preds", "results", "ema"})


class SaveWholeModule(Rule):
    """
    ## What it does
    Flags `torch.save(obj, path)` whose `obj` is a model object rather than its `state_dict()`:
    a name whose last segment reads as a module (`model`, `self.net`, `netG`, `generator`,
    `encoder`, `resnet`, `lstm` ...) and not as weights or outputs (`model_state`, `net_dict`, `ckpt`, `outputs`),
    or a class of the project known to be an `nn.Module` built in the call
    (`torch.save(Net(), path)`). Dicts, `x.state_dict()` and `.module.state_dict()` are fine.

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
    name = "save-whole-module"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = ("a pickled module breaks when code moves and forces weights_only=False to load: experts "
                   "save the state_dict")
    source = "PyTorch tutorial 'Saving and Loading Models': 'save/load state_dict (recommended)'"
    message = "torch.save of the module `{name}` itself: pickles the class; save `{name}.state_dict()` instead"
    needles = ("save",)

    valid = [
        Example("import torch\ntorch.save(model.state_dict(), 'm.pt')\n"
                "torch.save({'model': model.state_dict(), 'epoch': 3}, 'ckpt.pt')\n"
                "torch.save(model_state, 'w.pt')\ntorch.save(outputs, 'preds.pt')\n"),
        Example("import pickle\npickle.dump(model, f)\nmodel.save('x')\n"),
    ]
    invalid = [
        Example("import torch\ntorch.save(model, 'checkpoints/best.pt')\n"),
        Example("import torch as T\nclass Trainer:\n    def save(self):\n        T.save(self.netG, self.path)\n"),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, "torch.save"):
            return
        obj = argument(node, "obj", 0)
        if obj is None:
            return
        value = obj.value
        if isinstance(value, cst.Call):
            last = last_segment(value.func) or ""
            if self.class_kind(value.func) == "module":
                self.report(node, self.message.format(name=f"{last}()"))
            return
        if not isinstance(value, (cst.Name, cst.Attribute)):
            return
        last = last_segment(value) or ""
        tokens = set(name_tokens(last))
        if tokens & _MODEL_WORDS and not tokens & _NOT_MODULE:
            shown = self.context.module.code_for_node(value) if self.context.module is not None else last
            self.report(node, self.message.format(name=shown))
