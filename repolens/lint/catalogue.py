"""What the engine knows about a rule without running it: `RuleInfo`, and a cached catalogue.

Selecting rules, checking a config, formatting findings and answering a warm run from the cache
need only each rule's metadata (code, name, severity, needles, options, doc), not its code. The
catalogue of a set of rule folders is cached as JSON, keyed by the tool version and every rule
file's path, size and modification time, so a warm run neither executes the rule files nor
imports libcst: that import alone costs more than the rest of a warm run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from repolens import __version__
from repolens.lint.model import DOC_SECTIONS, Example, Severity, tier_of


def doc_summary(doc: str, fallback: str) -> str:
    """First paragraph of "What it does" (the one-line summary of listings and SARIF)."""
    start = doc.find(DOC_SECTIONS[0])
    if start == -1:
        return fallback
    body = doc[start + len(DOC_SECTIONS[0]):].strip().split("\n\n", 1)[0]
    return " ".join(body.split())


@dataclass(frozen=True)
class RuleInfo:
    """A rule's metadata; it answers like the rule class (`.code`, `.doc()`, `.summary()` ...)."""

    code: str
    name: str
    severity: Severity
    default_enabled: bool = True
    source: str = ""
    message: str = ""
    needles: tuple[str, ...] = ()
    fix_safety: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    doc_text: str = ""
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()
    tier: str = "default"
    tier_reason: str = ""
    superseded_by: str = ""
    file: str = ""  # the rule file ("" for the engine's own RL000)
    class_name: str = ""
    cls: Any = field(default=None, compare=False, repr=False)  # the class, once loaded

    def doc(self) -> str:
        return self.doc_text

    def summary(self) -> str:
        return doc_summary(self.doc_text, self.name)

    @classmethod
    def from_class(cls, rule: Any, file: str = "") -> "RuleInfo":
        return cls(
            code=rule.code, name=rule.name, severity=Severity(rule.severity), default_enabled=bool(rule.default_enabled),
            source=rule.source or "", message=rule.message or "", needles=tuple(rule.needles or ()),
            fix_safety=rule.fix_safety, options=dict(rule.options or {}), doc_text=rule.doc(),
            valid=tuple(rule.valid), invalid=tuple(rule.invalid), tier=tier_of(rule),
            tier_reason=getattr(rule, "tier_reason", "") or "", superseded_by=getattr(rule, "superseded_by", "") or "",
            file=file, class_name=rule.__name__, cls=rule,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "severity": self.severity.value,
            "default_enabled": self.default_enabled, "source": self.source, "message": self.message,
            "needles": list(self.needles), "fix_safety": self.fix_safety, "options": dict(self.options),
            "doc": self.doc_text, "valid": [e.as_dict() for e in self.valid],
            "invalid": [e.as_dict() for e in self.invalid], "tier": self.tier, "tier_reason": self.tier_reason,
            "superseded_by": self.superseded_by, "file": self.file, "class_name": self.class_name,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "RuleInfo":
        return cls(
            code=d["code"], name=d["name"], severity=Severity(d["severity"]), default_enabled=bool(d["default_enabled"]),
            source=d["source"], message=d["message"], needles=tuple(d["needles"]), fix_safety=d["fix_safety"],
            options=dict(d["options"]), doc_text=d["doc"], valid=tuple(Example(**e) for e in d["valid"]),
            invalid=tuple(Example(**e) for e in d["invalid"]), tier=d["tier"], tier_reason=d["tier_reason"],
            superseded_by=d["superseded_by"], file=d["file"], class_name=d["class_name"],
        )


SYNTAX_ERROR = RuleInfo(
    code="RL000",
    name="syntax-error",
    severity=Severity.ERROR,
    source="repolens engine",
    tier_reason="a file that does not parse cannot be checked nor imported",
    message="syntax error: the file does not parse",
    doc_text="""## What it does
Reports a file that Python's grammar cannot parse. It is the engine's own finding, not a rule
file: the run goes on with the other files.

A project written in Python 2 (two or more files with `print x`, `exec code`, `except E, e:`,
backquotes or `0777`) gets one finding, at a training script among those files, that counts them
and names the others (`repolens.lint.python2`): the fix is porting the project, not a line, and
one finding per file (two-stream-action-recognition: eight) was judged not worth acting on.
A file the project also ships ported, the same path under a folder named for a newer Python or
PyTorch (`pytorch_0.4/`, `V100_python1.0/`) that parses, is not reported (AdaptSegNet, PC-DARTS).

## Why is this bad?
No other rule can check a file that does not parse, and Python cannot import it either.

## Example
```python
def train(:
    pass
```

## Use instead
```python
def train():
    pass
```""",
    valid=(Example("def train():\n    pass\n"),),
    invalid=(Example("def train(:\n    pass\n"),),
)


def rule_files(folders: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        if Path(folder).is_dir():
            files.extend(sorted(Path(folder).rglob("*.py")))
    return files


def catalogue_key(builtin: Path, extra: Sequence[Path]) -> str:
    """Tool version + every .py file (helpers too: a rule may take metadata from them) of the folders."""
    h = hashlib.sha256(__version__.encode())
    for folder in (builtin, *extra):
        h.update(b"\0folder\0" + str(Path(folder).resolve()).encode())
        for p in rule_files([folder]):
            try:
                st = p.stat()
            except OSError:
                continue
            h.update(f"{p}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
    return h.hexdigest()[:24]


def load_catalogue(extra: Sequence[Path] = (), cache_folder: Path | None = None) -> list[RuleInfo]:
    """The built-in and extra rules' metadata, validated; from the cache when the files are unchanged."""
    from repolens.lint.registry import builtin_rules_dir

    builtin = builtin_rules_dir()
    key = catalogue_key(builtin, extra)
    path = cache_folder / "rules.json" if cache_folder is not None else None
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") == key:
                return [RuleInfo.from_json(d) for d in data["rules"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing or corrupt: load the rules for real
    from repolens.lint.registry import load_all_rules, rule_file

    infos = [RuleInfo.from_class(r, rule_file(r)) for r in load_all_rules(extra)]
    if path is not None:
        try:
            tmp = path.with_name(f".rules-{os.getpid()}.json")
            tmp.write_text(json.dumps({"key": key, "rules": [i.to_json() for i in infos]}), encoding="utf-8")
            os.replace(tmp, path)
        except (OSError, TypeError, ValueError):
            pass  # an option value that JSON cannot hold: no catalogue cache, still correct
    return infos


def rule_classes(infos: Sequence[RuleInfo]) -> list[Any]:
    """The classes behind the infos, loading their files (by path) where needed."""
    from repolens.lint.registry import RuleLoadError, _load_file

    out = []
    for info in infos:
        if info.cls is not None:
            out.append(info.cls)
            continue
        found = [c for c in _load_file(Path(info.file)) if c.__name__ == info.class_name and c.code == info.code]
        if not found:
            raise RuleLoadError(f"{info.file}: rule {info.code} ({info.class_name}) is no longer there")
        out.append(found[0])
    return out
