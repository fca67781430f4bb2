"""A rule's milder variant keeps its own severity, through the cache, unless the user overrides it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from repolens.cli import app

LOADERS = """\
import torch
from torch.utils.data import DataLoader

test_loader = DataLoader(test_set, batch_size=64, shuffle=True, num_workers=4, pin_memory=True)
train_loader = DataLoader(train_set, batch_size=64, num_workers=4, pin_memory=True)
"""


def _severities(*args: str) -> list[tuple[int, str]]:
    result = CliRunner().invoke(app, ["lint", *args, "--format", "json", "--select", "RL108", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return [(f["line"], f["severity"]) for f in json.loads(result.stdout)]


def test_eval_loader_that_shuffles_is_info_and_training_loader_that_does_not_is_a_warning(tmp_path):
    (tmp_path / "loaders.py").write_text(LOADERS)
    expected = [(4, "info"), (5, "warning")]
    assert _severities(str(tmp_path)) == expected
    assert _severities(str(tmp_path)) == expected  # warm: answered by the cache


def test_a_configured_severity_overrides_both_variants(tmp_path):
    (tmp_path / "loaders.py").write_text(LOADERS)
    (tmp_path / "pyproject.toml").write_text('[tool.repolens.severity]\nRL108 = "error"\n')
    assert _severities(str(tmp_path), "--no-cache") == [(4, "error"), (5, "error")]
