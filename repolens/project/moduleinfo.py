"""One file's part of the project model: what it imports, defines and binds, with line evidence.

Built from the stdlib `ast` by walking statements only (never every expression node), so that lint's
facts pass and the map's summaries can both afford it on every file. Everything repo-wide (what a
base class is through a chain of repo classes, where an import leads, whether the project uses a
GPU) is decided in `repolens.project.model` from these records.

Kept picklable and JSON-serialisable (plain tuples and strings): lint caches it per file content.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterator, Mapping

from repolens.project import frameworks
from repolens.project.inputsizes import StatedSize, sizes_in_module
from repolens.project.releases import code_downloads
from repolens.pyindex.aliases import AliasTable, ast_dotted_name


@dataclass(frozen=True)
class ClassInfo:
    name: str
    line: int
    end_line: int
    bases: tuple[str, ...]  # qualified through the file's aliases ("torch.nn.Module", "pkg.mod.Base")
    methods: tuple[str, ...]
    field_count: int = 0  # annotated class-level fields (dataclass-style configs)
    decorators: tuple[str, ...] = ()
    doc: str = ""  # first line of the docstring: the author's own word on what the class is for
    # its `__getitem__` never reads the index it is given and draws at random: every item is a
    # fresh sample (a captcha generator), so no order exists for a sampler to shuffle
    draws_at_random: bool = False
    # the `self.<attr>` its `__getitem__` reads: what picks or holds the items (mcan-vqa's
    # `self.ans_list`, which its training loop shuffles in place each epoch: RL108)
    item_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Binding:
    """`self.<attr> = <value>` in a method of `owner`: what the attribute was given.

    `value` is the qualified callee for a call (`torch.utils.data.DataLoader`, `models.Net`),
    `param:<name>` for a parameter of the method, `list:<callee>` for a list/tuple of calls.
    """

    owner: str
    attr: str
    value: str
    line: int


@dataclass(frozen=True)
class KwargsDict:
    """A dict bound to a name in one scope, as `**name` would pass it: its keys and their literals.

    `conditional` lists the keys that only some paths set (`if use_cuda: kw.update(...)`);
    `complete` is False when some binding of the name could not be read (a computed dict).
    """

    scope: str  # "<module>", "main", "Trainer.fit"
    name: str
    keys: tuple[tuple[str, str], ...]  # (key, source text of its value)
    conditional: tuple[str, ...]
    complete: bool
    line: int


# An optimizer step under any name: `optimizer.step()`, `scaler.step(opt)`, `optimizer_step()`,
# a scheduled optimizer's `step_and_update_lr()` (Comprehensive-Transformer-TTS).
OPTIMIZER_STEP = re.compile(r"step\w*\(")


# A call (not a `def` or `class` line), and the words of a name that say training: `train(`,
# `model.train(`, `trainer.fit(`, `do_train(`, `run_epoch(`, `Trainer(` (not `crunch(`: a word of
# the name, split at underscores).
_CALL = re.compile(r"(?<!def )(?<!class )(?<![\w])([A-Za-z_]\w*)\s*\(")
_TRAINING_WORDS = frozenset({"train", "training", "fit", "epoch", "run"})
# a file that builds a `Trainer(` or calls `run_epochs(` trains too, though it hands its loader on later
_FILE_TRAINING_WORDS = _TRAINING_WORDS | {"trainer", "epochs"}
_TRAINING_HINT = re.compile(r"train|fit|epoch|run", re.I)  # none of them in the text: no call to read


def named_for_training(name: str, words: frozenset[str] = _TRAINING_WORDS) -> bool:
    """Does a callee's name say it trains (`train_epoch`, `fit`, `run`)? A function given a loader
    under such a name may train on it (RL108's `_trains_with`)."""
    return not words.isdisjoint(name.lower().split("_"))


def may_train(text: str) -> bool:
    """Could this file train a model: does it call `.backward(` or anything named for training
    (`Trainer(` too)? A file that does neither (loss-landscape's `plot_surface.py`, which only
    evaluates the loss around a trained model) trains with none of the loaders it gets."""
    if ".backward(" in text:
        return True
    return _TRAINING_HINT.search(text) is not None and any(named_for_training(m.group(1), _FILE_TRAINING_WORDS)
                                                           for m in _CALL.finditer(text))


def trains_in(text: str) -> bool:
    """The source of a loop trains: it calls `.backward(` and steps an optimizer. A loop that only
    calls backward reads gradients (a Fisher estimate, a saliency map, an FGSM attack)."""
    return ".backward(" in text and OPTIMIZER_STEP.search(text) is not None


@dataclass(frozen=True)
class LoopOver:
    """`for ... in <attr>` somewhere (through enumerate / tqdm / zip ...): which attribute is iterated."""

    attr: str  # the last attribute (`self.train_loader` -> "train_loader"; `loader` for a bare name)
    scope: str
    line: int
    trains: bool  # the loop body calls `.backward(` and some `step(` (a training loop)
    attribute: bool = False  # iterates an attribute (`self.loader`, `data.loader`), not a local name


@dataclass(frozen=True)
class DynamicImport:
    """`importlib.import_module("models." + name + "_model")` in `scope`: any module whose dotted
    name starts with `prefix` and ends with `suffix` may be the one imported (a registry by name)."""

    scope: str
    prefix: str
    suffix: str
    line: int


@dataclass(frozen=True)
class Evidence:
    """One observation with its place: ("gpu", 12, "`.cuda()`"), ("torch>=2.6", 3, "torch.accelerator")."""

    what: str
    line: int
    detail: str


@dataclass(frozen=True)
class ModuleInfo:
    rel: str
    module: str  # dotted module name from the path (`pkg/sub/mod.py` -> "pkg.sub.mod"); "" if not importable
    package: str  # dotted folder, for relative imports
    parsed: bool = True
    imports: tuple[str, ...] = ()  # absolute dotted modules imported (`from a import b` gives a and a.b)
    star_imports: tuple[str, ...] = ()  # modules it `from m import *`s, in order
    aliases: tuple[tuple[str, str], ...] = ()  # local name -> qualified (imports and own definitions)
    classes: tuple[ClassInfo, ...] = ()  # module-level classes (also those inside if/try blocks)
    functions: tuple[tuple[str, int], ...] = ()  # module-level functions and methods ("Net.forward", line)
    variables: tuple[tuple[str, int], ...] = ()  # module-level assigned names
    bindings: tuple[Binding, ...] = ()
    kwargs_dicts: tuple[KwargsDict, ...] = ()
    loops: tuple[LoopOver, ...] = ()
    returns: tuple[tuple[str, str], ...] = ()  # (function, qualified callee it returns a call of): factories
    # (function, index, qualified callee): the items of a returned tuple built by calls (`return train_set, val_set`)
    returned_items: tuple[tuple[str, int, str], ...] = ()
    # (called name, call "line:column", slot, what built the argument): each argument of a call of
    # a plain name or an imported module's attribute (`train(args, train_dataset, model)`, see `_arguments`); the slot is the position ("1") or keyword,
    # "*" for a `*args` / `**kwargs`, "" for a call without arguments; what built it is the qualified
    # callee of the call it is (or of the call the name was last assigned from in the scope), "?"
    # when unknown
    arguments: tuple[tuple[str, str, str, str], ...] = ()
    # (called name, call "line:column", index, read): a call's tuple unpacked into plain names
    # (`train_loader, train_loader_normal, val_loader = make_dataloader(cfg)`), and whether the scope
    # reads the name at each index (`ProjectModel.unread_returned_item`)
    unpacks: tuple[tuple[str, str, int, bool], ...] = ()
    # (called name, call "line:column") of the calls `arguments` does not see: in a `for` iterable,
    # an `if` / `while` test, a `with` item, an `assert` or a `raise` (every call of a function is
    # then known, for `unread_returned_item`)
    other_calls: tuple[tuple[str, str], ...] = ()
    # (function, pin state) for functions that return a DataLoader they build: "pinned" (pin_memory
    # given, or decided at run time), "unpinned" (not given), "false" (a literal False), "unknown" (**kwargs)
    loader_factories: tuple[tuple[str, str], ...] = ()
    dynamic_imports: tuple[DynamicImport, ...] = ()
    devices: tuple[Evidence, ...] = ()  # evidence of GPU use
    # the text moves something to a device held in a name (`.to(device)`, `.to(self.device)`,
    # `torch.device(cfg.training.device)`): chosen elsewhere, at run time or in a config. A file that
    # does not (nor `.cuda()`) runs on what its imports choose, the CPU when they choose nothing
    # (`gpu_reached`); `torch.device('cpu')` and `device=x.device` choose nothing new
    moves_to_named_device: bool = False
    torch_apis: tuple[Evidence, ...] = ()  # APIs that imply a torch version (what = "2.6")
    sizes: tuple[StatedSize, ...] = ()  # image sides and batch sizes the file states (inputsizes)
    hooks: tuple[Evidence, ...] = ()  # machinery that works through nn.Module hooks (see _HOOKS)
    downloads: tuple[Evidence, ...] = ()  # weights the code downloads (releases.code_downloads)
    pins: tuple[Evidence, ...] = ()  # host memory this file may pin (`_pin_evidence`)
    images: tuple[Evidence, ...] = ()  # the file reads or transforms images or volumes (`_image_evidence`)
    hooked: tuple[str, ...] = ()  # modules whose own hooks this file sets, by last name; "*": any (`_hooks`)
    # the file may train: it calls `.backward(`, or something named for training (`train(...)`,
    # `trainer.fit(...)`, `run_epoch(...)`, `Trainer(...)`); True where unknown (`may_train`)
    trains: bool = True

    def alias_table(self) -> dict[str, str]:
        return dict(self.aliases)

    # -- cache encoding (JSON: a cache must never execute anything) ---------------------------
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in NESTED_RECORDS:
                value = [[getattr(item, g.name) for g in fields(item)] for item in value]
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ModuleInfo":
        kw: dict[str, Any] = {}
        for f in fields(cls):
            value = data[f.name]
            if f.name in NESTED_RECORDS:
                item_cls = NESTED_RECORDS[f.name]
                value = tuple(item_cls(*(_tuplify(v) for v in row)) for row in value)
            else:
                value = _tuplify(value)
            kw[f.name] = value
        return cls(**kw)


# The fields of ModuleInfo that hold records, and the record type of each (the cache stores rows).
NESTED_RECORDS: dict[str, type] = {"classes": ClassInfo, "bindings": Binding, "kwargs_dicts": KwargsDict,
                                   "loops": LoopOver, "devices": Evidence, "torch_apis": Evidence, "hooks": Evidence,
                                   "downloads": Evidence, "pins": Evidence, "images": Evidence,
                                   "dynamic_imports": DynamicImport, "sizes": StatedSize}


def _tuplify(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


# -- evidence read from the text ------------------------------------------------------------------
# Each pattern is a kind of evidence that the project runs on a GPU; the text is searched only when
# one of the needles occurs (a substring test is far cheaper than a regex over a whole file).
_GPU_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("cuda", re.compile(r"\.cuda\(\s*\)|\.cuda\(\s*non_blocking|\.cuda\([\w.]*\)"), "moves tensors with .cuda()"),
    ("cuda", re.compile(r"""(?<![\w.])f?["']cuda(?::[\w{}.\[\]]*)?["']"""), "names the CUDA device"),
    ("cuda", re.compile(r"cuda\.is_available\(|device_count\("), "checks for CUDA"),
    ("accelerator", re.compile(r"\btorch\.accelerator\b"), "uses torch.accelerator"),
    ("accelerate", re.compile(r"^\s*(?:from\s+accelerate\b|import\s+accelerate\b)", re.M),
     "uses Hugging Face accelerate"),
    ("lightning", re.compile(r"""\baccelerator\s*=\s*["'](?:gpu|cuda|auto)["']|\bgpus\s*=\s*(?!None\b|0\b)[\w\[(-]"""),
     "asks Lightning for GPUs"),
    ("cuda", re.compile(r"""["']--(?:gpu_ids|gpu-ids|gpus|gpu)["']"""), "has a GPU option"),
    ("cuda", re.compile(r"""init_process_group\(\s*(?:backend\s*=\s*)?["']nccl["']"""), "uses NCCL"),
)
_GPU_NEEDLES = ("cuda", "accelerat", "gpu", "device_count", "nccl")
_NAMED_DEVICE = re.compile(r"""\.to\(\s*[\w.\[\]'"]*device\b|torch\.device\(\s*[A-Za-z_]""")
# APIs that exist only from a torch release on: using them says the project needs that release.
TORCH_API_MINIMUM: dict[str, tuple[int, int]] = {
    "torch.accelerator": (2, 6),
    "torch.serialization.safe_globals": (2, 5),
    "torch.serialization.add_safe_globals": (2, 4),
    "torch.amp.GradScaler": (2, 3),
    "torch.nn.attention.sdpa_kernel": (2, 3),
    "torch.export.export": (2, 1),
    "torch.compile": (2, 0),
}
_API_TEXT = re.compile(r"\b(?:torch\.accelerator|(?:torch\.serialization\.)?(?:add_)?safe_globals|torch\.amp\.GradScaler"
                       r"|sdpa_kernel|torch\.export\.export|torch\.compile)\b")


# Machinery that only works when a module is called as `module(x)`: nn.Module.__call__ runs the hooks it
# registers, `module.forward(x)` skips them (RL209 speaks only in projects that use one of these, and
# only on a receiver that may carry hooks of its own). One table, read twice by `_hooks`: as evidence
# that the project hooks at all, and for which modules carry the hooks. Each entry: (what, pattern,
# on) where `on` is "receiver" (group 1, when it matched, names the hooked module: `self.conv =
# weight_norm(...)`, `layer.register_forward_hook(...)`) or "any" (global hooks, wrappers that may hook
# every module). `torch.nn.utils.parametrizations.weight_norm` is not here: it works through a
# parametrized weight, which `.forward()` reads too.
_HOOKS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("hook", re.compile(r"([\w\]\)]+)\.register_(?:full_)?(?:forward|backward)(?:_pre)?_hook\("), "receiver"),
    ("hook", re.compile(r"register_module_forward(?:_pre)?_hook\("), "any"),
    ("weight_norm", re.compile(r"(?:([\w.]+)\s*=\s*)?(?<![\w.])(?:(?:torch\.)?nn\.utils\.)?(?:weight_norm|spectral_norm)\("),
     "receiver"),
    ("pruning", re.compile(r"\bprune\.(?:l1_unstructured|random_unstructured|ln_structured|random_structured"
                           r"|custom_from_mask|identity)\(\s*([\w.\]\[)(]+?)\s*,"), "receiver"),
    ("pruning", re.compile(r"\bprune\.global_unstructured\("), "any"),
    ("fsdp", re.compile(r"\bfully_shard\(\s*([\w.]+)"), "receiver"),
    ("fsdp", re.compile(r"\bFullyShardedDataParallel\b"), "any"),
    ("deepspeed", re.compile(r"^\s*(?:import\s+deepspeed\b|from\s+deepspeed\b)", re.M), "any"),
    ("quantization", re.compile(r"\bquantization\.prepare(?:_qat)?\(|\bprepare_qat\(|\bprepare_fx\("), "any"),
)
_HOOK_NEEDLES = ("register_", "_norm(", "prune.", "FullyShardedDataParallel", "fully_shard", "deepspeed", "prepare")
# Loop variables that range over every module of a model: a hook set on one is set on all of them.
_EVERY_MODULE = re.compile(r"\bfor\s+(?:\w+\s*,\s*)?(\w+)\s+in\s+[^:\n]*\.(?:named_)?(?:modules|children)\(")


