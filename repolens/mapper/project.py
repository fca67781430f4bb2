"""Repo-wide facts from the per-file summaries: modules, who imports whom, class kinds.

Import resolution follows what Python would do for the ways research code is run: a script's own
folder first (`python train.py` puts it on sys.path, so `import model` finds its sibling), then the
repository root, then any package folder deeper in the tree (`src/` layouts, `tools/` scripts that
import the package), picking the shortest match when several files could answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from repolens.mapper.summary import ClassInfo, FileSummary

# Qualified bases that make a class a torch module / dataset without looking further.
_MODULE_EXACT = frozenset({
    "torch.nn.Module", "torch.nn.modules.module.Module", "lightning.LightningModule",
    "pytorch_lightning.LightningModule", "lightning.pytorch.LightningModule", "pl.LightningModule",
    "transformers.PreTrainedModel", "transformers.modeling_utils.PreTrainedModel",
    "timm.models.layers.Module", "flax.linen.Module", "nn.Module", "Module",
    # OpenMMLab's bases are nn.Modules too (mmengine / mmcv).
    "mmengine.model.BaseModel", "mmengine.model.BaseModule", "mmengine.model.base_model.BaseModel",
    "mmcv.runner.BaseModule", "mmcv.runner.base_module.BaseModule",
})
_MODULE_PREFIXES = ("torch.nn.", "torchvision.models.", "timm.models.", "timm.layers.", "transformers.models.")
_NOT_MODULE_PREFIXES = ("torch.nn.functional", "torch.nn.init", "torch.nn.utils", "torch.nn.parameter")
_DATASET_SUFFIXES = ("Dataset", "Sampler", "DataLoader", "DataModule", "IterableDataset")
_DATASET_PREFIXES = ("torch.utils.data.", "torchvision.datasets.", "datasets.", "torchdata.", "mmengine.dataset.")
_TRANSFORM_PREFIXES = ("torchvision.transforms", "albumentations")
_CONFIG_EXACT_SUFFIXES = ("Config", "PretrainedConfig", "CfgNode", "Configuration", "Args", "Arguments")

ClassKind = str  # "module" | "dataset" | "transform" | "config" | "test" | ""


@dataclass(frozen=True)
class Definition:
    rel: str
    name: str  # "ResNet", "build_model", "Trainer.fit"
    line: int
    kind: str  # "class" | "function" | "variable"


def _kind_of_external(base: str) -> ClassKind:
    if base in _MODULE_EXACT:
        return "module"
    if base.startswith(_NOT_MODULE_PREFIXES):
        return ""
    if base.startswith(_DATASET_PREFIXES) and base.endswith(_DATASET_SUFFIXES):
        return "dataset"
    if base.endswith(("LightningDataModule",)):
        return "dataset"
    if base.startswith(_MODULE_PREFIXES):
        return "module"
    if base.startswith(_TRANSFORM_PREFIXES):
        return "transform"
    if base.startswith(("unittest.", "absl.testing")) and base.endswith(("TestCase", "IsolatedAsyncioTestCase")):
        return "test"
    if base.endswith(("yacs.config.CfgNode", "omegaconf.DictConfig")) or base in ("transformers.PretrainedConfig",):
        return "config"
    return ""


class Project:
    def __init__(self, summaries: dict[str, FileSummary]) -> None:
        self.summaries = summaries
        self.modules: dict[str, str] = {}  # full dotted module -> rel
        self.by_suffix: dict[str, list[str]] = {}  # every dotted tail -> rels
        for rel, s in summaries.items():
            dotted = _module_of(rel)
            if dotted is None:
                continue
            self.modules[dotted] = rel
            parts = dotted.split(".")
            for i in range(1, len(parts)):
                self.by_suffix.setdefault(".".join(parts[i:]), []).append(rel)
        self._class_kind: dict[tuple[str, str], ClassKind] = {}
        self._aliases: dict[str, dict[str, str]] = {}

    # -- modules --------------------------------------------------------------------------------
    def module_rel(self, dotted: str, from_rel: str | None = None) -> str | None:
        """The repo file a dotted module name means, seen from `from_rel`."""
        if from_rel is not None:
            folder = from_rel.rsplit("/", 1)[0] if "/" in from_rel else ""
            if folder:
                sibling = f"{folder.replace('/', '.')}.{dotted}"
                if sibling in self.modules:
                    return self.modules[sibling]
        if dotted in self.modules:
            return self.modules[dotted]
        cands = self.by_suffix.get(dotted)
        if cands:
            return min(cands, key=lambda r: (r.count("/"), r))
        return None

    def split_symbol(self, qualified: str, from_rel: str | None = None) -> tuple[str, str] | None:
        """`models.resnet.ResNet` -> ("models/resnet.py", "ResNet"): the longest module prefix."""
        parts = qualified.split(".")
        for i in range(len(parts), 0, -1):
            rel = self.module_rel(".".join(parts[:i]), from_rel)
            if rel is not None:
                return rel, ".".join(parts[i:])
        return None

    def aliases(self, rel: str) -> dict[str, str]:
        got = self._aliases.get(rel)
        if got is None:
            got = dict(self.summaries[rel].aliases)
            self._aliases[rel] = got
        return got

    def resolve(self, qualified: str, from_rel: str | None = None, depth: int = 6) -> Definition | None:
        """The repo definition a qualified name stands for, following re-exports (`__init__.py`)."""
        if qualified.startswith("*."):  # an unbound name in a file with `from m import *`
            if from_rel is None or depth <= 0:
                return None
            for star in self.summaries[from_rel].star_imports:
                found = self.resolve(f"{star}.{qualified[2:]}", from_rel, depth - 1)
                if found is not None:
                    return found
            return None
        split = self.split_symbol(qualified, from_rel)
        if split is None or depth <= 0:
            return None
        rel, rest = split
        if not rest:
            return None  # a module, not a definition
        s = self.summaries[rel]
        head, _, tail = rest.partition(".")
        for c in s.classes:
            if c.name == head:
                if tail:
                    meth = tail.partition(".")[0]
                    for f in s.functions:
                        if f.name == f"{head}.{meth}":
                            return Definition(rel, f.name, f.line, "function")
                return Definition(rel, c.name, c.line, "class")
        for f in s.functions:
            if f.name == head:
                return Definition(rel, f.name, f.line, f.kind)
        target = self.aliases(rel).get(head)
        if target and target != f"{_module_of(rel)}.{head}" and target != qualified:
            return self.resolve(f"{target}.{tail}" if tail else target, rel, depth - 1)
        if s.star_imports and target is None:
            return self.resolve(f"*.{rest}", rel, depth - 1)
        return None

    @cached_property
    def importers(self) -> dict[str, set[str]]:
        """rel -> the repo files that import it."""
        out: dict[str, set[str]] = {}
        for rel, s in self.summaries.items():
            for mod in s.imports:
                if not mod or mod.startswith("."):
                    continue
                target = self.module_rel(mod, rel)
                if target is None and "." in mod:
                    target = self.module_rel(mod.rsplit(".", 1)[0], rel)
                if target is not None and target != rel:
                    out.setdefault(target, set()).add(rel)
        return out

    # -- classes --------------------------------------------------------------------------------
    def class_kind(self, rel: str, cls: ClassInfo, _seen: frozenset[tuple[str, str]] = frozenset()) -> ClassKind:
        """What a class is, through its bases, following repo classes across files."""
        key = (rel, cls.name)
        if key in self._class_kind:
            return self._class_kind[key]
        if key in _seen or len(_seen) > 12:
            return ""
        kind: ClassKind = ""
        for base in cls.bases:
            kind = self._base_kind(rel, base, _seen | {key})
            if kind:
                break
        if not kind and cls.name.endswith(_CONFIG_EXACT_SUFFIXES) and (
            cls.field_count >= 2 or any(d.endswith("dataclass") for d in cls.decorators)
        ):
            kind = "config"
        self._class_kind[key] = kind
        return kind

    def _base_kind(self, rel: str, base: str, seen: frozenset[tuple[str, str]]) -> ClassKind:
        kind = _kind_of_external(base)
        if kind:
            return kind
        defn = self.resolve(base, rel)
        if defn is not None and defn.kind == "class":
            s = self.summaries[defn.rel]
            for c in s.classes:
                if c.name == defn.name:
                    return self.class_kind(defn.rel, c, seen)
        if not self.summaries[rel].parsed and base.endswith("Module"):
            return "module"
        if base.endswith(("Dataset", "IterableDataset")):
            return "dataset"
        if base.endswith(("Config", "PretrainedConfig")) and "." in base:
            return "config"
        return ""


def _module_of(rel: str) -> str | None:
    if not rel.endswith(".py"):
        return None
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)
