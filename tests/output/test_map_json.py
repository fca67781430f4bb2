"""`--format json` is the contract: exact keys at every level, their types, stable bytes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from map_samples import empty_map, hostile_map, image_classifier_map

from repolens.mapper import build_map
from repolens.mapper.recipe import FIELDS
from repolens.output.map import render_map
from repolens.output.map.json_doc import map_to_json

REPO = Path(__file__).resolve().parents[2]
# The contract, as published next to docs/map.md; additionalProperties: false makes key sets exact.
SCHEMA = json.loads((REPO / "docs" / "map.schema.json").read_text(encoding="utf-8"))
FIXTURES = ["image_classifier", "mnist_script", "tiny_lm"]


def test_json_output_matches_the_documented_schema_for_every_sample():
    for repo_map in (image_classifier_map(), hostile_map(), empty_map()):
        jsonschema.validate(json.loads(map_to_json(repo_map)), SCHEMA)


def test_top_level_keys_are_exactly_the_contract_in_its_order():
    data = json.loads(map_to_json(image_classifier_map()))
    assert list(data) == ["root", "files", "support_files", "entrypoints", "reading_order", "calls",
                          "environment", "card", "git", "problems", "recipe"]


def test_every_nested_object_has_exactly_its_documented_keys():
    data = json.loads(map_to_json(image_classifier_map()))
    for f in data["files"]:
        assert set(f) - {"problem"} == {"path", "role", "secondary", "confidence", "signals", "lines", "parsed"}
    assert {"problem"} <= set(next(f for f in data["files"] if not f["parsed"]))
    assert all(set(e) == {"path", "kind", "command", "evidence"} for e in data["entrypoints"])
    assert all(set(c) == {"from", "to", "line"} for c in data["calls"])
    assert all(set(item) == {"ok", "evidence"} for item in data["card"].values())
    assert set(data["card"]) == {"dependencies", "training_code", "evaluation_code", "pretrained_weights",
                                 "results"}
    assert set(data["git"]) == {"head", "web", "files"}
    assert data["support_files"]
    for f in data["support_files"]:
        assert set(f) == {"path", "role", "format", "lines", "used_by", "runs"}
        assert all(set(u) == {"path", "line", "how"} for u in f["used_by"] + f["runs"])
    assert all(set(g) == {"commits", "last_change"} for g in data["git"]["files"].values())


def test_reading_step_optional_keys_appear_only_when_set():
    steps = json.loads(map_to_json(image_classifier_map()))["reading_order"]
    assert steps[0] == {"path": "README.md", "why": "what the project does and how to run it", "tier": "first"}
    core = [s for s in steps if s.get("core")]
    assert core == [{"path": "models/resnet.py", "why": core[0]["why"], "line": 40, "symbol": "ResNet",
                     "core": True, "tier": "first"}]
    assert [s["tier"] for s in steps][-1] == "then"


def test_missing_values_are_null_not_absent():
    data = json.loads(map_to_json(image_classifier_map()))
    assert data["environment"]["python"] is None
    assert next(e for e in data["entrypoints"] if e["kind"] == "main-guard")["command"] is None
    assert json.loads(map_to_json(empty_map()))["git"] is None


def test_json_is_two_space_indented_with_one_trailing_newline():
    text = map_to_json(image_classifier_map())
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.splitlines()[1].startswith('  "root": ')


def test_two_renders_of_the_same_map_give_the_same_bytes():
    assert map_to_json(image_classifier_map()) == map_to_json(image_classifier_map())
    assert render_map(image_classifier_map(), "json") == map_to_json(image_classifier_map())


def test_git_files_are_sorted_by_path_whatever_order_they_were_found_in():
    files = json.loads(map_to_json(image_classifier_map()))["git"]["files"]
    assert list(files) == sorted(files)


def test_untrusted_text_survives_json_round_trip_unchanged():
    data = json.loads(map_to_json(hostile_map()))
    assert data["files"][0]["path"] == "<script>alert(1)</script>.py"
    assert data["files"][2]["signals"] == ["a\nnewline"]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_maps_of_the_real_fixtures_match_the_schema(fixture):
    data = json.loads(map_to_json(build_map(str(REPO / "fixtures" / fixture))))
    jsonschema.validate(data, SCHEMA)
    assert data["files"] and data["reading_order"]


def test_the_schema_rejects_an_unknown_key_and_a_wrong_type():
    data = json.loads(map_to_json(image_classifier_map()))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "extra": 1}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "support_files": [{**data["support_files"][0], "role": "model"}]}, SCHEMA)
    steps = [{**data["reading_order"][0], "tier": "later"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "reading_order": steps}, SCHEMA)
    data["files"][0]["confidence"] = "high"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_recipe_lists_every_field_in_order_and_names_the_absent_ones_with_advice():
    recipe = json.loads(map_to_json(image_classifier_map()))["recipe"]
    assert list(recipe) == ["entrypoint", "files", "fields", "absent"]
    assert list(recipe["fields"]) == list(FIELDS)
    assert recipe["fields"]["lr"] == [{"value": "0.1", "written": "args.lr", "evidence": "train.py:124",
                                       "source": "argparse-default", "value_at": "train.py:31"}]
    assert recipe["fields"]["precision"][0]["when"] == "if args.amp (argparse-default False)"
    absent = {a["field"]: a.get("advice") for a in recipe["absent"]}
    assert "seed" in absent and "RL320" in absent["seed"]
    assert "lr" not in absent and absent["betas"] is None
    assert json.loads(map_to_json(empty_map()))["recipe"] is None


def test_recipe_of_the_fixture_validates_and_reads_the_readme_command(tmp_path):
    data = json.loads(render_map(build_map(str(REPO / "fixtures" / "image_classifier"), jobs=1), "json"))
    jsonschema.validate(data, SCHEMA)
    lr = data["recipe"]["fields"]["lr"][0]
    assert (lr["value"], lr["source"], lr["value_at"]) == ("0.1", "command", "README.md:31")
