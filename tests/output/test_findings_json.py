"""The `json` format: the SPEC's contract, sorted, two-space indented, newline-terminated."""

from __future__ import annotations

import json

from findings_samples import RULES, sample_findings, write_project

from repolens.output.findings import render

CONTRACT_KEYS = ["rule", "name", "severity", "path", "line", "column", "end_line", "end_column",
                 "message", "fixable"]


def test_json_objects_carry_exactly_the_contract_keys_plus_cell_for_notebooks(tmp_path):
    data = json.loads(render(sample_findings(), "json", root=write_project(tmp_path), rules=RULES))
    assert len(data) == 8
    for item in data:
        expected = CONTRACT_KEYS + (["cell"] if item["path"].endswith(".ipynb") else [])
        assert list(item) == expected
    notebook = next(item for item in data if item["path"] == "nb/explore.ipynb")
    assert notebook["cell"] == 2 and notebook["line"] == 2


def test_json_values_follow_the_contract_types(tmp_path):
    data = json.loads(render(sample_findings(), "json", root=tmp_path, rules=RULES))
    syntax = next(item for item in data if item["rule"] == "RL000")
    assert syntax == {
        "rule": "RL000", "name": "syntax-error", "severity": "error", "path": "broken.py",
        "line": 1, "column": 7, "end_line": 1, "end_column": 8,
        "message": "syntax error: invalid syntax", "fixable": False,
    }
    assert {item["severity"] for item in data} == {"error", "warning", "info"}


def test_json_is_sorted_by_path_line_column_code_and_indented(tmp_path):
    text = render(sample_findings(), "json", root=tmp_path, rules=RULES)
    data = json.loads(text)
    keys = [(d["path"], d.get("cell", -1), d["line"], d["column"], d["rule"]) for d in data]
    assert keys == sorted(keys)
    assert text.startswith('[\n  {\n    "rule": ')
    assert text.endswith("]\n")


def test_json_keeps_unicode_readable(tmp_path):
    text = render(sample_findings(), "json", root=tmp_path, rules=RULES)
    assert '"path": "my data/load é.py"' in text
    assert "→ add non_blocking=True" in text


def test_json_of_no_findings_is_an_empty_list(tmp_path):
    assert render([], "json", root=tmp_path, rules=RULES) == "[]\n"
