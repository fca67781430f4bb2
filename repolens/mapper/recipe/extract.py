"""`extract_recipe`: the training entrypoint and the project files it imports (two levels), read
with `ast`, plus the config files it loads -> one `Recipe`.

Which finding wins for a field: strong evidence (the call that does it, a framework argument)
before a name that is only read; then the nearest file (the entrypoint, then what it imports, then
what those import); findings inside evaluation / sampling functions only when nothing else says it.
Logging, checkpointing, distribution and precision are unions (TensorBoard *and* a JSON log) over
the entrypoint and the files it imports directly. Imported files over `MAX_IMPORTED_LINES` lines
are not read: in a library they are framework code (a 5000-line Trainer), not this recipe.
"""

from __future__ import annotations

import ast
import posixpath
import re
import warnings
from pathlib import Path

from repolens.discover.notebook import NotebookError, load_notebook
from repolens.discover.source import read_source
from repolens.mapper.model import Entrypoint, FileRole
from repolens.mapper.context import MapContext
from repolens.mapper.recipe.configs import hydra_files
from repolens.project.configfiles import read_config
from repolens.mapper.recipe.detect import Detector, Finding
from repolens.mapper.recipe.model import FIELDS, Recipe, RecipeValue
from repolens.mapper.recipe.resolve import Resolver
from repolens.mapper.recipe.source import SourceFile, index_file
from repolens.mapper.recipe.values import Values
from repolens.pyindex.aliases import ast_dotted_name

MAX_FILES = 30
MAX_IMPORTED_LINES = 2500
MAX_PER_FIELD = 4
MAX_CONFIG_FILES = 12
_MULTI = frozenset({"logging", "checkpointing", "distributed", "precision"})
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
_TRAIN_NAME = re.compile(r"train|finetune|fine_tune|pretrain", re.I)


def training_entrypoint(entrypoints: list[Entrypoint] | tuple[Entrypoint, ...], roles: dict[str, FileRole],
                        project: MapContext | None = None) -> Entrypoint | None:
    """The first entrypoint whose file is a training program (entrypoints come strongest first).

    Failing that: the first whose file name says it trains (a `train.py` whose role came out as data
    because it also builds the DataLoader), then the first README / shell command whose file imports
    a training file of the project (`run.py` that builds `simclr.py`'s trainer)."""
    found = next((e for e in entrypoints if e.path in roles and roles[e.path].role == "train"), None)
    found = found or next((e for e in entrypoints if _TRAIN_NAME.search(e.path.rsplit("/", 1)[-1])
                           and e.path.endswith((".py", ".ipynb"))), None)
    if found is None and project is not None:
        found = next((e for e in entrypoints if e.kind in ("readme-command", "shell-script")
                      and e.path in project.summaries
                      and any(roles[r].role == "train" for r in _imported(project, e.path) if r in roles)), None)
    return found


def extract_recipe(root: Path, project: MapContext, entrypoint: Entrypoint | None) -> Recipe | None:
    """The training recipe of `entrypoint`, or None when there is no training entrypoint."""
    if entrypoint is None or entrypoint.path not in project.summaries:
        return None
    files = _read_files(root, project, _levels(project, entrypoint.path))
    if not files:
        return None
    values = Values()
    for sf in files:
        values.add_file(sf)
    config_rels = _load_configs(root, files[0], entrypoint, values)
    resolver = Resolver(values, files)
    findings: list[tuple[int, Finding]] = []
    for sf in files:
        findings += [(sf.level, f) for f in Detector(sf, resolver).run()]
    fields = tuple((name, _choose(name, [(lvl, f) for lvl, f in findings if f.field == name])) for name in FIELDS)
    return Recipe(entrypoint.path, tuple(sf.rel for sf in files) + tuple(config_rels), fields)


# -- which files ------------------------------------------------------------------------------
def _imported(project: MapContext, rel: str) -> list[str]:
    """Project files that `rel` imports: modules, and the files that define the names it imports."""
    s = project.summaries[rel]
    out: list[str] = []
    for mod in s.imports:
        target = project.model.module_rel(mod, rel)
        if target is not None:
            out.append(target)
    for _local, qualified in s.aliases:
        defn = project.model.resolve(qualified, rel)
        if defn is not None:
            out.append(defn.rel)
    return [r for r in dict.fromkeys(out) if r != rel]


def _levels(project: MapContext, entry: str) -> dict[str, int]:
    levels = {entry: 0}
    frontier = [entry]
    for level in (1, 2):
        nxt = []
        for rel in frontier:
            for target in _imported(project, rel):
                if target in levels or len(levels) >= MAX_FILES:
                    continue
                if project.summaries[target].lines > MAX_IMPORTED_LINES:
                    continue
                levels[target] = level
                nxt.append(target)
        frontier = nxt
    return levels