def _hooks(text: str) -> tuple[tuple[Evidence, ...], tuple[str, ...]]:
    """(the first use of each kind of hook machinery, the modules that carry hooks of their own by
    last name, "*" for any). `.forward()` on a hooked module skips its hooks; on a container of
    them it does not (the container calls each through `__call__`). A receiver that is no plain
    name, or a loop variable over every module, gives "*"."""
    if not any(n in text for n in _HOOK_NEEDLES):
        return (), ()
    first: dict[str, re.Match[str]] = {}  # the earliest use of each kind
    names: set[str] = set()
    every = set(_EVERY_MODULE.findall(text))  # `for name, layer in model.named_modules():` -> layer
    for what, pattern, on in _HOOKS:
        if what == "pruning" and "prune.remove(" in text:
            continue  # made permanent at once (YOLO's `prune()` helper): the mask hook is gone again
        for m in pattern.finditer(text):
            if what not in first or m.start() < first[what].start():
                first[what] = m
            if on == "any":
                names.add("*")
            elif m.group(1):
                last = m.group(1).rsplit(".", 1)[-1]
                names.add(last if last.isidentifier() and last not in every else "*")
    evidence = tuple(Evidence(what, _line_of(text, m.start()), f"`{m.group(0).strip()}`")
                     for what, m in sorted(first.items(), key=lambda item: item[1].start()))
    return evidence, tuple(sorted(names))


