"""Project-wide facts, gathered in one cheap pass before the per-file rules run.

A rule judges a file in context: pin_memory only matters in a project that moves tensors to
CUDA; min-max scaling only hurts where medical or remote-sensing images are read. Facts come from
`ast` (about ten times faster than libcst) and from plain text, one summary per file, so they
can be cached per file content and merged.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import re
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Callable, Iterable, Mapping, Sequence

from repolens.lint import checkpoints, deadcode, optionalargs, trainfacts
from repolens.lint.knowledge.optimizers import optimizers_built
from repolens.lint.knowledge.transforms import NON_SCALING_TRANSFORMS
from repolens.project import frameworks
from repolens.project.configfiles import read_config_text, values_by_key
from repolens.project.environment import Declaration, declared_environment_in
from repolens.project.inputsizes import CONFIG_SUFFIXES, DATASET_SIDES, StatedSize, sizes_in_config
from repolens.project.model import ProjectModel
from repolens.project.releases import released_weights_in
from repolens.project.moduleinfo import NESTED_RECORDS, ModuleInfo, module_info, unparsed_info
from repolens.pyindex.aliases import AliasTable, ast_dotted_name

TORCH_SAVE = ("torch.save", "torch.serialization.save")
TORCH_LOAD = ("torch.load", "torch.serialization.load")
# Other deep-learning frameworks: a file that imports one of them and not torch is not PyTorch code
# (ResNeSt's `scripts/gluon/verify.py` calls an MXNet `network(...)`: RL305 judged wrong there).
OTHER_FRAMEWORKS = frozenset({"mxnet", "tensorflow", "keras", "jax", "flax", "paddle", "mindspore", "oneflow",
                              "chainer", "theano", "caffe", "megengine"})
SCIENTIFIC_IMAGE_MODULES = frozenset({"nibabel", "pydicom", "SimpleITK", "rasterio", "osgeo", "gdal",
                                      "tifffile", "medpy", "monai"})
# Signs of pixel scaling (RL104 stays silent about a Dataset's returned tensor in a project that
# scales pixels somewhere other than right after its own decoding, e.g. in the training loop).
_IMAGE_SCALING_TEXT = re.compile(r"/\s*255\b|\bdiv_?\(\s*255|\b(?:Normalize|ToTensor|ConvertImageDtype|convert_image_dtype"
                                 r"|ToDtype|normalize|to_tensor)\b|\*\s*\(?\s*1\.?0?\s*/\s*255")
_DECODE_TEXT = re.compile(r"imread|imdecode|Image\.open|read_image|decode_image|decode_jpeg|decode_png")
_TRANSFORM_FACTORY_TEXT = re.compile(r"\b(?:create_transform|transforms_factory|ImageProcessor|FeatureExtractor"
                                     r"|Lambda)\b|\.transforms\(\)")
# Where a model's weights may come from other than PyTorch's default init (RL202): loaded
# weights, pretrained builders, or a function applied to every submodule.
_WEIGHTS_TEXT = re.compile(r"load_state_dict\(|from_pretrained\(|\bweights\s*=|pretrained\s*=\s*True|torch\.load\("
                           r"|hub\.load\(|load_checkpoint\(|load_weights\(|\.apply\(")
_BATCHNORM_TEXT = re.compile(r"BatchNorm[123]d|SyncBatchNorm")
_IDENTIFIER_PATH = re.compile(r"^[A-Za-z_][\w.]*$")
# Substrings without which each pattern above cannot match: a substring test is far cheaper than
# an alternation tried at every position of a file that holds none of them.
_NEEDLES = {
    "init": ("init.", "_init_weights", "reset_parameters", "init_weights"),
    "weights": ("load_state_dict(", "from_pretrained(", "weights", "pretrained", "torch.load(", "hub.load(",
                "load_checkpoint(", "load_weights(", ".apply("),
    "batchnorm": ("BatchNorm",),
    "scaling": ("255", "Normalize", "ToTensor", "ConvertImageDtype", "convert_image_dtype", "ToDtype", "normalize",
                "to_tensor"),
    "factory": ("create_transform", "transforms_factory", "ImageProcessor", "FeatureExtractor", "Lambda",
                ".transforms()"),
}


def _has(text: str, needles: str, pattern: re.Pattern[str]) -> bool:
    return any(n in text for n in _NEEDLES[needles]) and pattern.search(text) is not None


_INIT_TEXT = re.compile(r"\binit\.(?:xavier|kaiming|normal_|uniform_|trunc_normal_|orthogonal_|constant_|zeros_|ones_)"
                        r"|\b_init_weights\b|\breset_parameters\b|\binit_weights\b")


@dataclass(frozen=True)
class FileFacts:
    """What one file contributes to the project's facts (cacheable by content)."""

    path: str
    # the file's part of the project model (imports, classes, bindings, device and version evidence)
    info: ModuleInfo | None = None
    calls_init: bool = False
    imports: frozenset[str] = frozenset()  # top-level module names imported
    # of those, the ones imported only inside `try:` with an ImportError handler (a library's
    # optional backend, such as a vendored mmcv's `tifffile`): no evidence of what the project reads
    optional_imports: frozenset[str] = frozenset()
    scales_images: bool = False  # `/ 255`, Normalize, ToTensor ... outside a function that decodes its own images
    # classes with a __getitem__: those that read a file per sample (a path opened, an image decoded)
    # and those that do not (data already in memory, transformed there) (RL102)
    reading_datasets: frozenset[str] = frozenset()
    memory_datasets: frozenset[str] = frozenset()
    # the project's own transform classes (RL106): those whose call draws random numbers
    # (`ExtRandomHorizontalFlip`), and pipelines that call each transform of a list in turn (`ExtCompose`)
    random_transforms: frozenset[str] = frozenset()
    compose_transforms: frozenset[str] = frozenset()
    # classes whose `__call__` applies a transform it holds several times (`for i in range(n):
    # out.append(self.transform(x))`): multi-view wrappers, a test-time ensemble at evaluation (RL106)
    repeat_transforms: frozenset[str] = frozenset()
    # classes whose `__init__` turns `requires_grad` off on every parameter (pytorch-fid's
    # `InceptionV3(requires_grad=False)`): a forward of one records no graph (RL304)
    frozen_classes: frozenset[str] = frozenset()
    # Compose([...]) pipelines made only of NON_SCALING_TRANSFORMS, and all other transform
    # pipelines or factories (which may scale)
    non_scaling_pipelines: int = 0
    other_pipelines: int = 0
    loads_weights: bool = False  # load_state_dict, from_pretrained, weights=, pretrained=True, .apply( (RL202)
    uses_batchnorm: bool = False  # a BatchNorm layer is named (RL210)
    # attribute names read anywhere (`x.name` in load context, `getattr(x, "name")`, identifier
    # segments of string constants such as state_dict keys) and the constant prefixes of
    # f-strings (`f"layer{i}"` -> "layer"): what RL204 needs to call a submodule unused
    attribute_reads: frozenset[str] = frozenset()
    attribute_prefixes: frozenset[str] = frozenset()
    # `x.name` read in code (not a string, not the source of an alias, not an option of the run's
    # settings such as `args.test`), and `self.test = self.valid` as "test:valid" (target:source):
    # RL106's loader kept under an attribute nothing reads
    attribute_loads: frozenset[str] = frozenset()
    attribute_aliases: frozenset[str] = frozenset()
    built_in_classes: frozenset[str] = frozenset()  # names called inside a class body (RL202 roots)
    # classes whose instances this file initialises or fills with weights (RL202, per model class):
    # `net = Net(); net.apply(init)`, `init_net(net)`, `Net(pretrained=True)`, `Net.from_pretrained(...)`
    initialised_classes: frozenset[str] = frozenset()
    # training-entrypoint context (repolens/lint/trainfacts.py): tags such as "seed", "scheduler",
    # "logging", "cudnn"; classes holding Dropout/BatchNorm; functions called after `.eval()`
    train_signals: frozenset[str] = frozenset()
    stochastic_classes: frozenset[str] = frozenset()
    eval_mode_callees: frozenset[str] = frozenset()
    # "caller>callee": a function hands a model parameter on (`test_mode(model, L)` calls
    # `test_split_fn(model, L)`): a callee of an eval-mode callee runs in eval mode too (RL305)
    model_passes: frozenset[str] = frozenset()
    no_grad_callees: frozenset[str] = frozenset()
    resume_callees: frozenset[str] = frozenset()  # called under `if args.resume:` (trainfacts.resume_callees_of)
    plain_callees: frozenset[str] = frozenset()  # called anywhere else in the file
    # `optionalargs.scan`: calls made only when an optional argument is given ("M|q|owner|index"),
    # the names called otherwise, the names the file gives, and call widths ("Name:n")
    guarded_calls: frozenset[str] = frozenset()
    unguarded_callees: frozenset[str] = frozenset()
    given_names: frozenset[str] = frozenset()
    call_widths: frozenset[str] = frozenset()
    # files this file writes with torch.save, as `checkpoints.path_keys` (RL501: a load of one of
    # them reads the project's own output), and whether one save is a list/tuple bundle of objects
    saved_files: frozenset[str] = frozenset()
    saves_bundles: bool = False
    # parameters its functions and classes save to (`checkpoints.saving_parameters`), and the bare
    # names its calls pass in a file that loads checkpoints (`checkpoints.handed_names`)
    saving_parameters: frozenset[str] = frozenset()
    handed_names: frozenset[str] = frozenset()
    # torch.optim classes the file constructs, "+wd" for a coupled weight decay, "SGD" where it is
    # named (`knowledge.optimizers.optimizers_built`; RL317: is the optimizer scale-free?)
    optimizers: frozenset[str] = frozenset()
    # keys of saved dicts that also pickle an object: `torch.save({"model": model, "epoch": e})` -> model, epoch
    object_checkpoint_keys: frozenset[str] = frozenset()
    # some torch.load result is used as a module here (`model = torch.load(f); model.eval()`) (RL502)
    loads_modules: bool = False
    loads_checkpoints: bool = False  # some call here is torch.load (RL502)
    # `deadcode.summarise`: the definitions that could be dead, as (name, first line, last line,
    # enclosing one's index or -1, kind), the identifiers written inside each, and those
    # written outside all of them (is a helper named where it can run?)
    dead_candidates: tuple[tuple[str, int, int, int, str], ...] = ()
    candidate_mentions: tuple[tuple[str, ...], ...] = ()
    mentions: frozenset[str] = frozenset()
    imports_dynamically: bool = False  # `importlib.import_module(name)`, `__import__` ... (`deadcode`)
    runs_as_script: bool = False  # a `__main__` guard, no whole-module CLI (`deadcode.runs_as_script`)
    # (first line, last line) of branches no run takes (`deadcode.never_taken`: `classify = False`
    # then `if classify:`)
    never_taken: tuple[tuple[int, int], ...] = ()
    # (line, 1-based column, message) when `ast` cannot parse the file: lets the engine report
    # RL000 for a file whose parse the text pre-filter skipped
    syntax_error: tuple[int, int, str] | None = None

    @property
    def other_framework(self) -> bool:
        """The file imports another deep-learning framework and not torch: no rule's question is its."""
        return "torch" not in self.imports and bool(self.imports & OTHER_FRAMEWORKS)


