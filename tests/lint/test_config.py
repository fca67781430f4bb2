"""`[tool.repolens]`: found by walking up, every key parsed, every mistake named (exit 2)."""

from __future__ import annotations

import json

import pytest

from repolens.lint.config import ConfigError, find_config, load_config
from repolens.lint.model import Severity
from repolens.lint.registry import load_rules_from
from repolens.lint.settings import resolve_settings

from _lintkit import write


def test_config_is_found_by_walking_up_from_the_first_path(tmp_path):
    cfg = write(tmp_path / "pyproject.toml", "[tool.repolens]\nselect = ['TST']\n")
    write(tmp_path / "pkg" / "sub" / "a.py", "x = 1\n")
    assert find_config(tmp_path / "pkg" / "sub" / "a.py") == cfg


def test_pyproject_without_the_table_is_skipped_on_the_way_up(tmp_path):
    outer = write(tmp_path / "pyproject.toml", "[tool.repolens]\nignore = []\n")
    write(tmp_path / "inner" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path / "inner") == outer


def test_every_key_is_parsed(tmp_path):
    cfg = write(tmp_path / "pyproject.toml", """
        [tool.repolens]
        select = ["RL1", "dataloader-shuffle"]
        ignore = ["RL102"]
        extend-select = ["RL901"]
        per-file-ignores = {"tests/*" = ["RL101"]}
        exclude = ["build"]
        extend-exclude = ["gen"]
        target-version = "2.1"
        fail-on = "error"
        severity = {RL102 = "error"}
        extend-rules = ["my_rules"]

        [tool.repolens.rules.RL101]
        strict = true
    """)
    c = load_config(cfg)
    assert c.select == ("RL1", "dataloader-shuffle")
    assert c.ignore == ("RL102",) and c.extend_select == ("RL901",)
    assert c.per_file_ignores == {"tests/*": ("RL101",)}
    assert c.all_exclude == ("build", "gen")
    assert c.target_version == (2, 1)
    assert c.fail_on == "error"
    assert c.severity == {"RL102": Severity.ERROR}
    assert c.rule_options == {"RL101": {"strict": True}}
    assert c.extend_rules == ((tmp_path / "my_rules").resolve(),)  # relative to the config file
    assert c.root == tmp_path.resolve()


@pytest.mark.parametrize(("body", "message"), [
    ("selct = ['RL1']", "unknown key `tool.repolens.selct`"),
    ("select = 'RL1'", "`tool.repolens.select` must be a list of strings"),
    ("target-version = '2.x'", "`tool.repolens.target-version`"),
    ("target-version = 2.1", "`tool.repolens.target-version`"),
    ("fail-on = 'sometimes'", "`tool.repolens.fail-on` must be one of"),
    ("severity = {RL101 = 'fatal'}", "`tool.repolens.severity.RL101`"),
    ("per-file-ignores = ['x']", "`tool.repolens.per-file-ignores` must be a table"),
    ("rules = {RL101 = 3}", "`tool.repolens.rules` must hold one table per rule"),
])
def test_malformed_config_is_an_error_naming_the_key(tmp_path, body, message):
    cfg = write(tmp_path / "pyproject.toml", f"[tool.repolens]\n{body}\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert message in str(err.value)
    assert str(cfg) in str(err.value)


def test_invalid_toml_is_a_config_error(tmp_path):
    cfg = write(tmp_path / "pyproject.toml", "[tool.repolens\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(cfg)


def test_other_commands_tables_are_left_to_them(tmp_path):
    cfg = write(tmp_path / "pyproject.toml", "[tool.repolens.probe]\nmodel = 'm.py:Net'\n")
    assert load_config(cfg).select is None


@pytest.mark.parametrize(("body", "message"), [
    ("select = ['TST7']", "unknown rule selector 'TST7'"),
    ("ignore = ['no-such-rule']", "unknown rule selector 'no-such-rule'"),
    ("per-file-ignores = {'a.py' = ['XYZ1']}", "per-file-ignores.\"a.py\""),
    ("severity = {TST999 = 'error'}", "`severity.TST999`: unknown rule code"),
    ("[tool.repolens.rules.TST900]\nwrd = 'x'", "`rules.TST900.wrd`: unknown option (options of TST900: word)"),
    ("[tool.repolens.rules.TST777]\nword = 'x'", "`rules.TST777`: unknown rule code"),
])
def test_unknown_codes_and_options_are_config_errors(tmp_path, tiny_rules, body, message):
    cfg = write(tmp_path / "pyproject.toml", f"[tool.repolens]\n{body}\n")
    with pytest.raises(ConfigError) as err:
        resolve_settings(load_config(cfg), rules=load_rules_from(tiny_rules))
    assert message in str(err.value)


def test_cli_exits_2_on_an_unknown_key_and_names_it(tmp_path, cli):
    write(tmp_path / "pyproject.toml", "[tool.repolens]\nexclud = ['x']\n")
    write(tmp_path / "a.py", "x = 1\n")
    result = cli("lint", tmp_path)
    assert result.exit_code == 2
    assert "unknown key `tool.repolens.exclud`" in result.stderr


def test_cli_exits_2_on_an_unknown_selector(project, cli):
    write(project / "a.py", "print(1)\n")
    result = cli("lint", project, "--select", "TST0,NOPE")
    assert result.exit_code == 2
    assert "--select: unknown rule selector 'NOPE'" in result.stderr


def test_explicit_config_file_overrides_the_nearest(project, tiny_rules, tmp_path, cli):
    write(project / "a.py", "print(1)\nimport torch\ntorch.load(p)\n")
    other = write(tmp_path / "other.toml", f"""
        [tool.repolens]
        select = ["TST003"]
        extend-rules = ["{tiny_rules.name}"]
    """)
    result = cli("lint", project, "--config", other, "--format", "json", "--no-cache")
    assert [f["rule"] for f in json.loads(result.stdout)] == ["TST003"]


def test_severity_override_and_rule_options_apply(project, cli):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + """
extend-select = ["TST900"]
severity = {TST001 = "error"}
[tool.repolens.rules.TST900]
word = "later"
""")
    write(project / "a.py", "print(1)\nlater = 2\ntodo = 3\n")
    result = cli("lint", project, "--format", "json", "--no-cache")
    found = [(f["rule"], f["severity"], f["line"]) for f in json.loads(result.stdout)]
    assert found == [("TST001", "error", 1), ("TST900", "info", 2)]


def test_target_version_reaches_the_rules(tmp_path):
    from repolens.lint.config import parse_target_version

    assert parse_target_version("2.1") == (2, 1)
    with pytest.raises(ValueError):
        parse_target_version("two")
