"""The `text` format: ruff's layout, exact bytes without colour, ANSI colour on request."""

from __future__ import annotations

import re

from findings_samples import RULES, sample_findings, write_project

from repolens.lint.model import Finding, Severity
from repolens.output.findings import render

ANSI = re.compile(r"\x1b\[[0-9;]*m")

EXPECTED = """\
broken.py:1:7: RL000 [error] syntax error: invalid syntax
  |
1 | def f(:
  |       ^
  |

gone.py:3:1: RL102 [warning] DataLoader loads batches on the main process (num_workers=0)

models/net.py:1:10: RL101 [*] [warning] DataLoader without pin_memory=True in a project that moves tensors to CUDA
  |
1 | loader = DataLoader(  # 数据
  |          ^^^^^^^^^^^^^^^^^^^
  |

my data/load é.py:2:11: RL501 [warning] torch.load without weights_only=True unpickles arbitrary code
  |
2 | weights = torch.load(path)  # \U0001d4b2 astral
  |           ^^^^^^^^^^^^^^^^
  |

nb/explore.ipynb:cell 3:2:6: RL101 [*] [warning] DataLoader without pin_memory=True in a project that moves tensors to CUDA
  |
2 | dl = DataLoader(ds)
  |      ^^^^^^^^^^^^^^
  |

train.py:5:14: RL101 [*] [warning] DataLoader without pin_memory=True in a project that moves tensors to CUDA
  |
5 |     loader = DataLoader(ds, batch_size=32)
  |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |

train.py:6:13: RL501 [warning] torch.load without weights_only=True unpickles arbitrary code
  |
6 |     state = torch.load("ckpt.pt")
  |             ^^^^^^^^^^^^^^^^^^^^^
  |

train.py:8:13: RL103 [*] [info] batch moved to the GPU without non_blocking=True → add non_blocking=True
  |
8 |         x = x.cuda()
  |             ^^^^^^^^
  |

Found 8 findings (4 fixable with --fix; 2 more with --unsafe-fixes).
"""


def test_text_is_grouped_by_file_with_source_line_caret_and_summary(tmp_path):
    root = write_project(tmp_path)
    assert render(sample_findings(), "text", root=root, rules=RULES) == EXPECTED


def test_text_without_color_has_no_escape_codes(tmp_path):
    root = write_project(tmp_path)
    assert "\x1b" not in render(sample_findings(), "text", root=root, rules=RULES, color=False)


def test_text_with_color_is_ansi_over_the_same_text(tmp_path):
    root = write_project(tmp_path)
    colored = render(sample_findings(), "text", root=root, rules=RULES, color=True)
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == EXPECTED


def test_text_does_not_interpret_rich_markup_in_messages_or_source(tmp_path):
    (tmp_path / "m.py").write_text("x = '[bold]not markup[/bold]'\n", encoding="utf-8")
    f = Finding("m.py", 1, 5, "RL102", name="n", severity=Severity.WARNING, end_line=1,
                end_column=30, message="[red]literal[/red] brackets")
    for color in (False, True):
        out = ANSI.sub("", render([f], "text", root=tmp_path, rules={}, color=color))
        assert "[red]literal[/red] brackets" in out
        assert "x = '[bold]not markup[/bold]'" in out


def test_text_reports_no_findings_as_all_checks_passed(tmp_path):
    assert render([], "text", root=tmp_path, rules=RULES) == "All checks passed!\n"


def test_text_summary_counts_one_finding_in_the_singular(tmp_path):
    f = Finding("a.py", 1, 1, "RL102", name="n", severity=Severity.WARNING, end_line=1,
                end_column=2, message="m")
    assert render([f], "text", root=tmp_path, rules={}).endswith("\nFound 1 finding.\n")


def test_text_reads_crlf_and_tab_indented_sources_without_breaking_the_caret(tmp_path):
    (tmp_path / "w.py").write_bytes(b"if x:\r\n\ty = torch.load(p)\r\n")
    f = Finding("w.py", 2, 6, "RL501", name="unsafe-torch-load", severity=Severity.WARNING,
                end_line=2, end_column=19, message="m")
    lines = render([f], "text", root=tmp_path, rules={}).splitlines()
    assert lines[2] == "2 | \ty = torch.load(p)"
    assert lines[3] == "  | \t    ^^^^^^^^^^^^^"
    assert "\r" not in "".join(lines)
