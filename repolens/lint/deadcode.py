"""Code that never runs: functions and classes of a helper module that nothing in the project names,
and branches no run takes (`never_taken`: `if False:`, a function's `classify = False` then `if classify:`;
`needs_internal_package`: a branch or function that imports a storage client no public index has).

A rule about what a run does (`Rule.quiet_in_dead_code`: a loader it builds, a loop it runs, a file
it loads or saves: RL101-RL103, RL108, RL301-RL305, RL317, RL323-RL326, RL403, RL405, RL406, RL501,
RL502) reports nothing there: no run performs it. Judged on real training code such findings were
never worth a change (MPRNet's and Uformer's `load_checkpoint_multigpu`, pytorch-ssd's
`load_checkpoint`, CCT's `load_url`: "never called anywhere"; NRI's `load_kuramoto_data`,
`load_kuramoto_data_old` and `load_motion_data`, whose training loaders never shuffle but which no
script calls: three RL108 findings). Rules about what a definition is (a module list that is never
registered, RL211; a model class's init or activations, RL2xx; a transform pipeline) still report
there: the helper may be called in the next commit, and the pre-commit hook sees it before anything
names it. What is lost, said plainly: a loader helper committed before its caller gets no finding
until something names it. The question is
answered by name, conservatively: a definition is dead only when its name occurs nowhere that could
run it: not at its own `def` / `class` line or inside itself (a recursive call), but anywhere else in
a Python file or notebook that can reach it, in a string (`getattr(self, "name")`, `__all__`), a
comment, a config, a shell script or a README. A file can reach a module-level function or class of
module M when it is M, imports M or any module of M's name (`ProjectModel.readers`: `import utils`
may read another folder's utils.py when that folder comes first on sys.path; also through a
package `__init__.py` or a `from M import *` that hands M's names on to its own importers), or
imports modules by names built at run time (`importlib.import_module(name)`: any file). A method
can be reached from anywhere (an object travels), but only while its class lives; and the public
classes of a module a package `__init__.py` star-imports stay alive (a model zoo, picked by name:
ZijunDeng's segmentation models). A name written only inside dead definitions keeps nothing alive:
what only a dead helper calls is dead too (stable-dreamfusion's `extract_model_state_dict`, called
only by a `load_ckpt` nothing names; ControlNet's `LatentFinetuneDiffusion`). Judged on real code:
the tuned set lost four RL501 findings, all judged not worth a change (motion-diffusion-model's
second `build_models`, in a module whose only importer never names it; PIDNet's reference models),
and no finding judged worth acting on, tuned or held out. Reading imports by exact module only was
tried first: it also silenced so-vits-svc's vendored HiFi-GAN `load_checkpoint`s (named only in
files that import the root utils.py), but a held-out set lost an RL501 finding judged worth acting
on, so an import of a module of the same name counts.

What is never called dead:
- anything in a file no other project file imports, unless the file runs as a script
  (`runs_as_script`: a top-level `__main__` guard and no command line that reaches functions by a
  name typed at run time: `fire.Fire()`, `globals()`, `getattr`). A snippet or a notebook may be
  the whole project, its functions called by hand; running a script calls only what its code
  names (CLIP_prefix_caption's `train.py` defines `load_model()` and nothing calls it: fourteenth
  session);
- decorated definitions (a registry may hold them: `@register_model`, `@BACKBONES.register_module()`),
  dunder names, `test_*` functions, names shorter than three characters;
- methods the frameworks call by name (`forward`, Lightning's hooks, `on_*`, `*_step`, `*_dataloader`)
  and every method of a class with a base from outside the project other than `nn.Module`,
  `Dataset` and `object` (a Lightning module, a callback, a test case: called by name);
- in a project that is a package (a setup.py, or a pyproject with a [project] table), any public
  name: it may be API that the project's users call. Only `_private` ones can be dead there.

Tried and withdrawn (twelfth session): whole modules of a package that nothing imports, names or
runs (MedicalZooPytorch's `viz_old.py`). On the tuned set it silenced two findings, both judged not
worth a change, but a held-out set lost an RL501 finding judged worth acting on: a module no file
names may still be one that users import themselves.

What it cannot see: a function reached only through a name built at run time
(`getattr(module, "load_" + kind)`) is taken for dead when "load_x" is written nowhere.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from sys import intern
from pathlib import Path
from typing import Callable, Iterable, Mapping

from repolens.lint.astscope import own_nodes
from repolens.project.treewalk import project_files
from repolens.pyindex.aliases import is_main_guard

IDENTIFIER = re.compile(r"[A-Za-z_]\w{2,}")
# Files other than Python that may name a function: configs (Hydra's `_target_`), scripts, docs.
TEXT_SUFFIXES = (".yaml", ".yml", ".json", ".sh", ".cfg", ".toml", ".ini", ".md", ".rst", ".txt")
MAX_TEXT_FILES = 400
MAX_TEXT_DEPTH = 6
MAX_TEXT_BYTES = 1 << 20
# Bases whose methods the frameworks call only by the names below.
PLAIN_BASES = frozenset({"object", "Module", "nn.Module", "torch.nn.Module", "Dataset", "data.Dataset",
                         "torch.utils.data.Dataset", "IterableDataset"})
FRAMEWORK_METHODS = frozenset({"forward", "extra_repr", "reset_parameters", "train", "eval", "step", "state_dict",
                               "load_state_dict", "setup", "teardown", "prepare_data", "configure_optimizers",
                               "backward", "optimizer_step", "get_lr"})
_FRAMEWORK_METHOD = re.compile(r"^on_|_step$|_step_end$|_epoch_end$|_dataloader$")  # test_* never counts (_candidate)
ALLOWED_DECORATORS = frozenset({"staticmethod", "classmethod"})


def _decorated(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    return any(not (isinstance(d, ast.Name) and d.id in ALLOWED_DECORATORS) for d in node.decorator_list)


def _base_name(node: ast.expr) -> str:
    return ast.unparse(node) if isinstance(node, (ast.Name, ast.Attribute)) else "?"


def _candidate(name: str) -> bool:
    return len(name) >= 3 and not name.startswith("__") and not name.startswith("test")


def definitions(tree: ast.Module, local_classes: Iterable[str] = ()) -> list[tuple[str, int, int, int]]:
    """(name, first line, last line, enclosing definition's index or -1) of the module's functions,
    classes and methods that could be dead by the rules above (framework methods, decorated
    definitions and dunders left out), each class before its methods."""
    local = set(local_classes)
    out: list[tuple[str, int, int, int]] = []

    def add(node: ast.AST, parent: int) -> None:
        out.append((node.name, node.lineno, node.end_lineno or node.lineno, parent))  # type: ignore[attr-defined]

    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _candidate(stmt.name) and not _decorated(stmt):
                add(stmt, -1)
        elif isinstance(stmt, ast.ClassDef):
            parent = -1
            if _candidate(stmt.name) and not _decorated(stmt):
                parent = len(out)
                add(stmt, -1)
            bases = {_base_name(b) for b in stmt.bases}
            if bases - PLAIN_BASES - local:
                continue  # a framework's subclass: its methods are called by name
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _candidate(item.name) \
                        and not _decorated(item) and item.name not in FRAMEWORK_METHODS \
                        and not _FRAMEWORK_METHOD.search(item.name):
                    add(item, parent)
    return out


# A module that imports others by names built at run time may reach any file's functions.
_DYNAMIC_IMPORT = re.compile(r"\bimport_module\(|\b__import__\(|\bspec_from_file_location\(|\bload_source\(|\brunpy\.")


def imports_dynamically(text: str) -> bool:
    return _DYNAMIC_IMPORT.search(text) is not None


def summarise(tree: ast.Module, text: str, def_lines: Mapping[int, str]
              ) -> tuple[tuple[tuple[str, int, int, int, str], ...], tuple[tuple[str, ...], ...], frozenset[str]]:
    """Where the file names what: its candidate definitions as (name, first line, last line,
    enclosing candidate's index or -1, kind: "class" or "function" at module level, else
    "method"), the identifiers written directly inside each (not inside a candidate nested in it),
    and those written outside every candidate. `def_lines`: line -> name of each def / class
    statement of the file (nested ones too); that one occurrence of the name refers to nothing."""
    local_classes = [st.name for st in tree.body if isinstance(st, ast.ClassDef)]
    defs = definitions(tree, local_classes)
    lines = text.split("\n")
    owner = [-1] * (len(lines) + 2)
    for index, (_, first, last, _) in enumerate(defs):  # a class before its methods: they override it
        owner[first:last + 1] = [index] * (last + 1 - first)
    words: list[set[str]] = [set() for _ in defs]
    free: set[str] = set()
    # runs of lines with one owner; each def / class line alone in its run
    cuts = {1, len(lines) + 1}
    for _, first, last, _ in defs:
        cuts.update((first, last + 1))
    for line in def_lines:
        cuts.update((line, line + 1))
    bounds = sorted(c for c in cuts if 1 <= c <= len(lines) + 1)
    for start, end in zip(bounds, bounds[1:]):
        found = IDENTIFIER.findall("\n".join(lines[start - 1:end - 1]))
        name = def_lines.get(start)
        if name is not None and name in found:
            found.remove(name)
        index = owner[start]
        (words[index] if index >= 0 else free).update(found)
    kinds = {st.lineno: "class" if isinstance(st, ast.ClassDef) else "function" for st in tree.body
             if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return (tuple((name, first, last, parent, kinds.get(first, "method") if parent < 0 else "method")
                  for name, first, last, parent in defs),
            # interned: the same names recur in every file, and the project's facts keep them all
            tuple(tuple(sorted(map(intern, w))) for w in words), frozenset(map(intern, free)))


# Whole-module command lines: every function of the file is a command, called by its name as typed.
_MODULE_CLI = re.compile(r"\bFire\(\s*\)|\bglobals\(\)|sys\.modules\[__name__\]|\bgetattr\(")


def runs_as_script(tree: ast.Module, text: str) -> bool:
    """A file run as a script (a top-level `if __name__ == "__main__":`) that exposes no function by a
    name typed at run time (`fire.Fire()`, `globals()[cmd]`, `getattr(module, name)`): running it
    calls only what its code names, so a definition named nowhere never runs."""
    return any(is_main_guard(stmt) for stmt in tree.body) and not _MODULE_CLI.search(text)


@dataclass(frozen=True)
class FileDefs:
    """What `dead_spans` needs of one file (`summarise`'s answer, and how it is reached)."""
    rel: str
    defs: tuple[tuple[str, int, int, int, str], ...]
    inside: tuple[tuple[str, ...], ...]
    free: frozenset[str]
    dynamic: bool = False  # imports modules by names built at run time: may reach any file


def dead_spans(files: Iterable[FileDefs], imported: Callable[[str], bool], library: bool,
               elsewhere: Callable[[frozenset[str]], frozenset[str]] | None,
               readers: Callable[[str], frozenset[str]] | None = None,
               exported: frozenset[str] = frozenset()) -> frozenset[tuple[str, int, int]]:
    """(file, first line, last line) of the dead definitions. `imported(rel)`: does another project
    file import it (or does it run as a script); `elsewhere(names)`: which of `names` the project's
    non-Python files hold; `readers(rel)`: the files whose code can name a module-level definition
    of `rel` (None: every file); `exported`: files whose public names a package hands on whole
    (their public classes live: a model zoo's models, picked by name). A definition lives when its
    name is written (not at its own def / class line, not inside itself) in a place that runs:
    outside every candidate definition, or inside a living one, of a file that can name it; a
    method also needs its class alive. What is named only from dead code is dead too (a helper
    only a dead loader calls)."""
    files = list(files)
    if not any(f.defs for f in files):
        return frozenset()
    universal = {f.rel for f in files if f.dynamic}
    # one global index over every file's candidates
    owner: list[int] = []  # file index of each definition
    base: list[int] = []  # first global index of each file's definitions
    names: list[str] = []
    parent: list[int] = []
    kind: list[str] = []
    for fi, f in enumerate(files):
        base.append(len(names))
        for name, _, _, up, what in f.defs:
            owner.append(fi)
            names.append(name)
            parent.append(base[fi] + up if up >= 0 else -1)
            kind.append(what)
    children: dict[int, list[int]] = {}
    for g, up in enumerate(parent):
        if up >= 0:
            children.setdefault(up, []).append(g)
    by_name: dict[str, list[int]] = {}
    for g, name in enumerate(names):
        by_name.setdefault(name, []).append(g)
    named = [False] * len(names)
    live = [False] * len(names)
    queue: list[tuple[int, int]] = []  # (file index, definition or -1): text that runs

    def make_live(g: int) -> None:
        stack = [g]
        while stack:
            d = stack.pop()
            if live[d] or not named[d] or (parent[d] >= 0 and not live[parent[d]]):
                continue
            live[d] = True
            queue.append((owner[d], d))
            stack.extend(children.get(d, ()))

    def mark_named(g: int) -> None:
        if not named[g]:
            named[g] = True
            make_live(g)

    def within(g: int, d: int) -> bool:  # is definition g d itself or inside it
        while g >= 0:
            if g == d:
                return True
            g = parent[g]
        return False

    reach: dict[str, frozenset[str]] = {}

    def reaches(reader: str, fi: int) -> bool:
        rel = files[fi].rel
        if reader == rel or readers is None or reader in universal:
            return True
        got = reach.get(rel)
        if got is None:
            got = reach[rel] = readers(rel)
        return reader in got

    for fi, f in enumerate(files):
        every = not imported(f.rel)  # a file nothing imports: all of it may run (a script, a notebook)
        zoo = f.rel in exported
        for g in range(base[fi], base[fi] + len(f.defs)):
            if every or (not names[g].startswith("_") and (library or zoo and kind[g] == "class")):
                named[g] = True
        queue.append((fi, -1))
        for g in range(base[fi], base[fi] + len(f.defs)):
            make_live(g)
    checked_texts = False
    while True:
        while queue:
            fi, d = queue.pop()
            reader = files[fi].rel
            words = files[fi].free if d < 0 else files[fi].inside[d - base[fi]]
            for word in words:
                for g in by_name.get(word, ()):
                    if named[g] or (owner[g] == fi and d >= 0 and within(d, g)):
                        continue
                    if kind[g] != "method" and not reaches(reader, owner[g]):
                        continue
                    mark_named(g)
        if checked_texts or elsewhere is None:
            break
        checked_texts = True  # configs (Hydra's `_target_`), scripts and docs name what runs too
        waiting = frozenset(names[g] for g in range(len(names)) if not named[g])
        for word in elsewhere(waiting) if waiting else ():
            for g in by_name.get(word, ()):
                mark_named(g)
    out: set[tuple[str, int, int]] = set()
    for fi, f in enumerate(files):
        for i, (_, first, last, _, _) in enumerate(f.defs):
            if not live[base[fi] + i]:
                out.add((f.rel, first, last))
    return frozenset(out)


def mentions_in_texts(texts: Mapping[str, str], names: frozenset[str]) -> frozenset[str]:
    """Which of `names` occur in any of `texts` (non-Python files: configs, scripts, docs)."""
    found: set[str] = set()
    for path, text in texts.items():
        if path.endswith(TEXT_SUFFIXES):
            found.update(w for w in IDENTIFIER.findall(text) if w in names)
    return frozenset(found)


def mentions_under(folder: Path, names: frozenset[str]) -> frozenset[str]:
    """`mentions_in_texts` over the project's configs, scripts and docs (a bounded walk)."""
    found: set[str] = set()
    for path in project_files(folder, lambda n: n.endswith(TEXT_SUFFIXES), MAX_TEXT_FILES, MAX_TEXT_DEPTH):
        try:
            with open(path, "rb") as handle:
                text = handle.read(MAX_TEXT_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        found.update(w for w in IDENTIFIER.findall(text) if w in names)
        if found >= names:
            break
    return frozenset(found)


def is_package(folder: Path) -> bool:
    """The project installs as a package: its public names may be its users' API."""
    if (folder / "setup.py").is_file() or (folder / "setup.cfg").is_file():
        return True
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "[project]" in text or "[tool.poetry]" in text


def is_package_in(sources: Mapping[str, str]) -> bool:
    """`is_package` for files given as {posix path: text} (top level only)."""
    if "setup.py" in sources or "setup.cfg" in sources:
        return True
    text = sources.get("pyproject.toml", "")
    return "[project]" in text or "[tool.poetry]" in text


# -- branches no run takes ---------------------------------------------------------------------------
def falsy_constant(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, None, 0, "")


def _switched_off(name: str, scope: ast.AST, nodes: list[ast.AST], test: ast.If) -> bool:
    """Is every binding of `name` in this scope an assignment of a false constant (`classify =
    False`), with at least one, and, for a parameter, one of them a statement of the function's own
    body above the test (`def resnet101(pretrained=False): pretrained = False` overrides the caller)?"""
    assigned: list[ast.Assign] = []
    for node in nodes:
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            parent = next((a for a in nodes if isinstance(a, ast.Assign) and node in a.targets), None)
            if parent is None or not falsy_constant(parent.value):
                return False  # a for target, an augmented assignment, an unpacking, `del`
            assigned.append(parent)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return False
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name.split(".")[0]) == name
                                                                    for a in node.names):
            return False
    if not assigned:
        return False
    args = getattr(scope, "args", None)
    if args is not None and name in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                                       *((args.vararg,) if args.vararg else ()),
                                                       *((args.kwarg,) if args.kwarg else ()))}:
        body = scope.body  # type: ignore[attr-defined]
        return any(stmt in assigned and stmt.lineno < test.lineno for stmt in body)
    return True