# `pin_memory` in any role but a literal False (`pin_memory=True`, `pin_memory=args.pin_mem`,
# `{"pin_memory": True}`, `cfg.pin_memory`, `batch.pin_memory()`), and `**kw` in a DataLoader call.
_PIN_WORD = re.compile(r"pin_memory(?!['\"]?\s*[=:]\s*False\b)")
_LOADER_STAR = re.compile(r"\bDataLoader\((?:[^()]|\([^()]*\))*?\*\*\s*([A-Za-z_][\w.]*)")


def _pin_evidence(text: str, dicts: list[KwargsDict], passed_on: Mapping[tuple[str, int], str]) -> tuple[Evidence, ...]:
    """Where this file may pin host memory. A DataLoader given `**name` counts unless `name` is
    a dict this file builds completely without a `pin_memory` key (MedicalZooPytorch's `params`)
    or with a literal False one (CSI's `kwargs = {'pin_memory': False, 'num_workers': 4}`): the
    keyword may travel in there. When `name` is the `**` parameter of a module-level function of
    the file that the call sits in (`passed_on`, from `_star_parameters`: mammoth's
    `create_seeded_dataloader(args, dataset, **dataloader_args)`), the evidence is that
    function's ("kwargs-parameter"): its callers decide (`ProjectModel.pins_memory`).
    Text-level and generous: the fact it feeds says "nothing in the project pins", which must not
    be said of a project that might. A plain DataLoader call without pin_memory is no evidence (it
    counted once, because RL101's fix pins it; RL103 reads the file's own text instead, so `--fix`
    still converges in one pass on a file: `pins_in_text`)."""
    if "pin_memory" not in text and "DataLoader(" not in text:
        return ()
    out = []
    m = _PIN_WORD.search(text)
    if m:
        out.append(Evidence("pin_memory", _line_of(text, m.start()), f"`{m.group(0)}`"))
    known = {d.name for d in dicts if d.complete and "pin_memory" not in d.conditional
             and all(v.strip() == "False" for k, v in d.keys if k == "pin_memory")}
    for star in _LOADER_STAR.finditer(text):
        name = star.group(1)
        if name in known:
            continue
        line = _line_of(text, star.start())
        owner = passed_on.get((name, line))
        if owner is None:
            out.append(Evidence("kwargs", line, f"`DataLoader(..., **{name})`"))
            break
        out.append(Evidence("kwargs-parameter", line, owner))
    return tuple(out)