@dataclass(frozen=True)
class ProjectFacts:
    """What the rules may know of the project around a file: the shared project model (class kinds
    across files, GPU use, torch version, `**kwargs` dicts, loops) and lint's own per-file signals."""

    model: ProjectModel = field(default_factory=lambda: ProjectModel(()))
    init_files: tuple[str, ...] = ()  # files that call nn.init / define an init routine
    imports: frozenset[str] = frozenset()
    required_imports: frozenset[str] = frozenset()  # imported somewhere outside an optional-import `try:`
    image_scaling_files: tuple[str, ...] = ()  # files that scale pixels apart from their own decoding (RL104)
    reading_dataset_classes: frozenset[str] = frozenset()  # __getitem__ reads a file per sample (RL102)
    memory_dataset_classes: frozenset[str] = frozenset()  # __getitem__ reads no file (RL102)
    random_transform_classes: frozenset[str] = frozenset()  # project transforms that draw random numbers (RL106)
    compose_transform_classes: frozenset[str] = frozenset()  # project Compose-like pipelines (RL106)
    repeat_transform_classes: frozenset[str] = frozenset()  # project multi-view transform wrappers (RL106)
    frozen_classes: frozenset[str] = frozenset()  # classes that freeze all their parameters (RL304)
    non_scaling_pipelines: int = 0  # transform pipelines that provably keep pixel values (RL104)
    other_pipelines: int = 0  # transform pipelines / factories that may scale
    train_signals: frozenset[str] = frozenset()  # trainfacts tags present anywhere (RL311-RL313, RL319, RL320, RL401)
    stochastic_classes: frozenset[str] = frozenset()  # classes holding Dropout / BatchNorm (RL305)
    eval_mode_callees: frozenset[str] = frozenset()  # functions some caller runs after `.eval()` (RL305)
    no_grad_callees: frozenset[str] = frozenset()  # functions some caller runs with gradients off, and those they hand the model to (RL304)
    # functions some file calls when resuming (`if opt.resume:`) and no file calls otherwise: what they
    # load is the run's own checkpoint (RL501)
    resume_only_callees: frozenset[str] = frozenset()
    # functions that run only when an optional argument is given that nothing in the project gives
    # (`optionalargs.never_given`: latent-diffusion's `init_from_ckpt` with no `ckpt_path` anywhere)
    never_given_callees: frozenset[str] = frozenset()
    weight_loading_files: tuple[str, ...] = ()  # files that load weights or apply a function to modules (RL202)
    batchnorm_files: tuple[str, ...] = ()  # files that name a BatchNorm layer (RL210)
    attribute_reads: frozenset[str] = frozenset()  # attribute names read anywhere (RL204)
    attribute_prefixes: frozenset[str] = frozenset()  # f-string prefixes of dynamic names (RL204)
    attribute_loads: frozenset[str] = frozenset()  # `x.name` read in code, not as an alias's source
    attribute_aliases: frozenset[str] = frozenset()  # "target:source" of `self.target = self.source`
    built_in_classes: frozenset[str] = frozenset()  # names called inside some class body (RL202)
    # classes some file initialises an instance of (RL202), and ".method" for initialising methods
    # called on a receiver of unknown class (`model.init_vgg16_params(vgg16)`)
    initialised_classes: frozenset[str] = frozenset()
    conv_files: tuple[str, ...] = ()  # files with the "conv" train signal (RL401: does this entrypoint train one?)
    saved_files: frozenset[str] = frozenset()  # what torch.save writes anywhere (RL501, `checkpoints.path_keys`)
    saves_bundles: bool = False  # some torch.save writes a list/tuple of objects (RL501)
    optimizers: frozenset[str] = frozenset()  # what FileFacts.optimizers holds anywhere (RL317)
    object_checkpoint_keys: frozenset[str] = frozenset()  # keys of checkpoints that pickle objects (RL501)
    loads_modules: bool = False  # some file uses a loaded checkpoint as a module: whole modules by design (RL502)
    loads_checkpoints: bool = False  # some file calls torch.load: the project reads back what it saves (RL502)
    # (file, first line, last line) of functions, classes and methods nothing in the project names,
    # and of branches no run takes (`deadcode`): rules with `quiet_in_dead_code` (RL501) report
    # nothing inside them
    dead_code: frozenset[tuple[str, int, int]] = frozenset()

    def in_dead_code(self, rel: str, line: int) -> bool:
        return any(r == rel and first <= line <= last for r, first, last in self.dead_code)

    def loads_attribute(self, name: str) -> bool:
        """Does code of the project read the attribute `name` (`x.name`), also through aliases:
        `self.test = self.valid` reads `valid` only if something reads `test`. Strings are not
        read (a `split='test'` names no attribute), so `getattr(x, "name")` is not seen."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            if n in self.attribute_loads:
                return True
            if n not in seen:
                seen.add(n)
                todo.extend(t for t, _, src in (a.partition(":") for a in self.attribute_aliases) if src == n)
        return False

    @property
    def uses_cuda(self) -> bool:
        """The project runs on a GPU (any evidence: see `ProjectModel.gpu`)."""
        return self.model.gpu.value

    def uses_cuda_at(self, rel: str) -> bool:
        """The file runs on a GPU: GPU evidence in it or within two imports of it, either way
        (`ProjectModel.gpu_near`). A CPU-only script in a repository of scripts is not a GPU
        project's file because another script moves tensors to CUDA."""
        return self.model.gpu.value and self.model.gpu_near(rel)

    @property
    def cuda_evidence(self) -> tuple[str, ...]:
        return self.model.gpu.evidence

    def kind_of(self, written: str | None, rel: str) -> str:
        """What the class a dotted name written in file `rel` stands for is ("module", "dataset" ...)."""
        return self.model.kind_of(written, rel)

    def is_module(self, written: str | None, rel: str) -> bool:
        return self.model.kind_of(written, rel) == frameworks.MODULE

    @property
    def transforms_never_scale(self) -> bool:
        """Every transform pipeline in the project is visible and none rescales pixels."""
        return self.non_scaling_pipelines > 0 and self.other_pipelines == 0

    @property
    def reads_scientific_images(self) -> bool:
        return bool(self.required_imports & SCIENTIFIC_IMAGE_MODULES)

    @property
    def calls_init(self) -> bool:
        return bool(self.init_files)


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _optional_imports(walked: "_Walk") -> frozenset[str]:
    """Top-level modules this file imports only in the body of a `try:` whose handler catches the
    import failing (`try: import tifffile` / `except ImportError: tifffile = None`), from the
    facts pass's one walk (its `try:` statements and its imports)."""
    optional: set[str] = set()
    plain: set[str] = set()
    guarded: set[int] = set()
    for node in walked.tries:
        if any(h.type is None or any((ast_dotted_name(t) or "").rsplit(".", 1)[-1] in _IMPORT_ERRORS
                                     for t in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]))
               for h in node.handlers):
            guarded.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    for node in walked.imports:
        if isinstance(node, ast.Import):
            names = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {node.module.split(".")[0]}
        else:
            continue
        (optional if id(node) in guarded else plain).update(names)
    return frozenset(optional - plain)


