"""Per-model-class answers for the init rules (RL202, RL203): what ONE class of this file builds.

"Does this model initialise its weights?" and "which activations does it use?" are questions
about a model class, not about the file or the project: a file with a ReLU generator and a Tanh
discriminator, or a project where only one of three models is initialised, needs an answer for
each class. A class's answer includes the blocks it builds that are defined in the same file and
its bases defined in the same file; a class built from, or derived from, a class of another file
is reported as `complete=False` (its rules stay silent: the other file may initialise).

Instances initialised elsewhere (`net = Net(); net.apply(weights_init)`, `init_net(Net())`,
`Net(pretrained=True)`, `net.load_state_dict(...)`) come from the project facts
(`ProjectFacts.initialised_classes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from repolens.lint.facts import is_init_name
from repolens.lint.helpers import class_methods
from repolens.lint.layers import nn_layer
from repolens.lint.traverse import nodes, per_file

LAYERS = re.compile(r"^(?:Lazy)?(?:Conv(?:Transpose)?[123]d|Linear|Bilinear)$")
# Normalisation layers: they rescale every layer's output, so the init's scale does not compound.
NORMS = re.compile(r"^(?:Lazy)?(?:BatchNorm[123]d|SyncBatchNorm|GroupNorm|LayerNorm|InstanceNorm[123]d|RMSNorm)$")
# The same from other libraries or a project alias, by name: inplace_abn's `InPlaceABNSync`, apex's or
# PyTorch-Encoding's `SyncBatchNorm`, `BatchNorm2d = functools.partial(InPlaceABNSync, ...)` (CCNet:
# RL202 judged wrong twice), `SynchronizedBatchNorm2d`, detectron's `FrozenBatchNorm2d`.
NORM_NAMES = re.compile(r"^\w*(?:BatchNorm|InPlaceABN|SyncBN|FrozenBN|GroupNorm|LayerNorm|InstanceNorm)\w*$|^ABN$")
MODULE = ("torch.nn.Module", "torch.nn.modules.module.Module")
RELU = frozenset({"ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_",
                  "prelu", "rrelu"})
SATURATING = frozenset({"Tanh", "Sigmoid", "tanh", "sigmoid", "tanh_", "sigmoid_"})
OTHER = frozenset({"GELU", "SiLU", "ELU", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid", "Hardtanh", "Softplus",
                   "Softsign", "LogSigmoid", "GLU", "gelu", "silu", "elu", "selu", "celu", "mish", "hardswish",
                   "hardsigmoid", "hardtanh", "softplus", "glu", "swish"})
# An activation chosen at run time: the class's activations are unknown. Parameters of its
# methods (`def __init__(self, act_layer=nn.GELU)`) and activation look-ups anywhere in it.
CONFIGURABLE_PARAMS = frozenset({"act_layer", "act_fn", "activation", "activation_fn", "act_cfg", "norm_act", "act",
                                 "nonlinearity", "act_type", "activation_type"})
CONFIGURABLE_NAMES = frozenset({"ACT2FN", "get_act", "get_activation", "get_act_layer", "create_act_layer",
                                "build_activation_layer", "get_activation_fn"})
# Spectral normalisation rescales each wrapped weight on every forward, whatever its init (named, not
# only called: Real-ESRGAN's discriminator binds `norm = spectral_norm` first). Weight norm is not here:
# it starts from the initial weight's norm, so the init's scale survives.
SPECTRAL_NORM = frozenset({"spectral_norm", "SpectralNorm"})
# Methods whose presence is an initialisation of the class's weights.
INIT_METHODS = frozenset({"reset_parameters", "_reset_parameters", "_init_weights", "init_weights", "_initialize_weights",
                          "initialize_weights", "weights_init", "_init_params", "init_params", "initialize"})
# In-place tensor initialisers, when applied to something that names a weight or bias.
INPLACE_INIT = frozenset({"normal_", "uniform_", "fill_", "zero_", "copy_", "constant_", "trunc_normal_",
                          "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_"})


@dataclass
class ClassSummary:
    node: cst.ClassDef
    layers: int = 0  # Conv/Linear constructions in its methods (a loop body counted once)
    acts: set[str] = field(default_factory=set)  # "relu", "saturating", "other", "configurable"
    built: list[str] = field(default_factory=list)  # last names of everything called in its methods, per call
    bases: list[str] = field(default_factory=list)  # qualified base names
    inits: bool = False  # nn.init.*, self.apply(...), an init method, `w.data.normal_(...)`, `p.data = ...` in __init__ ...
    norms: bool = False  # builds a torch.nn normalisation layer (BatchNorm, GroupNorm, LayerNorm ...) or names spectral_norm
    relus: int = 0  # ReLU-family mentions in the methods that build or run it: built, called, `self.relu(...)`


# A function that loads weights into the module it is handed (`load_weights_sequential(self, w)`).
_LOADS_WEIGHTS = re.compile(r"load.*(?:weight|state|pretrain|checkpoint|param)|(?:weight|pretrain|checkpoint).*load", re.I)


def _is_init_call(rule, call: cst.Call) -> bool:  # type: ignore[no-untyped-def]
    qualified = rule.qualified_name(call.func) or ""
    if qualified.startswith("torch.nn.init."):
        return True
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if last == "apply" or last in INIT_METHODS:
        return True
    if last in INPLACE_INIT and isinstance(func, cst.Attribute):
        chain = rule.context.module.code_for_node(func.value) if rule.context.module is not None else ""
        return "weight" in chain or "bias" in chain or ".data" in chain
    # weights loaded into the model as it is built (`if pretrained: load_weights_sequential(self,
    # squeezenet1_1(pretrained=True).features.state_dict())`, `self.load_state_dict(...)`: pspnet's SqueezeNet)
    if last == "load_state_dict" and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
            and func.value.value == "self":
        return True
    if any(isinstance(a.value, cst.Name) and a.value.value == "self" for a in call.args) \
            and _LOADS_WEIGHTS.search(last or ""):
        return True
    # `init_net(...)`, `trunc_normal_(self.pos_embed)`, `weights_init(m)`: named initialisers
    return is_init_name(last)


def _network_methods(methods: list[cst.FunctionDef]) -> set[str]:
    """The methods that build or run the network: `__init__`, `forward` and the methods they call on
    `self` (`_make_layer`, `_forward_impl`), transitively; every method when there is no `forward`.
    A sampling method that replays the forward step by step (WaveRNN's `generate`) is not depth."""
    by_name = {m.name.value: m for m in methods}
    if "forward" not in by_name:
        return set(by_name)
    path, todo = set(), ["__init__", "forward"]
    while todo:
        name = todo.pop()
        if name in path or name not in by_name:
            continue
        path.add(name)
        todo.extend(n.func.attr.value for n in nodes(by_name[name].body)
                    if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute)
                    and isinstance(n.func.value, cst.Name) and n.func.value.value == "self")
    return path


