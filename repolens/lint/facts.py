"""Project-wide facts, gathered in one cheap pass before the per-file rules run.

A rule judges a file in context: pin_memory only matters in a project that moves tensors to
CUDA; min-max scaling only hurts where medical or remote-sensing images are read. Facts come from
`ast` (about ten times faster than libcst) and from plain text, one summary per file, so they
can be cached per file content and merged.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from repolens.pyindex.aliases import AliasTable, ast_dotted_name

MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module", "lightning.LightningModule",
                          "pytorch_lightning.LightningModule", "lightning.pytorch.LightningModule"})
DATASET_BASES = frozenset({"torch.utils.data.Dataset", "torch.utils.data.IterableDataset",
                           "torch.utils.data.dataset.Dataset", "torchvision.datasets.VisionDataset",
                           "torchvision.datasets.vision.VisionDataset"})
SCIENTIFIC_IMAGE_MODULES = frozenset({"nibabel", "pydicom", "SimpleITK", "rasterio", "osgeo", "gdal",
                                      "tifffile", "medpy", "monai"})
_CUDA_TEXT = re.compile(r"""\.cuda\(|["']cuda(?::\d+)?["']|cuda\.is_available\(|device_count\(""")
_INIT_TEXT = re.compile(r"\binit\.(?:xavier|kaiming|normal_|uniform_|trunc_normal_|orthogonal_|constant_|zeros_|ones_)"
                        r"|\b_init_weights\b|\breset_parameters\b|\binit_weights\b")


@dataclass(frozen=True)
class FileFacts:
    """What one file contributes to the project's facts (cacheable by content)."""

    path: str
    uses_cuda: bool = False
    calls_init: bool = False
    imports: frozenset[str] = frozenset()  # top-level module names imported
    # class name -> qualified base names as written/resolved in this file
    classes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectFacts:
    uses_cuda: bool = False
    cuda_evidence: tuple[str, ...] = ()  # paths of files that move tensors to CUDA
    init_files: tuple[str, ...] = ()  # files that call nn.init / define an init routine
    imports: frozenset[str] = frozenset()
    module_classes: frozenset[str] = frozenset()  # class names that are nn.Module subclasses
    dataset_classes: frozenset[str] = frozenset()  # class names that are Dataset subclasses

    @property
    def reads_scientific_images(self) -> bool:
        return bool(self.imports & SCIENTIFIC_IMAGE_MODULES)

    @property
    def calls_init(self) -> bool:
        return bool(self.init_files)


def file_facts(path: str, text: str, tree: ast.AST | None = None) -> FileFacts:
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            tree = None
    imports: set[str] = set()
    classes: dict[str, tuple[str, ...]] = {}
    if tree is not None:
        aliases = AliasTable.from_ast(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imports.add(node.module.split(".")[0])
            elif isinstance(node, ast.ClassDef):
                bases = tuple(filter(None, (aliases.resolve(ast_dotted_name(b)) for b in node.bases)))
                classes[node.name] = bases
    return FileFacts(
        path=path,
        uses_cuda=bool(_CUDA_TEXT.search(text)),
        calls_init=bool(_INIT_TEXT.search(text)),
        imports=frozenset(imports),
        classes=classes,
    )


def _subclasses(all_classes: Mapping[str, set[str]], roots: frozenset[str]) -> frozenset[str]:
    """Class names reachable from `roots` through the repo's inheritance (by last name segment)."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, bases in all_classes.items():
            if name in found:
                continue
            if bases & roots or any(b.rsplit(".", 1)[-1] in found for b in bases):
                found.add(name)
                changed = True
    return frozenset(found)


def merge_facts(per_file: Iterable[FileFacts]) -> ProjectFacts:
    per_file = sorted(per_file, key=lambda f: f.path)
    all_classes: dict[str, set[str]] = {}
    for f in per_file:
        for name, bases in f.classes.items():
            all_classes.setdefault(name, set()).update(bases)
    cuda = tuple(f.path for f in per_file if f.uses_cuda)
    return ProjectFacts(
        uses_cuda=bool(cuda),
        cuda_evidence=cuda,
        init_files=tuple(f.path for f in per_file if f.calls_init),
        imports=frozenset().union(*(f.imports for f in per_file)) if per_file else frozenset(),
        module_classes=_subclasses(all_classes, MODULE_BASES),
        dataset_classes=_subclasses(all_classes, DATASET_BASES),
    )


def collect_facts(sources: Mapping[str, str]) -> ProjectFacts:
    """Facts for a set of files given as {posix path: text}."""
    return merge_facts(file_facts(path, text) for path, text in sources.items())
