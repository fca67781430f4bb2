"""The `sarif` format: valid against the official SARIF 2.1.0 schema, and shaped the way GitHub
code scanning reads it (rule metadata and help, levels, relative URIs, fingerprints)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from findings_samples import RULES, TRAIN_PY, sample_findings, write_project

from repolens.lint.model import Finding
from repolens.output.findings import render

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _log(root, findings=None, rules=RULES):
    return json.loads(render(sample_findings() if findings is None else findings, "sarif",
                             root=root, rules=rules))


def test_sarif_validates_against_the_official_2_1_0_schema(tmp_path, validator):
    log = _log(write_project(tmp_path))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")


def test_sarif_without_findings_still_validates_and_lists_the_rules(tmp_path, validator):
    log = _log(tmp_path, findings=[])
    validator.validate(log)
    run = log["runs"][0]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(RULES)


def test_sarif_maps_severity_to_level_and_indexes_rules(tmp_path):
    run = _log(write_project(tmp_path))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "repolens"
    levels = {}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        levels[result["ruleId"]] = result["level"]
    assert levels == {"RL000": "error", "RL101": "warning", "RL102": "warning", "RL103": "note", "RL501": "warning"}
    by_id = {r["id"]: r for r in rules}
    assert by_id["RL103"]["defaultConfiguration"]["level"] == "note"
    assert by_id["RL000"]["defaultConfiguration"]["level"] == "error"


def test_sarif_rule_metadata_comes_from_the_rule_doc(tmp_path):
    rules = {r["id"]: r for r in _log(tmp_path)["runs"][0]["tool"]["driver"]["rules"]}
    pin = rules["RL101"]
    assert pin["name"] == "dataloader-pin-memory"
    assert pin["shortDescription"]["text"] == RULES["RL101"].summary()
    assert "Copies from pageable memory" in pin["fullDescription"]["text"]
    assert "## Use instead" in pin["help"]["markdown"]
    assert "pin_memory=True)" in pin["help"]["text"]
    assert "data-pipeline" in pin["properties"]["tags"]
    load = rules["RL501"]
    assert "security" in load["properties"]["tags"]
    assert load["properties"]["security-severity"] == "5.5"
    # RL000 has no rule class: the engine code still gets a full descriptor.
    syntax = rules["RL000"]
    assert syntax["name"] == "syntax-error" and syntax["shortDescription"]["text"]


def test_sarif_meets_github_code_scanning_requirements(tmp_path):
    """Beyond the schema, GitHub needs: driver name, rule id + short/full description + help
    text, at most 20 tags a rule, results with ruleId, message text, one physical location with
    a region start line, consistent relative paths, and partial fingerprints."""
    run = _log(write_project(tmp_path))["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["id"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and len(rule["properties"]["tags"]) <= 20
    for result in run["results"]:
        assert result["ruleId"] and result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["region"]["startLine"] >= 1
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert result["partialFingerprints"]
    assert len(run["results"]) <= 25_000


def test_sarif_uris_are_relative_and_percent_encoded(tmp_path):
    run = _log(write_project(tmp_path))["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "my%20data/load%20%C3%A9.py" in uris
    for uri in uris:
        parts = urlsplit(uri)
        assert not parts.scheme and not uri.startswith("/") and " " not in uri
    assert {unquote(u) for u in uris} >= {"my data/load é.py", "train.py", "nb/explore.ipynb"}
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")


def test_sarif_region_columns_are_one_based_with_exclusive_end(tmp_path):
    run = _log(write_project(tmp_path))["runs"][0]
    pin = next(r for r in run["results"] if r["ruleId"] == "RL101"
               and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py")
    assert pin["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 14, "endLine": 5, "endColumn": 43}
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_anchors_a_notebook_finding_on_the_file_and_names_the_cell(tmp_path):
    run = _log(write_project(tmp_path))["runs"][0]
    nb = next(r for r in run["results"]
              if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nb/explore.ipynb")
    assert nb["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert nb["message"]["text"].startswith("cell 3, line 2, col 6: ")
    assert nb["properties"]["cell"] == 2 and nb["properties"]["cellLine"] == 2


def _shift(findings: list[Finding], by: int) -> list[Finding]:
    from dataclasses import replace

    return [replace(f, line=f.line + by, end_line=f.end_line + by) if f.path == "train.py" else f
            for f in findings]


def test_sarif_fingerprints_survive_lines_inserted_above_and_tell_findings_apart(tmp_path):
    root = write_project(tmp_path)
    before = _log(root)["runs"][0]["results"]
    (root / "train.py").write_text("# a new header comment\n\n" + TRAIN_PY, encoding="utf-8")
    after = _log(root, findings=_shift(sample_findings(), 2))["runs"][0]["results"]
    prints_before = [r["partialFingerprints"] for r in before]
    assert prints_before == [r["partialFingerprints"] for r in after]
    assert len({json.dumps(p) for p in prints_before}) == len(prints_before)


def test_sarif_describes_every_loaded_builtin_rule_validly(tmp_path, validator):
    from repolens.lint.registry import load_builtin_rules

    rules = {r.code: r for r in load_builtin_rules()}
    log = _log(tmp_path, findings=[], rules=rules)
    validator.validate(log)
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == sorted(rules)


def test_the_schema_check_rejects_what_sarif_forbids(tmp_path, validator):
    # Guards the guard: an "info" level (repolens's word, not SARIF's) must not validate.
    log = _log(write_project(tmp_path))
    log["runs"][0]["results"][0]["level"] = "info"
    assert not validator.is_valid(log)