# What a __getitem__ calls to read a sample from storage: `Image.open`, `cv2.imread`, `np.load`,
# `torch.load`, `read_image`, `self.loader(path)`, `load_image(...)`, `h5py.File`, `open(...)`.
_READS = re.compile(r"(?:^|_)(?:load|read|open|imread|decode|loads)(?:_|$)|loader$|^File$|^imread\w*", re.I)


def _getitem_reads(cls: ast.ClassDef) -> bool | None:
    """Does the class's `__getitem__` read a file per sample (itself, or in a method of the class it
    calls as `self.<method>(...)`)? None when the class has no `__getitem__`."""
    methods = {m.name: m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
    getitem = methods.get("__getitem__")
    if getitem is None:
        return None
    todo, seen = [getitem], {"__getitem__"}
    while todo:
        for node in ast.walk(todo.pop()):
            if not isinstance(node, ast.Call):
                continue
            name = (ast_dotted_name(node.func) or "").rsplit(".", 1)[-1]
            if _READS.search(name):
                return True
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
                    and func.attr in methods and func.attr not in seen:
                seen.add(func.attr)
                todo.append(methods[func.attr])
    return False


# What a transform calls to draw random numbers (dotted prefixes, as written in the file).
_RANDOM_DRAWS = ("random.", "np.random.", "numpy.random.", "torch.rand", "torch.randint", "torch.randn",
                 "torch.randperm", "torch.bernoulli", "torch.multinomial")
_CALL_METHODS = ("__call__", "forward")


def _inherits_memory(classes: list[ast.ClassDef], memory: set[str]) -> set[str]:
    """Classes without a `__getitem__` of their own whose base holds its samples in memory: an
    in-memory class of this file, or torchvision's MNIST / CIFAR family (MixMatch's
    `CIFAR10_unlabeled(CIFAR10_labeled)`, which only relabels in `__init__`)."""
    found: set[str] = set()
    changed = True
    while changed:  # a chain of subclasses in any order
        changed = False
        for node in classes:
            bases = {_last(b) for b in node.bases}
            if node.name not in found and bases & (memory | found | set(DATASET_SIDES)):
                found.add(node.name)
                changed = True
    return found


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef]:
    return [m for m in cls.body if isinstance(m, ast.FunctionDef)]


