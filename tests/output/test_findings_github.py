"""The `github` format: one workflow command per finding, escaped as the Actions toolkit does."""

from __future__ import annotations

from findings_samples import RULES, sample_findings, write_project

from repolens.lint.model import Finding, Severity
from repolens.output.findings import render

EXPECTED = """\
::error file=broken.py,line=1,col=7,endLine=1,endColumn=8,title=RL000 syntax-error::syntax error: invalid syntax
::warning file=gone.py,line=3,col=1,endLine=3,endColumn=5,title=RL102 dataloader-num-workers::DataLoader loads batches on the main process (num_workers=0)
::warning file=models/net.py,line=1,col=10,endLine=3,endColumn=2,title=RL101 dataloader-pin-memory::DataLoader without pin_memory=True in a project that moves tensors to CUDA
::warning file=my data/load é.py,line=2,col=11,endLine=2,endColumn=27,title=RL501 unsafe-torch-load::torch.load without weights_only=True unpickles arbitrary code
::warning file=nb/explore.ipynb,title=RL101 dataloader-pin-memory::cell 3, line 2, col 6: DataLoader without pin_memory=True in a project that moves tensors to CUDA
::warning file=train.py,line=5,col=14,endLine=5,endColumn=43,title=RL101 dataloader-pin-memory::DataLoader without pin_memory=True in a project that moves tensors to CUDA
::warning file=train.py,line=6,col=13,endLine=6,endColumn=34,title=RL501 unsafe-torch-load::torch.load without weights_only=True unpickles arbitrary code
::notice file=train.py,line=8,col=13,endLine=8,endColumn=21,title=RL103 to-device-non-blocking::batch moved to the GPU without non_blocking=True → add non_blocking=True
"""


def test_github_annotations_map_severity_to_error_warning_notice(tmp_path):
    root = write_project(tmp_path)
    assert render(sample_findings(), "github", root=root, rules=RULES) == EXPECTED


def test_github_escapes_percent_and_newlines_in_message_and_colon_comma_in_properties(tmp_path):
    f = Finding("a,b:c%.py", 4, 2, "RL102", name="dataloader-num-workers", severity=Severity.ERROR,
                end_line=4, end_column=9, message="100% on one core:\r\nuse num_workers, please")
    out = render([f], "github", root=tmp_path, rules={})
    assert out == (
        "::error file=a%2Cb%3Ac%25.py,line=4,col=2,endLine=4,endColumn=9,"
        "title=RL102 dataloader-num-workers::100%25 on one core:%0D%0Ause num_workers, please\n"
    )


def test_github_prints_nothing_without_findings(tmp_path):
    assert render([], "github", root=tmp_path, rules={}) == ""
