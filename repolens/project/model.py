"""The project model: one picture of a repository that map, lint and probe all read.

Built from the per-file `ModuleInfo` records (and the environment the project declares), it answers
the questions that need more than one file, each with the file:line evidence behind the answer:

- where an import leads (a script's own folder first, as `python train.py` puts it on sys.path,
  then the repository root, then any package deeper in the tree: `src/` layouts, `tools/` scripts),
  following re-exports in `__init__.py` and star imports;
- what a class is (Module, Dataset, ...) through its bases across files and the framework table;
- whether the project runs on a GPU, and which torch releases it is written for;
- what a `**name` dict holds, what `self.<attr>` was given, which attributes are iterated by
  training loops.

Answers are memoised per model; the model is immutable once built, so worker processes can share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Iterator, Mapping

from repolens.project import frameworks
from repolens.project.environment import Declaration, minimum_version, pinned_below
from repolens.project.inputsizes import StatedSize
from repolens.project.moduleinfo import ClassInfo, KwargsDict, LoopOver, ModuleInfo

# Class-name endings that make a dataclass-like class a configuration object.
_CONFIG_SUFFIXES = ("Config", "PretrainedConfig", "CfgNode", "Configuration", "Args", "Arguments")


@dataclass(frozen=True)
class Definition:
    rel: str
    name: str  # "ResNet", "build_model", "Trainer.fit"
    line: int
    kind: str  # "class" | "function" | "variable"


@dataclass(frozen=True)
class Fact:
    """A project-level answer and the places that gave it ("train.py:12: moves tensors with .cuda()")."""

    value: bool
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class TorchVersion:
    minimum: tuple[int, int] | None  # the lowest torch release the project is written for
    evidence: tuple[str, ...] = ()  # "requirements.txt:3 torch>=2.6", "train.py:5 torch.accelerator (2.6)"

    def at_least(self, version: tuple[int, ...]) -> bool:
        return self.minimum is not None and self.minimum >= tuple(version[:2])

    def __str__(self) -> str:
        return f">={self.minimum[0]}.{self.minimum[1]}" if self.minimum else "unknown"


class ProjectModel:
    def __init__(self, infos: Mapping[str, ModuleInfo] | Iterable[ModuleInfo],
                 environment: Mapping[str, Declaration] | None = None,
                 config_sizes: Iterable[tuple[str, StatedSize]] = (),
                 released_weights: Iterable[str] | None = None,
                 config_values: Mapping[str, frozenset[str]] | None = None) -> None:
        items = infos.values() if isinstance(infos, Mapping) else infos
        self.infos: dict[str, ModuleInfo] = {i.rel: i for i in sorted(items, key=lambda i: i.rel)}
        self.environment: dict[str, Declaration] = dict(environment or {})
        # (config file, size): the sizes the project's YAML/JSON files state (inputsizes.config_facts_at)
        self.config_sizes: tuple[tuple[str, StatedSize], ...] = tuple(config_sizes)
        # where the project's documents link published weights (releases.released_weights_at); None
        # when its documents were not read
        self.released_weights: tuple[str, ...] | None = None if released_weights is None else tuple(released_weights)
        # key (last segment) -> the values the project's YAML/JSON configs give it (configfiles.values_by_key)
        self.config_values: dict[str, frozenset[str]] = dict(config_values or {})
        self.modules: dict[str, str] = {}  # full dotted module -> rel
        self.by_suffix: dict[str, list[str]] = {}  # every dotted tail -> rels
        for rel, info in self.infos.items():
            if not info.module:
                continue
            self.modules.setdefault(info.module, rel)
            parts = info.module.split(".")
            for i in range(1, len(parts)):
                self.by_suffix.setdefault(".".join(parts[i:]), []).append(rel)
        self._class_kind: dict[tuple[str, str], str] = {}
        self._aliases: dict[str, dict[str, str]] = {}
        self._classes: dict[str, dict[str, ClassInfo]] = {}
        self._qualified_kind: dict[tuple[str, str], str] = {}
        self._evidence_near: dict[tuple[str, str, int], bool] = {}  # gpu_near, images_near: asked per loader
        self._readers: dict[str, frozenset[str]] = {}

    # -- modules ----------------------------------------------------------------------------
    def module_rel(self, dotted: str, from_rel: str | None = None) -> str | None:
        """The repository file a dotted module name means, seen from `from_rel`."""
        if from_rel is not None and "/" in from_rel:
            folder = from_rel.rsplit("/", 1)[0]
            own = self.infos.get(from_rel)
            prefix = own.package if own is not None and own.package else folder.replace("/", ".")
            sibling = self.modules.get(f"{prefix}.{dotted}")
            if sibling is not None:
                return sibling
            # By path too: `python train.py` puts the script's folder on sys.path even when the
            # folder's name is no identifier (`tutorials/03-advanced/image_captioning/`).
            path = f"{folder}/{dotted.replace('.', '/')}"
            for candidate in (f"{path}.py", f"{path}/__init__.py"):
                if candidate in self.infos:
                    return candidate
        if dotted in self.modules:
            return self.modules[dotted]
        # A relative import made absolute from a package whose folders are no identifiers
        # (`from .voc import ...` in `chapter9_Computer-Vision/segmentation/data/`): such files
        # have no module name, but the dotted name is still their path.
        path = dotted.replace(".", "/")
        for candidate in (f"{path}.py", f"{path}/__init__.py"):
            if candidate in self.infos:
                return candidate
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
            info = self.infos.get(rel)
            got = info.alias_table() if info is not None else {}
            self._aliases[rel] = got
        return got

    def uses_torch(self, rel: str) -> bool:
        """Does `rel`, or a project file it imports (two levels), import torch? A PaddlePaddle or
        TensorFlow port in a PyTorch repository does not; a file whose imports were not read counts."""
        info = self.infos.get(rel)
        if info is None or not info.parsed:
            return True
        return any(m == "torch" or m.startswith("torch.") for r in (rel, *self.imported_files(rel, depth=2))
                   for m in (self.infos[r].imports if r in self.infos else ()))

    def defines(self, rel: str, name: str) -> bool | None:
        """Is `name` bound at the module level of `rel` (imported, defined or assigned)? None when
        the file cannot say: it star-imports, or it was not parsed."""
        info = self.infos.get(rel)
        if info is None or not info.parsed or info.star_imports:
            return None
        return name in self.aliases(rel) or any(v == name for v, _ in info.variables)

    def classes(self, rel: str) -> dict[str, ClassInfo]:
        got = self._classes.get(rel)
        if got is None:
            info = self.infos.get(rel)
            got = {c.name: c for c in info.classes} if info is not None else {}
            self._classes[rel] = got
        return got

    def resolve(self, qualified: str, from_rel: str | None = None, depth: int = 6) -> Definition | None:
        """The repository definition a qualified name stands for, following re-exports."""
        if depth <= 0:
            return None
        if qualified.startswith("*."):  # an unbound name in a file with `from m import *`
            info = self.infos.get(from_rel or "")
            for star in info.star_imports if info is not None else ():
                found = self.resolve(f"{star}.{qualified[2:]}", from_rel, depth - 1)
                if found is not None:
                    return found
            return None
        # a file no import can name (a notebook, `train-v2.py`): its own definitions are bare names
        # (the sentiment tutorial's `get_data_loader`, defined and called in one notebook), and win
        # over a module of the same name elsewhere (captcha_break's notebooks define the
        # `CaptchaDataset` that `Winpy/CaptchaDataset.py` also names)
        here = self.infos.get(from_rel or "")
        own = here if here is not None and not here.module and "." not in qualified else None
        split = (own.rel, qualified) if own is not None and self._defines(own, qualified) \
            else self.split_symbol(qualified, from_rel)
        if split is None and own is not None:
            split = (own.rel, qualified)
        if split is None:
            return None
        rel, rest = split
        if not rest:
            # a module, not a definition, unless its package binds the same name to something else
            # (`from datasets import make_dataloader` where datasets/__init__.py re-exports the
            # function of datasets/make_dataloader.py: Python's import gives the package's binding)
            parent, _, last = qualified.rpartition(".")
            parent_rel = self.module_rel(parent, from_rel) if parent else None
            target = self.aliases(parent_rel).get(last) if parent_rel else None
            if target and target != qualified:
                return self.resolve(target, parent_rel, depth - 1)
            return None
        info = self.infos[rel]
        head, _, tail = rest.partition(".")
        cls = self.classes(rel).get(head)
        if cls is not None:
            if tail:
                meth = f"{head}.{tail.partition('.')[0]}"
                for name, line in info.functions:
                    if name == meth:
                        return Definition(rel, name, line, "function")
            return Definition(rel, cls.name, cls.line, "class")
        for name, line in info.functions:
            if name == head:
                return Definition(rel, name, line, "function")
        target = self.aliases(rel).get(head)
        if target and target != f"{info.module}.{head}" and target != qualified:
            return self.resolve(f"{target}.{tail}" if tail else target, rel, depth - 1)
        for name, line in info.variables:
            if name == head:
                return Definition(rel, name, line, "variable")
        if info.star_imports and target is None:
            return self.resolve(f"*.{rest}", rel, depth - 1)
        return None

    def qualify(self, written: str, rel: str) -> str:
        """A dotted name as written in `rel`, through that file's imports and own definitions."""
        head, _, rest = written.partition(".")
        target = self.aliases(rel).get(head)
        if target is None:
            info = self.infos.get(rel)
            # A file no import can name (a notebook) keeps its own definitions out of its aliases:
            # one it defines is its own even beside a `from m import *` (PyTorchStepByStep's
            # notebooks define `preprocessed_dataset` in a cell and star-import their helpers).
            if info is not None and info.star_imports and not (not info.module and self._defines(info, head)):
                return "*." + written
            return written
        return f"{target}.{rest}" if rest else target

    def _defines(self, info: ModuleInfo, name: str) -> bool:
        """Does the file define `name` at module level (a function, a class, an assigned name)?"""
        return (name in self.classes(info.rel) or any(n == name for n, _ in info.functions)
                or any(n == name for n, _ in info.variables))

    def _import_target(self, mod: str, from_rel: str) -> str | None:
        """The repository file an import of `mod` in `from_rel` reads (`from a.b import c` may name
        module `a.b.c` or the name `c` of module `a.b`); None for a relative leftover or outside."""
        if not mod or mod.startswith("."):
            return None
        target = self.module_rel(mod, from_rel)
        if target is None and "." in mod:
            target = self.module_rel(mod.rsplit(".", 1)[0], from_rel)
        return target

    @cached_property
    def importers(self) -> dict[str, set[str]]:
        """rel -> the repository files that import it."""
        out: dict[str, set[str]] = {}
        for rel, info in self.infos.items():
            for mod in info.imports:
                target = self._import_target(mod, rel)
                if target is not None and target != rel:
                    out.setdefault(target, set()).add(rel)
        return out

    @cached_property
    def _name_importers(self) -> dict[str, set[str]]:
        """rel -> files with an import of a module named like it (`import utils`, `from models import
        x`, whichever utils.py or models/__init__.py `module_rel` picks): run with another folder
        first on sys.path (`sys.path.insert(0, ...)`, a script run from elsewhere), such an import
        may read this file instead."""
        by_name: dict[str, list[str]] = {}
        for rel in self.infos:
            parts = rel[:-3].split("/") if rel.endswith(".py") else []
            if parts and parts[-1] == "__init__":
                parts = parts[:-1]
            if parts:
                by_name.setdefault(parts[-1], []).append(rel)
        out: dict[str, set[str]] = {}
        for rel, info in self.infos.items():
            for mod in info.imports:
                for cand in by_name.get(mod.rsplit(".", 1)[-1], ()):
                    if cand != rel:
                        out.setdefault(cand, set()).add(rel)
        return out

    def readers(self, rel: str) -> frozenset[str]:
        """The repository files whose code can name a module-level definition of `rel`: the file
        itself, the files that import it or a module of its name (`_name_importers`), and, through a package
        `__init__.py` or a `from m import *` that passes its names on, the files importing that.
        A file that imports modules by names built at run time is not among them: the caller
        (`deadcode.dead_spans`) counts such files as readers of every file."""
        got = self._readers.get(rel)
        if got is not None:
            return got
        out = {rel}
        frontier = [rel]
        while frontier:
            current = frontier.pop()
            module = self.infos[current].module if current in self.infos else None
            for reader in self.importers.get(current, set()) | self._name_importers.get(current, set()):
                if reader in out:
                    continue
                out.add(reader)
                info = self.infos.get(reader)
                if reader.endswith("__init__.py") or (info is not None and module and module in info.star_imports):
                    frontier.append(reader)  # it passes the names on to its own importers
        got = self._readers[rel] = frozenset(out)
        return got

    def importers_train(self, rel: str) -> bool | None:
        """Could `rel`, or a file that imports it (also through a package `__init__.py` that does,
        or by a module name built at run time), train (`ModuleInfo.trains`: it calls `.backward(`
        or anything named for training)? None when no file imports it. loss-landscape's
        `dataloader.py` is imported only by the scripts that plot the loss surface and its Hessian
        around a trained model: False."""
        importers = set(self.importers.get(rel, ()))
        for reader in list(importers):
            if reader.endswith("__init__.py"):
                importers |= self.importers.get(reader, set())
        if not importers:
            return None
        return self._dynamic_importer_trains or any(self.infos[r].trains for r in importers | {rel} if r in self.infos)

    @cached_property
    def _dynamic_importer_trains(self) -> bool:
        """Does a file that imports modules by a name built at run time train (it may import any file)?"""
        return any(info.trains for info in self.infos.values() if info.dynamic_imports)

    @cached_property
    def package_exports(self) -> frozenset[str]:
        """The files whose public names a package `__init__.py` hands on whole (`from .duc_hdc import *`
        in `models/__init__.py`): a model zoo offered to the package's users, who pick one by name."""
        out: set[str] = set()
        for rel, info in self.infos.items():
            if rel.endswith("__init__.py"):
                for star in info.star_imports:
                    target = self._import_target(star, rel)
                    if target is not None and target != rel:
                        out.add(target)
        return frozenset(out)

    def imported_files(self, rel: str, depth: int = 3) -> set[str]:
        """The repository files `rel` imports, and what those import, `depth` levels deep."""
        seen: set[str] = set()
        frontier = [rel]
        for _ in range(depth):
            nxt = []
            for current in frontier:
                info = self.infos.get(current)
                for mod in info.imports if info is not None else ():
                    target = self._import_target(mod, current)
                    if target is not None and target != rel and target not in seen:
                        seen.add(target)
                        nxt.append(target)
            frontier = nxt
        return seen

    # -- classes ----------------------------------------------------------------------------
    def class_kind(self, rel: str, name: str, _seen: frozenset[tuple[str, str]] = frozenset()) -> str:
        """What the class `name` defined in `rel` is, through its bases across files ("" unknown)."""
        key = (rel, name)
        if key in self._class_kind:
            return self._class_kind[key]
        cls = self.classes(rel).get(name)
        if cls is None or key in _seen or len(_seen) > 12:
            return ""
        kind = ""
        for base in cls.bases:
            kind = self._base_kind(rel, base, _seen | {key})
            if kind:
                break
        if not kind and cls.name.endswith(_CONFIG_SUFFIXES) and (
                cls.field_count >= 2 or any(d.endswith("dataclass") for d in cls.decorators)):
            kind = frameworks.CONFIG
        self._class_kind[key] = kind
        return kind

    def _lineage(self, rel: str, name: str) -> Iterator[ClassInfo]:
        """The class `name` defined in `rel`, then its project bases, nearest first (twelve at most)."""
        todo, seen = [(rel, name)], set()
        while todo and len(seen) <= 12:
            key = todo.pop(0)
            cls = self.classes(key[0]).get(key[1]) if key not in seen else None
            seen.add(key)
            if cls is None:
                continue
            yield cls
            for base in cls.bases:
                defn = self.resolve(base, key[0])
                if defn is not None and defn.kind == "class":
                    todo.append((defn.rel, defn.name))

    def methods_with_bases(self, rel: str, name: str) -> frozenset[str]:
        """The methods the class `name` defined in `rel` has, its project bases' included (a
        Dataset subclass inherits `shuffleSamples()` from its base: RL108)."""
        return frozenset(m for cls in self._lineage(rel, name) for m in cls.methods)

    def draws_at_random(self, rel: str, name: str) -> bool:
        """Does the `__getitem__` the class `name` of `rel` has (its own or its nearest project
        base's) ignore its index and draw at random: a dataset whose items are fresh samples?"""
        return next((cls.draws_at_random for cls in self._lineage(rel, name) if "__getitem__" in cls.methods), False)

    def indexes_items_by(self, attr: str) -> bool:
        """Does the `__getitem__` of some class of the project read `self.<attr>`: is `attr` what a
        dataset of the project picks its items from (a list a loop may shuffle in place)?"""
        return attr in self._item_attributes

    @cached_property
    def _item_attributes(self) -> frozenset[str]:
        return frozenset(a for info in self.infos.values() for cls in info.classes for a in cls.item_attributes)

    def _base_kind(self, rel: str, base: str, seen: frozenset[tuple[str, str]]) -> str:
        kind = frameworks.external_kind(base)
        if kind:
            return kind
        defn = self.resolve(base, rel)
        if defn is not None and defn.kind == "class":
            return self.class_kind(defn.rel, defn.name, seen)
        info = self.infos.get(rel)
        if info is not None and not info.parsed and base.endswith("Module"):
            return frameworks.MODULE  # read from text only: trust the name
        last = base.rsplit(".", 1)[-1]
        if last.endswith("IterableDataset"):
            return frameworks.ITERABLE_DATASET
        if last.endswith("Dataset"):
            return frameworks.DATASET
        if last.endswith(("Config", "PretrainedConfig")) and "." in base:
            return frameworks.CONFIG
        return ""

    def kind_of(self, written: str | None, rel: str) -> str:
        """The kind of the class a dotted name written in `rel` stands for (`nn.Linear`, `Head`)."""
        if not written:
            return ""
        key = (rel, written)
        got = self._qualified_kind.get(key)
        if got is not None:
            return got
        qualified = self.qualify(written, rel)
        kind = frameworks.external_kind(qualified) if not qualified.startswith("*.") else ""
        if not kind:
            defn = self.resolve(qualified, rel)
            if defn is not None and defn.kind == "class":
                kind = self.class_kind(defn.rel, defn.name)
        self._qualified_kind[key] = kind
        return kind

    def module_class(self, qualified: str, from_rel: str | None = None) -> Definition | None:
        """The repository class `qualified` stands for, when it is an nn.Module (else None)."""
        d = self.resolve(qualified, from_rel)
        if d is not None and d.kind == "class" and self.class_kind(d.rel, d.name) == frameworks.MODULE:
            return d
        return None

    def classes_of_kind(self, *kinds: str) -> list[tuple[str, str]]:
        """(rel, class name) of every repository class of one of `kinds`."""
        return [(rel, c.name) for rel, info in self.infos.items() for c in info.classes
                if self.class_kind(rel, c.name) in kinds]

    def answers_digest(self) -> str:
        """A digest of what the model can answer across files, for caches keyed on it.

        It leaves out what only changes the file itself (lines, local names): editing one file
        must not invalidate every other file's cached lint results. It covers the modules, the
        imports, every class's kind, the project facts, and what `self` attributes were given.
        """
        import hashlib
        import json

        per_file = []
        for rel, info in self.infos.items():
            own = f"{info.module}."
            per_file.append([
                rel, info.module, list(info.star_imports),
                sorted((k, v) for k, v in info.aliases if not v.startswith(own)),
                sorted((c.name, self.class_kind(rel, c.name)) for c in info.classes),
                sorted({(b.owner, b.attr, b.value) for b in info.bindings}),
                sorted({(lp.attr, lp.trains) for lp in info.loops}),
                sorted(info.loader_factories),
                sorted(info.returned_items),  # returned_item: the dataset classes a factory returns
                sorted(info.unpacks), sorted(info.other_calls),  # unread_returned_item: what callers read of a tuple
                sorted(info.returns),  # returned_call: the dataset class a factory builds and returns
                _call_shapes(info.arguments),  # argument_builder: what the call sites pass (not where)
                bool(info.devices),  # gpu_near: a file's GPU use changes its neighbours' answers
                bool(info.images),  # images_near: so does its image reading
                info.trains,  # importers_train: whether an importer may train
            ])
        sizes = sorted((rel, s.kind, s.value, s.channels) for rel, info in self.infos.items() for s in info.sizes)
        sizes += sorted((rel, s.kind, s.value, s.channels) for rel, s in self.config_sizes)
        payload = [per_file, self.gpu.value, self.pins_memory.value, self.reads_images.value, self.torch_version.minimum,
                   self.registers_safe_globals.value,
                   self.module_hooks.value, sorted(self.hooked_modules),
                   None if self.publishes_weights is None else self.publishes_weights.value,
                   self.released_weights,  # publishes_weights_for: which folders they speak for
                   sorted((k, sorted(v)) for k, v in self.config_values.items()),
                   sorted((k, d.spec) for k, d in self.environment.items()), sizes]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]

    # -- project facts ----------------------------------------------------------------------
    @cached_property
    def gpu(self) -> Fact:
        """Does the project run on a GPU? Any evidence counts: `.cuda()`, "cuda" device strings,
        `torch.accelerator`, Hugging Face accelerate, Lightning's accelerator/gpus, NCCL, GPU options."""
        evidence = tuple(f"{rel}:{e.line}: {e.detail}" for rel, info in self.infos.items() for e in info.devices)
        return Fact(bool(evidence), evidence)

    @cached_property
    def pins_memory(self) -> Fact:
        """Might any loader of the project pin its batches? `pin_memory` in any role but a literal
        False, `.pin_memory()`, or a DataLoader given `**kwargs` that may carry it, anywhere. When
        not, every host-to-device copy reads pageable memory: `non_blocking=True` cannot overlap it
        (graphtransformer's DGL batches, stat453's course helpers: 21 RL103 findings on unpinned
        loaders, judged not worth a change). A loader built from a function's `**` parameter pins
        when some call of that function may pass `pin_memory` in: a `**dict` of its own, or a call
        not seen (mammoth's `create_seeded_dataloader`, called forty times with keywords and never
        with `pin_memory`: eleven RL103 findings on loaders that are not pinned, judged not worth;
        a caller that writes `pin_memory=True` is evidence in its own file)."""
        evidence = tuple(f"{rel}:{e.line}: " + (f"`DataLoader(..., **kwargs)` of {e.detail}()"
                                                 if e.what == "kwargs-parameter" else e.detail)
                         for rel, info in self.infos.items() for e in info.pins
                         if e.what != "kwargs-parameter" or self._may_pass_pin(rel, e.detail))
        return Fact(bool(evidence), evidence)

    def _may_pass_pin(self, rel: str, function: str) -> bool:
        sites = self._call_sites.get((rel, function))
        return not sites or any("*" in site for site in sites)

    @cached_property
    def reads_images(self) -> Fact:
        """Does any file of the project read, decode or transform images or volumes (PIL, OpenCV,
        torchvision, imageio, medical-volume readers)? When none does, its batches are token ids,
        audio, point clouds or features: kilobytes, not the megabytes of an image batch."""
        evidence = tuple(f"{rel}:{e.line}: {e.detail}" for rel, info in self.infos.items() for e in info.images)
        return Fact(bool(evidence), evidence[:5])

    def gpu_near(self, rel: str, hops: int = 2) -> bool:
        """GPU evidence in `rel` or in a file within `hops` imports of it, in either direction (the
        script that imports a data module, the trainer a script imports, the script importing that
        trainer). A file the model does not know is given the project's answer. Siblings through a
        shared import count too (notebooks that import one plotting helper, Atcold's): leaving them
        out was tried in the tenth session and withdrawn, the ninth held-out set lost an RL101
        finding judged worth acting on."""
        if rel not in self.infos:
            return self.gpu.value
        return self._near("devices", rel, hops)

    def gpu_reached(self, rel: str) -> bool:
        """GPU evidence in `rel` or in a project file it imports (three levels): the code a script
        runs, not its siblings. `gpu_near` also counts the files that import `rel` and the siblings
        of a shared helper, right for a data module (the script importing it decides its device)
        but not for an entrypoint: pytorch-cnn-visualizations' CPU-only scripts share a helper
        module with the one script that moves its model to CUDA. A file the model does not know is
        given the project's answer. Where the script or its imports move things to a device held in
        a name (`device = torch.device(cfg.training.device)`, set in a YAML config: diffusion_policy's
        Hydra workspaces; `ModuleInfo.moves_to_named_device`), the project's evidence nearby decides,
        as `gpu_near`."""
        if rel not in self.infos:
            return self.gpu.value
        runs = [self.infos[f] for f in {rel} | self.imported_files(rel) if f in self.infos]
        if any(info.devices for info in runs):
            return True
        return any(info.moves_to_named_device for info in runs) and self.gpu_near(rel)

    def images_near(self, rel: str, hops: int = 2) -> bool:
        """Image reading in `rel` or within `hops` imports of it, either way, siblings included
        (as `gpu_near`): the dataset module a training script imports, the script that imports a
        data module. A loader far from any image reading in a project that reads images elsewhere
        batches token ids, graph edges or fingerprints (ogb's knowledge-graph and fingerprint
        examples, a course's char-RNN chapter next to its CNN chapters). A file the model does not
        know is given the project's answer."""
        if rel not in self.infos:
            return self.reads_images.value
        return self._near("images", rel, hops)

    def _near(self, field: str, rel: str, hops: int) -> bool:
        """Whether a file within `hops` imports of `rel` (either way) has evidence in `field`."""
        known = self._evidence_near.get((field, rel, hops))
        if known is None:
            known = self._evidence_near[(field, rel, hops)] = self._within(field, rel, hops)
        return known

    def _within(self, field: str, rel: str, hops: int) -> bool:
        seen, frontier = {rel}, [rel]
        for _ in range(hops + 1):
            if any(getattr(self.infos[f], field) for f in frontier):
                return True
            nxt = []
            for f in frontier:
                for g in sorted(self.imported_files(f, depth=1) | self.importers.get(f, set())):
                    if g not in seen and g in self.infos:
                        seen.add(g)
                        nxt.append(g)
            frontier = nxt
        return False

    @cached_property
    def torch_version(self) -> TorchVersion:
        """The lowest torch release the project is written for: declared, or implied by the APIs it uses."""
        best: tuple[int, int] | None = None
        evidence: list[str] = []
        declared = self.environment.get("torch")
        if declared is not None:
            found = minimum_version(declared.spec)
            if found is not None:
                best = found
                evidence.append(f"{declared.evidence}: torch{declared.spec}")
        for rel, info in self.infos.items():
            for e in info.torch_apis:
                major, _, minor = e.what.partition(".")
                implied = (int(major), int(minor or 0))
                if best is None or implied > best:
                    best = implied
                    evidence.append(f"{rel}:{e.line}: {e.detail} needs torch>={e.what}")
        return TorchVersion(best, tuple(evidence))

    @cached_property
    def registers_safe_globals(self) -> Fact:
        """The project allow-lists types for `torch.load(weights_only=True)`: it is written for safe loading."""
        evidence = tuple(f"{rel}:{e.line}: {e.detail}" for rel, info in self.infos.items() for e in info.torch_apis
                         if e.detail.endswith("safe_globals"))
        return Fact(bool(evidence), evidence)

    @cached_property
    def module_hooks(self) -> Fact:
        """The project uses machinery that works through nn.Module hooks (hooks it registers, weight or
        spectral norm, pruning, FSDP, DeepSpeed, quantization observers): `module.forward(x)` skips it."""
        evidence = tuple(f"{rel}:{e.line}: {e.what} {e.detail}" for rel, info in self.infos.items() for e in info.hooks)
        return Fact(bool(evidence), evidence)

    @cached_property
    def hooked_modules(self) -> frozenset[str]:
        """The last names of the modules that carry hooks of their own (`target_layer` in
        `target_layer.register_forward_hook(...)`, `conv` in `self.conv = weight_norm(...)`), and
        "*" where any module may (global hooks, FSDP, DeepSpeed, quantization, a receiver that is
        no plain name). `m.forward(x)` skips only `m`'s own hooks: its submodules still run theirs."""
        return frozenset(n for info in self.infos.values() for n in info.hooked)

    def module_hooks_for(self, rel: str) -> tuple[Fact, frozenset[str]]:
        """`module_hooks` and `hooked_modules` as they concern the file `rel`: from the files its
        imports connect it to, in either direction and at any depth (the script that wraps the model
        in DeepSpeed imports the model's file, or both are imported by a third). Hooks are put on
        module objects at run time, so a module defined in a file that nothing connects to the
        hooking code never gets them (InternImage's Hugging Face export wrappers beside its
        DeepSpeed trainer: seven judged findings, none worth a change, four more alike). A file the
        model does not know is given the project's answer."""
        if rel not in self.infos:
            return self.module_hooks, self.hooked_modules
        files = sorted(self._import_components.get(rel, frozenset({rel})))
        evidence = tuple(f"{r}:{e.line}: {e.what} {e.detail}" for r in files for e in self.infos[r].hooks)
        return Fact(bool(evidence), evidence), frozenset(n for r in files for n in self.infos[r].hooked)

    @cached_property
    def _import_components(self) -> dict[str, frozenset[str]]:
        """Each file's connected component of the import graph (imports taken both ways)."""
        out: dict[str, frozenset[str]] = {}
        for start in self.infos:
            if start in out:
                continue
            seen, frontier = {start}, [start]
            while frontier:
                nxt = []
                for f in frontier:
                    for g in self.imported_files(f, depth=1) | self.importers.get(f, set()):
                        if g not in seen and g in self.infos:
                            seen.add(g)
                            nxt.append(g)
                frontier = nxt
            component = frozenset(seen)
            for f in component:
                out[f] = component
        return out

    @cached_property
    def publishes_weights(self) -> Fact | None:
        """Does the project publish trained weights (a README link to a checkpoint, a download in its
        code)? None when its documents were not read and its code downloads nothing: unknown."""
        evidence = tuple(f"{rel}:{e.line}: {e.detail}" for rel, info in self.infos.items() for e in info.downloads)
        evidence += self.released_weights or ()
        if not evidence and self.released_weights is None:
            return None
        return Fact(bool(evidence), evidence)

    def publishes_weights_for(self, rel: str) -> Fact | None:
        """`publishes_weights` as it concerns the file `rel`. A document speaks for the folder it
        sits in: a README in a sub-project (a vendored baseline's `Pyraformer/README.md`, one
        paper's folder of a collection) says nothing of the files beside that folder. A folder that
        holds no Python code (`docs/`) speaks for its parent. A download script
        (`scripts/download_weights.sh`, run from the root) and a download in code count for the
        whole project: they fetch the weights every script reads."""
        whole = self.publishes_weights
        if whole is None or not whole.value or not self.released_weights:
            return whole
        code_folders = self._code_folders
        evidence = tuple(e for e in whole.evidence if e not in self.released_weights)
        for entry in self.released_weights:
            document = entry.split(":", 1)[0]
            if document.endswith(".sh"):
                evidence += (entry,)
                continue
            folder = document.rpartition("/")[0]
            while folder and folder not in code_folders:
                folder = folder.rpartition("/")[0]
            if not folder or rel.startswith(folder + "/"):
                evidence += (entry,)
        return Fact(bool(evidence), evidence)

    @cached_property
    def _code_folders(self) -> frozenset[str]:
        """Every folder that holds a Python file of the project, or one below it ("" is the root)."""
        folders = {r.rsplit("/", 1)[0] if "/" in r else "" for r in self.infos}
        return frozenset({"/".join(f.split("/")[:i]) for f in folders for i in range(f.count("/") + 2)} | {""})

    def config_selects(self, key: str, value: str) -> bool | None:
        """Does some config file of the project give `key` the value `value`? None when no config
        sets the key (the code's own default decides). `if cfg.gan_type == "nsgan":` in MUNIT and
        DG-Net, whose every shipped config says `gan_type: lsgan`: a branch no shipped run takes."""
        values = self.config_values.get(key)
        return None if not values else value in values

    def stated_sizes(self, kind: str, rel: str | None = None) -> list[tuple[str, StatedSize]]:
        """(file, size) for the sizes of `kind` ("image", "batch") stated for `rel`: in the file itself
        (a script's `--img_size` default, the dataset it builds), else in the files that import it (the
        script that trains a model file), else in the files it imports (the data module a training
        script calls), else in the other files its importers import (the data module of the script
        that trains this model file), else in the project's config files. Another script's
        statements are not `rel`'s: a repository of demos states one size per script. Without `rel`,
        every statement of the project."""
        def stated(rels: Iterable[str]) -> list[tuple[str, StatedSize]]:
            return [(r, s) for r in rels for s in self.infos[r].sizes if s.kind == kind]

        configs = [(r, s) for r, s in self.config_sizes if s.kind == kind]
        if rel is None:
            return stated(self.infos) + configs
        if rel in self.infos:
            importers = sorted(self.importers.get(rel, ()))
            for rels in (lambda: [rel], lambda: importers, lambda: sorted(self.imported_files(rel, depth=1)),
                         lambda: sorted({f for i in importers for f in self.imported_files(i, depth=1)} - {rel})):
                found = stated(rels())  # the wider circles are computed only when the nearer say nothing
                if found:
                    return found
        return configs

    def steps_environments(self, rel: str) -> bool:
        """`rel` imports a reinforcement-learning environment library (gym, gymnasium, dm_control ...),
        itself or through a project module it imports (`from a2c_ppo_acktr.envs import make_vec_envs`):
        its data are environment states and frames."""
        if rel not in self.infos:
            return False
        files = {rel} | self.imported_files(rel, depth=1)
        return any(mod.split(".", 1)[0] in frameworks.RL_ENVIRONMENT_LIBRARIES
                   for f in sorted(files) for mod in self.infos[f].imports)

    def loader_factory_pin(self, qualified: str, from_rel: str | None = None) -> str | None:
        """The pin state of the DataLoader that the project function `qualified` builds and returns
        ("pinned", "unpinned", "false", "unknown"); None when it is no such function."""
        found = self.resolve(qualified, from_rel)
        if found is None or found.kind != "function":
            return None
        info = self.infos.get(found.rel)
        states = {state for fn, state in (info.loader_factories if info else ()) if fn == found.name}
        # a function that returns several loaders (`return train_loader, val_loader`): one answer
        # only when they agree
        return None if not states else states.pop() if len(states) == 1 else "unknown"

    def method_loader_pin(self, method: str, rel: str | None = None) -> str | None:
        """The pin state of the DataLoaders that the project's methods named `method` build and
        return (`TorchvisionDataset.loaders`, called as `dataset.loaders(...)` on an object whose
        class the code does not show), when they agree; only those of `rel` when given (a `self`
        call: the class at hand). None when no such method, or they disagree."""
        infos = self.infos.values() if rel is None else [self.infos[rel]] if rel in self.infos else []
        states = {state for info in infos for fn, state in info.loader_factories
                  if "." in fn and fn.rsplit(".", 1)[1] == method}
        return states.pop() if len(states) == 1 else None

    def returned_call(self, qualified: str, from_rel: str | None = None) -> str | None:
        """What the project function `qualified` returns a call of (the qualified callee:
        `load_and_cache_examples()` ending in `dataset = TensorDataset(...); return dataset`); None
        when it is no such function or its returns disagree."""
        found = self.resolve(qualified, from_rel)
        if found is None or found.kind != "function":
            return None
        info = self.infos.get(found.rel)
        callees = {callee for fn, callee in (info.returns if info else ()) if fn == found.name}
        return callees.pop() if len(callees) == 1 else None

    @cached_property
    def _call_sites(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        """(file, function or class) of each project function or class called -> the arguments of
        each call site ({slot: what built the argument}), from every file's `arguments`; a class's
        are its constructor's (`Trainer(args, train_dataset)`)."""
        out: dict[tuple[str, str], list[dict[str, str]]] = {}
        for rel, info in self.infos.items():
            for (name, _), site in _sites(info.arguments).items():
                found = self.resolve(name, rel)
                if found is not None and found.kind in ("function", "class"):
                    out.setdefault((found.rel, found.name), []).append(site)
        return out

    def argument_builder(self, rel: str, function: str, index: int, name: str) -> str | None:
        """What builds the argument every call of the project function `function` of `rel` (or of
        its class `function`, for a constructor parameter, `self` not counted) passes for its
        parameter `name` (position `index`): the qualified callee (`ClipCocoDataset` where
        `main()` builds `dataset = ClipCocoDataset(...)` and calls `train(dataset, model, args)`),
        or of a project factory, what that returns (`TensorDataset` through
        `load_and_cache_examples`). None when no call is seen, or the calls disagree, or one passes
        something else, or passes it through `*args` / `**kwargs` or leaves the default. Calls are
        read in a module's and its functions' and methods' statements, by a plain name or through
        an imported module (`function.train(...)`); not inside nested functions or lambdas, nor
        through a name bound at run time (`fn = train; fn(...)`): a function also called that way
        is answered from its other calls."""
        built = self._argument(rel, function, index, name)
        if built is None:
            return None
        built = built.partition("#")[0]
        return self.returned_call(built) or built

    def argument_loader_pin(self, rel: str, function: str, index: int, name: str) -> str | None:
        """The pin state ("pinned", "unpinned", "false", "unknown") of the DataLoader every call of
        the project function `function` of `rel` builds and passes for its parameter `name`, or
        None (see `argument_builder`; loaders a factory returns: `loader_factory_pin`)."""
        built = self._argument(rel, function, index, name)
        if built is None:
            return None
        callee, _, state = built.partition("#")
        return state or self.loader_factory_pin(callee)

    def _argument(self, rel: str, function: str, index: int, name: str) -> str | None:
        sites = self._call_sites.get((rel, function))
        if not sites:
            return None
        builders = {site.get(str(index), site.get(name, "?" if "*" not in site else "*")) for site in sites}
        if len(builders) != 1:
            return None
        built = builders.pop()
        return None if built in ("?", "*") else built

    def unread_returned_item(self, rel: str, function: str, index: int) -> bool:
        """Does no caller read item `index` of the tuple that the module-level function `function`
        of `rel` returns? True when every call of it in the project unpacks the result into plain
        names (`train_loader, train_loader_normal, val_loader, ... = make_dataloader(cfg)` in
        TransReID's train.py and test.py) and no scope reads the name at `index`; False when any
        call is used otherwise (kept whole, indexed, passed on) or none is seen. A call in a nested
        function, a class body, a decorator or a default counts as a call site (`other_calls`);
        one reached through another name (`make = f`, `getattr`) is not seen."""
        calls = self._unpacked_calls.get((rel, function))
        if not calls:
            return False
        sites, unpacks = calls
        unpacked = {site for site, _, _ in unpacks}
        return unpacked == sites and not any(read for _, i, read in unpacks if i == index)

    @cached_property
    def _unpacked_calls(self) -> dict[tuple[str, str], tuple[set[tuple[str, str]], list[tuple[tuple[str, str], int, bool]]]]:
        """(file, function) of each project function some call unpacks -> (every call site of it,
        as (file, "line:col"); the unpacks: (site, index, read))."""
        out: dict[tuple[str, str], tuple[set[tuple[str, str]], list[tuple[tuple[str, str], int, bool]]]] = {}
        written: dict[tuple[str, str], tuple[str, str] | None] = {}  # (file, callee as written) -> definition

        def definition(rel: str, callee: str) -> tuple[str, str] | None:
            key = (rel, callee)
            if key not in written:
                found = self.resolve(callee, rel)
                written[key] = (found.rel, found.name) if found is not None and found.kind == "function" else None
            return written[key]

        for rel, info in self.infos.items():
            for callee, site, index, read in info.unpacks:
                target = definition(rel, callee)
                if target is not None:
                    out.setdefault(target, (set(), []))[1].append(((rel, site), index, read))
        if out:
            names = {callee for info in self.infos.values() for callee, _, _, _ in info.unpacks}
            for rel, info in self.infos.items():
                for callee, site in [(c, s) for c, s, _, _ in info.arguments] + list(info.other_calls):
                    if callee in names and (target := definition(rel, callee)) in out:
                        out[target][0].add((rel, site))  # type: ignore[index]
        return out

    def returned_item(self, qualified: str, index: int, from_rel: str | None = None) -> str | None:
        """What item `index` of the tuple the project function `qualified` returns was built by (the
        qualified callee: `get_cifar10()` returning `train_set, val_set` built by `CIFAR10_labeled(...)`);
        None when it is no such function or the item is not a call's result."""
        found = self.resolve(qualified, from_rel)
        if found is None or found.kind != "function":
            return None
        info = self.infos.get(found.rel)
        return next((callee for fn, i, callee in (info.returned_items if info else ())
                     if fn == found.name and i == index), None)

    def largest_image(self, rel: str | None = None) -> tuple[str, StatedSize] | None:
        """The largest image size stated for `rel` (see stated_sizes), with the file that states it;
        None when none is."""
        return max(self.stated_sizes("image", rel), key=lambda found: found[1].value, default=None)

    def image_side(self, rel: str | None = None) -> tuple[int, str] | None:
        """The largest image side stated for `rel` and where ("train.py:12: --img_size default 64")."""
        found = self.largest_image(rel)
        return (found[1].value, f"{found[0]}:{found[1].line}: {found[1].detail}") if found is not None else None

    def pins_torch_below(self, version: tuple[int, int]) -> Fact:
        """The project's declared torch admits only releases below `version` (`torch==0.4.1`,
        `torch<1.10`): below 1.13 `torch.load` has no `weights_only` (RL501's fix would raise
        TypeError), below 1.1 a scheduler was stepped before the optimizer (RL302)."""
        declared = self.environment.get("torch")
        if declared is None or not pinned_below(declared.spec, version):
            return Fact(False)
        return Fact(True, (f"{declared.evidence}: torch{declared.spec}",))

    @cached_property
    def lightning_class_keyed_checkpoints(self) -> Fact:
        """The project pins PyTorch Lightning below 1.5, whose checkpoints key the callbacks' state by
        the callback class itself (`{ModelCheckpoint: {...}}`): a pickled class that
        `torch.load(weights_only=True)` refuses ("Unsupported global ... ModelCheckpoint")."""
        declared = self.environment.get("lightning")
        if declared is None or not pinned_below(declared.spec, (1, 5)):
            return Fact(False)
        return Fact(True, (f"{declared.evidence}: pytorch-lightning{declared.spec}",))

    def kwargs_dict(self, rel: str, scope: str, name: str) -> KwargsDict | None:
        """What `**name` passes in `scope` of `rel` (falling back to a module-level dict of that name)."""
        info = self.infos.get(rel)
        if info is None:
            return None
        found = None
        for d in info.kwargs_dicts:
            if d.name == name and d.scope == scope:
                return d
            if d.name == name and d.scope == "<module>":
                found = d
        return found

    @cached_property
    def _loops_by_attr(self) -> dict[str, list[tuple[str, LoopOver]]]:
        out: dict[str, list[tuple[str, LoopOver]]] = {}
        for rel, info in self.infos.items():
            for loop in info.loops:
                out.setdefault(loop.attr, []).append((rel, loop))
        return out

    def loops_over(self, attr: str) -> list[tuple[str, LoopOver]]:
        """Every loop of the project over an attribute or name called `attr`, with its file."""
        return self._loops_by_attr.get(attr, [])

    def dynamic_targets(self, rel: str, scope: str) -> list[str]:
        """The repository modules an `importlib.import_module` in `scope` of `rel` may load (rels)."""
        info = self.infos.get(rel)
        out: list[str] = []
        for d in info.dynamic_imports if info is not None else ():
            if d.scope != scope:
                continue
            for module, target in sorted(self.modules.items()):
                tails = [module] + [module.split(".", i)[-1] for i in range(1, module.count(".") + 1)]
                if any(t.startswith(d.prefix) and t.endswith(d.suffix) and len(t) > len(d.prefix) + len(d.suffix)
                       for t in tails) and target not in out:
                    out.append(target)
        return out

    def binding(self, rel: str, owner: str, attr: str) -> str | None:
        """What `self.<attr>` was given in a method of class `owner` of `rel` (the first binding)."""
        info = self.infos.get(rel)
        if info is None:
            return None
        for b in info.bindings:
            if b.owner == owner and b.attr == attr:
                return b.value
        return None


def _sites(arguments: tuple[tuple[str, str, str, str], ...]) -> dict[tuple[str, str], dict[str, str]]:
    """A file's call sites (`ModuleInfo.arguments`): (called name, where) -> {slot: what built it}."""
    sites: dict[tuple[str, str], dict[str, str]] = {}
    for name, at, slot, built in arguments:
        sites.setdefault((name, at), {})[slot] = built
    return sites


def _call_shapes(arguments: tuple[tuple[str, str, str, str], ...]) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """A file's call sites as what they pass, without where they are: a line shift or another call
    passing the same things leaves cross-file answers, and so the other files' cached results, as
    they were."""
    return sorted({(name, tuple(sorted(site.items()))) for (name, _), site in _sites(arguments).items()})

