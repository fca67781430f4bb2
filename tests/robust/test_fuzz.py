"""Delivery 5: property-based fuzzing with generated Python programs (hypothesmith).

Every generated program, alone and mixed with fragments of the rules' own examples (so that the
rules and their fixes have something to bite on), goes through the real pipeline: the map's
summary, `lint --select ALL` (facts, parse, every rule), `--fix --unsafe-fixes` and a second
pass. Properties: nothing raises out of map or lint, no "rule crashed" problem, every finding
lies inside the file's lines, a fixed file still compiles and a second pass changes nothing.

Bounded for CI (REPOLENS_FUZZ_EXAMPLES, default 12 per test, no deadline); the long run and its
result are in docs/robustness.md:  REPOLENS_FUZZ_EXAMPLES=400 python -m pytest tests/robust/test_fuzz.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from repolens.lint.config import LintConfig  # noqa: E402
from repolens.lint.engine import lint_targets  # noqa: E402
from repolens.lint.settings import resolve_settings  # noqa: E402
from repolens.lint.targets import collect_targets  # noqa: E402
from repolens.mapper.summary import summarize_source  # noqa: E402

EXAMPLES = int(os.environ.get("REPOLENS_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 12,
                suppress_health_check=list(HealthCheck))


@lru_cache(maxsize=1)
def _fragments() -> tuple[str, ...]:
    rules = resolve_settings(LintConfig(root=Path.cwd()), select=["ALL"]).rule_classes()
    return tuple(sorted({ex.code for r in rules for ex in (*r.invalid, *r.valid)}))


def _compiles(code: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of generated nonsense such as `1()`
        try:
            compile(code, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _check(code: str) -> None:
    summarize_source("fuzz.py", code)  # the map's per-file pass: never raises
    tmp = Path(tempfile.mkdtemp(prefix="repolens-fuzz-"))
    try:
        f = tmp / "fuzz.py"
        f.write_text(code, encoding="utf-8", newline="")
        settings_ = resolve_settings(LintConfig(root=tmp), select=["ALL"])

        def run(mode: str):  # type: ignore[no-untyped-def]
            targets = collect_targets([tmp], tmp).targets
            return lint_targets(targets, settings_, fix_mode=mode, unsafe_fixes=True, use_cache=False, jobs=1)

        first = run("none")
        assert not [p for p in first.problems if "crashed" in p], first.problems
        n_lines = max(1, len(code.splitlines()))
        for finding in first.findings:
            assert 1 <= finding.line <= n_lines + 1, finding
            assert finding.line <= finding.end_line, finding
        was_valid = _compiles(code)
        fixed = run("fix")
        assert not [p for p in fixed.problems if "crashed" in p], fixed.problems
        new = f.read_text(encoding="utf-8")
        if was_valid:
            assert _compiles(new), f"a fix broke the file:\n{new}"
        second = run("diff")
        assert second.diffs == (), second.diffs  # idempotent: nothing left to fix
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@FUZZ
@given(hypothesmith.from_node())
def test_generated_programs_through_map_lint_and_fixes(code: str) -> None:
    _check(code)


@FUZZ
@given(hypothesmith.from_node(),
       st.deferred(lambda: st.lists(st.sampled_from(_fragments()), min_size=1, max_size=4)))
def test_generated_programs_mixed_with_rule_examples(code: str, fragments: list[str]) -> None:
    mixed = "\n".join([*fragments, code])
    if not _compiles(mixed):
        mixed = "\n".join(fragments)
    _check(mixed)


@FUZZ
@given(hypothesmith.from_grammar())
def test_grammar_generated_text_never_escapes_an_exception(code: str) -> None:
    _check(code)
