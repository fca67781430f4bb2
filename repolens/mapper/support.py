"""Configuration files and shell scripts that drive the code, with who reads or runs them.

A YAML / JSON / TOML file is a config of the project when code or a command names it (a string
literal or argparse default in a .py file, a hydra `config_path` + `config_name`, an argument on a
README or shell-script command line) or when it sits where configs live (`configs/`, a name
with "config", "hparams", "hyp" ...). Packaging and tooling files (pyproject.toml, CI workflows,
pre-commit, conda environments) are not: they configure tools, not the training code.
Every shell script is listed, with the Python files it runs and who runs it (the README, another
script, a .py file). Each link carries its evidence, file and line.

What is not seen: a path built at run time (`f"configs/{name}.yaml"`, `os.path.join(root, cfg)`)
links nothing, and a bare name (`"config.json"`) links only when exactly one file has that name.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path

from repolens.mapper.commands import SHELL_SUFFIXES, CommandLine, PathIndex, command_lines, folder_of
from repolens.mapper.docs import Doc
from repolens.mapper.entrypoints import program_of
from repolens.mapper.model import SupportFile, Usage
from repolens.mapper.context import MapContext

_CONFIG_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
_CONFIG_FOLDERS = frozenset("configs config cfg cfgs conf confs hparams hyperparameters hyps hyp experiments "
                            "exps recipes settings options".split())
_CONFIG_NAME = re.compile(r"config|cfg|hparam|hyp|param|setting|args|opts|option|recipe|schedule", re.I)
_TOOLING = frozenset(n.lower() for n in (
    "pyproject.toml", "package.json", "package-lock.json", "tsconfig.json", "environment.yml", "environment.yaml",
    "mkdocs.yml", "mkdocs.yaml", "codecov.yml", "readthedocs.yml", "docker-compose.yml", "docker-compose.yaml",
    "compose.yaml", "compose.yml", "renovate.json", "ruff.toml", "cargo.toml", "meta.yaml", "conda.yaml",
    "cog.yaml", "hubconf.json", "mlc_config.json", "lerna.json", "tslint.json", "vercel.json", "netlify.toml",
    "pixi.toml", "uv.toml", "poetry.toml", "taplo.toml", "typos.toml", "_typos.toml", "bandit.yaml",
    "citation.cff", "codemeta.json", "zenodo.json", ".zenodo.json",
))
_SCRIPT_WORD = re.compile(r"[\w.$/{}()\"'-]*[\w-]\.(?:sh|bash|slurm|zsh)\b")
# Past this a JSON / YAML file is data (annotations, vocabularies), not configuration.
_MAX_BYTES = 1_000_000


def _format(rel: str) -> str | None:
    if rel.endswith(SHELL_SUFFIXES):
        return "shell"
    return _CONFIG_FORMATS.get(Path(rel).suffix.lower())


def _is_tooling(rel: str) -> bool:
    parts = rel.split("/")
    return any(p.startswith(".") or p in ("node_modules", "site-packages") for p in parts) \
        or parts[-1].lower() in _TOOLING


def _configish(rel: str) -> bool:
    parts = rel.lower().split("/")
    return any(p in _CONFIG_FOLDERS for p in parts[:-1]) or bool(_CONFIG_NAME.search(Path(parts[-1]).stem))


class _Links:
    """Usages found so far, by the support file they point at."""

    def __init__(self, index: PathIndex) -> None:
        self.index = index
        self.used_by: dict[str, set[Usage]] = {}

    def resolve(self, written: str, bases: tuple[str, ...]) -> str | None:
        """A path with a folder may match by its tail; a bare name only when it is unambiguous."""
        path = written.strip().strip("'\"")
        if "/" in path.lstrip("./"):
            return self.index.resolve(path, bases)
        return self.index.resolve(path, bases, tails=False) or self.index.unique_name(path.lstrip("./"))

    def add(self, written: str, bases: tuple[str, ...], usage: Usage) -> None:
        target = self.resolve(written, bases)
        if target is not None and target != usage.path:
            self.used_by.setdefault(target, set()).add(usage)


def _arguments(cmd: CommandLine) -> list[str]:
    try:
        tokens = shlex.split(cmd.text)
    except ValueError:
        tokens = cmd.text.split()
    out = []
    for tok in tokens[1:]:
        value = tok.split("=", 1)[1] if tok.startswith("-") and "=" in tok else tok
        if value.lower().endswith(tuple(_CONFIG_FORMATS) + SHELL_SUFFIXES):
            out.append(value)
    return out


def _count_lines(path: Path) -> int | None:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def support_files(root: Path, project: MapContext, other_rels: Iterable[str], docs: list[Doc],
                  scripts: list[Doc], scripts_run: list[CommandLine]) -> list[SupportFile]:
    """The configs and shell scripts of the repository with their links, sorted by path."""
    candidates = sorted(r for r in other_rels if _format(r) and not _is_tooling(r))
    if not candidates:
        return []
    links = _Links(PathIndex(candidates))
    py_paths = PathIndex(project.summaries)

    # .py files that name a config or a script.
    for rel, s in sorted(project.summaries.items()):
        bases = (folder_of(rel), "")
        for text, line, how in s.path_literals:
            links.add(text, bases, Usage(rel, line, how))

    # Command lines in the docs and scripts: their arguments are read by the program they run.
    doc_commands = [cmd for doc in docs for cmd in command_lines(doc.rel, doc.lines, shell=False)]
    runs: dict[str, list[Usage]] = {}
    for cmd in [*doc_commands, *scripts_run]:
        program = program_of(cmd, py_paths, project)
        how = f"argument of {program}" if program else "command argument"
        for arg in _arguments(cmd):
            links.add(arg, cmd.bases, Usage(cmd.source, cmd.line, how))
        if program and cmd.source.endswith(SHELL_SUFFIXES):
            runs.setdefault(cmd.source, []).append(Usage(program, cmd.line, cmd.text[:200]))

    # Scripts named in the docs (`bash scripts/train.sh`) or run by another script.
    for doc, how, shell in [*((d, "named in the docs", False) for d in docs),
                            *((d, "run by a shell script", True) for d in scripts)]:
        bases = (folder_of(doc.rel), "")
        for lineno, line in enumerate(doc.lines, 1):
            if line.lstrip().startswith("#"):
                continue
            for m in _SCRIPT_WORD.finditer(line):
                links.add(m.group(0), bases, Usage(doc.rel, lineno, how))

    out: list[SupportFile] = []
    for rel in candidates:
        fmt = _format(rel)
        used = sorted(links.used_by.get(rel, ()), key=lambda u: (u.path, u.line, u.how))
        if fmt != "shell" and not used and not _configish(rel):
            continue
        lines = _count_lines(root / rel)
        if lines is None and not used:
            continue  # a large data file nobody names
        out.append(SupportFile(rel, "script" if fmt == "shell" else "config", fmt or "", lines or 0,
                               tuple(used), tuple(runs.get(rel, ()))))
    return out
