"""The input sizes a project states: image sides and batch sizes, as written in its command-line
defaults (`--img_size 64`), its config files (`data_params: {patch_size: 64}`), the datasets it
builds (`datasets.CIFAR10(...)`: 32 px) and its resize/crop transforms (`RandomResizedCrop(224)`).

Several lint rules are worth acting on only when tensors are large: an in-place activation saves
one feature map, a pinned loader saves a copy of one batch, cudnn's autotuner pays off on big
convolutions. A 28-64 px demo gains nothing measurable from any of them, and was judged so on real
code (issue #8). These statements are what the project says about the sizes; nothing is run, and a
size passed on the command line at run time is invisible (the defaults are what is read).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from repolens.project.cli_options import cli_options
from repolens.project.configfiles import read_config, values_by_key
from repolens.project.treewalk import project_files
from repolens.pyindex.aliases import AliasTable, ast_dotted_name

# Names that hold an image side: img_size, image_size, imsize, crop_size, load_size, fine_size,
# hr_height, img_height, train_crop_size, resolution, imgsz. Not `input_size` (an RNN's or MLP's
# feature count as often as an image side) and not a bare `size`.
IMAGE_SIDE_NAME = re.compile(
    r"^(?:[a-z]+_)*(?:img|image|im|crop|resize|load|fine|hr)_?(?:size|side|res|resolution|height|width|h|w)$"
    r"|^(?:[a-z]+_)?resolution$|^imgsz$", re.I)
# `patch_size` is the crop a dataset cuts (super-resolution, VAEs) under a data section, a ViT's
# patch elsewhere: it counts only under a key path that names data.
PATCH_NAME = re.compile(r"^patch_?size$", re.I)
DATA_SECTION = re.compile(r"(?:^|[._])data(?:set)?(?:_?params|_?config|_?args)?(?:$|[._])", re.I)
BATCH_NAME = re.compile(r"^(?:train_|per_device_train_|global_|total_|micro_|per_gpu_train_)?batch_?size$|^bs$|^batchsize$",
                        re.I)
# A side read off a PIL / OpenCV resize is believed in this range (not a flag or a count).
MIN_SIDE, MAX_SIDE = 8, 4096
# torchvision's in-memory datasets and their image side.
DATASET_SIDES: Mapping[str, int] = {
    "MNIST": 28, "FashionMNIST": 28, "KMNIST": 28, "EMNIST": 28, "QMNIST": 28, "USPS": 16,
    "CIFAR10": 32, "CIFAR100": 32, "SVHN": 32, "STL10": 96,
}
# Those of them whose images have one channel (a batch is a third of an RGB batch of that side).
GREY_DATASETS = frozenset({"MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "USPS"})
# torchvision transforms that set the image side, by their first argument (`size`).
SIZING_TRANSFORMS = frozenset({"Resize", "RandomResizedCrop", "CenterCrop", "RandomCrop", "RandomSizedCrop", "Scale"})
_NEEDLES = tuple(sorted(SIZING_TRANSFORMS | set(DATASET_SIDES) | {"resize"}))
# Config files looked at for stated sizes: where projects keep them, and how many at most.
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
MAX_CONFIG_FILES = 200
MAX_CONFIG_DEPTH = 4


@dataclass(frozen=True)
class StatedSize:
    """One size the project states: ("image", 64, 12, "--img_size default 64", "img_size")."""

    kind: str  # "image" | "batch"
    value: int
    line: int
    detail: str
    name: str = ""  # the option's destination or the config key (`batch_size`); "" for a dataset
    channels: int = 3  # of an image size: 1 for a greyscale torchvision dataset (MNIST)


def size_kind(key: str, section: str = "") -> str | None:
    """What a name holds: "image" (a side), "batch", or None. `section`: the dotted key path above it."""
    if IMAGE_SIDE_NAME.match(key):
        return "image"
    if PATCH_NAME.match(key) and DATA_SECTION.search(section):
        return "image"
    if BATCH_NAME.match(key):
        return "batch"
    return None


def _int_of(value: object) -> int | None:
    """An int, or the largest of a pair of ints ((256, 256), [512, 512]); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return max(value) if max(value) > 0 else None
    return None