def _read_files(root: Path, project: MapContext, levels: dict[str, int]) -> list[SourceFile]:
    out = []
    for rel, level in levels.items():
        summary = project.summaries[rel]
        if not summary.parsed:
            continue
        src = read_source(str(root / rel))
        if src.text is None:
            continue
        code = src.text
        if summary.kind == "notebook":
            try:
                code = load_notebook(code).code
            except NotebookError:
                continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(code, filename=rel)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        out.append(index_file(rel, code, tree, dict(summary.aliases), level))
    return out


# -- config files -----------------------------------------------------------------------------
def _within(root: Path, rel: str, base: str) -> str | None:
    """A path as written in code or a command, as a file under the root: None when it is not one."""
    rel = rel.strip().strip("'\"")
    if not rel or rel.startswith(("/", "~", "$")) or "://" in rel:
        return None
    top = root.resolve()
    for cand in ((root / base / rel) if base else None, root / rel):
        if cand is None:
            continue
        try:
            full = cand.resolve()
        except OSError:
            continue
        if full.is_file() and full.is_relative_to(top):
            return full.relative_to(top).as_posix()
    return None


def _load_configs(root: Path, entry: SourceFile, entrypoint: Entrypoint, values: Values) -> list[str]:
    """Config files the run reads, strongest first: named in the command, hydra's, then literal
    paths in the entrypoint (`default="configs/train.yaml"`, `open("hyp.yaml")`)."""
    base = entry.rel.rsplit("/", 1)[0] if "/" in entry.rel else ""
    loaded: list[str] = []

    def load(rel: str | None, prefix: str = "") -> None:
        if rel is None or rel in loaded or rel == entry.rel or len(loaded) >= MAX_CONFIG_FILES:
            return
        flat = read_config(root / rel)
        if flat:
            loaded.append(rel)
            values.add_config(rel, flat, prefix)

    if entrypoint.command:
        evidence = entrypoint.evidence if entrypoint.kind != "main-guard" else entry.rel
        command = _expand_variables(root, entrypoint.command, evidence)
        for path in values.add_command(command, evidence):
            load(_within(root, path, base))
    for node in ast.walk(entry.tree):
        if isinstance(node, ast.Call) and (ast_dotted_name(node.func) or "").endswith("hydra.main") \
                or isinstance(node, ast.Call) and entry.qualify(node.func) == "hydra.main":
            kws = {kw.arg: kw.value for kw in node.keywords}
            path, name = kws.get("config_path"), kws.get("config_name")
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                folder = path.value if isinstance(path, ast.Constant) and isinstance(path.value, str) else ""
                folder_rel = posixpath.normpath(posixpath.join(base, folder))  # relative to the decorated file
                for rel, prefix in hydra_files(root, folder_rel, name.value):
                    load(_within(root, rel, ""), prefix)
    for node in ast.walk(entry.tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(_CONFIG_SUFFIXES) \
                and len(node.value) < 200:
            load(_within(root, node.value, base))
    return loaded


_SHELL_VAR = re.compile(r"""^\s*(?:export\s+)?([A-Za-z_]\w*)=(?:"([^"]*)"|'([^']*)'|(\S*))\s*$""", re.M)


def _expand_variables(root: Path, command: str, evidence: str) -> str:
    """`python train.py $TRAIN_FLAGS`: the flags a README or shell script sets just above, in place
    (`TRAIN_FLAGS="--lr 3e-4 --batch_size 256"`). Only variables assigned in the same file."""
    if "$" not in command:
        return command
    rel = evidence.rsplit(":", 1)[0]
    try:
        text = (root / rel).read_text(encoding="utf-8", errors="replace")[:500_000]
    except OSError:
        return command
    found: dict[str, str] = {}
    for m in _SHELL_VAR.finditer(text):
        found.setdefault(m.group(1), next(g for g in m.groups()[1:] if g is not None))
    return re.sub(r"\$\{?(\w+)\}?", lambda m: found.get(m.group(1), m.group(0)), command)


# -- merging ----------------------------------------------------------------------------------
def _choose(name: str, cands: list[tuple[int, Finding]]) -> tuple[RecipeValue, ...]:
    if not cands:
        return ()
    train = [c for c in cands if c[1].train_scope]
    cands = train or cands

    def key(c: tuple[int, Finding]) -> tuple[int, int, int, int]:
        level, f = c
        return (f.rank > 1, level, f.rank, f.value.source == "unresolved", _line(f.value.evidence))

    cands.sort(key=key)
    if name in _MULTI:
        strong = [c for c in cands if c[1].rank <= 1 and c[0] <= 1]
        if strong:
            return _distinct(strong)
    best = key(cands[0])[:3]
    return _distinct([c for c in cands if key(c)[:3] == best])


def _distinct(cands: list[tuple[int, Finding]]) -> tuple[RecipeValue, ...]:
    resolved = [c for c in cands if c[1].value.source != "unresolved"]
    seen: dict[str, RecipeValue] = {}
    for _, f in resolved or cands:  # a resolved value makes unresolved look-alikes noise
        seen.setdefault(f.value.value, f.value)
    return tuple(seen.values())[:MAX_PER_FIELD]


def _line(evidence: str) -> int:
    tail = evidence.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0