def _draws_random(cls: ast.ClassDef) -> bool:
    """A callable class (`__call__` / `forward`) whose methods other than `__init__` draw random
    numbers: a random transform (`if random.random() < self.p: flip`, `random.uniform(*self.scale)`)."""
    methods = _methods(cls)
    if not any(m.name in _CALL_METHODS for m in methods):
        return False
    return any((ast_dotted_name(n.func) or "").startswith(_RANDOM_DRAWS)
               for m in methods if m.name != "__init__" for n in ast.walk(m) if isinstance(n, ast.Call))


def _composes(cls: ast.ClassDef) -> bool:
    """A pipeline class: its `__call__` runs `for t in self.<list>:` and calls `t(...)` in the loop."""
    for m in _methods(cls):
        if m.name != "__call__":
            continue
        for loop in (n for n in ast.walk(m) if isinstance(n, ast.For)):
            if not (isinstance(loop.target, ast.Name) and isinstance(loop.iter, ast.Attribute)
                    and isinstance(loop.iter.value, ast.Name) and loop.iter.value.id == "self"):
                continue
            step = loop.target.id
            if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == step
                   for stmt in loop.body for n in ast.walk(stmt)):
                return True
    return False


def _repeats(cls: ast.ClassDef) -> bool:
    """A multi-view wrapper: its `__call__` calls the same `self.<attr>(...)` twice, or once inside
    a loop or a comprehension (CSI's `MultiDataTransformList`, `sample_num` random views per image;
    SupContrast's `TwoCropTransform`); a loop stepping through a pipeline's list (`for t in
    self.transforms:`) repeats nothing."""
    for m in _methods(cls):
        if m.name != "__call__":
            continue
        called = [n.func.attr for n in ast.walk(m) if isinstance(n, ast.Call) and _is_self_attribute(n.func)]
        if len(called) != len(set(called)):
            return True
        repeating = [n for n in ast.walk(m) if isinstance(n, ast.While) or isinstance(n, ast.For) and not _is_self_attribute(n.iter)
                     or isinstance(n, (ast.ListComp, ast.GeneratorExp)) and not any(_is_self_attribute(g.iter) for g in n.generators)]
        if any(isinstance(n, ast.Call) and _is_self_attribute(n.func) for loop in repeating for n in ast.walk(loop)):
            return True
    return False


def _freezes_itself(cls: ast.ClassDef) -> bool:
    """Its `__init__` turns `requires_grad` off on every parameter: `self.requires_grad_(False)`, or
    `for param in self.parameters(): param.requires_grad = flag` with `flag` False or a parameter of
    `__init__` that defaults to False (pytorch-fid's `InceptionV3`, vendored by many GAN projects)."""
    init = next((m for m in _methods(cls) if m.name == "__init__"), None)
    if init is None:
        return False
    args = init.args
    defaults = dict(zip([a.arg for a in args.args][len(args.args) - len(args.defaults):], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})

    def off(value: ast.expr) -> bool:
        if isinstance(value, ast.Name) and value.id in defaults:
            value = defaults[value.id]
        return isinstance(value, ast.Constant) and value.value is False

    for n in init.body:
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Attribute) \
                and n.value.func.attr == "requires_grad_" and _is_self_attribute(n.value.func) and n.value.args \
                and off(n.value.args[0]):
            return True
        if isinstance(n, ast.For) and isinstance(n.iter, ast.Call) and isinstance(n.iter.func, ast.Attribute) \
                and n.iter.func.attr == "parameters" and _is_self_attribute(n.iter.func) and isinstance(n.target, ast.Name):
            if any(isinstance(s, ast.Assign) and off(s.value) and any(
                    isinstance(t, ast.Attribute) and t.attr == "requires_grad" and isinstance(t.value, ast.Name)
                    and t.value.id == n.target.id for t in s.targets) for s in n.body):
                return True
    return False


def _scales_outside_decoders(text: str, spans: list[tuple[int, int]] | None) -> bool:
    """Is there pixel scaling that is not inside a function which decodes its own images?

    `spans`: (first, last) lines of every function of the file (None when it does not parse).
    """
    if not _has(text, "scaling", _IMAGE_SCALING_TEXT):
        return False
    if spans is None or not _DECODE_TEXT.search(text):
        return True
    scaling_lines = [text.count("\n", 0, m.start()) + 1 for m in _IMAGE_SCALING_TEXT.finditer(text)]
    lines = text.splitlines()
    spans = sorted(spans, key=lambda s: s[1] - s[0])
    for line in scaling_lines:
        span = next((s for s in spans if s[0] <= line <= s[1]), None)  # innermost function
        if span is None or not any(_DECODE_TEXT.search(l) for l in lines[span[0] - 1:span[1]]):
            return True
    return False


def _pipelines(calls: list[ast.Call], aliases: AliasTable, text: str) -> tuple[int, int]:
    """(non-scaling Compose pipelines, other pipelines or transform factories) of a file."""
    non_scaling = other = 0
    for node in calls:
        name = aliases.resolve(ast_dotted_name(node.func)) or ""
        if not name.endswith(".Compose") or not name.startswith(("torchvision.", "albumentations.")):
            continue
        items = node.args[0] if node.args else None
        if isinstance(items, (ast.List, ast.Tuple)) and items.elts and all(
                isinstance(e, ast.Call) and (ast_dotted_name(e.func) or "").rsplit(".", 1)[-1] in NON_SCALING_TRANSFORMS
                for e in items.elts):
            non_scaling += 1
        else:
            other += 1
    if _has(text, "factory", _TRANSFORM_FACTORY_TEXT) or _has(text, "scaling", _IMAGE_SCALING_TEXT) and re.search(
            r"\b(?:ToTensor|Normalize|ConvertImageDtype|ToDtype)\b", text):
        other += 1
    return non_scaling, other


# Fields that never hold a node worth visiting (expression contexts are shared singletons).
_SKIP_FIELDS = frozenset({"ctx"})
_FIELDS: dict[type, tuple[str, ...]] = {}
_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_DOCSTRING_OWNERS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