def _literal(node: ast.expr | None) -> object:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        return None


def sizes_in_module(tree: ast.Module, aliases: AliasTable, text: str | None = None) -> tuple[StatedSize, ...]:
    """Sizes a Python file states: its argparse defaults, sizes it sets on its settings object
    (`args.image_size = 64`), its module-level batch-size constants (`batch_size = 64`), the torchvision datasets it builds and the sizes of its torchvision
    resize/crop transforms (a literal, or a name bound to one: a module constant `re_size = 64`, a
    parameter default `def make_dataset(..., resize=64)`). `text`, when given, lets the walks be
    skipped where the names they look for do not occur (most files)."""
    out: list[StatedSize] = []
    for opt in cli_options(tree) if text is None or "add_argument" in text else ():
        # `--batch 16` (glow-pytorch, vq-vae-2): an option named just "batch" is its batch size; a
        # bare `batch` elsewhere in code is as often the batch itself, so only options count.
        kind = size_kind(opt.dest) or ("batch" if opt.dest.lower() == "batch" else None)
        value = _int_of(_literal(opt.default)) if kind else None
        if kind and value:
            out.append(StatedSize(kind, value, opt.node.lineno, f"{opt.options[-1]} default {value}", opt.dest))
    constants: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = _int_of(_literal(stmt.value))
            if value:
                name = stmt.targets[0].id
                constants[name] = value
                if BATCH_NAME.match(name):
                    out.append(StatedSize("batch", value, stmt.lineno, f"{name} = {value}", name))
    if text is None or _SETTING_ASSIGN.search(text):
        out.extend(_settings_sizes(tree))
    if (text is None or any(name in text for name in _NEEDLES)) \
            and any(v.startswith(("torchvision", "PIL", "cv2")) for v in aliases.names.values()):  # most files: nothing to look at
        _torchvision_sizes(tree, constants, aliases, out)
    return tuple(out)


# The objects that carry a run's settings, and a text test for an integer assigned to one of them.
_SETTINGS_OBJECTS = frozenset({"args", "opt", "opts", "config", "cfg", "hparams", "hp", "params", "options"})
_SETTING_ASSIGN = re.compile(r"\b(?:args|opts?|config|cfg|hparams|hp|params|options)\.\w+\s*=\s*\d")


def _settings_sizes(tree: ast.Module) -> list[StatedSize]:
    """Sizes set in code on the run's settings object, anywhere in the file (`args.image_size = 64`,
    `args.batch_size = 12` in a `launch()` that builds the arguments instead of parsing them:
    dome272's diffusion tutorial)."""
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute)):
            continue
        target = node.targets[0]
        if not (isinstance(target.value, ast.Name) and target.value.id in _SETTINGS_OBJECTS):
            continue
        kind, value = size_kind(target.attr), _int_of(_literal(node.value))
        if kind and value:
            out.append(StatedSize(kind, value, node.lineno, f"{target.value.id}.{target.attr} = {value}", target.attr))
    return out


def _torchvision_sizes(tree: ast.Module, constants: dict[str, int], aliases: AliasTable,
                       out: list[StatedSize]) -> None:
    """The torchvision datasets and resize/crop transforms of the file, in one walk; a transform's
    size may be a name: a module constant, or a parameter default of the function it is in."""
    stack: list[tuple[ast.AST, Mapping[str, int]]] = [(tree, constants)]
    while stack:
        node, names = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.append((child, _with_defaults(child, constants)))
                continue
            if isinstance(child, ast.Call):
                found = _torchvision_size(child, names, aliases)
                if found is not None:
                    out.append(found)
            stack.append((child, names))