# Storage clients of SenseTime's internal clusters (pavi's model cloud, petrel's Ceph). Public
# projects carry them only in vendored OpenMMLab code (mmcv's `load_from_pavi`, the `pavi://` branch
# of `_load_checkpoint`); neither is on PyPI, so no user's run gets past their import.
INTERNAL_PACKAGES = frozenset({"pavi", "petrel_client"})


def imports_internal_package(text: str) -> bool:
    """Cheap test before `needs_internal_package` walks the file."""
    return any(f"import {p}" in text or f"from {p}" in text for p in INTERNAL_PACKAGES)


def needs_internal_package(tree: ast.Module) -> tuple[tuple[int, int], ...]:
    """(first line, last line) of each block that imports an `INTERNAL_PACKAGES` client: the
    innermost `if` branch or function around the import (`if filename.startswith('pavi://'): try:
    from pavi import modelcloud ...`). A module-level import is left alone: the file would not
    import at all, which is another question."""
    spans: list[tuple[int, int]] = []

    def visit(body: list[ast.stmt], block: list[ast.stmt] | None) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(stmt.body, stmt.body)
            elif isinstance(stmt, ast.ClassDef):
                visit(stmt.body, None)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]
                if block and any(n.split(".")[0] in INTERNAL_PACKAGES for n in names):
                    spans.append((block[0].lineno, block[-1].end_lineno or block[-1].lineno))
            elif isinstance(stmt, ast.If):
                visit(stmt.body, stmt.body if block is not None else None)
                visit(stmt.orelse, stmt.orelse if block is not None else None)
            else:
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(stmt, field, []) or [], block)
                for handler in getattr(stmt, "handlers", []) or []:
                    visit(handler.body, block)
    visit(tree.body, None)
    return tuple(sorted(set(spans)))


