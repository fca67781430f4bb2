"""Sub-projects: the independent units of a collection (a monorepo of examples or tutorials).

A **unit** is a folder that
- holds a program a user runs directly in it (an entrypoint of the whole map whose file sits in
  the folder itself, not deeper, and is a program: train / eval / script / data, or named by a
  README or shell command);
- is self-contained: none of its files imports a repository file outside it, and no file outside
  imports one of its files (it is nobody's library and uses nobody's);
- carries a project: its own README / requirements / setup / environment file, or code with a
  model or a training step (an nn.Module class, a `model` or `train` file). A `tools/` folder of
  self-contained converters carries none of that.
A folder that holds two or more units is a grouping folder (`implementations/`), not a unit; a unit
inside a unit belongs to the outer one.

In a **flat collection** (minimalRL: one script per algorithm, side by side) a unit is a single
file that is a training entrypoint of its own: it defines an nn.Module, trains it, imports no
repository file and no file imports it; at least three such files must share a folder.

The repository is a **collection** only when it is made of its units: at least two of them, they
hold at least half of the Python lines, and no training entrypoint lives outside them. A single
project keeps its `tools/`, `scripts/`, `evaluations/` (even with their own README) as part of it:
its training entrypoint or its package lies outside those folders.

Limits: a unit that shares a helper with its siblings (`../common/utils.py` through `sys.path`) is
not self-contained and the repository stays one project; a collection nested in a single project
(a library's `examples/`) is not split; notebooks count as code but not as entrypoints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from repolens.mapper.commands import folder_of
from repolens.mapper.context import MapContext
from repolens.mapper.docs import Doc
from repolens.mapper.model import Entrypoint, FileRole, unit_folder
from repolens.project import frameworks

_MIN_FOLDER_UNITS = 2
_MIN_FILE_UNITS = 3  # side-by-side scripts: two could be a train.py and its test.py
_OWN_MARKERS = re.compile(r"^(?:readme(?:\.\w+)?|requirements[\w.-]*\.txt|setup\.py|setup\.cfg|pyproject\.toml|"
                          r"environment\.ya?ml)$", re.I)
_PROGRAM_ROLES = ("train", "eval", "script", "data")
_DOCUMENTED = ("readme-command", "shell-script", "console-script")
_GENERIC_LINK = re.compile(r"^\W*(?:code|here|link|source|paper|demo|pdf|github|repo|this|example|run)\W*$", re.I)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")


@dataclass(frozen=True)
class Unit:
    path: str  # the folder (or, in a flat collection, the file) relative to the root
    files: tuple[str, ...]  # its .py files and notebooks, relative to the root
    evidence: tuple[str, ...]  # why it is a sub-project, in words


def find_subprojects(project: MapContext, roles: dict[str, FileRole], entrypoints: list[Entrypoint],
                     other_rels: list[str]) -> list[Unit]:
    """The sub-projects of a collection, sorted by path; [] for a single project."""
    rels = sorted(project.summaries)
    programs = {e.path for e in entrypoints if _is_program(e, roles)}
    imports = _import_edges(project)
    folder_units = _folder_units(rels, programs, imports, roles, project, other_rels)
    taken = {r for u in folder_units for r in u.files}
    units = folder_units + _file_units(rels, taken, programs, imports, roles, project)
    if not _is_collection(units, folder_units, rels, programs, roles, project):
        return []
    return sorted(units, key=lambda u: u.path)


def _is_program(e: Entrypoint, roles: dict[str, FileRole]) -> bool:
    role = roles[e.path].role if e.path in roles else "script"
    return e.kind in _DOCUMENTED or role in _PROGRAM_ROLES


def _import_edges(project: MapContext) -> set[tuple[str, str]]:
    """(importer, imported) for every import between two repository files."""
    return {(src, dst) for dst, srcs in project.model.importers.items() for src in srcs}


def _inside(rel: str, folder: str) -> bool:
    return rel.startswith(folder + "/")


def _folders(rel: str) -> set[str]:
    """Every folder above `rel` (`a/b/c.py` -> {"a", "a/b"})."""
    parts = rel.split("/")[:-1]
    return {"/".join(parts[:i]) for i in range(1, len(parts) + 1)}


def _crossed(imports: set[tuple[str, str]]) -> set[str]:
    """The folders an import crosses (in or out): one pass over the imports, not one per folder."""
    out: set[str] = set()
    for src, dst in imports:
        out |= _folders(src) ^ _folders(dst)
    return out


def _defines_module(rel: str, project: MapContext) -> bool:
    return any(project.model.class_kind(rel, c.name) == frameworks.MODULE for c in project.summaries[rel].classes)


def _folder_units(rels: list[str], programs: set[str], imports: set[tuple[str, str]],
                  roles: dict[str, FileRole], project: MapContext, other_rels: list[str]) -> list[Unit]:
    crossed = _crossed(imports)
    folders = sorted({folder_of(p) for p in programs if folder_of(p)} - crossed)
    if not folders:
        return []
    members: dict[str, list[str]] = {f: [] for f in folders}
    for rel in rels:
        for folder in _folders(rel) & members.keys():
            members[folder].append(rel)
    own_markers: dict[str, list[str]] = {}
    for other in other_rels:
        if folder_of(other) in members and _OWN_MARKERS.match(other.rsplit("/", 1)[-1]):
            own_markers.setdefault(folder_of(other), []).append(other.rsplit("/", 1)[-1])
    qualified: dict[str, Unit] = {}
    for folder in folders:
        files = members[folder]
        markers = sorted(own_markers.get(folder, []))
        if not markers and not any(roles[r].role in ("model", "train") or _defines_module(r, project) for r in files):
            continue
        runs = sorted(p for p in programs if folder_of(p) == folder)
        evidence = [*(f"own {m}" for m in markers),
                    "runs " + ", ".join(p.rsplit("/", 1)[1] for p in runs),
                    "imports nothing outside its folder and nothing outside imports it"]
        qualified[folder] = Unit(folder, tuple(files), tuple(evidence))
    # A folder holding two or more qualified folders groups them; a unit inside a unit is part of it.
    units = [u for u in qualified.values()
             if sum(1 for other in qualified if _inside(other, u.path)) < _MIN_FOLDER_UNITS]
    return [u for u in units if not any(_inside(u.path, o.path) for o in units)]


def _file_units(rels: list[str], taken: set[str], programs: set[str], imports: set[tuple[str, str]],
                roles: dict[str, FileRole], project: MapContext) -> list[Unit]:
    linked = {r for edge in imports for r in edge}
    by_folder: dict[str, list[str]] = {}
    for rel in rels:
        if rel in programs and rel not in taken and rel not in linked and roles[rel].role == "train" \
                and _defines_module(rel, project):
            by_folder.setdefault(folder_of(rel), []).append(rel)
    out: list[Unit] = []
    for files in by_folder.values():
        if len(files) >= _MIN_FILE_UNITS:
            out.extend(Unit(rel, (rel,), ("a training script of its own: defines its model and trains it",
                                          "imports no other file of the repository and none imports it"))
                       for rel in files)
    return out


def _is_collection(units: list[Unit], folder_units: list[Unit], rels: list[str], programs: set[str],
                   roles: dict[str, FileRole], project: MapContext) -> bool:
    if len(units) < _MIN_FOLDER_UNITS or (len(folder_units) < _MIN_FOLDER_UNITS and len(units) < _MIN_FILE_UNITS):
        return False
    inside = {r for u in units for r in u.files}
    lines = {r: project.summaries[r].lines for r in rels}
    if 2 * sum(lines[r] for r in inside) < sum(lines.values()):
        return False  # most of the code is elsewhere: a project with a few self-contained extras
    return not any(p not in inside and roles[p].role == "train" for p in programs if p in roles)


def describe(unit: Unit, own_docs: list[Doc], collection_docs: list[Doc], units: list[Unit],
             docstring: str) -> str:
    """One line saying what the unit is: its own README's title, else what the collection's README
    calls it (the heading of a section about it alone, or the text of a link to it), else the
    docstring of its main program. "" when nothing says."""
    for doc in own_docs[:1]:
        for line in doc.lines:
            m = _HEADING.match(line.strip())
            if m and m.group(2).strip():
                return _plain(m.group(2))
    for doc in collection_docs[:1]:
        text = _section_title(doc, unit, units) or _link_text(doc, unit)
        if text:
            return text
    return docstring


def _mentions(line: str, unit: Unit) -> bool:
    if unit.path.endswith((".py", ".ipynb")):
        return re.search(r"(?<![\w./-])(?:\./)?" + re.escape(unit.path) + r"(?![\w-])", line) is not None \
            or re.search(r"/" + re.escape(unit.path) + r"(?![\w-])", line) is not None
    return re.search(r"(?<![\w-])" + re.escape(unit.path) + r"(?![\w-])", line) is not None


def _section_title(doc: Doc, unit: Unit, units: list[Unit]) -> str:
    """The outermost heading whose section mentions this unit and no other (never the document's
    title: that names the collection)."""
    headings = [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(doc.lines)
                if (m := _HEADING.match(line.strip()))]
    for k, (start, level, title) in sorted(enumerate(headings), key=lambda kv: (kv[1][1], kv[1][0])):
        if k == 0 and level == 1:
            continue
        end = next((h[0] for h in headings[k + 1:] if h[1] <= level), len(doc.lines))
        body = doc.lines[start:end]
        named = {u.path for u in units for line in body if _mentions(line, u)}
        if named == {unit.path} and title.strip():
            return _plain(title)
    return ""


def _link_text(doc: Doc, unit: Unit) -> str:
    for line in doc.lines:
        for m in _LINK.finditer(line):
            target = m.group(2).split("#", 1)[0].rstrip("/")
            if (target == unit.path or target.endswith("/" + unit.path) or _inside(target, unit.path)
                    or f"/{unit.path}/" in target) and not _GENERIC_LINK.match(m.group(1)):
                return _plain(m.group(1))
    return ""


def _plain(text: str) -> str:
    """Markdown emphasis, links and images reduced to their words, on one line."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.split())[:120]


def needs_own_folder(unit: Unit, project: MapContext, root: Path) -> str | None:
    """Why the unit's programs must run from inside its folder (`file:line: '../../data/'`): a
    relative path written in its code that starts with `./` or `../`, or whose first part is a file
    or folder there (on disk: data folders are often git-ignored). None when its code names none:
    `python sub/main.py` from the root works as well."""
    base = unit_folder(unit.path)
    prefix = base + "/" if base else ""
    folder = root / base if base else root
    for rel in unit.files:
        for text, line in project.summaries[rel].relative_paths:
            first = text.split("/", 1)[0]
            if text.startswith(("./", "../")) or first not in ("", ".") and (folder / first).exists():
                return f"{rel[len(prefix):]}:{line}: {text!r}"
    return None
