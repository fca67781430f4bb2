"""RL209 direct-forward-call: `module.forward(x)` instead of `module(x)`."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import assigned_values, self_attribute_values, single_value
from repolens.lint.classes import is_module_construction
from repolens.lint.helpers import last_segment, method_name, receiver, self_attribute
from repolens.lint.scoped import ScopedRule
from repolens.lint.trainflow import is_test_path
from repolens.lint.traverse import nodes

# Methods only an nn.Module has (called without arguments): `.train()` is left out, trainers have one.
MODULE_ONLY_METHODS = frozenset({"eval", "parameters", "named_parameters", "modules", "named_modules", "children",
                                 "named_children", "buffers"})
# A project file that registers a forward hook (feature capture, as visualisation scripts do): the
# examples below are judged in a project where skipping hooks changes what runs.
_FEATURES = """import torch.nn as nn

def capture(model: nn.Module, store: dict):
    for name, layer in model.named_modules():
        layer.register_forward_hook(lambda mod, inp, out, name=name: store.__setitem__(name, out))
"""
_PRUNE = """import torch.nn.utils.prune as prune

def sparsify(model, amount=0.5):
    for m in model.modules():
        if hasattr(m, "weight"):
            prune.l1_unstructured(m, "weight", amount=amount)
"""
PARALLEL_WRAPPERS = ("torch.nn.parallel.DistributedDataParallel", "torch.nn.DataParallel",
                     "torch.nn.parallel.DataParallel", "torch.nn.parallel.distributed.DistributedDataParallel",
                     "torch.distributed.fsdp.FullyShardedDataParallel")


class DirectForwardCall(ScopedRule):
    """
    ## What it does
    Flags `m.forward(...)` where `m` is known to be an `nn.Module`: an attribute the class sets to a
    module (`self.encoder = Encoder()`), a local name bound once to a module construction, a
    parameter annotated `nn.Module`, or a parameter or local name the same function treats as a
    module (`model.eval()`, `model.parameters()`, `model.modules()`...) and does not wrap in
    DistributedDataParallel / DataParallel / FSDP (their `forward` does the wrapper's work) --
    and only in a project that uses machinery working through module hooks: hooks it registers
    (`register_forward_hook`...), `weight_norm`/`spectral_norm` (the hook-based ones), pruning,
    FSDP, DeepSpeed or quantization observers, in a file that imports connect to this one, in
    either direction and at any depth (`ProjectModel.module_hooks_for`: InternImage's Hugging Face
    export wrappers, which nothing connects to its DeepSpeed trainer, call `self.model.forward(...)`:
    seven judged findings, none worth a change), and only on a receiver
    that may carry hooks of its own (`ProjectModel.hooked_modules`: `target_layer` in
    `target_layer.register_forward_hook(...)`, `conv` in `self.conv = weight_norm(...)`; any
    receiver with global hooks, FSDP, DeepSpeed, quantization, or a hook registered on something
    that is no plain name). `m.forward(x)` skips `m`'s own hooks only: its submodules are called
    through `__call__` and run theirs (Attention-Gated-Networks' feature extractor hooks an inner
    layer and is itself called with `.forward()`: judged not worth a change). Where nothing registers
    a hook, `m.forward(x)` and `m(x)` compute the same thing and the finding would be a style
    fix: judged not worth an edit on every real repository where it fired that way (a CIFAR ResNeXt
    calling `.forward` on nine sub-modules, YOLOv7's `SigmoidBin`).

    Not flagged: `super().forward(...)`, `Base.forward(self, ...)` and `type(m).forward(m, ...)`
    (explicit calls of a parent's implementation), `self.forward(...)` (a class calling its own
    forward, typically from `__call__` or a helper on purpose), and receivers whose type is not
    visible in the file (`self.backend.forward(...)` where `backend` arrives as an argument,
    a loop variable over a ModuleList): the rule says nothing it cannot show. Unit tests are
    skipped: they build the model bare, without the project's hooks (pytorch-ssd's
    `test_vgg_ssd.py` compares `net.forward(x)` before and after a save: judged not worth a change).

    ## Why is this bad?
    `nn.Module.__call__` runs the forward pre-hooks and hooks, backward hooks, and the machinery
    that features rely on: `torch.compile`/FX tracing of submodules, DDP/FSDP hooks, quantization
    observers, pruning masks, activation checkpointing wrappers and profiler annotations.
    Calling `.forward` directly silently skips all of them: a pruned layer runs unmasked weights,
    a weight-normed layer stale ones, an FSDP unit unsharded parameters it never gathered.
    A hook the project registers on a module of a library it uses (a checkpoint loader's, a
    profiler's) is seen only when the registering call is in the project's own code.

    The fix (`m.forward(x)` -> `m(x)`) is marked unsafe: hooks that were skipped start running.

    ## Example
    ```python
    import torch.nn as nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Linear(8, 8)

        def forward(self, x):
            return self.encoder.forward(x)
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Linear(8, 8)

        def forward(self, x):
            return self.encoder(x)
    ```
    """

    code = "RL209"
    name = "direct-forward-call"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = ('calling forward() skips the module\'s hooks (FSDP unsharding, pruning masks, quantization '
                   'observers, activation capture): a correctness bug wherever something registers one')
    source = ("PyTorch docs, torch.nn.Module.forward: \"one should call the Module instance afterwards instead "
              "of this since the former takes care of running the registered hooks while the latter silently "
              "ignores them\"")
    message = "`{recv}.forward(...)` skips the module's hooks (and compile/DDP/quantization wrappers); call `{recv}(...)`"
    needles = (".forward(",)
    fix_safety = "unsafe"

    valid = [
        # The hooks sit on an inner layer, which runs them whatever calls it (Attention-Gated-Networks).
        Example("""
import torch.nn as nn


class HookBasedFeatureExtractor(nn.Module):
    def __init__(self, submodule, layername):
        super().__init__()
        self.submodule = submodule
        self.layername = layername

    def get_output_array(self, m, i, o):
        self.outputs = o.data.clone()

    def forward(self, x):
        target_layer = self.submodule._modules.get(self.layername)
        handle = target_layer.register_forward_hook(self.get_output_array)
        self.submodule(x)
        handle.remove()
        return self.outputs


def get_feature_maps(net, layer_name, inputs):
    feature_extractor = HookBasedFeatureExtractor(net, layer_name)
    return feature_extractor.forward(inputs)
"""),
        Example("""
import torch.nn as nn

class Base(nn.Module):
    def forward(self, x):
        return x

class Child(Base):
    def forward(self, x):
        x = super().forward(x)
        x = Base.forward(self, x)
        return type(self).__mro__[1].forward(self, x)

    def predict(self, x):
        return self.forward(x)          # a class calling its own forward
""", files={"features.py": _FEATURES}),
        Example("""
from torch import nn

class Wrapper(nn.Module):
    def __init__(self, backend):
        super().__init__()
        self.backend = backend          # type unknown: could be an ONNX session

    def forward(self, x):
        return self.backend.forward(x)

def run(session, x):
    return session.forward(x)           # not known to be a Module

def fit(trainer, batch):
    trainer.train()                     # trainers have a train() too: no evidence of a Module
    return trainer.forward(batch)

def train(model, loader, optimizer, gpu):
    model = nn.parallel.DistributedDataParallel(model, device_ids=[gpu])
    for p in model.parameters():
        p.requires_grad_(True)
    for y1, y2 in loader:
        loss = model.forward(y1, y2)    # DDP's forward is where it prepares the gradient sync
""", files={"features.py": _FEATURES}),
        Example("""
import torch.nn as nn

class ResNeXtBottleneck(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv_reduce = nn.Conv2d(channels, channels // 2, 1, bias=False)
        self.bn_reduce = nn.BatchNorm2d(channels // 2)

    def forward(self, x):
        # nothing in this project registers a hook: the same computation as self.conv_reduce(x)
        return self.bn_reduce.forward(self.conv_reduce.forward(x))
"""),
        # Hooks registered by a trainer that no import connects to this file (InternImage's Hugging Face
        # export wrapper beside its DeepSpeed trainer): nothing hooks the modules built here.
        Example("""
import torch.nn as nn
from internimage import InternImage

class InternImageForImageClassification(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.model = InternImage(config)

    def forward(self, pixel_values):
        return self.model.forward(pixel_values)
""", files={"internimage.py": "import torch.nn as nn\nclass InternImage(nn.Module):\n    pass\n",
            "classification/features.py": _FEATURES}),
        # A unit test of the bare model (pytorch-ssd's vision/test/test_vgg_ssd.py), in a project that prunes.
        Example("""
import torch

def test_forward():
    net = create_vgg_ssd(21)
    net.eval()
    confidences, locations = net.forward(torch.randn(2, 3, 300, 300))
    assert confidences.size(0) == 2
""", path="vision/test/test_vgg_ssd.py", files={"compress.py": _PRUNE}),
    ]
    invalid = [
        Example("""
import torch
from compress import sparsify

def evaluate(test_loader, model):
    model.eval()
    with torch.no_grad():
        for images, boxes, labels in test_loader:
            predicted_locs, predicted_scores = model.forward(images)
""", files={"compress.py": _PRUNE}),
        Example("""
import torch.nn as nn
from features import capture

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(8, 8)

    def forward(self, x):
        return self.encoder.forward(x)
""", fixed="""
import torch.nn as nn
from features import capture

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(8, 8)

    def forward(self, x):
        return self.encoder(x)
""", files={"features.py": _FEATURES}),
        Example("""
import torch as t
from models import ResNet
from compress import sparsify

def evaluate(x):
    model = ResNet()
    return model.forward(x)

def probe(layer: t.nn.Module, x):
    return layer.forward(x)
""", files={"models.py": "import torch\nclass ResNet(torch.nn.Module):\n    pass\n", "compress.py": _PRUNE}),
    ]

    _in_test: bool | None = None  # the file is a unit test (asked once, on the first `.forward(` call)

    def visit_Call(self, node: cst.Call) -> None:
        if method_name(node) != "forward":
            return
        hooks, hooked = self.facts.model.module_hooks_for(self.context.path)
        if not hooks.value:
            return  # nothing connected to this file by imports registers a hook
        if self._in_test is None:
            self._in_test = is_test_path(self.context.path, self.context.source)
        if self._in_test:
            return  # a unit test of a model built bare (pytorch-ssd's test_vgg_ssd): no hook of the project on it
        recv = receiver(node)
        if "*" not in hooked and last_segment(recv) not in hooked:
            return  # hooks sit on other modules, which run them however this one is called
        if self._known_module(recv):
            recv_code = cst.Module([]).code_for_node(recv)
            self.report(node, self.message.format(recv=recv_code), replacement=node.with_changes(func=recv))

    def _known_module(self, recv) -> bool:
        attr = self_attribute(recv)
        if attr is not None:
            if not self.class_stack:
                return False
            values = self_attribute_values(self.class_stack[-1], attr)
            return bool(values) and all(is_module_construction(self, v) for v in values)
        if isinstance(recv, cst.Name) and recv.value != "self" and self.current_function is not None:
            function = self.current_function
            for param in (*function.params.params, *function.params.kwonly_params, *function.params.posonly_params):
                if param.name.value == recv.value:
                    return param.annotation is not None and self.is_name(
                        param.annotation.annotation, "torch.nn.Module", "torch.nn.modules.module.Module") \
                        or self._used_as_module(function, recv.value)
            return is_module_construction(self, single_value(function, recv.value)) \
                or self._used_as_module(function, recv.value)
        return False

    def _used_as_module(self, function: cst.FunctionDef, name: str) -> bool:
        """The function itself treats `name` as an nn.Module (`model.eval()`, `model.parameters()`...),
        and never binds it to a data-parallel wrapper, whose own `forward` is where it does its work
        (`model = DDP(model); model.forward(x)` still syncs gradients: only user hooks are skipped)."""
        if any(isinstance(v, cst.Call) and self.is_name(v.func, *PARALLEL_WRAPPERS)
               for v in assigned_values(function, name)):
            return False
        return any(isinstance(n, cst.Call) and method_name(n) in MODULE_ONLY_METHODS and not n.args
                   and isinstance(receiver(n), cst.Name) and receiver(n).value == name
                   for n in nodes(function.body))

