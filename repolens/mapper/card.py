"""The repo card (Papers-with-Code's ML code completeness checklist) and the declared environment.

Both are read from the repository's own files: requirements*.txt, environment.yml, pyproject.toml,
setup.py (statically, with `ast`), setup.cfg and the README. Nothing is installed or run.
"""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

from repolens.mapper.docs import Doc
from repolens.mapper.model import CardItem, Entrypoint, FileRole
from repolens.mapper.weights import find_weights_link

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
          "cuda-version": "cuda"}
_RUN_LINE = re.compile(r"^\s*(?:\$\s*)?(?:python3?|bash|sh|torchrun|accelerate|deepspeed|make)\s+\S")
_METRIC = re.compile(r"\b(?:acc(?:uracy)?|top-?[15]|map|mAP|AP|AR|bleu|rouge|ppl|perplexity|f1|iou|miou|psnr|ssim|"
                     r"fid|loss|error|auc|wer|score|results?)\b", re.I)


def _requirement_lines(text: str) -> list[tuple[str, str | None]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-r", "--")):
            continue
        m = _REQ.match(line)
        if m:
            out.append((m.group(1).lower(), (m.group(2) or "").replace(" ", "") or None))
    return out


def dependency_sources(root: Path, other_rels: list[str], py_rels: set[str]) -> list[str]:
    found = [r for r in other_rels
             if re.fullmatch(r"(?:requirements/)?requirements[\w.\-]*\.(?:txt|in)|(?:requirements/)[\w.\-]+\.txt", r)
             or r in ("environment.yml", "environment.yaml", "conda.yml", "conda.yaml", "Pipfile", "poetry.lock",
                      "setup.cfg")]
    if "pyproject.toml" in other_rels:
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8", errors="replace"))
            proj = data.get("project", {})
            if proj.get("dependencies") or data.get("tool", {}).get("poetry", {}).get("dependencies"):
                found.append("pyproject.toml")
        except (OSError, tomllib.TOMLDecodeError, AttributeError):
            pass
    if "setup.py" in py_rels and _setup_kw(root / "setup.py", "install_requires"):
        found.append("setup.py")
    if "setup.cfg" in found and not _setup_cfg(root).get("install_requires"):
        found.remove("setup.cfg")
    return sorted(set(found), key=found.index)


def _setup_kw(path: Path, key: str) -> object:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
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


def _setup_cfg(root: Path) -> dict[str, str]:
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read_string((root / "setup.cfg").read_text(encoding="utf-8", errors="replace"))
    except (OSError, configparser.Error):
        return {}
    return dict(cfg["options"]) if cfg.has_section("options") else {}


def environment(root: Path, other_rels: list[str], py_rels: set[str]) -> dict[str, str | None]:
    """Declared python / torch / torchvision / cuda versions; the first declaration found wins."""
    env: dict[str, str | None] = {k: None for k in ENV_KEYS}

    def put(name: str, spec: str | None) -> None:
        key = _NAMES.get(name.lower())
        if key and env[key] is None:
            env[key] = spec or "any"

    def read(rel: str) -> str:
        try:
            return (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    if "pyproject.toml" in other_rels:
        try:
            data = tomllib.loads(read("pyproject.toml"))
        except tomllib.TOMLDecodeError:
            data = {}
        proj = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
        if isinstance(proj.get("requires-python"), str):
            put("python", proj["requires-python"])
        for dep in proj.get("dependencies", []) or []:
            for name, spec in _requirement_lines(str(dep)):
                put(name, spec)
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        if isinstance(poetry, dict):
            for name, spec in poetry.items():
                if isinstance(spec, list):  # poetry's multiple constraints: [{version=..., python=...}, ...]
                    spec = next((x for x in spec if isinstance(x, dict)), None)
                put(name, spec if isinstance(spec, str) else (spec or {}).get("version") if isinstance(spec, (dict, type(None))) else None)
    if "setup.py" in py_rels:
        py = _setup_kw(root / "setup.py", "python_requires")
        if isinstance(py, str):
            put("python", py)
        reqs = _setup_kw(root / "setup.py", "install_requires")
        if isinstance(reqs, (list, tuple)):
            for dep in reqs:
                for name, spec in _requirement_lines(str(dep)):
                    put(name, spec)
    if "setup.cfg" in other_rels:
        opts = _setup_cfg(root)
        if opts.get("python_requires"):
            put("python", opts["python_requires"].strip())
        for name, spec in _requirement_lines(opts.get("install_requires", "")):
            put(name, spec)
    for rel in other_rels:
        if re.fullmatch(r"(?:requirements/)?requirements[\w.\-]*\.(?:txt|in)", rel):
            text = read(rel)
            for name, spec in _requirement_lines(text):
                put(name, spec)
            m = _CUDA_INDEX.search(text)
            if m and env["cuda"] is None:
                env["cuda"] = m.group(1)
    for rel in ("environment.yml", "environment.yaml", "conda.yml", "conda.yaml"):
        if rel in other_rels:
            for line in read(rel).splitlines():
                m = _CONDA.match(line)
                if m:
                    op, ver = m.group(2), m.group(3)
                    put(m.group(1), None if not ver else (f"=={ver}" if op == "=" else f"{op}{ver}"))
                else:
                    for name, spec in _requirement_lines(line.strip().lstrip("-").strip()):
                        if name in ("torch", "torchvision"):
                            put(name, spec)
    return env


def _tables(lines: tuple[str, ...]) -> list[tuple[int, int]]:
    """(first, last) 0-based line spans of markdown / rst grid tables."""
    spans = []
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith("|") or (lines[i].count("|") >= 2 and i + 1 < len(lines)
                                                 and re.match(r"^\s*\|?\s*:?-{3,}", lines[i + 1])):
            j = i
            while j + 1 < len(lines) and lines[j + 1].count("|") >= 2:
                j += 1
            if j - i >= 2:
                spans.append((i, j))
            i = j + 1
        else:
            i += 1
    return spans


def repo_card(root: Path, other_rels: list[str], py_rels: set[str], roles: dict[str, FileRole],
              entrypoints: list[Entrypoint], docs: list[Doc],
              evaluates: frozenset[str] = frozenset()) -> dict[str, CardItem]:
    """`evaluates`: files that run an evaluation loop (no_grad / eval()) whatever their primary role."""
    deps = dependency_sources(root, other_rels, py_rels)
    if not deps and docs:  # a `pip install torch numpy` line in the README is a (weak) specification
        for lineno, line in enumerate(docs[0].lines, 1):
            m = re.search(r"\bpip3? install\s+(?!-e\b|-r\b|\.)([A-Za-z][\w\-\[\]=<>.,]*(?:\s+[A-Za-z][\w\-\[\]=<>.,]*)*)",
                          line)
            if m:
                deps = [f"{docs[0].rel}:{lineno} pip install {m.group(1)[:80]} (no requirements file)"]
                break
    card: dict[str, CardItem] = {
        "dependencies": CardItem(True, ", ".join(deps)) if deps else CardItem(
            False, "no requirements*.txt, environment.yml, pyproject dependencies or setup.py install_requires"),
    }
    ep_by_path = {e.path: e for e in entrypoints}
    for key, role, label in (("training_code", "train", "training"), ("evaluation_code", "eval", "evaluation")):
        files = [r for r in roles.values() if r.role == role]
        files.sort(key=lambda r: (r.path not in ep_by_path, r.path.count("/"), r.path))
        if files:
            first = files[0]
            ep = ep_by_path.get(first.path)
            how = f" (entrypoint, {ep.evidence})" if ep else ""
            more = f" and {len(files) - 1} more" if len(files) > 1 else ""
            card[key] = CardItem(True, f"{first.path}{how}{more}")
        elif role == "eval" and evaluates:
            inside = sorted(evaluates, key=lambda p: (p not in ep_by_path, p))[0]
            card[key] = CardItem(True, f"{inside} evaluates inside the {roles[inside].role} script "
                                       "(no separate evaluation script)")
        else:
            card[key] = CardItem(False, f"no {label} script or loop found")
    readme = docs[0] if docs else None
    weights = find_weights_link(readme.rel, readme.lines) if readme else None
    card["pretrained_weights"] = CardItem(True, weights) if weights else CardItem(
        False, "no link to released weights in the README (GitHub releases, Drive, Hugging Face, Zenodo, "
        "Dropbox, a .pth / .pt / .ckpt / .safetensors file, or a link under a Pretrained / Model zoo / "
        "Checkpoints heading)")
    results = None
    if readme:
        for first, last in _tables(readme.lines):
            text = "\n".join(readme.lines[first:last + 1])
            if not (_METRIC.search(text) and re.search(r"\d", text)):
                continue
            where = f"{readme.rel}:{first + 1}"
            # The command that reproduces a table usually follows it, else precedes it.
            after = [n for n in range(last + 1, min(len(readme.lines), last + 31))]
            before = [n for n in range(first - 1, max(-1, first - 31), -1)]
            cmd = next((n for n in after + before if _RUN_LINE.match(readme.lines[n])), None)
            if cmd is not None:
                line = readme.lines[cmd].strip().lstrip("$ ")
                results = CardItem(True, f"results table at {where}; reproduce with `{line}` ({readme.rel}:{cmd + 1})")
                break
            results = results or CardItem(False, f"results table at {where}, but no command next to it "
                                                 "that reproduces it")
    card["results"] = results or CardItem(False, "no results table in the README")
    return card