def _summarise(rule, node: cst.ClassDef) -> ClassSummary:  # type: ignore[no-untyped-def]
    summary = ClassSummary(node=node, bases=[rule.qualified_name(b.value) or "" for b in node.bases])
    methods = class_methods(node)
    network = _network_methods(methods)
    for method in methods:
        if method.name.value in INIT_METHODS:
            summary.inits = True
        params = method.params
        if any(p.name.value in CONFIGURABLE_PARAMS for p in (*params.params, *params.kwonly_params)):
            summary.acts.add("configurable")
        for n in nodes(method.body):
            if isinstance(n, cst.Call):
                layer = nn_layer(rule, n) or ""
                func = n.func
                last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
                if LAYERS.match(layer):
                    summary.layers += 1
                elif NORMS.match(layer) or not layer and isinstance(last, str) and NORM_NAMES.match(last):
                    summary.norms = True
                if isinstance(last, str):
                    summary.built.append(last)
                    if last == "partial" and n.args and isinstance(n.args[0].value, (cst.Name, cst.Attribute)):
                        block = n.args[0].value  # `functools.partial(RRDB, nf=nf)`, built by `make_layer`
                        summary.built.append(block.attr.value if isinstance(block, cst.Attribute) else block.value)
                if not summary.inits and _is_init_call(rule, n):
                    summary.inits = True
            elif isinstance(n, cst.AssignTarget) and isinstance(n.target, cst.Attribute) \
                    and n.target.attr.value == "data" and method.name.value == "__init__":
                summary.inits = True  # `p.data = torch.FloatTensor(weights[n])` in the constructor: set from loaded values
            elif isinstance(n, (cst.Name, cst.Attribute)):
                name = n.attr.value if isinstance(n, cst.Attribute) else n.value
                if isinstance(n, cst.Name) and name in RELU and method.name.value in network:
                    summary.relus += 1  # `nn.ReLU`, `F.relu`, `self.relu`: each has one Name `ReLU`/`relu`
                if name in RELU:
                    summary.acts.add("relu")
                elif name in SATURATING:
                    summary.acts.add("saturating")
                elif name in OTHER:
                    summary.acts.add("other")
                elif name in CONFIGURABLE_NAMES:
                    summary.acts.add("configurable")
                if name in SPECTRAL_NORM:
                    summary.norms = True  # the weight is divided by its largest singular value on every forward
                elif name[:1].isupper() and NORM_NAMES.match(name):
                    summary.norms = True  # `norm_layer = nn.BatchNorm2d`, built later as `norm_layer(width)`
        defaults = [p.default for p in (*params.params, *params.kwonly_params) if p.default is not None]
        if any(isinstance(n, (cst.Name, cst.Attribute)) and NORM_NAMES.match(n.attr.value if isinstance(n, cst.Attribute)
                                                                              else n.value)
               for d in defaults for n in nodes(d)):
            summary.norms = True  # `def __init__(self, norm_layer=nn.BatchNorm2d)`
    return summary


