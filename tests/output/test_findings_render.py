"""`render`: the one entry point the lint CLI calls; every format is deterministic."""

from __future__ import annotations

import random

import pytest
from findings_samples import RULES, sample_findings, write_project

from repolens.output.findings import FORMATS, render


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_the_same_bytes_whatever_the_input_order(tmp_path, fmt):
    root = write_project(tmp_path)
    findings = sample_findings()
    first = render(findings, fmt, root=root, rules=RULES)
    for seed in range(3):
        shuffled = findings[:]
        random.Random(seed).shuffle(shuffled)
        assert render(shuffled, fmt, root=root, rules=RULES) == first


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ends_with_a_newline_or_is_empty(tmp_path, fmt):
    out = render(sample_findings(), fmt, root=write_project(tmp_path), rules=RULES)
    assert out.endswith("\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_tolerates_a_project_whose_files_are_gone(tmp_path, fmt):
    # Nothing written under tmp_path: no source line to show, but every finding still reported.
    out = render(sample_findings(), fmt, root=tmp_path, rules={})
    assert out.count("train.py") >= 3


def test_unknown_format_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render([], "xml", root=tmp_path, rules={})
