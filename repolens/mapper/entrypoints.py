"""The files a user runs, each with the evidence that says so.

Strongest first: commands in the README and the docs it links (the authors' own instructions),
console scripts declared in packaging metadata, shell scripts that call python, then bare
`__main__` guards (weak: model files often carry a smoke test under one, so those rank last).
setup.py is read with `ast`, never run.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
from pathlib import Path

from repolens.mapper.commands import (
    CommandLine, PathIndex, clean, command_lines, read_shell_scripts, shell_script_commands,
)
from repolens.mapper.docs import Doc
from repolens.mapper.model import Entrypoint, FileRole
from repolens.mapper.context import MapContext
from repolens.mapper.roles import launched_scripts

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_LAUNCH_MODULES = ("torch.distributed.launch", "torch.distributed.run", "accelerate.commands.launch")
_OPTS_WITH_VALUE = re.compile(r"^--?(?:nproc[_-]per[_-]node|nnodes|node[_-]rank|master[_-]addr|master[_-]port|"
                              r"num[_-]processes|num[_-]gpus|num[_-]machines|config[_-]file|include|"
                              r"hostfile|rdzv[_-]\w+|np|n|H|machine[_-]rank|main[_-]process[_-]port|"
                              r"mixed[_-]precision|gpus|c|W|X)$")


def _split(cmd: str) -> list[str]:
    cmd = cmd.split(" #", 1)[0].replace("\\", " ")
    try:
        return shlex.split(cmd)
    except ValueError:
        return cmd.split()


def parse_command(cmd: str) -> tuple[str, str] | None:
    """('script', 'train.py') or ('module', 'pkg.train') for the python program a command runs."""
    tokens = _split(cmd)
    i = 0
    while i < len(tokens) and "=" in tokens[i] and not tokens[i].startswith("-"):
        i += 1  # VAR=value prefixes
    if i >= len(tokens):
        return None
    tokens = tokens[i:]
    if tokens[:2] in (["uv", "run"], ["poetry", "run"], ["accelerate", "launch"]):
        tokens = tokens[2:]
    elif tokens[0] in ("torchrun", "deepspeed", "horovodrun", "mpirun", "srun"):
        tokens = tokens[1:]
    elif re.fullmatch(r"python(3(\.\d+)?)?", tokens[0]):
        tokens = tokens[1:]
    else:
        return None
    j = 0
    while j < len(tokens):
        tok = tokens[j]
        if tok == "-m" and j + 1 < len(tokens):
            mod = tokens[j + 1]
            if mod in _LAUNCH_MODULES or mod.startswith("torch.distributed"):
                j += 2
                continue
            return "module", mod
        if tok.startswith("-m") and len(tok) > 2:
            return "module", tok[2:]
        if tok.startswith("-"):
            if "=" not in tok and _OPTS_WITH_VALUE.match(tok) and j + 1 < len(tokens):
                j += 2
            else:
                j += 1
            continue
        if tok.endswith(".py"):
            return "script", tok
        if tok in ("python", "python3") or tok.startswith("$"):
            j += 1  # shell words before the script: `$(dirname "$0")/train.py` splits in two
            continue
        return None  # `python setup.py`-like cases are caught above; anything else is not a program
    return None


def _module_rel(module: str, project: MapContext) -> str | None:
    rel = project.model.module_rel(module)
    if rel is not None and rel.endswith("__init__.py"):
        main = rel[: -len("__init__.py")] + "__main__.py"
        if main in project.summaries:
            return main
    return rel


def _console_target(spec: str, project: MapContext) -> str | None:
    module = spec.split(":", 1)[0].strip()
    return project.model.module_rel(module) if module else None


def console_scripts(root: Path, project: MapContext, known_other: set[str]) -> list[tuple[str, str, str]]:
    """(name, target rel, evidence) from pyproject, setup.cfg and setup.py."""
    out: list[tuple[str, str, str]] = []
    if "pyproject.toml" in known_other:
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8", errors="replace"))
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        project_tbl = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
        for table, label in ((project_tbl.get("scripts"), "[project.scripts]"),
                             (project_tbl.get("gui-scripts"), "[project.gui-scripts]"),
                             (data.get("tool", {}).get("poetry", {}).get("scripts"), "[tool.poetry.scripts]")):
            if isinstance(table, dict):
                for name, spec in table.items():
                    target = _console_target(str(spec), project) if isinstance(spec, str) else None
                    if target:
                        out.append((name, target, f"pyproject.toml {label} {name}"))
    if "setup.cfg" in known_other:
        cfg = configparser.ConfigParser(interpolation=None)
        try:
            cfg.read_string((root / "setup.cfg").read_text(encoding="utf-8", errors="replace"))
            raw = cfg.get("options.entry_points", "console_scripts", fallback="")
        except (OSError, configparser.Error):
            raw = ""
        for line in raw.splitlines():
            if "=" in line:
                name, spec = (x.strip() for x in line.split("=", 1))
                target = _console_target(spec, project)
                if target:
                    out.append((name, target, f"setup.cfg [options.entry_points] {name}"))
    if "setup.py" in project.summaries:
        for name, spec in _setup_py_scripts(root / "setup.py"):
            target = _console_target(spec, project)
            if target:
                out.append((name, target, f"setup.py entry_points console_scripts {name}"))
    return out


def _setup_py_scripts(path: Path) -> list[tuple[str, str]]:
    """console_scripts from a setup.py, read statically: literals and module-level names only."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    names: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            names[stmt.targets[0].id] = stmt.value

    def value(node: ast.expr | None) -> object:
        if isinstance(node, ast.Name) and node.id in names:
            node = names[node.id]
        try:
            return ast.literal_eval(node) if node is not None else None
        except (ValueError, SyntaxError, TypeError):
            return None

    out: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg != "entry_points":
                continue
            ep = value(kw.value)
            items: object = None
            if isinstance(ep, dict):
                items = ep.get("console_scripts") or ep.get("gui_scripts")
            elif isinstance(ep, str):
                items = ep.splitlines()
            if isinstance(items, str):
                items = items.splitlines()
            for item in items or []:
                if isinstance(item, str) and "=" in item:
                    name, spec = (x.strip() for x in item.split("=", 1))
                    out.append((name, spec))
    return out


