"""What every human format of `repolens map` shows, computed once: labels, colours, the folder
tree, locations. The rich, markdown and html modules only lay these out."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from repolens.mapper.model import (
    ROLES, CardItem, FileRole, ReadingStep, RepoMap, Subproject, SupportFile, Usage, unit_folder,
)

# One colour per role, the same in the terminal, the HTML page and the Mermaid diagram.
ROLE_COLOURS: dict[str, str] = {
    "data": "#2e7d32",
    "model": "#7b1fa2",
    "train": "#c62828",
    "eval": "#e65100",
    "utils": "#546e7a",
    "config": "#00838f",
    "test": "#6d6d6d",
    "script": "#1565c0",
}

ROLE_MEANINGS: dict[str, str] = {
    "data": "datasets, loaders, transforms",
    "model": "nn.Module definitions",
    "train": "training scripts and loops",
    "eval": "evaluation, inference, benchmarks",
    "utils": "helpers: logging, metrics, checkpoints",
    "config": "configuration in Python",
    "test": "unit tests",
    "script": "other runnable tooling",
}

# The Papers-with-Code completeness checklist, in its own order.
CARD_LABELS: dict[str, str] = {
    "dependencies": "Dependencies specified",
    "training_code": "Training code",
    "evaluation_code": "Evaluation code",
    "pretrained_weights": "Pretrained weights linked",
    "results": "Results, with the command that reproduces them",
}

ENTRYPOINT_KINDS: dict[str, str] = {
    "readme-command": "README command",
    "docs-command": "docs command",
    "console-script": "console script",
    "shell-script": "shell script",
    "main-guard": "__main__ guard",
}

MAX_PROBLEMS_SHOWN = 20


def repo_name(root: str) -> str:
    """A readable name for the header: the folder's name, or the last part of a git URL."""
    text = root.rstrip("/\\")
    if re.match(r"^[\w+.-]+://|^[\w.-]+@[\w.-]+:", text):
        last = re.split(r"[/:]", text)[-1]
        return last[:-4] if last.endswith(".git") else last or text
    name = Path(text).name if text not in ("", ".", "..") else Path(text or ".").resolve().name
    return name or text or "."


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str) -> str:
    """Untrusted text on one line: newlines, tabs and other control characters become a space."""
    return _CONTROL.sub(" ", text)


def short_head(head: str) -> str:
    return head[:10]


def entrypoint_kind(kind: str) -> str:
    return ENTRYPOINT_KINDS.get(kind, kind)


def card_items(repo_map: RepoMap) -> list[tuple[str, str, CardItem]]:
    """(key, label, item): the known checklist items in checklist order, then any others."""
    known = [k for k in CARD_LABELS if k in repo_map.card]
    extra = [k for k in repo_map.card if k not in CARD_LABELS]
    return [(k, card_label(k), repo_map.card[k]) for k in known + extra]


def card_label(key: str) -> str:
    return CARD_LABELS.get(key, key.replace("_", " ").capitalize())


def card_score(repo_map: RepoMap) -> tuple[int, int]:
    return sum(1 for item in repo_map.card.values() if item.ok), len(repo_map.card)


def step_location(step: ReadingStep) -> str:
    """`path:line` when the step points at a definition, else the path."""
    return f"{step.path}:{step.line}" if step.line is not None else step.path


def core_step(repo_map: RepoMap) -> ReadingStep | None:
    return next((s for s in repo_map.reading_order if s.core), None)


def confidence_text(confidence: float) -> str:
    return f"{round(confidence * 100):d}%"


def is_uncertain(confidence: float) -> bool:
    return confidence < 0.5


def environment_rows(repo_map: RepoMap) -> list[tuple[str, str]]:
    labels = {"torch_min": "torch (written for)"}
    return [(labels.get(name, name), spec if spec else ("unknown" if name in labels else "not declared"))
            for name, spec in repo_map.environment.items()]


def role_counts(repo_map: RepoMap) -> list[tuple[str, int]]:
    counts = {role: 0 for role in ROLES}
    for f in repo_map.files:
        counts[f.role] = counts.get(f.role, 0) + 1
    return [(role, n) for role, n in counts.items() if n]


ROLE_ORDER: dict[str, int] = {role: i for i, role in enumerate(ROLES)}