class _Summaries:
    """The nn.Module classes of a file by name, each summarised on first use (most files hold
    classes no rule asks about)."""

    def __init__(self, rule, module: cst.Module) -> None:  # type: ignore[no-untyped-def]
        self._rule = rule
        self._done: dict[str, ClassSummary] = {}
        self.classes: dict[str, cst.ClassDef] = {}
        for stmt in module.body:  # top-level classes: nested ones are not model roots nor blocks here
            if isinstance(stmt, cst.ClassDef) and stmt.name.value not in self.classes and rule.class_is_module(stmt):
                self.classes[stmt.name.value] = stmt

    def __contains__(self, name: object) -> bool:
        return name in self.classes

    def __getitem__(self, name: str) -> ClassSummary:
        if name not in self._done:
            self._done[name] = _summarise(self._rule, self.classes[name])
        return self._done[name]

    def values(self) -> list[ClassSummary]:
        return [self[name] for name in self.classes]


def class_summaries(rule) -> _Summaries:  # type: ignore[no-untyped-def]
    """Every top-level nn.Module class of the file being linted (summaries computed once per file)."""
    return per_file(rule.context.module, "modelclasses.summaries", lambda mod: _Summaries(rule, mod))


@dataclass(frozen=True)
class ModelAnswer:
    layers: int  # its own layers and those of the in-file blocks it builds
    acts: frozenset[str]
    inits: bool  # an initialisation in the class, its in-file blocks or bases
    complete: bool  # False: a base or block lives in another file (or library) the answer cannot see
    normalised: bool = False  # it or an in-file block builds a normalisation layer
    relus: int = 0  # ReLU-family mentions in it and its in-file blocks, per construction (as layers)


def _repository_module(rule, name: str) -> bool:  # type: ignore[no-untyped-def]
    """Is `name` (as written in the rule's file) a Module class defined in another file of the project?"""
    model, path = rule.facts.model, rule.context.path
    d = model.module_class(model.qualify(name, path), path)
    return d is not None and d.rel != path


def model_answer(rule, name: str) -> ModelAnswer | None:  # type: ignore[no-untyped-def]
    """The answer for class `name` of this file, following in-file blocks and bases.

    Layers are counted per construction (`self.l1 = Block(); self.l2 = Block()` counts Block's
    layers twice; a loop body once); activations and initialisation are the union over them all.
    """
    summaries = class_summaries(rule)
    if name not in summaries:
        return None
    acts: set[str] = set()
    state = {"inits": False, "complete": True, "norms": False}
    depth: dict[str, tuple[int, int]] = {}

    def layers_of(current: str, path: frozenset[str]) -> tuple[int, int]:
        if current in depth:
            return depth[current]
        s = summaries[current]
        acts.update(s.acts)
        state["inits"] = state["inits"] or s.inits
        state["norms"] = state["norms"] or s.norms
        total, relus = s.layers, s.relus
        for used in (*(b.rsplit(".", 1)[-1] for b in s.bases if b not in MODULE), *s.built):
            if used in summaries and used not in path:
                more, more_relus = layers_of(used, path | {used})
                total, relus = total + more, relus + more_relus
            elif used not in summaries and _repository_module(rule, used):
                state["complete"] = False  # a block or base of another file: it may initialise itself
        for base in s.bases:
            if base not in MODULE and base.rsplit(".", 1)[-1] not in summaries:
                state["complete"] = False  # a library class (nn.Sequential & co.) or another file's
        depth[current] = (total, relus)
        return total, relus

    layers, relus = layers_of(name, frozenset({name}))
    return ModelAnswer(layers=layers, acts=frozenset(acts), inits=state["inits"], complete=state["complete"],
                       normalised=state["norms"], relus=relus)