def program_of(cmd: CommandLine, paths: PathIndex, project: MapContext) -> str | None:
    """The repository file a command line runs, or None."""
    parsed = parse_command(cmd.text)
    if parsed is None:
        return None
    if parsed[0] == "script":
        return paths.resolve(parsed[1], cmd.bases)
    return _module_rel(parsed[1], project)


def find_entrypoints(root: Path, project: MapContext, roles: dict[str, FileRole], docs: list[Doc],
                     other_rels: list[str], scripts_run: list[CommandLine] | None = None) -> list[Entrypoint]:
    """`scripts_run`: the commands of the repository's shell scripts, when the caller has read them."""
    known_other = set(other_rels)
    paths = PathIndex(project.summaries)
    found: list[Entrypoint] = []
    scripts = console_scripts(root, project, known_other)
    script_names = {name: target for name, target, _ in scripts}

    # 1. The README and the docs it links, in reading order.
    for doc in docs:
        start = len(found)
        for cmd in command_lines(doc.rel, doc.lines, shell=False):
            rel = program_of(cmd, paths, project)
            if rel and rel != "setup.py":
                found.append(Entrypoint(rel, "readme-command", cmd.text, f"{doc.rel}:{cmd.line}"))
        if script_names:
            pat = re.compile(r"(?:^|[\s`$>])(" + "|".join(re.escape(n) for n in script_names) + r")(?=\s|`|$)")
            for lineno, line in enumerate(doc.lines, 1):
                m = pat.search(line)
                if m and not line.lstrip().startswith(("pip ", "#")) and "install" not in line:
                    found.append(Entrypoint(script_names[m.group(1)], "readme-command",
                                            clean(line[m.start(1):]), f"{doc.rel}:{lineno}"))
        found[start:] = sorted(found[start:], key=lambda e: int(e.evidence.rsplit(":", 1)[1]))

    # 2. Console scripts from packaging metadata.
    for name, target, evidence in scripts:
        found.append(Entrypoint(target, "console-script", name, evidence))

    # 3. Shell scripts that call python.
    if scripts_run is None:
        scripts_run = shell_script_commands(read_shell_scripts(root, other_rels))
    for cmd in scripts_run:
        target = program_of(cmd, paths, project)
        if target:
            found.append(Entrypoint(target, "shell-script", cmd.text, f"{cmd.source}:{cmd.line}"))

    # 4. __main__ guards: weak evidence, ranked by what the file is (model smoke tests last).
    rank = {"train": 0, "eval": 1, "script": 2, "data": 3, "config": 4, "utils": 5, "model": 6, "test": 7}
    guards = []
    for rel, s in project.summaries.items():
        if s.main_guard_line is not None and roles[rel].role != "test":
            cli = ("cli" in s.features or "argparse" in s.features)
            guards.append((rank.get(roles[rel].role, 5), not cli, rel, s.main_guard_line))
    for _, _, rel, line in sorted(guards):
        found.append(Entrypoint(rel, "main-guard", f"python {rel}", f"{rel}:{line}"))
    # 5. Files that run code at module level (nanoGPT's train.py): weakest, never model / config / test.
    # An experiment launcher (a utils file that writes `python main.py ...` commands) is run too.
    bodies = []
    for rel, s in project.summaries.items():
        role = roles[rel].role
        # A module-level training loop is a script body even as one statement (tutorials).
        script_code = s.top_other >= 3 or s.top_training_loop is not None
        if s.main_guard_line is None and script_code and not rel.endswith("__init__.py") \
                and s.kind == "python" and (role in ("train", "eval", "script", "data")
                                            or role == "utils" and launched_scripts(s, project)):
            bodies.append((rank.get(role, 5), rel))
    for _, rel in sorted(bodies):
        found.append(Entrypoint(rel, "script-body", f"python {rel}", f"{rel}: module-level script code"))

    # Deduplicate by path, keeping the strongest evidence (the order above).
    seen: set[str] = set()
    out: list[Entrypoint] = []
    for e in found:
        if e.path not in seen:
            seen.add(e.path)
            out.append(e)
    return out