class _Walk:
    """Everything the facts need from a file's `ast`, gathered in ONE breadth-first walk.

    Breadth-first and in field order, like `ast.walk`, so that anything order-sensitive (imports
    feeding the alias table, two classes of the same name) comes out as `ast.walk` gave it.
    """

    def __init__(self, tree: ast.AST) -> None:
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.classes: list[ast.ClassDef] = []
        self.calls: list[ast.Call] = []
        self.spans: list[tuple[int, int]] = []  # function line spans
        self.reads: set[str] = set()
        self.loads: set[str] = set()  # `x.name` read in code, not as an alias's source
        self.aliases: set[str] = set()  # "target:source" of `self.target = self.source`
        self.prefixes: set[str] = set()
        self.built: set[str] = set()  # names called anywhere inside a class
        self.assigns: list[ast.Assign] = []
        self.tries: list[ast.Try] = []  # for the imports tried in them (`_optional_imports`)
        self.def_lines: dict[int, str] = {}  # line -> name of each def / class statement (`deadcode.summarise`)
        # calls of each `eval_mode_callees` scope (the module, each function; not class bodies or
        # lambdas), keyed by the scope's id
        self.scope_calls: dict[int, list[ast.Call]] = {}
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []  # their scopes' calls are above
        # what `if` statements test: bare names (`if classify:`), and whether one tests a constant
        # (`if False:`): `deadcode.never_taken` runs only where one could be a branch no run takes
        self.tested_names: set[str] = set()
        # attributes read off anything but `self` (`opt.ckpt_path`), string keys of dict literals and
        # command-line options (`"--ckpt-path"`): names the file may give a function's optional
        # parameter (`optionalargs`)
        self.given: set[str] = set()
        self.tests_given = False  # some `if` tests whether a name is given (`if q is not None:`, `exists(q)`)
        self.constant_ifs = False
        self._run(tree)

    def _run(self, tree: ast.AST) -> None:
        docstrings: set[int] = set()
        queue = deque([(tree, False, id(tree))])  # (node, inside a class, scope id or 0)
        popleft, append = queue.popleft, queue.append
        fields_of = _FIELDS
        AST, Attribute, Constant, JoinedStr, Call = ast.AST, ast.Attribute, ast.Constant, ast.JoinedStr, ast.Call
        Store, ClassDef, Lambda = ast.Store, ast.ClassDef, ast.Lambda
        reads, calls, scope_calls, built = self.reads, self.calls, self.scope_calls, self.built
        alias_values: set[int] = set()  # `self.valid` in `self.test = self.valid`: read as an alias only
        loads, given = self.loads, self.given
        while queue:
            node, in_class, scope = popleft()
            cls = type(node)
            if cls is Attribute:
                if not isinstance(node.ctx, Store):
                    reads.add(node.attr)
                    # an option of the run's settings (`args.test`) is no loader kept as `self.test`
                    receiver = node.value
                    if not (type(receiver) is ast.Name and receiver.id == "self"):
                        given.add(node.attr)
                    if id(node) not in alias_values and not (type(receiver) is ast.Name
                                                             and receiver.id in checkpoints.SETTINGS_NAMES):
                        loads.add(node.attr)
            elif cls is Call:
                calls.append(node)
                if scope:
                    scope_calls.setdefault(scope, []).append(node)
                if in_class:
                    name = ast_dotted_name(node.func)
                    if name:
                        last = name.rsplit(".", 1)[-1]
                        built.add(last)
                        if last == "partial" and node.args and ast_dotted_name(node.args[0]):
                            built.add(ast_dotted_name(node.args[0]).rsplit(".", 1)[-1])  # `partial(RRDB, nf=nf)`
            elif cls is Constant:
                value = node.value
                if isinstance(value, str) and id(node) not in docstrings:
                    if len(value) < 200 and _IDENTIFIER_PATH.match(value):
                        reads.update(value.split("."))
                    elif value.startswith("--") and len(value) < 64:  # an option: `Model(**vars(args))` gives it
                        given.add(value[2:].replace("-", "_"))
            elif cls is JoinedStr:
                if node.values and isinstance(node.values[0], Constant):
                    head = str(node.values[0].value).rsplit(".", 1)[-1]
                    if head.isidentifier():
                        self.prefixes.add(head)
            elif cls is ast.Import or cls is ast.ImportFrom:
                self.imports.append(node)
            elif cls is ast.Assign:
                self.assigns.append(node)
                target, value = node.targets[0], node.value
                if len(node.targets) == 1 and _is_self_attribute(target) and _is_self_attribute(value):
                    alias_values.add(id(value))
                    self.aliases.add(f"{target.attr}:{value.attr}")  # type: ignore[attr-defined]
            elif cls is ast.Try:
                self.tries.append(node)
            elif cls is ast.If:
                test = node.test
                if type(test) is ast.Name:
                    self.tested_names.add(test.id)
                    self.tests_given = True
                elif type(test) is Constant:
                    self.constant_ifs = True
                elif type(test) is ast.Compare or type(test) is Call:
                    self.tests_given = True
            elif cls is ast.Dict:
                given.update(k.value for k in node.keys if type(k) is Constant and isinstance(k.value, str))
            if isinstance(node, _DOCSTRING_OWNERS):
                if cls is not ast.Module:
                    self.def_lines[node.lineno] = node.name
                body = node.body
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, Constant):
                    docstrings.add(id(body[0].value))
                if cls is ClassDef:
                    self.classes.append(node)
                    in_class = True
                    scope = 0  # a class body is no scope of its own (eval_mode_callees)
                elif cls is not ast.Module:
                    self.spans.append((node.lineno, node.end_lineno or node.lineno))
                    self.functions.append(node)
                    scope = id(node)
            elif cls is Lambda:
                scope = 0
            names = fields_of.get(cls)
            if names is None:
                names = fields_of[cls] = tuple(f for f in cls._fields if f not in _SKIP_FIELDS)
            for name in names:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, AST):
                            append((item, in_class, scope))
                elif isinstance(value, AST):
                    append((value, in_class, scope))


# Methods that initialise (or load) the weights of the module they are called on.
_INIT_RECEIVER_METHODS = frozenset({"apply", "load_state_dict", "init_weights", "reset_parameters", "_init_weights",
                                    "initialize_weights", "_initialize_weights"})


_INIT_WORDS = frozenset({"init", "initialize", "initialise", "initialization", "initialisation"})


def is_init_name(name: str) -> bool:
    """`init_net`, `weights_init`, `_init_weights`, `initialize`, timm's `trunc_normal_`: a function
    that initialises weights by its name (`initial_conv`, `__init__` are not)."""
    if name == "__init__":
        return False
    return name.rstrip("_") == "trunc_normal" or any(w in _INIT_WORDS for w in name.lower().split("_"))


def _is_init_method(name: str) -> bool:
    """`model.init_vgg16_params(vgg16)`, `net.init_weights_from(...)`: a method named to initialise
    the receiver's parameters or weights (pytorch-semseg's FCNs copy a pretrained VGG16 this way)."""
    words = name.lower().split("_")
    return is_init_name(name) and any(w.startswith(("param", "weight")) for w in words)