def _star_parameters(body: list[ast.stmt]) -> dict[tuple[str, int], str]:
    """(name, line) of each call inside a module-level function that passes the function's own `**`
    parameter on (`return DataLoader(dataset, **dataloader_args)`) -> the function's name."""
    out: dict[tuple[str, int], str] = {}
    for stmt, _ in _statements(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.args.kwarg is not None:
            kwarg = stmt.args.kwarg.arg
            for n in ast.walk(stmt):
                if isinstance(n, ast.Call) and any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg
                                                   for k in n.keywords):
                    out[(kwarg, n.lineno)] = stmt.name
    return out


def pins_in_text(text: str) -> bool:
    """Does this text pin host memory (`pin_memory` in any role but a literal False)? RL103 asks it
    of the file it checks, as it is now: after RL101's fix added `pin_memory=True` in the same
    `--fix` pass, the project's facts (read before the fix) do not know it yet."""
    return _PIN_WORD.search(text) is not None


# Reading, decoding or transforming images (or medical volumes): the calls and libraries through
# which a project's batches become pixels. Showing or saving pictures is not it (PointNet draws its
# point clouds with cv2.imshow). Generous otherwise: the fact it feeds says "no batch of this
# project is an image", which must not be said of a project that might read one.
_IMAGE_PATTERN = re.compile(
    r"\bImage\.(?:open|fromarray)\(|\bcv2\.(?:imread|imdecode|VideoCapture|resize|cvtColor|warpAffine)\("
    r"|\btorchvision\.(?:datasets|transforms|io)\b|\bfrom\s+torchvision\.(?:datasets|transforms|io)\b"
    r"|\bfrom\s+torchvision\s+import\s+[\w\s,()]*\b(?:datasets|transforms|io)\b"
    r"|\bimageio\.(?:imread|v2|v3|get_reader|mimread)\b|\bskimage\.(?:io|transform)\b|\bfrom\s+skimage\b"
    r"|\bread_image\(|\bdecode_(?:jpeg|image)\(|\b(?:import|from)\s+(?:nibabel|SimpleITK|pydicom|kornia|albumentations"
    r"|monai|tifffile|openslide)\b")
_IMAGE_NEEDLES = ("Image.", "cv2.", "imageio", "skimage", "torchvision", "read_image", "decode_", "nibabel",
                  "SimpleITK", "pydicom", "kornia", "albumentations", "monai", "tifffile", "openslide")


def _image_evidence(text: str) -> tuple[Evidence, ...]:
    """Where this file first reads, decodes or transforms images (PIL, OpenCV, torchvision,
    imageio, scikit-image, medical-volume readers); empty when it shows none."""
    if not any(n in text for n in _IMAGE_NEEDLES):
        return ()
    m = _IMAGE_PATTERN.search(text)
    return (Evidence("images", _line_of(text, m.start()), f"`{m.group(0)}`"),) if m else ()


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _gpu_evidence(text: str) -> tuple[Evidence, ...]:
    if not any(n in text for n in _GPU_NEEDLES):
        return ()
    out = []
    for what, pattern, detail in _GPU_PATTERNS:
        m = pattern.search(text)
        if m:
            out.append(Evidence(what, _line_of(text, m.start()), f"{detail}: `{m.group(0).strip()}`"))
    return tuple(out)


def _moves_to_named_device(text: str) -> bool:
    return "device" in text and _NAMED_DEVICE.search(text) is not None  # most files never name one


def _api_evidence(text: str, aliases: Mapping[str, str]) -> tuple[Evidence, ...]:
    if "torch" not in text and "safe_globals" not in text:
        return ()
    seen: set[str] = set()
    out = []
    for m in _API_TEXT.finditer(text):
        written = m.group(0)
        api = written
        if not api.startswith("torch."):
            api = aliases.get(api, "")
            if api not in TORCH_API_MINIMUM:
                continue
        if api in seen:
            continue
        seen.add(api)
        major, minor = TORCH_API_MINIMUM[api]
        out.append(Evidence(f"{major}.{minor}", _line_of(text, m.start()), api))
    return tuple(out)


# -- the statement walk --------------------------------------------------------------------------
def module_name(rel: str, prefix: str = "") -> str:
    """`pkg/sub/mod.py` -> `pkg.sub.mod`; `pkg/__init__.py` -> `pkg`; "" when not importable.
    `prefix`: the package the analysed folder itself is part of (see `import_prefix`)."""
    if not rel.endswith(".py"):
        return ""
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not all(p.isidentifier() for p in parts) or not parts and not prefix:
        return ""
    return ".".join([*([prefix] if prefix else []), *parts])


def package_of(rel: str, prefix: str = "") -> str:
    return ".".join([*([prefix] if prefix else []), *rel.split("/")[:-1]])


def import_prefix(root: Path) -> str:
    """The dotted package that the folder `root` is, when it sits inside a package.

    Linting `torchvision/` from inside it must resolve `from ..utils import x` in
    `models/resnet.py` as Python does (`torchvision.utils`), not from the folder it was run in.
    """
    parts: list[str] = []
    folder = root.resolve()
    while (folder / "__init__.py").is_file() and folder.name.isidentifier() and len(parts) < 32:
        parts.append(folder.name)
        folder = folder.parent
    return ".".join(reversed(parts))


def _nested_bodies(stmt: ast.stmt) -> Iterator[tuple[list[ast.stmt], bool]]:
    """The statement lists under a compound statement, with whether they run only conditionally."""
    if isinstance(stmt, ast.If):
        yield stmt.body, True
        yield stmt.orelse, True
    elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        yield stmt.body, True
        yield stmt.orelse, True
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        yield stmt.body, False
    elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
        yield stmt.body, False
        for h in stmt.handlers:
            yield h.body, True
        yield stmt.orelse, True
        yield stmt.finalbody, False
    elif isinstance(stmt, getattr(ast, "Match", ())):
        for case in stmt.cases:  # type: ignore[attr-defined]
            yield case.body, True