def _torchvision_size(node: ast.Call, names: Mapping[str, int], aliases: AliasTable) -> StatedSize | None:
    qualified = aliases.resolve(ast_dotted_name(node.func))
    if not qualified:
        return None
    last = qualified.rsplit(".", 1)[-1]
    if qualified.startswith("torchvision.datasets") and last in DATASET_SIDES:
        return StatedSize("image", DATASET_SIDES[last], node.lineno, f"torchvision {last} ({DATASET_SIDES[last]} px)",
                          channels=1 if last in GREY_DATASETS else 3)
    if qualified.startswith("torchvision.transforms") and last in SIZING_TRANSFORMS:
        size = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "size"), None)
        value = _int_of(_literal(_bound(size, names)))
        if value:
            return StatedSize("image", value, node.lineno, f"{last}({value})")
    if qualified == "cv2.resize" or (last == "resize" and _pil_resize(node, aliases)):
        # `cv2.resize(img, (w, h))`, PIL's `image.resize((28, 28), resample=Image.LANCZOS)`: the side a
        # dataset resizes its images to (LearningToCompare's Omniglot loader, 28 px)
        size = (node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "dsize"), None)) \
            if qualified == "cv2.resize" else (node.args[0] if node.args else None)
        if isinstance(size, (ast.Tuple, ast.List)) and len(size.elts) == 2:
            value = _int_of(_literal(_bound(size, names)))
            if value and MIN_SIDE <= value <= MAX_SIDE:
                return StatedSize("image", value, node.lineno, f"{last}({value})")
    return None


def _pil_resize(node: ast.Call, aliases: AliasTable) -> bool:
    """`x.resize((w, h), resample=...)` or `x.resize((w, h), Image.BILINEAR)` in a file that imports
    PIL: an image's resize (a NumPy array's takes no resampling filter)."""
    if not isinstance(node.func, ast.Attribute) or not any(v.startswith("PIL") for v in aliases.names.values()):
        return False
    if any(k.arg == "resample" for k in node.keywords):
        return True
    return len(node.args) > 1 and (aliases.resolve(ast_dotted_name(node.args[1])) or "").startswith("PIL.")


def _with_defaults(fn: ast.FunctionDef | ast.AsyncFunctionDef, constants: Mapping[str, int]) -> dict[str, int]:
    """The names a function can read as ints: module constants, then its own parameter defaults."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    names = dict(constants)
    for arg, default in [*zip(positional[len(positional) - len(a.defaults):], a.defaults),
                         *((k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None)]:
        value = _int_of(_literal(default))
        if value:
            names[arg.arg] = value
        else:
            names.pop(arg.arg, None)
    return names


def _bound(node: ast.expr | None, names: Mapping[str, int]) -> ast.expr | None:
    """`re_size` -> its int, `(resize, resize)` -> the pair, as literals; other nodes unchanged."""
    if isinstance(node, ast.Name) and node.id in names:
        return ast.Constant(names[node.id])
    if isinstance(node, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) and e.id in names for e in node.elts):
        return ast.Tuple([ast.Constant(names[e.id]) for e in node.elts], ast.Load())  # type: ignore[union-attr]
    return node


def sizes_in_config(flat: Mapping[str, tuple[str, int]]) -> list[StatedSize]:
    """Sizes a config file states (`{dotted.key: (value as written, line)}`)."""
    out = []
    for dotted, (text, line) in flat.items():
        section, _, key = dotted.rpartition(".")
        kind = size_kind(key, section)
        if kind is None:
            continue
        try:
            value = _int_of(ast.literal_eval(text))
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            continue
        if value:
            out.append(StatedSize(kind, value, line, f"{dotted}: {text}", key))
    return out


def config_files(folder: Path) -> Iterator[Path]:
    """The YAML/JSON files under `folder`, nearest first (a bounded walk: `treewalk.project_files`)."""
    return project_files(folder, lambda name: name.lower().endswith(CONFIG_SUFFIXES), MAX_CONFIG_FILES,
                         MAX_CONFIG_DEPTH)


def config_facts_at(folder: Path) -> tuple[tuple[tuple[str, StatedSize], ...], dict[str, frozenset[str]]]:
    """What the project's config files say, each file read once: the sizes they state ((file
    relative to `folder`, size) pairs) and the values each key takes (`configfiles.values_by_key`)."""
    sizes, flats = [], []
    for path in config_files(folder):
        flat = read_config(path)
        sizes.extend((path.relative_to(folder).as_posix(), s) for s in sizes_in_config(flat))
        flats.append(flat)
    return tuple(sizes), values_by_key(flats)
