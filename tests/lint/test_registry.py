"""The registry refuses broken rules loudly: one test per refusal, with real rule files."""

from __future__ import annotations

from pathlib import Path

import pytest

from repolens.lint.registry import RuleLoadError, load_all_rules, load_rules_from, validate_rules

from _lintkit import TINY_RULES, write

GOOD = '''
from repolens.lint import Example, Rule, Severity


class {cls}(Rule):
    """
    ## What it does
    Something.

    ## Why is this bad?
    Because.
{extra_doc}
    ## Use instead
    Nothing.
    """

    code = "{code}"
    name = "{name}"
    severity = Severity.INFO
    valid = {valid}
    invalid = {invalid}
'''


def rule_file(folder: Path, *, cls="Good", code="ACME001", name="acme-good", valid="(Example('x = 1\\n'),)",
              invalid="(Example('y = 1\\n'),)", example_section=True, filename=None) -> Path:
    extra = "\n    ## Example\n    Here.\n" if example_section else "\n"
    text = GOOD.format(cls=cls, code=code, name=name, valid=valid, invalid=invalid, extra_doc=extra)
    return write(folder / (filename or f"{name.replace('-', '_')}.py"), text)


def load_user(folder: Path):
    return validate_rules([(load_rules_from(folder), False)])


def test_a_well_formed_user_rule_loads(tmp_path):
    rule_file(tmp_path)
    rules = load_user(tmp_path)
    assert [r.code for r in rules] == ["ACME001"]


def test_rule_missing_a_doc_section_is_refused(tmp_path):
    rule_file(tmp_path, example_section=False)
    with pytest.raises(RuleLoadError, match=r"lacks the section\(s\) '## Example'"):
        load_user(tmp_path)


def test_rule_without_valid_example_is_refused(tmp_path):
    rule_file(tmp_path, valid="()")
    with pytest.raises(RuleLoadError, match="no valid example"):
        load_user(tmp_path)


def test_rule_without_invalid_example_is_refused(tmp_path):
    rule_file(tmp_path, invalid="()")
    with pytest.raises(RuleLoadError, match="no invalid example"):
        load_user(tmp_path)


def test_duplicate_code_across_files_is_refused(tmp_path):
    rule_file(tmp_path, cls="A", name="acme-a")
    rule_file(tmp_path, cls="B", name="acme-b")
    with pytest.raises(RuleLoadError, match="duplicate code ACME001"):
        load_user(tmp_path)


def test_duplicate_name_is_refused(tmp_path):
    rule_file(tmp_path, cls="A", code="ACME001", name="acme-same", filename="a.py")
    rule_file(tmp_path, cls="B", code="ACME002", name="acme-same", filename="b.py")
    with pytest.raises(RuleLoadError, match="duplicate name 'acme-same'"):
        load_user(tmp_path)


def test_user_rule_clashing_with_builtin_code_is_refused(tmp_path):
    builtin = load_all_rules()
    if not builtin:
        pytest.skip("the built-in pack is empty in this checkout")
    taken = builtin[0].code
    rule_file(tmp_path, code=taken, name="acme-clash")
    with pytest.raises(RuleLoadError, match=f"duplicate code {taken}"):
        load_all_rules([tmp_path])


@pytest.mark.parametrize("code", ["acme1", "ACME", "AC-1", "001"])
def test_malformed_user_code_is_refused(tmp_path, code):
    rule_file(tmp_path, code=code)
    with pytest.raises(RuleLoadError, match="is malformed"):
        load_user(tmp_path)


def test_builtin_codes_must_be_rl_and_three_digits(tmp_path):
    rule_file(tmp_path, code="ACME001")
    with pytest.raises(RuleLoadError, match="RL followed by three digits"):
        validate_rules([(load_rules_from(tmp_path), True)])


@pytest.mark.parametrize("name", ["NoCaps", "snake_case", "trailing-", "two--dashes"])
def test_non_kebab_name_is_refused(tmp_path, name):
    rule_file(tmp_path, name=name, filename="r.py")
    with pytest.raises(RuleLoadError, match="not kebab-case"):
        load_user(tmp_path)


def test_syntax_error_code_is_reserved(tmp_path):
    rule_file(tmp_path, code="RL000", name="my-syntax")
    with pytest.raises(RuleLoadError, match="reserved"):
        validate_rules([(load_rules_from(tmp_path), True)])


def test_rule_file_that_raises_on_import_names_the_file(tmp_path):
    write(tmp_path / "broken.py", "raise RuntimeError('boom')\n")
    with pytest.raises(RuleLoadError, match=r"broken\.py: RuntimeError: boom"):
        load_rules_from(tmp_path)


def test_missing_rule_folder_is_refused(tmp_path):
    with pytest.raises(RuleLoadError, match="does not exist"):
        load_rules_from(tmp_path / "nope")


def test_helper_files_starting_with_underscore_are_not_rules(tmp_path):
    write(tmp_path / "_helpers.py", "X = 1\n")
    write(tmp_path / "tiny.py", TINY_RULES)
    codes = {r.code for r in load_user(tmp_path)}
    assert codes == {"TST001", "TST002", "TST003", "TST004", "TST900"}


def test_an_edited_rule_file_is_loaded_afresh(tmp_path):
    path = rule_file(tmp_path, name="acme-one", filename="r.py")
    first = load_user(tmp_path)[0]
    text = path.read_text().replace('name = "acme-one"', 'name = "acme-two"  # edited, size changes')
    path.write_text(text)
    second = load_user(tmp_path)[0]
    assert (first.name, second.name) == ("acme-one", "acme-two")


def test_cli_exits_2_with_the_problem_when_a_user_rule_is_invalid(tmp_path, cli):
    folder = tmp_path / "myrules"
    rule_file(folder, valid="()")
    write(tmp_path / "pyproject.toml", '[tool.repolens]\nextend-rules = ["myrules"]\n')
    write(tmp_path / "a.py", "x = 1\n")
    result = cli("lint", tmp_path, "--no-cache", "--config", tmp_path / "pyproject.toml")
    assert result.exit_code == 2
    assert "no valid example" in result.stderr