def _project_callee(b: "_Builder", call: ast.Call) -> str | None:
    """The qualified callee of a call that may be of a project function: a plain name (not a
    builtin), or an attribute of an imported module (`function.train(...)`) other than the common
    libraries'; None for any other call."""
    if not isinstance(call.func, (ast.Name, ast.Attribute)) or isinstance(call.func, ast.Name) and call.func.id in _BUILTINS:
        return None
    callee = b.qualify(call.func)
    if not callee or callee.partition(".")[0] in _LIBRARY_ROOTS:
        return None
    if isinstance(call.func, ast.Attribute) and callee == ast_dotted_name(call.func):
        # `self.f()`, `x.append()`: no import behind it; but `import dataloader` then
        # `dataloader.load_dataset(...)` qualifies to what is written too, through an import
        if not b.table.is_bound(callee):
            return None
    return callee


def _project_calls(b: "_Builder", expr: ast.AST) -> Iterator[tuple[ast.Call, str]]:
    """(call, qualified callee) for the calls in `expr` that may be of project functions."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and (callee := _project_callee(b, node)) is not None:
            yield node, callee


def _site(call: ast.Call) -> str:
    """Where a call is, as `arguments`, `unpacks` and `other_calls` record it: "line:column"."""
    return f"{call.lineno}:{call.col_offset}"


def _other_expressions(stmt: ast.stmt, module_level: bool) -> list[ast.AST]:
    """The expressions of a statement other than its `value` (which `_arguments` reads), and the
    code no scope reader reads: a function or class nested in a function, a class body's own
    statements (not its methods), decorators and default arguments."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if not module_level:
            return [stmt]  # a nested function: no scope of its own here
        return _outside_body(stmt)
    if isinstance(stmt, ast.ClassDef):
        if not module_level:
            return [stmt]
        functions = (ast.FunctionDef, ast.AsyncFunctionDef)
        return [*stmt.decorator_list, *stmt.bases, *(s for s in stmt.body if not isinstance(s, functions)),
                *(x for m in stmt.body if isinstance(m, functions) for x in _outside_body(m))]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.iter]
    if isinstance(stmt, (ast.If, ast.While)):
        return [stmt.test]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.context_expr for item in stmt.items]
    if isinstance(stmt, ast.Assert):
        return [e for e in (stmt.test, stmt.msg) if e is not None]
    if isinstance(stmt, ast.Raise):
        return [e for e in (stmt.exc, stmt.cause) if e is not None]
    return []


