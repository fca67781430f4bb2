"""RL203 init-activation-mismatch: Xavier init in a ReLU net, or He init in a Tanh/Sigmoid net."""

import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.scoped import ScopedRule
from repolens.lint.helpers import argument, code_of, literal
from repolens.lint.modelclasses import OTHER, RELU, SATURATING, class_summaries, model_answer
from repolens.lint.traverse import children_of, walk


def _constructed(call: cst.Call) -> str:
    """`Net(...)`, `Net(...).to(device)` -> "Net"."""
    while isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Call):
        call = call.func.value
    func = call.func
    return func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")


XAVIER = ("torch.nn.init.xavier_uniform_", "torch.nn.init.xavier_normal_", "torch.nn.init.xavier_uniform",
          "torch.nn.init.xavier_normal")
KAIMING = ("torch.nn.init.kaiming_uniform_", "torch.nn.init.kaiming_normal_", "torch.nn.init.kaiming_uniform",
           "torch.nn.init.kaiming_normal")
# The activation is chosen at run time: the rule cannot know which one the model uses.
CONFIGURABLE = re.compile(r"act_layer|act_fn|activation|ACT2FN|get_act|nonlinearity\s*=\s*[^\"'\s]")


class InitActivationMismatch(ScopedRule):
    """
    ## What it does
    Flags a Xavier/Glorot initialisation (`nn.init.xavier_uniform_/xavier_normal_`) of
    convolution weights in a file whose activations are all of the ReLU family (ReLU, ReLU6,
    LeakyReLU, PReLU, as modules or functions), and a He/Kaiming initialisation with the ReLU
    gain (`nonlinearity` left at its default or `"relu"`/`"leaky_relu"`) in a file whose
    activations are all Tanh/Sigmoid. "Convolution weights" means the call's argument names a conv
    (`self.conv1.weight`) or the call sits under an `isinstance(m, nn.Conv2d)` test (Kaiming: also
    Linear). A file with other activations (GELU, SiLU...) or a configurable one (`act_layer`,
    `activation=`) is left alone. So is a model that normalises what its layers compute (a
    BatchNorm, GroupNorm, LayerNorm ... in the class or its in-file blocks; with no class known,
    a BatchNorm layer in the file): the normalisation divides out the scale of the weights before
    it, and the scale is all that Xavier and He differ in (face.evoLVe's IR-SE backbones, Xavier
    before BatchNorm and PReLU, judged not worth a change: the recipe its released models were
    trained with). Nor an init inside an attention class (one that computes a softmax and uses no
    ReLU-family activation itself): its projections feed `softmax(q k^T)`, not a ReLU, and Xavier is
    their standard init (Grad-TTS's `MultiHeadAttention`, in a file whose feed-forward uses ReLU:
    six findings judged wrong).

    One finding per init routine (the function the calls sit in, a class's `__init__` or an
    `init_weights(m)`), at its first such call, saying how many there are: changing the scheme
    is one decision, and one line per layer (self-ensemble-visual-domain-adapt's two VGG-style
    classes, `xavier_normal(self.conv1_1.weight)` ... eight calls each: sixteen findings in the
    thirtieth set) said the same thing eight times.

    ## Why is this bad?
    Each scheme keeps the variance of activations constant through depth for one kind of
    nonlinearity: Xavier for symmetric, saturating ones (Tanh), He for ReLU, which zeroes half of
    its input and so needs twice the variance. With Xavier in a deep ReLU net the signal shrinks
    by about half a layer and the first layers barely learn; with He in a Tanh net the
    pre-activations are too large and the units saturate. The seed notes: "Initialize convolution
    weights with Xavier (for Tanh) or He normal (for ReLU)".

    ## Example
    ```python
    import torch.nn as nn

    def init_weights(m):
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)

    net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU())
    net.apply(init_weights)
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    def init_weights(m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU())
    net.apply(init_weights)
    ```
    """

    code = "RL203"
    name = "init-activation-mismatch"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = "an initialisation meant for another nonlinearity is a correctness bug in the model's setup"
    source = ("notes.en.md, Tuning experience: \"Initialize convolution weights with Xavier (for Tanh) or He "
              "normal (for ReLU).\"")
    message = "{init} in a model whose activations are {acts}: use {advice}"
    needles = ("xavier_", "kaiming_")

    valid = [
        Example("""
import torch.nn as nn

def init_weights(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU())
"""),
        Example("""
from torch import nn

class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(8, 24)
        self.mlp = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 8))
        nn.init.xavier_uniform_(self.qkv.weight)      # a linear projection, GELU model
"""),
        Example("""
import torch.nn as nn

class Rnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(8, 8, 3)
        self.act = nn.Tanh()
        nn.init.xavier_normal_(self.conv.weight)      # Xavier for Tanh: right
"""),
        # Every conv feeds a BatchNorm, which divides out the weights' scale: the init's variance
        # never reaches the PReLU (face.evoLVe's IR-SE backbones, the InsightFace recipe).
        Example("""
import torch.nn as nn

class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.PReLU(64),
                                  nn.Conv2d(64, 64, 3), nn.BatchNorm2d(64), nn.PReLU(64))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

def init_weights(m):
    if isinstance(m, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)

net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU())
net.apply(init_weights)
"""),
        Example("""
import torch
from torch.nn import init

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3)
        self.fc = torch.nn.Linear(8, 1)
        init.kaiming_normal_(self.conv1.weight)

    def forward(self, x):
        return torch.sigmoid(self.fc(torch.tanh(self.conv1(x)).mean((2, 3))))
"""),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._kinds: set[str] | None = None
        self._parents: dict[int, cst.CSTNode] = {}
        self._applied: dict[str, set[str]] = {}
        self._reported: set[int] = set()  # the init routines (functions, or the module) already reported

    def _activation_kinds(self) -> set[str]:
        if self._kinds is None:
            kinds: set[str] = set()
            for n in walk(self.context.module):  # type: ignore[arg-type]
                for child in children_of(n):
                    self._parents[id(child)] = n
                name = None
                if isinstance(n, (cst.Attribute, cst.Name)):
                    q = self.qualified_name(n) or ""
                    if q.startswith("torch."):
                        name = q.rsplit(".", 1)[-1]
                    elif isinstance(n, cst.Attribute) and n.attr.value in ("relu", "relu_", "sigmoid", "tanh"):
                        name = n.attr.value  # tensor methods: x.relu()
                if name in RELU:
                    kinds.add("relu")
                elif name in SATURATING:
                    kinds.add("saturating")
                elif name in OTHER:
                    kinds.add("other")
            self._kinds = kinds
        return self._kinds

    def _model_classes(self) -> set[str]:
        """The model classes the init being visited applies to. Inside a Module class: that class
        (with its in-file blocks and bases). In a function: every class whose `self.apply(fn)` or
        instance's `.apply(fn)` in this file names it. Empty: not known."""
        if self.class_stack and self.class_is_module(self.class_stack[-1]):
            return {self.class_stack[-1].name.value}
        if self.function_stack:
            return self._applied_to(self.function_stack[0].name.value)
        return set()

    def _model_kinds(self, classes: set[str]) -> set[str] | None:
        """The activations of those model classes; None: not known per class."""
        if not classes:
            return None
        kinds: set[str] = set()
        for name in classes:
            answer = model_answer(self, name)
            if answer is None or not answer.complete:
                return None
            kinds |= answer.acts
        return {"configurable"} if "configurable" in kinds else kinds

    def _normalised(self, classes: set[str]) -> bool:
        """The model normalises what its layers compute (BatchNorm, GroupNorm, LayerNorm ... in the
        class or its in-file blocks; with no class known, a BatchNorm layer in the file): the
        normalisation divides out the scale of the weights before it, so the initialisation's
        variance, what Xavier and He differ in, no longer reaches the activation."""
        if not classes:
            return self.context.path in self.facts.batchnorm_files
        return any((answer := model_answer(self, name)) is not None and answer.normalised for name in classes)

    def _applied_to(self, fn: str) -> set[str]:
        """Module classes of this file that `.apply(fn)` reaches: `self.apply(fn)` in the class,
        `Net().apply(fn)` or `net = Net(); net.apply(fn)` at any level."""
        if fn in self._applied:
            return self._applied[fn]
        self._activation_kinds()  # fills the parent map
        summaries = class_summaries(self)
        bound: dict[str, str] = {}
        out: set[str] = set()
        for n in walk(self.context.module):  # type: ignore[arg-type]
            if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call):
                cls = _constructed(n.value)
                for t in n.targets:
                    key = code_of(t.target)
                    if cls in summaries:
                        bound[key] = cls
            if not (isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "apply"
                    and n.args and isinstance(n.args[0].value, cst.Name) and n.args[0].value.value == fn):
                continue
            target = n.func.value
            if isinstance(target, cst.Call) and _constructed(target) in summaries:
                out.add(_constructed(target))
            elif code_of(target) == "self":
                owner = self._parents.get(id(n))
                while owner is not None and not isinstance(owner, cst.ClassDef):
                    owner = self._parents.get(id(owner))
                if owner is not None and owner.name.value in summaries:
                    out.add(owner.name.value)
            elif code_of(target) in bound:
                out.add(bound[code_of(target)])
        self._applied[fn] = out
        return out

    def visit_Call(self, node: cst.Call) -> None:
        is_xavier = self.is_name(node.func, *XAVIER)
        is_kaiming = self.is_name(node.func, *KAIMING)
        if not (is_xavier or is_kaiming) or not node.args:
            return
        classes = self._model_classes()
        if self._normalised(classes) or self._attention_class():
            return
        kinds = self._model_kinds(classes)
        if kinds is None:
            if CONFIGURABLE.search(self.context.source):
                return
            kinds = self._activation_kinds()
        routine = self.function_stack[-1] if self.function_stack else self.context.module
        if id(routine) in self._reported:
            return  # one finding per init routine: changing its scheme is one decision
        if self._mismatch(node, is_xavier, kinds):
            self._reported.add(id(routine))
            same = sum(1 for n in walk(routine) if isinstance(n, cst.Call) and self._mismatch(n, is_xavier, kinds))
            where = f" ({same} such calls in this function)" if same > 1 and self.function_stack else ""
            if is_xavier:
                self.report(node, self.message.format(init="Xavier init of conv weights" + where, acts="ReLU-family",
                                                      advice="`nn.init.kaiming_normal_(w, nonlinearity=\"relu\")`"))
            else:
                self.report(node, self.message.format(init="He (Kaiming) init with the ReLU gain" + where,
                                                      acts="Tanh/Sigmoid", advice="`nn.init.xavier_normal_(w)`"))

    def _mismatch(self, node: cst.Call, is_xavier: bool, kinds: set[str]) -> bool:
        """Does this init call (of the kind being reported) use the scheme meant for the other
        nonlinearity on conv (He: also linear) weights?"""
        if not node.args or not self.is_name(node.func, *(XAVIER if is_xavier else KAIMING)):
            return False
        target = code_of(node.args[0].value).lower()
        test = self._enclosing_test(node)
        if is_xavier:
            return kinds == {"relu"} and ("conv" in target or "Conv" in test)
        if kinds != {"saturating"} or not ("conv" in target or "Conv" in test or "Linear" in test or "fc" in target
                                           or "linear" in target):
            return False
        gain = argument(node, "nonlinearity", 3)
        return gain is None or literal(gain.value) in ("relu", "leaky_relu")

    def _attention_class(self) -> bool:
        """The init sits in a class that computes a softmax and uses no ReLU-family activation of its
        own: attention, whose projections feed softmax(q k^T), where Xavier is the standard init
        (Grad-TTS's and DiffVC's `MultiHeadAttention` initialising `conv_q/k/v`, in a file whose
        feed-forward uses ReLU: six findings judged wrong)."""
        if not self.class_stack:
            return False
        names = {n.attr.value if isinstance(n, cst.Attribute) else n.value
                 for n in walk(self.class_stack[-1]) if isinstance(n, (cst.Name, cst.Attribute))}
        return any("softmax" in name.lower() for name in names) and not names & RELU

    def _enclosing_test(self, node: cst.CSTNode) -> str:
        self._activation_kinds()
        n = self._parents.get(id(node))
        while n is not None and not isinstance(n, (cst.FunctionDef, cst.Module)):
            if isinstance(n, (cst.If, cst.Else)):
                test = getattr(n, "test", None)
                if test is not None:
                    return code_of(test)
            n = self._parents.get(id(n))
        return ""