def _last(node: ast.AST | None) -> str:
    name = ast_dotted_name(node)
    return name.rsplit(".", 1)[-1] if name else ""


def _construction(expr: ast.AST | None) -> ast.AST | None:
    """`Net(...).to(device).cuda()` -> the `Net(...)` call."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Call):
        expr = expr.func.value
    return expr


def _constructed_class(expr: ast.AST | None) -> str:
    """`Net(...)`, `Net(...).to(device)`, `Net(...).cuda()` -> "Net", else "". Any callee: a class
    may be named in lower case (CycleMorph's `registUnetGenerator`, initialised by `init_weights(netG)`),
    and a function's name among the initialised classes names no class."""
    expr = _construction(expr)
    if isinstance(expr, ast.Call):
        return _last(expr.func)
    return ""


def _initialised_classes(calls: list[ast.Call], assigns: list[ast.Assign]) -> frozenset[str]:
    bound: dict[str, set[str]] = {}  # a bound name (last segment) -> classes constructed into it
    for a in assigns:
        cls = _constructed_class(a.value)
        if cls:
            # `model = Seq2Seq(enc, dec)`: initialising model initialises what enc and dec hold, and
            # what it wraps (`model = nn.DataParallel(STM())`, then `model.load_state_dict(...)`)
            built = _construction(a.value)
            parts = {c for arg in built.args for c in (*bound.get(_last(arg), ()), _constructed_class(arg))} \
                if isinstance(built, ast.Call) else set()
            for t in a.targets:
                if _last(t):
                    bound.setdefault(_last(t), set()).update({cls, *parts})
    out: set[str] = set()
    for c in calls:
        func = c.func
        if isinstance(func, ast.Attribute) and func.attr == "from_pretrained":
            out.add(_last(func.value))
        if any(k.arg in ("pretrained", "weights") and not (isinstance(k.value, ast.Constant) and not k.value.value)
               for k in c.keywords):
            out.add(_constructed_class(c))
        init_method = isinstance(func, ast.Attribute) and _is_init_method(func.attr)
        if isinstance(func, ast.Attribute) and (func.attr in _INIT_RECEIVER_METHODS or init_method):
            target: ast.AST | None = func.value
            if init_method:
                # the receiver's class may be chosen at run time (`model = get_class(name)(...)`): a
                # class that defines this method is initialised by the call (".init_vgg16_params")
                out.add("." + func.attr)
        elif c.args and is_init_name(_last(func)):
            target = c.args[0]  # init_net(net), weights_init(model)
        else:
            continue
        out.add(_constructed_class(target))
        out.update(bound.get(_last(target), ()))
    out.discard("")
    return frozenset(out)


def _may_skip_branches(walked: _Walk) -> bool:
    """Could the file hold a branch no run takes (`deadcode.never_taken`): an `if` on a constant, or
    on a name the file assigns a false constant somewhere? Most files hold neither: their second
    walk is skipped."""
    if walked.constant_ifs:
        return True
    return bool(walked.tested_names) and any(
        deadcode.falsy_constant(a.value) and any(type(t) is ast.Name and t.id in walked.tested_names
                                                 for t in a.targets) for a in walked.assigns)


def _own_names(info: ModuleInfo) -> frozenset[str]:
    """Classes `info` defines and names it imports by name from a module other than torchvision /
    timm (`trainfacts.signals_of`: a ResNet so named is judged where it is defined)."""
    return frozenset({c.name for c in info.classes} | {
        name for name, target in info.aliases
        if target != name and "." in target and target.split(".")[0] not in ("torchvision", "timm")})


def file_facts(path: str, text: str, tree: ast.AST | None = None, prefix: str = "") -> FileFacts:
    """One file's facts. `prefix`: the dotted package the lint root is part of (relative imports)."""
    syntax_error: tuple[int, int, str] | None = None
    if tree is None:
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            tree = None
            syntax_error = (exc.lineno or text.count("\n", 0, max(0, text.find("\0"))) + 1, exc.offset or 1, exc.msg or "invalid syntax")  # null bytes: no lineno
        except (ValueError, MemoryError) as exc:  # null bytes; RecursionError: the caller retries deeper
            tree = None
            syntax_error = (1, 1, str(exc) or type(exc).__name__)
    imports: set[str] = set()
    info = module_info(path, text, tree, prefix) if tree is not None else unparsed_info(path, text, prefix=prefix)
    reading: set[str] = set()
    memory: set[str] = set()
    random_transforms: set[str] = set()
    compose_transforms: set[str] = set()
    repeat_transforms: set[str] = set()
    frozen: set[str] = set()
    pipelines = (0, 0)
    walked: _Walk | None = None
    train: dict[str, frozenset[str]] = {"train_signals": trainfacts.signals_of(text, _own_names(info))}
    saved: tuple[frozenset[str], bool, frozenset[str]] = (frozenset(), False, frozenset())
    loads_modules = loads_checkpoints = False
    saving: frozenset[str] = frozenset()
    handed: frozenset[str] = frozenset()
    summary: tuple[tuple[tuple[str, int, int, int, str], ...], tuple[tuple[str, ...], ...], frozenset[str]] = \
        ((), (), frozenset())
    if tree is not None:
        walked = _Walk(tree)
        summary = deadcode.summarise(tree, text, walked.def_lines)
        aliases = AliasTable()
        for node in walked.imports:  # in ast.walk order, as AliasTable.from_ast feeds them
            if isinstance(node, ast.Import):
                for a in node.names:
                    aliases.add_import(a.name, a.asname)
                imports.update(a.name.split(".")[0] for a in node.names)
            else:
                for a in node.names:
                    aliases.add_from(node.module or "", a.name, a.asname, node.level)
                if node.module and node.level == 0:
                    imports.add(node.module.split(".")[0])
        draws, calls_self = "rand" in text, "__call__" in text  # most files hold neither: skip the walks
        freezes = "requires_grad" in text
        inheriting: list[ast.ClassDef] = []
        for node in walked.classes:
            reads = _getitem_reads(node)
            if reads is not None:
                (reading if reads else memory).add(node.name)
            else:
                inheriting.append(node)
            if draws and _draws_random(node):
                random_transforms.add(node.name)
            if calls_self and _composes(node):
                compose_transforms.add(node.name)
            if calls_self and _repeats(node):
                repeat_transforms.add(node.name)
            if freezes and _freezes_itself(node):
                frozen.add(node.name)
        memory |= _inherits_memory(inheriting, memory)
        if "Compose" in text or "transform" in text:
            pipelines = _pipelines(walked.calls, aliases, text)
        train["stochastic_classes"] = trainfacts.stochastic_classes_of(
            text, [(c.name, c.lineno, c.end_lineno or c.lineno) for c in walked.classes])
        train["eval_mode_callees"] = trainfacts.eval_mode_callees_of(walked.scope_calls.values())
        train["model_passes"] = trainfacts.model_passes_of(walked.functions, walked.scope_calls)
        optional = optionalargs.scan(tree, walked.calls, walked.given, walked.tests_given)
        train.update(guarded_calls=optional.guarded, unguarded_callees=optional.unguarded,
                     given_names=optional.given, call_widths=optional.wide)
        if "no_grad" in text or "inference_mode" in text or "set_grad_enabled" in text:
            train["no_grad_callees"] = trainfacts.no_grad_callees_of(tree)
        if "resum" in text or "restart" in text:
            train["resume_callees"], train["plain_callees"] = trainfacts.resume_callees_of(tree, walked.calls)
        else:  # every call here is a plain one: a function also called here is no resume-only one
            train["plain_callees"] = trainfacts.called_names(walked.calls)
        if "optim" in text or "sgd" in text or "SGD" in text:
            train["optimizers"] = optimizers_built(walked.calls, aliases.resolve, text)
        if "save" in text:  # the scope walk only where some call is torch.save (most files have none)
            is_save = lambda c: aliases.resolve(ast_dotted_name(c.func)) in TORCH_SAVE  # noqa: E731
            if any(is_save(c) for c in walked.calls):
                saved = checkpoints.saved_files(tree, path, is_save)
                saving = checkpoints.saving_parameters(tree, path, saved[0], info.bindings if info is not None else ())
        if "load" in text:
            is_load = lambda c: aliases.resolve(ast_dotted_name(c.func)) in TORCH_LOAD  # noqa: E731
            if any(is_load(c) for c in walked.calls):
                loads_checkpoints = True
                loads_modules = checkpoints.loads_whole_modules(tree, is_load)
                handed = checkpoints.handed_names(tree)
    return FileFacts(
        path=path,
        info=info,
        calls_init=_has(text, "init", _INIT_TEXT),
        scales_images=_scales_outside_decoders(text, walked.spans if walked is not None else None),
        non_scaling_pipelines=pipelines[0],
        other_pipelines=pipelines[1],
        reading_datasets=frozenset(reading),
        memory_datasets=frozenset(memory),
        random_transforms=frozenset(random_transforms),
        compose_transforms=frozenset(compose_transforms),
        repeat_transforms=frozenset(repeat_transforms),
        frozen_classes=frozenset(frozen),
        imports=frozenset(imports),
        optional_imports=_optional_imports(walked) & frozenset(imports) if walked and walked.tries else frozenset(),
        loads_weights=_has(text, "weights", _WEIGHTS_TEXT),
        uses_batchnorm=_has(text, "batchnorm", _BATCHNORM_TEXT),
        attribute_reads=frozenset(walked.reads) if walked else frozenset(),
        attribute_prefixes=frozenset(walked.prefixes) if walked else frozenset(),
        attribute_loads=frozenset(walked.loads) if walked else frozenset(),
        attribute_aliases=frozenset(walked.aliases) if walked else frozenset(),
        built_in_classes=frozenset(walked.built) if walked else frozenset(),
        initialised_classes=_initialised_classes(walked.calls, walked.assigns) if walked else frozenset(),
        **train,
        saved_files=saved[0],
        saves_bundles=saved[1],
        saving_parameters=saving,
        handed_names=handed,
        object_checkpoint_keys=saved[2],
        loads_modules=loads_modules,
        loads_checkpoints=loads_checkpoints,
        dead_candidates=summary[0],
        candidate_mentions=summary[1],
        mentions=summary[2],
        imports_dynamically=deadcode.imports_dynamically(text),
        runs_as_script=deadcode.runs_as_script(tree, text) if summary[0] else False,
        never_taken=(deadcode.never_taken(tree) if walked is not None and _may_skip_branches(walked) else ())
        + (deadcode.needs_internal_package(tree) if walked is not None and deadcode.imports_internal_package(text) else ()),
        syntax_error=syntax_error,
    )


def merge_facts(per_file: Iterable[FileFacts], environment: Mapping[str, Declaration] | None = None,
                config_sizes: Iterable[tuple[str, StatedSize]] = (),
                released_weights: Iterable[str] | None = None, *, package: bool = False,
                config_values: Mapping[str, frozenset[str]] | None = None,
                named_elsewhere: Callable[[frozenset[str]], frozenset[str]] | None = None) -> ProjectFacts:
    """The project's facts from its files' facts, the versions it declares, the sizes its config
    files state and the weights its documents link (None: documents not read). `package`: the
    project installs as one (its public names may be API); `named_elsewhere(names)`: which of
    `names` its configs, scripts and docs hold (`deadcode`)."""
    per_file = sorted(per_file, key=lambda f: f.path)
    model = ProjectModel([f.info for f in per_file if f.info is not None], environment, config_sizes,
                         released_weights, config_values)
    scripts = {f.path for f in per_file if f.runs_as_script}
    dead = deadcode.dead_spans((deadcode.FileDefs(f.path, f.dead_candidates, f.candidate_mentions, f.mentions,
                                                  f.imports_dynamically) for f in per_file),
                               lambda rel: bool(model.importers.get(rel)) or rel in scripts, package, named_elsewhere,
                               model.readers, model.package_exports) \
        | {(f.path, first, last) for f in per_file for first, last in f.never_taken}
    return ProjectFacts(
        model=model,
        dead_code=dead,
        init_files=tuple(f.path for f in per_file if f.calls_init),
        imports=frozenset().union(*(f.imports for f in per_file)) if per_file else frozenset(),
        required_imports=frozenset().union(*(f.imports - f.optional_imports for f in per_file)) if per_file else frozenset(),
        image_scaling_files=tuple(f.path for f in per_file if f.scales_images),
        reading_dataset_classes=frozenset().union(*(f.reading_datasets for f in per_file)) if per_file else frozenset(),
        memory_dataset_classes=frozenset().union(*(f.memory_datasets for f in per_file)) if per_file else frozenset(),
        random_transform_classes=frozenset().union(*(f.random_transforms for f in per_file)) if per_file else frozenset(),
        compose_transform_classes=frozenset().union(*(f.compose_transforms for f in per_file)) if per_file else frozenset(),
        repeat_transform_classes=frozenset().union(*(f.repeat_transforms for f in per_file)) if per_file else frozenset(),
        frozen_classes=frozenset().union(*(f.frozen_classes for f in per_file)) if per_file else frozenset(),
        non_scaling_pipelines=sum(f.non_scaling_pipelines for f in per_file),
        other_pipelines=sum(f.other_pipelines for f in per_file),
        train_signals=frozenset().union(*(f.train_signals for f in per_file)) if per_file else frozenset(),
        stochastic_classes=frozenset().union(*(f.stochastic_classes for f in per_file)) if per_file else frozenset(),
        eval_mode_callees=trainfacts.passed_on(frozenset().union(*(f.eval_mode_callees for f in per_file)),
                                                 frozenset().union(*(f.model_passes for f in per_file)))
        if per_file else frozenset(),
        no_grad_callees=trainfacts.passed_on(frozenset().union(*(f.no_grad_callees for f in per_file)),
                                             frozenset().union(*(f.model_passes for f in per_file)))
        if per_file else frozenset(),
        resume_only_callees=_resume_only(per_file),
        never_given_callees=optionalargs.never_given(
            (optionalargs.OptionalArgs(f.guarded_calls, f.unguarded_callees, f.given_names, f.call_widths)
             for f in per_file), model.config_values),
        weight_loading_files=tuple(f.path for f in per_file if f.loads_weights),
        batchnorm_files=tuple(f.path for f in per_file if f.uses_batchnorm),
        attribute_reads=frozenset().union(*(f.attribute_reads for f in per_file)) if per_file else frozenset(),
        attribute_prefixes=frozenset().union(*(f.attribute_prefixes for f in per_file)) if per_file else frozenset(),
        attribute_loads=frozenset().union(*(f.attribute_loads for f in per_file)) if per_file else frozenset(),
        attribute_aliases=frozenset().union(*(f.attribute_aliases for f in per_file)) if per_file else frozenset(),
        built_in_classes=frozenset().union(*(f.built_in_classes for f in per_file)) if per_file else frozenset(),
        initialised_classes=frozenset().union(*(f.initialised_classes for f in per_file)) if per_file else frozenset(),
        conv_files=tuple(f.path for f in per_file if "conv" in f.train_signals),
        saved_files=(frozenset().union(*(f.saved_files for f in per_file)) | _handed_to_savers(per_file, model))
        if per_file else frozenset(),
        saves_bundles=any(f.saves_bundles for f in per_file),
        optimizers=frozenset().union(*(f.optimizers for f in per_file)) if per_file else frozenset(),
        object_checkpoint_keys=frozenset().union(*(f.object_checkpoint_keys for f in per_file)) if per_file else frozenset(),
        loads_modules=any(f.loads_modules for f in per_file),
        loads_checkpoints=any(f.loads_checkpoints for f in per_file),
    )


def _is_self_attribute(node: ast.AST) -> bool:
    return type(node) is ast.Attribute and type(node.value) is ast.Name and node.value.id == "self"  # type: ignore[attr-defined]


def _handed_to_savers(per_file: Sequence[FileFacts], model: ProjectModel) -> frozenset[str]:
    """`checkpoints.handed_to_savers` over the project: callees resolved by the project model."""
    saving = {f.path: f.saving_parameters for f in per_file if f.saving_parameters}
    if not saving:
        return frozenset()

    def resolve(callee: str, rel: str) -> tuple[str, str] | None:
        found = model.resolve(model.qualify(callee, rel), rel)
        return (found.rel, found.name) if found is not None and found.kind != "variable" else None

    return checkpoints.handed_to_savers({f.path: f.handed_names for f in per_file if f.handed_names}, saving, resolve)


def _resume_only(per_file: Sequence[FileFacts]) -> frozenset[str]:
    """Functions (by name) that some file calls when resuming and no file calls otherwise."""
    inside = frozenset().union(*(f.resume_callees for f in per_file)) if per_file else frozenset()
    outside = frozenset().union(*(f.plain_callees for f in per_file)) if per_file else frozenset()
    return inside - outside


def collect_facts(sources: Mapping[str, str]) -> ProjectFacts:
    """Facts for a set of files given as {posix path: text}; requirement and pyproject files among
    them declare the environment, YAML/JSON files state sizes, READMEs and shell scripts link
    published weights (or not), Python files are analysed."""
    py = {p: t for p, t in sources.items() if p.endswith((".py", ".ipynb"))}
    flats = {p: read_config_text(p, t) for p, t in sorted(sources.items()) if p.endswith(CONFIG_SUFFIXES)}
    configs = [(p, s) for p, flat in flats.items() for s in sizes_in_config(flat)]
    return merge_facts((file_facts(path, text) for path, text in py.items()),
                       declared_environment_in(sources), configs, released_weights_in(sources),
                       package=deadcode.is_package_in(sources), config_values=values_by_key(flats.values()),
                       named_elsewhere=functools.partial(deadcode.mentions_in_texts, sources))


# -- serialisation, for the cache (JSON: a cache must never execute anything) -------------------
def facts_shape() -> str:
    """A short digest of what a cached file's facts hold (FileFacts' fields, ModuleInfo's): part of
    the facts cache's key, so a cache written before a field was added or removed is not read with
    that field missing (it would silently take its empty default). Logic changes inside one release
    still need the release's version to change."""
    names = [f.name for f in fields(FileFacts)] + [f.name for f in fields(ModuleInfo)]
    # the records ModuleInfo nests are rebuilt by position: a field added to one changes the shape too
    names += [f"{key}.{f.name}" for key, record in sorted(NESTED_RECORDS.items()) for f in fields(record)]
    return hashlib.sha256(",".join(names).encode()).hexdigest()[:12]


def facts_to_json(facts: FileFacts) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in fields(FileFacts):
        value = getattr(facts, f.name)
        if isinstance(value, ModuleInfo):
            value = {"__info__": value.to_json()}
        elif isinstance(value, frozenset):
            value = {"__set__": sorted(value)}
        elif isinstance(value, Mapping):
            value = {"__map__": {k: list(v) if isinstance(v, (tuple, list)) else v for k, v in value.items()}}
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def facts_from_json(data: Mapping[str, object]) -> FileFacts:
    kw: dict[str, object] = {}
    for f in fields(FileFacts):
        if f.name not in data:
            raise ValueError(f"cached facts lack {f.name}")
        value = data[f.name]
        if isinstance(value, dict) and "__info__" in value:
            value = ModuleInfo.from_json(value["__info__"])
        elif isinstance(value, dict) and "__set__" in value:
            value = frozenset(value["__set__"])
        elif isinstance(value, dict) and "__map__" in value:
            value = {k: tuple(v) if isinstance(v, list) else v for k, v in value["__map__"].items()}
        elif isinstance(value, list):
            value = tuple(value)
        kw[f.name] = value
    return FileFacts(**kw)  # type: ignore[arg-type]


def project_facts_digest(facts: ProjectFacts) -> str:
    """A stable digest of the merged facts (sets sorted: str hashes differ between processes)."""
    payload: dict[str, object] = {}
    for f in fields(ProjectFacts):
        value = getattr(facts, f.name)
        if isinstance(value, ProjectModel):
            value = value.answers_digest()
        payload[f.name] = sorted(value) if isinstance(value, frozenset) else value
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=repr).encode()).hexdigest()[:20]
