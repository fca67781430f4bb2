"""`--statistics`: counts per rule, ruff's layout, most frequent first then by code."""

from __future__ import annotations

from findings_samples import RULES, sample_findings

from repolens.lint.model import Finding, Severity
from repolens.output.findings import render_statistics


def test_statistics_counts_per_code_with_fix_markers_sorted_by_count_then_code():
    assert render_statistics(sample_findings(), RULES) == (
        "3\tRL101\t[*] dataloader-pin-memory\n"
        "2\tRL501\t[-] unsafe-torch-load\n"
        "1\tRL000\t[ ] syntax-error\n"
        "1\tRL102\t[ ] dataloader-num-workers\n"
        "1\tRL103\t[*] to-device-non-blocking\n"
    )


def test_statistics_right_aligns_counts_and_names_codes_from_the_rule_class():
    many = [Finding(f"f{i}.py", 1, 1, "RL102", name="stale-name", severity=Severity.WARNING,
                    end_line=1, end_column=2, message="m") for i in range(12)]
    one = [Finding("z.py", 1, 1, "RL000", name="syntax-error", severity=Severity.ERROR,
                   end_line=1, end_column=2, message="m")]
    assert render_statistics(one + many, RULES).splitlines() == [
        "12\tRL102\t[ ] dataloader-num-workers",
        " 1\tRL000\t[ ] syntax-error",
    ]


def test_statistics_is_empty_without_findings():
    assert render_statistics([], RULES) == ""