def never_taken(tree: ast.Module) -> tuple[tuple[int, int], ...]:
    """(first line, last line) of the branches no run takes: the body of `if False:` / `if 0:` (the
    `else` of `if True:`), and of `if name:` where every binding of `name` in the scope assigns a
    false constant (YOLO detectors' `classify = False` ... `if classify: modelc.load_state_dict(
    torch.load('weights/resnet101.pt'))`: a second-stage classifier the code switched off). Only
    a function's names count: a module-level `TRAIN = False` in a script or a notebook cell is a
    switch its user flips by hand, and a name the function never binds (a global, a closure's) may
    be set by something else."""
    spans: list[tuple[int, int]] = []
    scopes: list[tuple[ast.AST, list[ast.stmt]]] = [(tree, tree.body)]
    while scopes:
        scope, body = scopes.pop()
        nodes = list(own_nodes(body))
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scopes.append((node, node.body))
            elif not isinstance(node, ast.If):
                continue
            elif isinstance(node.test, ast.Constant):
                dead = node.body if not node.test.value else node.orelse
                if dead:
                    spans.append((dead[0].lineno, dead[-1].end_lineno or dead[-1].lineno))
            elif isinstance(node.test, ast.Name) and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and _switched_off(node.test.id, scope, nodes, node):
                spans.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
    return tuple(sorted(spans))
