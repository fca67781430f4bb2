"""Configuration files read into flat `{dotted.key: (value, line)}` maps: the hyperparameter files a
training entrypoint loads (the map's recipe) and the sizes a project states (the project model).

YAML is read by a small reader of our own (PyYAML is not a dependency of repolens). It covers what
hyperparameter files use: nested block mappings by indentation, `key: scalar`, flow lists
`[0.9, 0.999]`, block lists of scalars (`- 0.9`), comments, quoted strings, hydra `defaults:` lists.
It does not read anchors and aliases (`&x`, `*x`, `<<:`), multi-line strings (`|`, `>`), flow
mappings spanning lines, or several documents in one file: such values are skipped, never guessed.
JSON goes through the standard `json` module (line numbers: the first line that names the key).
Python config files (`config/train_x.py` of plain assignments) are read with `ast`, never run.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Iterable

from repolens.comments import strip_hash_comment

Flat = dict[str, tuple[str, int]]  # dotted key -> (value as written, 1-based line)

_KEY = re.compile(r"^(\s*)(?:-\s+)?([\w.\-/@]+|\"[^\"]*\"|'[^']*')\s*:(?:\s+(.*?))?\s*$")
_ITEM = re.compile(r"^(\s*)-\s+(.*?)\s*$")
MAX_BYTES = 400_000


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_yaml(text: str) -> Flat:
    """Flatten a YAML mapping: `optim: {lr: 0.1}` on two lines gives {"optim.lr": ("0.1", 2)}."""
    out: Flat = {}
    stack: list[tuple[int, str]] = []  # (indent, dotted prefix) of the open mappings
    list_key: tuple[int, str, list[str], int] | None = None  # a block list being collected
    for lineno, raw in enumerate(text.splitlines(), 1):
        if raw.strip() in ("---", "..."):
            if out:
                break  # a second document: not read
            continue
        line = strip_hash_comment(raw).rstrip()  # YAML comments start a word, as the shell's do
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = _ITEM.match(line)
        if list_key is not None and item and indent >= list_key[0] and not _KEY.match(line):
            list_key[2].append(_scalar(item.group(2)))
            continue
        if list_key is not None:
            if list_key[2]:
                out[list_key[1]] = ("[" + ", ".join(list_key[2]) + "]", list_key[3])
            list_key = None
        m = _KEY.match(line)
        if not m:
            continue
        if line.lstrip().startswith("-"):
            # `- group: option` inside a hydra defaults list, or a list of mappings: keep the
            # entry under its parent's key so `defaults` can be read, nothing more.
            while stack and stack[-1][0] > indent:  # `key:` then `- item` at the same indent
                stack.pop()
            parent = stack[-1][1] if stack else ""
            key = _scalar(m.group(2))
            out.setdefault(f"{parent}[].{key}" if parent else f"[].{key}", (_scalar(m.group(3) or ""), lineno))
            entries = out.get(f"{parent}.__entries__" if parent else "__entries__")
            joined = f"{key}={_scalar(m.group(3) or '')}"
            out[f"{parent}.__entries__" if parent else "__entries__"] = (
                f"{entries[0]},{joined}" if entries else joined, lineno)
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = _scalar(m.group(2))
        dotted = f"{stack[-1][1]}.{key}" if stack else key
        value = (m.group(3) or "").strip()
        if not value:
            stack.append((indent, dotted))
            list_key = (indent, dotted, [], lineno)
            continue
        if value[0] in "&*|>" or value.startswith("<<"):
            continue  # anchors, aliases, block scalars: not read
        if value.startswith("[") and value.endswith("]"):
            items = [_scalar(x) for x in value[1:-1].split(",") if x.strip()]
            out[dotted] = ("[" + ", ".join(items) + "]", lineno)
        elif value.startswith("{") and value.endswith("}"):
            for part in value[1:-1].split(","):
                if ":" in part:
                    k, v = part.split(":", 1)
                    out[f"{dotted}.{_scalar(k)}"] = (_scalar(v), lineno)
        else:
            out[dotted] = (_scalar(value), lineno)
    if list_key is not None and list_key[2]:
        out[list_key[1]] = ("[" + ", ".join(list_key[2]) + "]", list_key[3])
    return out


def read_json(text: str) -> Flat:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    out: Flat = {}
    lines = text.splitlines()

    def line_of(key: str) -> int:
        needle = json.dumps(key)
        return next((i for i, ln in enumerate(lines, 1) if needle in ln), 1)

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                dotted = f"{prefix}.{k}" if prefix else str(k)
                if isinstance(v, dict):
                    walk(v, dotted)
                else:
                    out[dotted] = (json.dumps(v) if not isinstance(v, str) else v, line_of(str(k)))

    walk(data, "")
    return out


def read_python_config(text: str) -> Flat:
    """Module-level `name = literal` assignments of a Python config file."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    out: Flat = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                ast.literal_eval(stmt.value)
            except (ValueError, SyntaxError, TypeError, RecursionError):
                continue
            out[stmt.targets[0].id] = (ast.get_source_segment(text, stmt.value) or "", stmt.lineno)
    return out


def read_config(path: Path) -> Flat:
    """Any supported config file; {} for what cannot be read."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return read_config_text(path.name, text)


def read_config_text(name: str, text: str) -> Flat:
    """A config file's text, read by its name's suffix; {} for an unsupported one."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("yaml", "yml"):
        return read_yaml(text)
    if suffix == "json":
        return read_json(text)
    if suffix == "py":
        return read_python_config(text)
    return {}


def values_by_key(flats: Iterable[Flat]) -> dict[str, frozenset[str]]:
    """Every scalar value each key takes in the given config files, by the key's last segment
    (`model.gan_type: lsgan` -> {"gan_type": {"lsgan"}}): what the shipped configs can select
    (`ProjectModel.config_selects`). Lists (`[0.9, 0.999]`) are left out."""
    out: dict[str, set[str]] = {}
    for flat in flats:
        for dotted, (value, _line) in flat.items():
            if not value.startswith("["):
                out.setdefault(dotted.rsplit(".", 1)[-1], set()).add(value)
    return {key: frozenset(values) for key, values in out.items()}
