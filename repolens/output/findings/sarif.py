"""The `sarif` format: SARIF 2.1.0, shaped for GitHub code scanning.

One run; `tool.driver.rules` holds every rule the CLI passed (plus engine codes such as RL000
that appear in the findings), each with its summary, description, full doc as help, default
level and tags. Results point at paths relative to `%SRCROOT%` (the project root; when files
outside it are linted, the deepest folder holding them all: a URI never climbs above it), so the log
does not depend on the machine that wrote it except for `originalUriBaseIds`.

Mapping: error -> "error", warning -> "warning", info -> "note". Columns count Unicode code
points (`columnKind`), `endColumn` is exclusive, as in the Finding contract. A notebook cell's
lines are not lines of the `.ipynb` file, so a notebook result is anchored on the file's first
line and names its cell, line and column in the message and in `properties`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence
from urllib.parse import quote

from repolens import __version__
from repolens.lint.model import DOC_SECTIONS, Finding, Severity
from repolens.output.findings._common import (
    ENGINE_CODES, SourceLines, display_cell, ordered, rule_name, rule_severity,
)

if TYPE_CHECKING:  # the rule classes need libcst; formatting never does
    from repolens.lint.rule import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "repolensFinding/v1"

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub shows `problem.severity` for alerts that are not security alerts.
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
# GitHub's scale for security alerts (medium is 4.0-6.9); only rules tagged "security" carry it.
SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.5", Severity.INFO: "2.0"}
CATEGORY = {
    "RL0": "engine", "RL1": "data-pipeline", "RL2": "model", "RL3": "training",
    "RL4": "performance", "RL5": "security", "RL9": "opinion",
}


def _section(doc: str, title: str) -> str:
    start = doc.find(title)
    if start == -1:
        return ""
    body = doc[start + len(title):]
    ends = [i for i in (body.find(t) for t in DOC_SECTIONS) if i != -1]
    return body[: min(ends)].strip() if ends else body.strip()


def _tags(code: str, severity: Severity) -> list[str]:
    tags = ["pytorch", severity.value]
    category = CATEGORY.get(code[:3])
    if category:
        tags.insert(0, category)
    return tags


def _descriptor(code: str, findings: Sequence[Finding], rules: Mapping[str, type[Rule]]) -> dict[str, Any]:
    rule = rules.get(code)
    severity = rule_severity(code, findings, rules)
    if rule is not None:
        doc = rule.doc()
        short = rule.summary()
        full = "\n\n".join(p for p in (_section(doc, DOC_SECTIONS[0]), _section(doc, DOC_SECTIONS[1])) if p)
        help_text = doc + (f"\n\nSource: {rule.source}" if rule.source else "")
    else:
        short = ENGINE_CODES.get(code) or next((f.message for f in findings if f.rule == code), code)
        full = help_text = short
    tags = _tags(code, severity)
    properties: dict[str, Any] = {"tags": tags, "problem.severity": PROBLEM_SEVERITY[severity]}
    if "security" in tags:
        properties["security-severity"] = SECURITY_SEVERITY[severity]
    if rule is not None and rule.fix_safety:
        properties["fix"] = rule.fix_safety
    return {
        "id": code,
        "name": rule_name(code, findings, rules),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full or short},
        "help": {"text": help_text or short, "markdown": help_text or short},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": properties,
    }


def _region(f: Finding) -> dict[str, int]:
    start_col = max(f.column, 1)
    end_line = max(f.end_line, f.line)
    end_col = max(f.end_column, 1)
    if end_line == f.line:
        end_col = max(end_col, start_col)
    return {"startLine": max(f.line, 1), "startColumn": start_col, "endLine": end_line, "endColumn": end_col}


def _fingerprints(ordered_findings: Sequence[Finding], sources: SourceLines) -> list[str]:
    """A line-number-free identity: code, path, cell, the reported line's text, and which
    occurrence of that text it is; so an alert survives edits elsewhere in the file."""
    seen: Counter[tuple] = Counter()
    prints = []
    for f in ordered_findings:
        text = sources.line(f)
        anchor = " ".join(text.split()) if text is not None else f"line {f.line}"
        key = (f.rule, f.path, f.cell, anchor)
        seen[key] += 1
        raw = "\0".join(str(part) for part in (*key, seen[key]))
        prints.append(hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32])
    return prints


def _base_and_paths(findings: Sequence[Finding], root: Path) -> tuple[Path, dict[str, str]]:
    """The folder %SRCROOT% names and each finding path relative to it.

    Finding paths are relative to the project root, so files linted outside it read `../x.py`;
    a URI must not climb above its base (SARIF 3.14.14; GitHub drops such results). The base is
    the root, or the deepest folder holding the root and every finding's file.
    """
    root = Path(root).resolve()
    absolute = {f.path: os.path.normpath(os.path.join(root, f.path)) for f in findings}
    base = os.path.commonpath([str(root), *absolute.values()]) if absolute else str(root)
    return Path(base), {rel: Path(os.path.relpath(a, base)).as_posix() for rel, a in absolute.items()}


def _result(f: Finding, rule_index: int, fingerprint: str, uri_path: str) -> dict[str, Any]:
    location = {"artifactLocation": {"uri": quote(uri_path, safe="/"), "uriBaseId": SRCROOT}}
    message = f.message
    result: dict[str, Any] = {"ruleId": f.rule, "ruleIndex": rule_index, "level": LEVEL[f.severity]}
    cell = display_cell(f)
    if cell is None:
        location["region"] = _region(f)
    else:
        location["region"] = {"startLine": 1}
        message = f"cell {cell}, line {f.line}, col {f.column}: {message}"
    result["message"] = {"text": message}
    result["locations"] = [{"physicalLocation": location}]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
    if cell is not None:
        result["properties"] = {
            "cell": f.cell, "cellLine": f.line, "cellColumn": f.column,
            "cellEndLine": f.end_line, "cellEndColumn": f.end_column,
        }
    if f.fixable:
        result.setdefault("properties", {})["fix"] = f.fix_safety or "safe"
    return result


def sarif_log(findings: Sequence[Finding], *, root: Path, rules: Mapping[str, type[Rule]]) -> dict[str, Any]:
    items = ordered(findings)
    codes = sorted(set(rules) | {f.rule for f in items})
    index = {code: i for i, code in enumerate(codes)}
    descriptors = [_descriptor(code, items, rules) for code in codes]
    prints = _fingerprints(items, SourceLines(root))
    base, uri_paths = _base_and_paths(items, root)
    root_uri = base.as_uri()
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "repolens", "version": __version__, "semanticVersion": __version__,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.rule], p, uri_paths[f.path]) for f, p in zip(items, prints)],
        }],
    }


def render_sarif(findings: Sequence[Finding], *, root: Path, rules: Mapping[str, type[Rule]]) -> str:
    return json.dumps(sarif_log(findings, root=root, rules=rules), indent=2, ensure_ascii=False) + "\n"
