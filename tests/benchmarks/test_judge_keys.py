"""The judged-findings benchmark keeps each verdict on the line it was given for (judge.realign)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "lint_judged"))
import judge  # noqa: E402

BASE = "swz30/MPRNet|RL501|utils/model_utils.py|checkpoint = torch.load(weights)"


def judged(line: int, occurrence: int, verdict: str) -> dict:
    return {"key": f"{BASE}|{occurrence}", "line": line, "verdict": verdict}


def found(line: int, occurrence: int) -> dict:
    return {"key": f"{BASE}|{occurrence}", "line": line}


def test_a_silenced_first_finding_does_not_hand_its_verdict_to_the_next():
    findings = [judged(24, 1, "right-worth"), judged(36, 2, "right-not-worth"), judged(45, 3, "right-worth")]
    # the linter no longer reports line 36: line 45 is now the second occurrence of the same text
    now = [found(24, 1), found(45, 2)]
    judge.realign(now, findings)
    assert [f["key"][-1] for f in now] == ["1", "3"]


def test_a_new_finding_keeps_its_key_and_lines_shared_by_two_judgements_are_left_alone():
    findings = [judged(24, 1, "right-worth"), {**judged(24, 2, "wrong")}]  # two cells, one line number
    now = [found(24, 1), found(24, 2), found(60, 3)]
    judge.realign(now, findings)
    assert [f["key"][-1] for f in now] == ["1", "2", "3"]


def test_a_finding_whose_key_was_judged_on_another_line_is_not_judged():
    findings = [judged(36, 2, "right-not-worth")]
    now = [found(36, 1), found(50, 2)]  # line 36 takes key 2; line 50 was never judged
    judge.realign(now, findings)
    assert [f["key"] for f in now] == [f"{BASE}|2", f"{BASE}|2@50"]


def test_a_judgement_that_records_its_notebook_cell_is_matched_in_that_cell():
    # dlwpt's chapter 8 notebook: the same `shuffle=False)` line 2 in cells 31 and 37; the linter now
    # reports only cell 37's, which must take cell 37's verdict, not the first occurrence's
    findings = [{**judged(2, 1, "wrong"), "cell": 31}, {**judged(2, 2, "right-worth"), "cell": 37}]
    now = [{**found(2, 1), "cell": 37}]
    judge.realign(now, findings)
    assert [f["key"][-1] for f in now] == ["2"]
    # without cells on the judgements the shared line stays ambiguous and the key is left alone
    bare = [judged(2, 1, "wrong"), judged(2, 2, "right-worth")]
    now = [{**found(2, 1), "cell": 37}]
    judge.realign(now, bare)
    assert [f["key"][-1] for f in now] == ["1"]