def files_by_role(repo_map: RepoMap) -> list[FileRole]:
    return sorted(repo_map.files, key=lambda f: (ROLE_ORDER.get(f.role, len(ROLE_ORDER)), f.path))


def git_note(repo_map: RepoMap, path: str) -> str | None:
    """'12 commits, last 2024-01-01' for a file with history."""
    if repo_map.git is None or path not in repo_map.git.files:
        return None
    info = repo_map.git.files[path]
    plural = "commit" if info.commits == 1 else "commits"
    return f"{info.commits} {plural}" + (f", last {info.last_change}" if info.last_change else "")


def hot_files(repo_map: RepoMap, limit: int = 5) -> list[tuple[str, int, str]]:
    """The most often changed files: where the project's work happens."""
    if repo_map.git is None:
        return []
    rows = sorted(repo_map.git.files.items(), key=lambda kv: (-kv[1].commits, kv[0]))
    return [(p, g.commits, g.last_change) for p, g in rows[:limit] if g.commits > 1]


def summary_line(repo_map: RepoMap) -> str:
    n_files = len(repo_map.files)
    parts = [f"{n_files} Python file{'s' if n_files != 1 else ''}"]
    n_entry = len(repo_map.entrypoints)
    parts.append(f"{n_entry} entrypoint{'s' if n_entry != 1 else ''}")
    core = core_step(repo_map)
    if core is not None:
        parts.append(f"core model: {core.symbol + ' in ' if core.symbol else ''}{core.path}")
    if repo_map.subprojects:
        parts.append(f"a collection of {len(repo_map.subprojects)} sub-projects")
    return " · ".join(parts)


# -- sub-projects ---------------------------------------------------------------------------------
SUBPROJECTS_NOTE = ("independent units, each mapped on its own; commands run from the repository root")


@dataclass(frozen=True)
class SubprojectRow:
    """One line of a collection's index, paths relative to the repository root."""

    anchor: str  # the id of its section on the page (generated: never repository text)
    path: str
    about: str
    command: str | None  # its main entrypoint's command
    core: ReadingStep | None  # its core model, path from the root
    view: RepoMap  # its map with every shown path from the repository root (links resolve as the top's)


def subproject_rows(repo_map: RepoMap) -> list[SubprojectRow]:
    rows = []
    for i, sub in enumerate(repo_map.subprojects):
        view = rooted_view(sub, repo_map)
        core = core_step(view)
        rows.append(SubprojectRow(f"sub-{i}", sub.path, sub.about,
                                  sub.main_entrypoint.command if sub.main_entrypoint else None, core, view))
    return rows


def _rooted(path: str, prefix: str) -> str:
    return posixpath.normpath(prefix + path) if prefix else path


def _rooted_evidence(evidence: str, prefix: str) -> str:
    """`../../README.md:66` seen from `a/b/` -> `README.md:66`; `main.py:80` -> `a/b/main.py:80`."""
    m = re.match(r"^([^\s:]+)(.*)$", evidence)
    return _rooted(m.group(1), prefix) + m.group(2) if m and prefix else evidence


def rooted_view(sub: Subproject, top: RepoMap) -> RepoMap:
    """The sub-project's map with its files, steps and entrypoints named from the repository root
    and the top's git (for links): what the human formats show under the collection."""
    base = unit_folder(sub.path)
    prefix = base + "/" if base else ""
    m = sub.map
    return replace(
        m, git=top.git,
        files=tuple(replace(f, path=_rooted(f.path, prefix)) for f in m.files),
        reading_order=tuple(replace(s, path=_rooted(s.path, prefix)) for s in m.reading_order),
        entrypoints=tuple(replace(e, path=_rooted(e.path, prefix), evidence=_rooted_evidence(e.evidence, prefix))
                          for e in m.entrypoints),
    )


def core_text(step: ReadingStep | None) -> str:
    if step is None:
        return "no core model found"
    return f"{step.symbol} ({step_location(step)})" if step.symbol else step_location(step)


@dataclass
class Folder:
    """A folder of the file tree: its sub-folders, then its files, both sorted by name."""

    name: str
    path: str  # posix, "" for the root
    folders: list[Folder] = field(default_factory=list)
    files: list[FileRole] = field(default_factory=list)

    def count(self) -> int:
        return len(self.files) + sum(f.count() for f in self.folders)


