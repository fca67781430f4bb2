"""The environment a project declares: python / torch / torchvision / cuda versions, with evidence.

Read from the repository's own files (requirements*.txt, environment.yml, pyproject.toml, setup.py
read with `ast`, setup.cfg); nothing is installed or run. The map shows the declarations; the project
model turns torch's into the version range that lint's `target-version` defaults to.
"""

from __future__ import annotations

import ast
import configparser
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ENV_KEYS = ("python", "torch", "torchvision", "cuda")
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*((?:[<>=!~]=?|===)\s*[^;#\s]+(?:\s*,\s*[<>=!~]=?\s*[^;#\s,]+)*)?")
_CONDA = re.compile(r"^\s*-\s*(?:[\w\-]+::)?([A-Za-z0-9_.\-]+)\s*(?:([<>=!~]=?|=)\s*([^\s#]+))?")
_CUDA_INDEX = re.compile(r"download\.pytorch\.org/whl/(cu\d+)")
_NAMES = {"torch": "torch", "pytorch": "torch", "torchvision": "torchvision", "python": "python",
          "cudatoolkit": "cuda", "pytorch-cuda": "cuda", "cuda-toolkit": "cuda", "cuda": "cuda",
          "cuda-version": "cuda", "pytorch-lightning": "lightning", "pytorch_lightning": "lightning",
          "lightning": "lightning"}


def requirement_lines(text: str) -> list[tuple[str, str | None]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-r", "--")):
            continue
        m = _REQ.match(line)
        if m:
            out.append((m.group(1).lower(), (m.group(2) or "").replace(" ", "") or None))
    return out


def setup_keyword(path: Path, key: str) -> object:
    try:
        return setup_keyword_in(path.read_text(encoding="utf-8", errors="replace"), key)
    except OSError:
        return None


def setup_keyword_in(text: str, key: str) -> object:
    """The literal value of `key=` in a setup.py's setup() call, read with `ast` (never run)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    names = {s.targets[0].id: s.value for s in tree.body
             if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == key:
                    val = kw.value
                    if isinstance(val, ast.Name) and val.id in names:
                        val = names[val.id]
                    try:
                        return ast.literal_eval(val)
                    except (ValueError, SyntaxError, TypeError):
                        return "<computed>"
    return None


def setup_cfg_options(root: Path) -> dict[str, str]:
    try:
        return setup_cfg_options_in((root / "setup.cfg").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return {}


def setup_cfg_options_in(text: str) -> dict[str, str]:
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read_string(text)
    except configparser.Error:
        return {}
    return dict(cfg["options"]) if cfg.has_section("options") else {}


@dataclass(frozen=True)
class Declaration:
    spec: str  # ">=2.0", "==2.6.0", "any"
    evidence: str  # "requirements.txt:3", "pyproject.toml [project.dependencies]"


def _line_in(text: str, name: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"^\s*-?\s*(?:[\w\-]+::)?{re.escape(name)}\b", line, re.I):
            return i
    return 0


def declared_environment(root: Path, other_rels: list[str] | set[str], py_rels: set[str]) -> dict[str, Declaration]:
    """Declared python / torch / torchvision / cuda versions; the first declaration found wins."""
    def read(rel: str) -> str:
        try:
            return (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    names = [r for r in other_rels if is_declaration_file(r)] + [r for r in py_rels if r == "setup.py"]
    return declared_environment_in({rel: read(rel) for rel in names})


def is_declaration_file(rel: str) -> bool:
    """A file that can declare the project's framework versions."""
    return rel in _DECLARATION_FILES or re.fullmatch(r"(?:requirements/)?requirements[\w.\-]*\.(?:txt|in)", rel) is not None


_DECLARATION_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "environment.yml", "environment.yaml", "conda.yml",
                      "conda.yaml", "cog.yaml")


def declared_environment_in(texts: Mapping[str, str]) -> dict[str, Declaration]:
    """The same, from the texts of the declaration files ({rel: text}); other entries are ignored."""
    env: dict[str, Declaration] = {}
    other_rels = set(texts)

    def put(name: str, spec: str | None, where: str) -> None:
        key = _NAMES.get(name.lower())
        if key and key not in env:
            env[key] = Declaration(spec or "any", where)

    def read(rel: str) -> str:
        return texts.get(rel, "")

    if "pyproject.toml" in other_rels:
        try:
            data = tomllib.loads(read("pyproject.toml"))
        except tomllib.TOMLDecodeError:
            data = {}
        proj = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
        if isinstance(proj.get("requires-python"), str):
            put("python", proj["requires-python"], "pyproject.toml [project.requires-python]")
        for dep in proj.get("dependencies", []) or []:
            for name, spec in requirement_lines(str(dep)):
                put(name, spec, "pyproject.toml [project.dependencies]")
        tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
        poetry = tool.get("poetry", {}).get("dependencies", {}) if isinstance(tool.get("poetry"), dict) else {}
        if isinstance(poetry, dict):
            for name, spec in poetry.items():
                if isinstance(spec, list):  # poetry's multiple constraints: [{version=..., python=...}, ...]
                    spec = next((x for x in spec if isinstance(x, dict)), None)
                version = spec if isinstance(spec, str) else spec.get("version") if isinstance(spec, dict) else None
                put(name, version if isinstance(version, str) else None, "pyproject.toml [tool.poetry.dependencies]")
    if "setup.py" in other_rels:
        py = setup_keyword_in(read("setup.py"), "python_requires")
        if isinstance(py, str):
            put("python", py, "setup.py python_requires")
        reqs = setup_keyword_in(read("setup.py"), "install_requires")
        if isinstance(reqs, (list, tuple)):
            for dep in reqs:
                for name, spec in requirement_lines(str(dep)):
                    put(name, spec, "setup.py install_requires")
    if "setup.cfg" in other_rels:
        opts = setup_cfg_options_in(read("setup.cfg"))
        if opts.get("python_requires"):
            put("python", opts["python_requires"].strip(), "setup.cfg python_requires")
        for name, spec in requirement_lines(opts.get("install_requires", "")):
            put(name, spec, "setup.cfg install_requires")
    for rel in sorted(other_rels):
        if re.fullmatch(r"(?:requirements/)?requirements[\w.\-]*\.(?:txt|in)", rel):
            text = read(rel)
            for name, spec in requirement_lines(text):
                put(name, spec, f"{rel}:{_line_in(text, name)}")
            m = _CUDA_INDEX.search(text)
            if m:
                put("cuda", m.group(1), f"{rel}:{text.count(chr(10), 0, m.start()) + 1}")
    for rel in ("environment.yml", "environment.yaml", "conda.yml", "conda.yaml"):
        if rel in other_rels:
            text = read(rel)
            for i, line in enumerate(text.splitlines(), 1):
                m = _CONDA.match(line)
                if m:
                    op, ver = m.group(2), m.group(3)
                    put(m.group(1), None if not ver else (f"=={ver}" if op == "=" else f"{op}{ver}"), f"{rel}:{i}")
                else:
                    for name, spec in requirement_lines(line.strip().lstrip("-").strip()):
                        if name in ("torch", "torchvision"):
                            put(name, spec, f"{rel}:{i}")
    if "cog.yaml" in other_rels:  # a Replicate predictor's image: `build: python_packages: - "torch==1.10.0"`
        for i, line in enumerate(read("cog.yaml").splitlines(), 1):
            m = re.match(r"""^\s*python_version:\s*["']?([\d.]+)""", line)
            if m:
                put("python", f"=={m.group(1)}", f"cog.yaml:{i}")
                continue
            item = line.strip()
            if item.startswith("- "):
                for name, spec in requirement_lines(item[2:].strip().strip("\"'")):
                    put(name, spec, f"cog.yaml:{i}")
    return env


_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")


def minimum_version(spec: str) -> tuple[int, int] | None:
    """The lowest release a specifier admits: ">=2.6,<3" -> (2, 6); "==2.6.0" -> (2, 6); "<2" -> None."""
    best: tuple[int, int] | None = None
    for part in spec.split(","):
        part = part.strip()
        m = re.match(r"^(>=|==|~=|===|>|=)?\s*v?(\d+(?:\.\d+)*)", part)
        if not m or (m.group(1) is None and not part[:1].isdigit()):
            continue
        v = _VERSION.match(m.group(2))
        if v is None:
            continue
        found = (int(v.group(1)), int(v.group(2) or 0))
        if best is None or found > best:
            best = found
    return best


def pinned_below(spec: str, version: tuple[int, int]) -> bool:
    """Does the specifier admit only releases below `version`? "==1.4.2" or "<1.5" below (1, 5): yes;
    ">=1.4" or "any": no."""
    for part in spec.split(","):
        m = re.match(r"^\s*(==|===|<=|<|~=|=)?\s*v?(\d+)(?:\.(\d+))?", part)
        if not m or m.group(1) is None and not part.strip()[:1].isdigit():
            continue
        found = (int(m.group(2)), int(m.group(3) or 0))
        op = m.group(1) or "=="
        if op in ("==", "===", "=", "<=", "~=") and found < version or op == "<" and found <= version:
            return True
    return False


def declared_environment_at(folder: Path) -> dict[str, Declaration]:
    """What the project rooted at `folder` declares (its own declaration files, not its subprojects')."""
    rels: list[str] = []
    for sub in ("", "requirements/"):
        try:
            names = sorted(p.name for p in (folder / sub).iterdir() if p.is_file())
        except OSError:
            continue
        rels.extend(f"{sub}{n}" for n in names if is_declaration_file(f"{sub}{n}"))
    texts = {}
    for rel in rels:
        try:
            texts[rel] = (folder / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return declared_environment_in(texts)
