"""Every annotated case of the rule pack, through the real engine (`annotated_cases` says how).

Suites: `model_train/cases/*.py` and `model_more/cases/*.py` (one file each) and `projects/*/`
test the rules named in each file's annotations; `train_more/cases/*/` tests a fixed pack of
training rules, so any finding of the pack must be annotated, named in the file or not. In every
case all findings of the rules under test must be annotated (no surprise findings), and when
`<stem>.fixed.py` exists, `--fix --unsafe-fixes` must produce it (annotations blanked), idempotently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated_cases import case_sources, copy_case, lint_case, parse_annotations, strip_annotations
from repolens.lint.registry import builtin_rules_dir, load_builtin_rules, load_rules_from

HERE = Path(__file__).parent
RULES = load_builtin_rules()
BY_NAME = {r.name: r for r in RULES}
NAME_OF = {r.code: r.name for r in RULES}
# The training pack of train_more/: every finding of these rules in its cases must be annotated.
TRAIN_PACK = ("RL302", "RL304", "RL305", "RL309", "RL310", "RL311", "RL312", "RL313", "RL315", "RL316", "RL317",
              "RL318", "RL319", "RL320", "RL321", "RL325", "RL401", "RL403")
PACK_RULES = [r for r in RULES if r.code in TRAIN_PACK]


def _cases():
    """(case, annotated file, rules under test) for every annotated file of every suite."""
    for folder in ("model_train", "model_more"):
        for path in sorted((HERE / folder / "cases").glob("*.py")):
            if not path.name.endswith(".fixed.py"):
                yield path, path.name, None
    for project in sorted(p for p in (HERE / "projects").iterdir() if p.is_dir()):
        for rel, text in case_sources(project).items():
            if any(parse_annotations(text, BY_NAME)):  # the others are support files
                yield project, rel, None
    for project in sorted(p for p in (HERE / "train_more" / "cases").iterdir() if p.is_dir()):
        for rel in case_sources(project):
            yield project, rel, PACK_RULES


CASES = [pytest.param(case, rel, rules, id=f"{case.relative_to(HERE).as_posix()}:{rel}")
         for case, rel, rules in _cases()]


def _under_test(text: str, rules):
    must, must_not = parse_annotations(text, BY_NAME)
    if rules is None:
        rules = [BY_NAME[n] for n in sorted({name for _, name in must | must_not})]
    return must, must_not, rules


@pytest.mark.parametrize(("case", "rel", "rules"), CASES)
def test_findings_match_ruleid_and_ok_annotations(case: Path, rel: str, rules, tmp_path: Path) -> None:
    must, must_not, rules = _under_test(case_sources(case)[rel], rules)
    if not rules:
        pytest.skip("no rule named in this support file")
    run = lint_case(copy_case(case, tmp_path), [rel], rules)
    assert run.problems == ()
    found = {(f.line, NAME_OF[f.rule]) for f in run.findings}
    assert must - found == set(), "missed"
    assert found & must_not == set(), "fired at an `ok` line"
    assert found - must == set(), "unannotated findings"


def _fixed(case: Path, rel: str) -> Path:
    return (case.parent if case.is_file() else case) / rel.replace(".py", ".fixed.py")


@pytest.mark.parametrize(("case", "rel", "rules"), [c for c in CASES if _fixed(c.values[0], c.values[1]).exists()])
def test_fixes_produce_the_fixed_file_idempotently(case: Path, rel: str, rules, tmp_path: Path) -> None:
    _, _, rules = _under_test(case_sources(case)[rel], rules)
    root = copy_case(case, tmp_path)
    lint_case(root, [rel], rules, fix=True)
    fixed = (root / rel).read_text(encoding="utf-8")
    assert fixed == strip_annotations(_fixed(case, rel).read_text(encoding="utf-8"))
    again = lint_case(root, [rel], rules, fix=True)
    assert again.fixes_applied == 0 and (root / rel).read_text(encoding="utf-8") == fixed


def test_every_suite_has_cases() -> None:
    suites = {Path(c.values[0]).relative_to(HERE).parts[0] for c in CASES}
    assert suites == {"model_train", "model_more", "projects", "train_more"}
    assert sorted(r.code for r in PACK_RULES) == sorted(TRAIN_PACK)


def test_train_pack_cases_cover_every_rule_with_a_finding_and_a_silence() -> None:
    fired, silent = set(), set()
    for path in (HERE / "train_more" / "cases").rglob("*.py"):
        must, must_not = parse_annotations(path.read_text(encoding="utf-8"), BY_NAME)
        fired |= {name for _, name in must}
        silent |= {name for _, name in must_not}
    pack = {r.name for r in PACK_RULES}
    assert fired == pack
    assert silent >= pack - {"debug-api-left-on", "unweighted-loss-sum", "no-label-smoothing", "no-warmup"}


def test_every_fixable_rule_has_a_fixed_project_file() -> None:
    fixable = {r.name for r in RULES if r.fix_safety and r.code in ("RL101", "RL103", "RL501")}
    covered: set[str] = set()
    for fixed in (HERE / "projects").rglob("*.fixed.py"):
        original = fixed.with_name(fixed.name.replace(".fixed.py", ".py")).read_text(encoding="utf-8")
        covered |= {n for _, n in parse_annotations(original, BY_NAME)[0]}
    assert fixable <= covered


def test_opinion_rules_are_off_by_default_and_info() -> None:
    opinions = load_rules_from(builtin_rules_dir() / "opinions")
    assert sorted(r.code for r in opinions) == [f"RL90{i}" for i in range(1, 8)]
    assert all(not r.default_enabled and r.severity.value == "info" and "notes.en.md" in r.source for r in opinions)
