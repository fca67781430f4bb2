"""The data `repolens map` returns. `RepoMap.to_json()` is the SPEC's JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from repolens.mapper.recipe.model import Recipe

Role = Literal["data", "model", "train", "eval", "utils", "config", "test", "script"]
ROLES: tuple[Role, ...] = ("data", "model", "train", "eval", "utils", "config", "test", "script")


@dataclass(frozen=True)
class FileRole:
    path: str  # posix, relative to the root
    role: Role
    secondary: tuple[Role, ...] = ()
    confidence: float = 0.0
    signals: tuple[str, ...] = ()  # what decided it, in words a reader understands
    lines: int = 0
    parsed: bool = True  # False when the file did not parse: its role comes from what could be read
    problem: str | None = None  # one readable line when the file could not be read cleanly


@dataclass(frozen=True)
class Entrypoint:
    path: str
    kind: str  # readme-command | shell-script | console-script | main-guard | ...
    command: str | None
    evidence: str  # where it came from: "README.md:42", "pyproject.toml [project.scripts]" ...


@dataclass(frozen=True)
class Usage:
    path: str  # the file that reads or runs it: a .py file, a shell script, the README
    line: int
    how: str  # "argparse default", "string literal", "hydra config", "argument of train.py", ...


@dataclass(frozen=True)
class SupportFile:
    """A configuration file or shell script that drives the code."""

    path: str
    role: Role  # "config" (YAML / JSON / TOML) or "script" (a shell script)
    format: str  # yaml | json | toml | shell
    lines: int
    used_by: tuple[Usage, ...] = ()  # who reads it (configs) or runs it (scripts)
    runs: tuple[Usage, ...] = ()  # for a shell script: the Python files it runs, at its own lines


@dataclass(frozen=True)
class ReadingStep:
    path: str
    why: str
    line: int | None = None  # where to start reading, when it is a definition
    symbol: str | None = None
    core: bool = False  # the model the repository is about
    tier: str = "first"  # "first": the files that carry the project; "then": to read after them


@dataclass(frozen=True)
class CallEdge:
    source: str  # "train.py:main"
    target: str  # "models/net.py:Net"
    line: int


@dataclass(frozen=True)
class CardItem:
    ok: bool
    evidence: str  # what was found, or what is missing


@dataclass(frozen=True)
class GitFileInfo:
    commits: int
    last_change: str  # ISO date


@dataclass(frozen=True)
class GitInfo:
    head: str
    files: dict[str, GitFileInfo] = field(default_factory=dict)
    # The mapped folder at HEAD on its GitHub / GitLab origin (`https://github.com/o/r/blob/<sha>`),
    # when it has one: a file's page is `{web}/{path}`, a line `{web}/{path}#L{line}`.
    web: str | None = None


def unit_folder(path: str) -> str:
    """The folder a sub-project's paths are relative to: its own, or a single script's ("" = root)."""
    if path.endswith((".py", ".ipynb")):
        return path.rsplit("/", 1)[0] if "/" in path else ""
    return path


@dataclass(frozen=True)
class Subproject:
    """One independent unit of a collection (see `repolens.mapper.subprojects`), mapped on its own."""

    path: str  # the folder (or, in a flat collection of scripts, the file), relative to the root
    about: str  # one line: what it is ("" when nothing says)
    evidence: tuple[str, ...]  # why it is a sub-project
    workdir: str  # the folder its commands run from, relative to the root ("" for the root)
    workdir_evidence: str | None  # the relative path in its code that makes it run from there
    main_entrypoint: Entrypoint | None  # path relative to `path`; command run from the root
    # Its own map: paths relative to `path`, evidence outside it as `../README.md:12`, commands
    # run from the repository root; never has sub-projects of its own.
    map: RepoMap

    def core_step(self) -> ReadingStep | None:
        return next((s for s in self.map.reading_order if s.core), None)

    def to_json(self) -> dict[str, Any]:
        main, core = self.main_entrypoint, self.core_step()
        return {
            "path": self.path, "about": self.about, "evidence": list(self.evidence),
            "workdir": self.workdir, "workdir_evidence": self.workdir_evidence,
            "main_entrypoint": None if main is None else {"path": main.path, "command": main.command},
            "core_model": None if core is None else {"path": core.path, "symbol": core.symbol, "line": core.line},
            "map": self.map.to_json(),
        }


@dataclass(frozen=True)
class RepoMap:
    root: str
    files: tuple[FileRole, ...]
    entrypoints: tuple[Entrypoint, ...]
    reading_order: tuple[ReadingStep, ...]
    calls: tuple[CallEdge, ...]
    environment: dict[str, str | None]
    card: dict[str, CardItem]
    git: GitInfo | None = None
    problems: tuple[str, ...] = ()  # one line per file or folder that could not be read cleanly
    support_files: tuple[SupportFile, ...] = ()  # configs and shell scripts, sorted by path
    recipe: Recipe | None = None  # the training recipe of the main training entrypoint, if there is one
    # A collection's independent units, each mapped on its own; () for a single project, and then
    # the JSON has no `subprojects` key at all (consumers of older maps see the same bytes).
    subprojects: tuple[Subproject, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "files": [
                {"path": f.path, "role": f.role, "secondary": list(f.secondary),
                 "confidence": round(f.confidence, 2), "signals": list(f.signals), "lines": f.lines,
                 "parsed": f.parsed, **({"problem": f.problem} if f.problem else {})}
                for f in self.files
            ],
            "support_files": [
                {"path": f.path, "role": f.role, "format": f.format, "lines": f.lines,
                 "used_by": [{"path": u.path, "line": u.line, "how": u.how} for u in f.used_by],
                 "runs": [{"path": u.path, "line": u.line, "how": u.how} for u in f.runs]}
                for f in self.support_files
            ],
            "entrypoints": [
                {"path": e.path, "kind": e.kind, "command": e.command, "evidence": e.evidence}
                for e in self.entrypoints
            ],
            "reading_order": [
                {"path": s.path, "why": s.why,
                 **({"line": s.line} if s.line is not None else {}),
                 **({"symbol": s.symbol} if s.symbol else {}),
                 **({"core": True} if s.core else {}), "tier": s.tier}
                for s in self.reading_order
            ],
            "calls": [{"from": c.source, "to": c.target, "line": c.line} for c in self.calls],
            "environment": dict(self.environment),
            "card": {k: {"ok": v.ok, "evidence": v.evidence} for k, v in self.card.items()},
            "git": None if self.git is None else {
                "head": self.git.head,
                "web": self.git.web,
                "files": {p: {"commits": g.commits, "last_change": g.last_change}
                          for p, g in sorted(self.git.files.items())},
            },
            "problems": list(self.problems),
            "recipe": None if self.recipe is None else self.recipe.to_json(),
            **({"subprojects": [sp.to_json() for sp in self.subprojects]} if self.subprojects else {}),
        }