def _outside_body(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """What a def runs outside its body: decorators and default values."""
    return [*fn.decorator_list, *fn.args.defaults, *(d for d in fn.args.kw_defaults if d is not None)]


def _statements(body: list[ast.stmt], conditional: bool = False) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement of a scope (not of nested functions or classes), with its conditionality."""
    for stmt in body:
        yield stmt, conditional
        for sub, cond in _nested_bodies(stmt):
            yield from _statements(sub, conditional or cond)


_ITER_WRAPPERS = frozenset({"enumerate", "tqdm", "zip", "iter", "islice", "track", "progress_bar", "cycle",
                            "auto_tqdm", "trange"})


def _iterated_attr(expr: ast.expr) -> tuple[str, bool] | None:
    """`self.train_loader`, `enumerate(loader)`, `tqdm(self.data.loader, ...)` -> (the iterated
    name, whether it is an attribute)."""
    while isinstance(expr, ast.Call) and expr.args:
        name = (ast_dotted_name(expr.func) or "").rsplit(".", 1)[-1]
        if name not in _ITER_WRAPPERS:
            return None
        expr = expr.args[0]
    if isinstance(expr, ast.Attribute):
        return expr.attr, True
    if isinstance(expr, ast.Name):
        return expr.id, False
    return None


def _source(node: ast.AST) -> str:
    """An expression as source text. `ast.unparse`, not `ast.get_source_segment`: the latter splits
    the whole file on every call (quadratic: 2 minutes of a transformers map)."""
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):
        return "?"


# Methods that return the module (or a tensor of the same kind) they are called on: what a name
# bound to `model.to(device)` or a checkpoint item read through `.float()` still is (RL305, RL501, RL502).
SAME_OBJECT_METHODS = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval",
                                 "requires_grad_", "share_memory"})


def _moved_name(value: ast.expr) -> str | None:
    """`name` in `name.to(device)` / `name.cuda()` / `name.float()`: the name the value stands for."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
            and value.func.attr in SAME_OBJECT_METHODS and isinstance(value.func.value, ast.Name):
        return value.func.value.id
    return None


def _literal_keys(node: ast.expr | None) -> dict[str, str] | None:
    """The constant keys of a dict display or `dict(a=1)`, with their values' source; None if unknown."""
    if isinstance(node, ast.Dict):
        if any(k is None or not (isinstance(k, ast.Constant) and isinstance(k.value, str)) for k in node.keys):
            return None  # `{**other}` or a computed key
        return {k.value: (_source(v)) for k, v in zip(node.keys, node.values)}  # type: ignore[union-attr]
    if isinstance(node, ast.Call) and ast_dotted_name(node.func) == "dict" and not node.args:
        if any(kw.arg is None for kw in node.keywords):
            return None
        return {kw.arg: (_source(kw.value)) for kw in node.keywords if kw.arg}
    return None


class _ScopeReader:
    """Reads one scope's statements: kwargs dicts, loops, self bindings, returned calls."""

    def __init__(self, info: "_Builder", scope: str, owner: str | None, params: set[str]) -> None:
        self.b = info
        self.scope = scope
        self.owner = owner
        self.params = params
        self.dicts: dict[str, dict[str, Any]] = {}
        self.strings: dict[str, tuple[str, str]] = {}  # name -> (constant prefix, constant suffix)
        self.built: dict[str, str] = {}  # name -> qualified callee it was last assigned a call of
        self.built_calls: dict[str, ast.Call] = {}  # name -> that call (the same keys as `built`)
        self.body: list[ast.stmt] = []
        self._loads: set[str] | None = None  # the names the scope reads, on the first unpack

    def _dict(self, name: str, line: int) -> dict[str, Any]:
        return self.dicts.setdefault(name, {"keys": {}, "cond": set(), "complete": True, "line": line})

    def read(self, body: list[ast.stmt]) -> None:
        b = self.b
        self.body = body
        for stmt, cond in _statements(body):
            value = getattr(stmt, "value", None)
            if isinstance(value, ast.expr):  # before the statement's own binding: `x = f(x)` passes the old x
                self._arguments(value)
            for expr in _other_expressions(stmt, self.scope == "<module>"):
                b.other_calls.extend((callee, _site(call)) for call, callee in _project_calls(b, expr))
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    self._assign(target, stmt.value, stmt.lineno, cond)
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                self._assign(stmt.target, stmt.value, stmt.lineno, cond)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                    and stmt.target.id in self.dicts and isinstance(stmt.op, ast.BitOr):
                self._update(stmt.target.id, stmt.value, cond)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                if isinstance(call.func, ast.Attribute) and call.func.attr == "update" \
                        and isinstance(call.func.value, ast.Name) and call.func.value.id in self.dicts:
                    self._update(call.func.value.id, call.args[0] if call.args else None, cond,
                                 {kw.arg: _source(kw.value) for kw in call.keywords if kw.arg})
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                found = _iterated_attr(stmt.iter)
                if found:
                    end = stmt.end_lineno or stmt.lineno
                    segment = "\n".join(b.lines[stmt.lineno - 1:end])
                    b.loops.append(LoopOver(found[0], self.scope, stmt.lineno, trains_in(segment), found[1]))
            elif isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Call):
                callee = b.qualify(stmt.value.func)
                if callee:
                    b.returns.append((self.scope, callee))
                    self._loader_factory(callee, stmt.value)
            elif isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Tuple):
                # `return train_set, val_set`: what each item was built by (a dataset factory)
                for i, item in enumerate(stmt.value.elts):
                    callee = b.qualify(item.func) if isinstance(item, ast.Call) else \
                        self.built.get(item.id) if isinstance(item, ast.Name) else None
                    if callee:
                        b.returned_items.append((self.scope, i, callee))
                        # `return train_loader, valid_loader, ...`: the loaders' pin states too (NRI's `load_data`)
                        built = item if isinstance(item, ast.Call) else self.built_calls.get(item.id)
                        if built is not None:
                            self._loader_factory(callee, built)
            elif isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Name) and stmt.value.id in self.built:
                # `model = Transformer(...)`, its parameters initialised, `return model`: a factory too
                b.returns.append((self.scope, self.built[stmt.value.id]))
                self._loader_factory(self.built[stmt.value.id], self.built_calls[stmt.value.id])
            value = getattr(stmt, "value", None)
            if isinstance(value, ast.Call) and b.qualify(value.func) == "importlib.import_module" and value.args:
                pattern = self._pattern(value.args[0])
                if pattern is not None and (pattern[0] or pattern[1]):
                    b.dynamic_imports.append(DynamicImport(self.scope, pattern[0], pattern[1], stmt.lineno))
        for name, d in self.dicts.items():
            b.kwargs_dicts.append(KwargsDict(self.scope, name, tuple(sorted(d["keys"].items())),
                                             tuple(sorted(d["cond"])), d["complete"], d["line"]))

    def _arguments(self, expr: ast.expr) -> None:
        """Record the arguments of the calls in `expr` that may be of project functions."""
        for node, callee in _project_calls(self.b, expr):
            site = _site(node)
            slots = [("*", "?") if isinstance(arg, ast.Starred) else (str(i), self._builder(arg))
                     for i, arg in enumerate(node.args)]
            slots += [(kw.arg, self._builder(kw.value)) if kw.arg else ("*", "?") for kw in node.keywords]
            self.b.arguments.extend((callee, site, slot, built) for slot, built in slots or [("", "")])

    def _unpack(self, names: list[ast.Name], call: ast.Call) -> None:
        """`a, b, c = f(x)`: which of the names the scope reads (anywhere in it: nested functions too)."""
        callee = _project_callee(self.b, call)
        if callee is None:
            return
        if self._loads is None:
            self._loads = {n.id for stmt in self.body for n in ast.walk(stmt)
                           if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        site = _site(call)
        self.b.unpacks.extend((callee, site, i, n.id in self._loads) for i, n in enumerate(names))

    def _builder(self, arg: ast.expr) -> str:
        """What built an argument: a qualified callee; a DataLoader's with its pin state after a `#`
        (`torch.utils.data.DataLoader#false`: PIDNet's tools/train.py hands `train()` of
        utils/function.py a loader built with `pin_memory=False`)."""
        call = arg if isinstance(arg, ast.Call) else self.built_calls.get(arg.id) if isinstance(arg, ast.Name) else None
        if call is None:
            return "?"
        callee = self.b.qualify(call.func)
        if not callee:
            return "?"
        return f"{callee}#{_pin_state(call)}" if callee in frameworks.DATALOADER else callee

    def _pattern(self, expr: ast.expr) -> tuple[str, str] | None:
        """(constant prefix, constant suffix) of a string built from pieces: "a." + x + "_m", f"a.{x}"."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value, ""
        if isinstance(expr, ast.Name):
            return self.strings.get(expr.id)
        if isinstance(expr, ast.JoinedStr) and expr.values:
            first, last = expr.values[0], expr.values[-1]
            prefix = first.value if isinstance(first, ast.Constant) else ""
            suffix = last.value if isinstance(last, ast.Constant) and len(expr.values) > 1 else ""
            return str(prefix), str(suffix)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self._pattern(expr.left), self._pattern(expr.right)
            prefix = left[0] if left is not None and not left[1] else (left[0] if left else "")
            suffix = right[1] if right is not None and right[1] else (
                right[0] if right is not None and isinstance(expr.right, ast.Constant) else "")
            return prefix, suffix
        return None

    def _loader_factory(self, callee: str, call: ast.Call) -> None:
        """Record the pin state of a DataLoader this scope builds and returns (`get_loader()`)."""
        if callee in frameworks.DATALOADER:
            self.b.loader_factories.append((self.scope, _pin_state(call)))

    def _assign(self, target: ast.expr, value: ast.expr, line: int, cond: bool) -> None:
        b = self.b
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call) \
                and all(isinstance(t, ast.Name) for t in target.elts):
            self._unpack(target.elts, value)  # type: ignore[arg-type]
        if isinstance(target, ast.Name):
            callee = b.qualify(value.func) if isinstance(value, ast.Call) else ""
            moved = _moved_name(value)
            if moved is not None and moved in self.built:
                # `model = model.to(DEVICE)`: a module's `.to()` / `.cuda()` returns the module itself,
                # so `model` is still what `RNN(...)` built (a tensor's returns a copy of the same kind)
                self.built[target.id] = self.built[moved]
                self.built_calls[target.id] = self.built_calls[moved]
            elif callee:
                self.built[target.id] = callee
                self.built_calls[target.id] = value  # type: ignore[assignment]
            else:
                self.built.pop(target.id, None)
                self.built_calls.pop(target.id, None)
        if isinstance(target, ast.Name) and isinstance(value, (ast.BinOp, ast.JoinedStr)):
            pattern = self._pattern(value)
            if pattern is not None:
                self.strings[target.id] = pattern
        if isinstance(target, ast.Name):
            keys = _literal_keys(value)
            if keys is not None:
                d = self._dict(target.id, line)
                if not cond:
                    d["keys"].clear()
                    d["cond"].clear()
                d["keys"].update(keys)
                if cond:
                    d["cond"].update(keys)
            elif target.id in self.dicts:
                self.dicts[target.id]["complete"] = False
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id in self.dicts:
            key = target.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                d = self.dicts[target.value.id]
                d["keys"][key.value] = _source(value)
                if cond:
                    d["cond"].add(key.value)
            else:
                self.dicts[target.value.id]["complete"] = False
        elif self.owner and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                and target.value.id == "self":
            bound = self._binding_value(value)
            if bound:
                b.bindings.append(Binding(self.owner, target.attr, bound, line))

    def _update(self, name: str, value: ast.expr | None, cond: bool, extra: dict[str, str] | None = None) -> None:
        d = self.dicts[name]
        keys = dict(extra or {})
        if value is not None:
            got = _literal_keys(value)
            if got is None and isinstance(value, ast.Name) and value.id in self.dicts:
                other = self.dicts[value.id]
                got = dict(other["keys"])
                if not other["complete"]:
                    d["complete"] = False
                if cond is False:
                    d["cond"].update(other["cond"])
            if got is None:
                d["complete"] = False
                got = {}
            keys.update(got)
        d["keys"].update(keys)
        if cond:
            d["cond"].update(keys)

    def _binding_value(self, value: ast.expr) -> str | None:
        b = self.b
        if isinstance(value, ast.Call):
            callee = b.qualify(value.func)
            return callee or None
        if isinstance(value, ast.Name) and value.id in self.params:
            return f"param:{value.id}"
        if isinstance(value, (ast.List, ast.Tuple)) and value.elts and all(isinstance(e, ast.Call) for e in value.elts):
            callee = b.qualify(value.elts[0].func)  # type: ignore[attr-defined]
            return f"list:{callee}" if callee else None
        return None


class _Builder:
    def __init__(self, rel: str, tree: ast.Module, text: str, prefix: str = "") -> None:
        self.rel = rel
        self.text = text
        self.lines = text.splitlines()
        self.package = package_of(rel, prefix)
        self.module = module_name(rel, prefix)
        self.table = AliasTable(self.package)
        self.imports: set[str] = set()
        self.classes: list[ClassInfo] = []
        self.functions: list[tuple[str, int]] = []
        self.variables: list[tuple[str, int]] = []
        self.bindings: list[Binding] = []
        self.kwargs_dicts: list[KwargsDict] = []
        self.loops: list[LoopOver] = []
        self.returns: list[tuple[str, str]] = []
        self.returned_items: list[tuple[str, int, str]] = []
        self.arguments: list[tuple[str, str, str, str]] = []
        self.unpacks: list[tuple[str, str, int, bool]] = []
        self.other_calls: list[tuple[str, str]] = []
        self.loader_factories: list[tuple[str, str]] = []
        self.dynamic_imports: list[DynamicImport] = []
        self._tree = tree

    def qualify(self, node: ast.expr) -> str:
        return self.table.resolve(ast_dotted_name(node)) or ""

    def build(self) -> ModuleInfo:
        tree = self._tree
        scopes: list[tuple[list[ast.stmt], str, str | None, set[str]]] = [(tree.body, "<module>", None, set())]
        defined: list[str] = []
        # Imports anywhere in the module's statements (also inside functions: lazy imports).
        for stmt, _ in _statements_deep(tree.body):
            if isinstance(stmt, ast.Import):
                for a in stmt.names:
                    self.table.add_import(a.name, a.asname)
                    self.imports.add(a.name)
            elif isinstance(stmt, ast.ImportFrom):
                base = self.table.absolute(stmt.module or "", stmt.level)
                for a in stmt.names:
                    self.table.add_from(stmt.module or "", a.name, a.asname, stmt.level)
                self.imports.add(base)
                self.imports.update(f"{base}.{a.name}" for a in stmt.names if a.name != "*")
        for stmt, _ in _statements(tree.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.append((stmt.name, stmt.lineno))
                defined.append(stmt.name)
                scopes.append((stmt.body, stmt.name, None, _params(stmt)))
            elif isinstance(stmt, ast.ClassDef):
                defined.append(stmt.name)
                self.classes.append(self._class(stmt))
                for item in stmt.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        qual = f"{stmt.name}.{item.name}"
                        self.functions.append((qual, item.lineno))
                        scopes.append((item.body, qual, stmt.name, _params(item)))
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        defined.append(t.id)
                        self.variables.append((t.id, stmt.lineno))
        if self.module:
            for name in defined:
                self.table.add_local(name, f"{self.module}.{name}")
        # Class bases were qualified before the local names were known: bases defined in this
        # same file (`class B(A)` with A below or above) resolve to this module's names now.
        self.classes = [_requalify(c, self.table) for c in self.classes]
        for body, scope, owner, params in scopes:
            _ScopeReader(self, scope, owner, params).read(body)
        aliases = self.table.names
        hooks = _hooks(self.text)
        return ModuleInfo(
            rel=self.rel, module=self.module, package=self.package, parsed=True,
            imports=tuple(sorted(self.imports)), star_imports=tuple(self.table.star_modules),
            aliases=tuple(sorted(aliases.items())), classes=tuple(self.classes),
            functions=tuple(self.functions), variables=tuple(self.variables),
            bindings=tuple(self.bindings), kwargs_dicts=tuple(self.kwargs_dicts), loops=tuple(self.loops),
            returns=tuple(self.returns), returned_items=tuple(self.returned_items), arguments=tuple(self.arguments),
            unpacks=tuple(self.unpacks), other_calls=tuple(self.other_calls), loader_factories=tuple(self.loader_factories),
            dynamic_imports=tuple(self.dynamic_imports),
            devices=_gpu_evidence(self.text), moves_to_named_device=_moves_to_named_device(self.text),
            torch_apis=_api_evidence(self.text, aliases),
            sizes=sizes_in_module(tree, self.table, self.text),
            hooks=hooks[0],
            downloads=tuple(Evidence("weights", line, what) for line, what in code_downloads(self.text)),
            pins=_pin_evidence(self.text, self.kwargs_dicts,
                               _star_parameters(tree.body) if "DataLoader(" in self.text and "**" in self.text else {}),
            images=_image_evidence(self.text),
            hooked=hooks[1],
            trains=may_train(self.text),
        )

    def _class(self, node: ast.ClassDef) -> ClassInfo:
        methods = tuple(n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
        field_count = sum(1 for n in node.body if isinstance(n, ast.AnnAssign))
        decorators = tuple(filter(None, (self.qualify(d.func if isinstance(d, ast.Call) else d)
                                         for d in node.decorator_list)))
        doc = (ast.get_docstring(node, clean=False) or "").strip()
        getitem = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__getitem__"), None)
        return ClassInfo(node.name, node.lineno, node.end_lineno or node.lineno,
                         tuple(_base_names(node.bases)), methods, field_count, decorators,
                         doc.split("\n", 1)[0][:160], getitem is not None and _draws_at_random(getitem),
                         _self_attributes(getitem) if getitem is not None else ())


def _self_attributes(fn: ast.FunctionDef) -> tuple[str, ...]:
    """The `self.<attr>` names a method reads, sorted."""
    return tuple(sorted({n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)
                         and isinstance(n.value, ast.Name) and n.value.id == "self"}))


# Calls that draw at random (`random.choice`, `np.random.randint`, `torch.rand`, `rng.normal`).
_RANDOM_CALL = re.compile(r"(?:^|\.)(?:random|rand\w*|choices?|sample|uniform|normal|permutation|shuffle)$")


def _draws_at_random(getitem: ast.FunctionDef) -> bool:
    """`def __getitem__(self, index)` whose body never reads `index` and calls a random draw: each
    item is generated afresh (ypwhs/captcha_break's `CaptchaDataset` renders a random string)."""
    params = getitem.args.posonlyargs + getitem.args.args
    if len(params) != 2 or getitem.args.vararg is not None:
        return False
    index = params[1].arg
    body = [n for stmt in getitem.body for n in ast.walk(stmt)]
    if any(isinstance(n, ast.Name) and n.id == index for n in body):
        return False
    return any(isinstance(n, ast.Call) and _RANDOM_CALL.search(ast_dotted_name(n.func) or "") for n in body)


def _base_names(bases: list[ast.expr]) -> list[str]:
    """Bases as written (`nn.Module`, `Dataset[int]` -> `Dataset`); qualified later."""
    out = []
    for b in bases:
        if isinstance(b, ast.Subscript):  # `Dataset[int]`, `Generic[T]`
            b = b.value
        name = ast_dotted_name(b)
        if name:
            out.append(name)
    return out


def _requalify(c: ClassInfo, table: AliasTable) -> ClassInfo:
    bases = tuple(filter(None, (table.resolve(b) for b in c.bases)))
    return ClassInfo(c.name, c.line, c.end_line, bases, c.methods, c.field_count, c.decorators, c.doc,
                     c.draws_at_random, c.item_attributes)


_BUILTINS = frozenset(dir(builtins))
# Modules whose functions are never the project's: their calls are not recorded as call sites.
_LIBRARY_ROOTS = frozenset({"torch", "numpy", "os", "sys", "math", "random", "json", "time", "re", "logging", "copy",
                            "shutil", "pickle", "collections", "itertools", "functools", "torchvision", "PIL", "cv2",
                            "scipy", "sklearn", "matplotlib", "pandas", "tqdm", "argparse", "glob", "yaml", "h5py",
                            "warnings", "datetime", "pathlib", "subprocess", "typing", "tensorflow", "transformers",
                            "timm", "einops", "wandb", "tensorboardX", "torchaudio", "skimage", "imageio", "lmdb"})


def _pin_state(call: ast.Call) -> str:
    """A DataLoader call's pin state: "pinned" (pin_memory given, or decided at run time),
    "unpinned" (not given), "false" (a literal False), "unknown" (it may be in **kwargs)."""
    kws = {kw.arg: kw.value for kw in call.keywords}
    pin = kws.get("pin_memory", call.args[7] if len(call.args) > 7 else None)
    if pin is None:
        return "unknown" if None in kws or any(isinstance(a, ast.Starred) for a in call.args) else "unpinned"
    return "false" if isinstance(pin, ast.Constant) and pin.value is False else "pinned"


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    a = fn.args
    return {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]}


def _statements_deep(body: list[ast.stmt]) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement, inside functions and classes too (imports can be anywhere)."""
    for stmt, cond in _statements(body):
        yield stmt, cond
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _statements_deep(stmt.body)


def module_info(rel: str, text: str, tree: ast.Module | None = None, prefix: str = "") -> ModuleInfo:
    """The file's record; a file that does not parse gives an empty, `parsed=False` one.
    `prefix`: the dotted package the analysed root folder is (`import_prefix`), "" for none."""
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return unparsed_info(rel, text, prefix=prefix)
    return _Builder(rel, tree, text, prefix).build()


def unparsed_info(rel: str, text: str, classes: tuple[ClassInfo, ...] = (), prefix: str = "") -> ModuleInfo:
    """What is known of a file that does not parse: its place and text evidence (no structure)."""
    return ModuleInfo(rel=rel, module=module_name(rel, prefix), package=package_of(rel, prefix), parsed=False,
                      classes=classes, devices=_gpu_evidence(text), moves_to_named_device=_moves_to_named_device(text))