def file_tree(repo_map: RepoMap) -> Folder:
    root = Folder(name="", path="")
    index: dict[str, Folder] = {"": root}
    for f in sorted(repo_map.files, key=lambda f: f.path):
        parent = root
        parts = PurePosixPath(f.path).parts[:-1]
        for i, part in enumerate(parts):
            key = "/".join(parts[: i + 1])
            if key not in index:
                index[key] = Folder(name=part, path=key)
                parent.folders.append(index[key])
            parent = index[key]
        parent.files.append(f)
    _sort(root)
    return root


def _sort(folder: Folder) -> None:
    folder.folders.sort(key=lambda d: d.name)
    folder.files.sort(key=lambda f: PurePosixPath(f.path).name)
    for sub in folder.folders:
        _sort(sub)


# Signals that only repeat where a file sits; the tree already shows that.
_NAME_PRIORS = ("folder ", "file name ")


def telling_signal(f: FileRole) -> str | None:
    """The first signal that says more than the file's name or folder, for a one-line summary."""
    return next((s for s in f.signals if not s.startswith(_NAME_PRIORS)), f.signals[0] if f.signals else None)


def file_name(f: FileRole) -> str:
    return PurePosixPath(f.path).name


def problems_shown(repo_map: RepoMap) -> tuple[list[str], int]:
    """The problems to list, and how many more were left out."""
    shown = list(repo_map.problems[:MAX_PROBLEMS_SHOWN])
    return shown, len(repo_map.problems) - len(shown)


def reading_tiers(repo_map: RepoMap) -> tuple[list[tuple[int, ReadingStep]], list[tuple[int, ReadingStep]]]:
    """(number, step) of the first tier and of the "then" tier; numbers run on across both."""
    numbered = list(enumerate(repo_map.reading_order, 1))
    return [x for x in numbered if x[1].tier != "then"], [x for x in numbered if x[1].tier == "then"]


THEN_TITLE = "Then"
THEN_NOTE = "helpers, tooling and the rest of the path, when you need them"

# A folder of configs nobody names (a model zoo of 200 YAML files) is one line, not 200.
MAX_UNNAMED_PER_FOLDER = 5


def usage_text(u: Usage) -> str:
    return f"{u.path}:{u.line} ({u.how})"


@dataclass
class SupportRow:
    """One line of the configs-and-scripts table: a file, or a folder of files nobody names."""

    path: str
    role: str
    file: SupportFile | None  # None for a folder summary
    count: int = 1


def support_rows(repo_map: RepoMap) -> list[SupportRow]:
    """Named files and scripts one by one; a folder's unnamed configs together past a few."""
    unnamed: dict[str, list[SupportFile]] = {}
    for f in repo_map.support_files:
        if f.role == "config" and not f.used_by:
            unnamed.setdefault(f.path.rsplit("/", 1)[0] if "/" in f.path else "", []).append(f)
    crowded = {folder for folder, files in unnamed.items() if len(files) > MAX_UNNAMED_PER_FOLDER}
    rows: list[SupportRow] = []
    done: set[str] = set()
    for f in repo_map.support_files:
        folder = f.path.rsplit("/", 1)[0] if "/" in f.path else ""
        if f.role == "config" and not f.used_by and folder in crowded:
            if folder not in done:
                done.add(folder)
                rows.append(SupportRow(f"{folder}/" if folder else "./", "config", None, len(unnamed[folder])))
            continue
        rows.append(SupportRow(f.path, f.role, f))
    return rows


def support_summary(row: SupportRow) -> str:
    """What the row says after its path: who uses the file, or why it is listed."""
    if row.file is None:
        return f"{row.count} config files that no code or command names"
    f = row.file
    parts = []
    if f.used_by:
        verb = "run from" if f.role == "script" else "used at"
        parts.append(f"{verb} " + ", ".join(usage_text(u) for u in f.used_by[:4])
                     + (f" and {len(f.used_by) - 4} more" if len(f.used_by) > 4 else ""))
    if f.runs:
        runs = sorted(dict.fromkeys(u.path for u in f.runs))
        parts.append("runs " + ", ".join(runs[:4]) + (f" and {len(runs) - 4} more" if len(runs) > 4 else ""))
    if not parts:
        parts.append("no code or command names it" if f.role == "config" else "runs no Python file of the repository")
    return "; ".join(parts)
