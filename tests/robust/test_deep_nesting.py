"""Issue 11 item 12: absurd nesting (a generated `-----x` / `a+a+...`) loses no rule's findings:
the file is linted again in a deep-stack thread instead of reporting crashes or a syntax error."""

from __future__ import annotations

from pathlib import Path

import pytest

from _robustkit import repolens


@pytest.mark.parametrize("expr", ["-" * 1500 + "x"], ids=["unary"])
def test_deeply_nested_expression_keeps_every_finding(tmp_path: Path, expr: str) -> None:
    f = tmp_path / "deep.py"
    f.write_text(f'import torch\nx = torch.load("a.pt")\ny = {expr}\n')
    r = repolens("lint", f, "--select", "ALL", "--no-cache", "--format", "json", cwd=tmp_path)
    assert "crashed" not in r.stderr and "too deeply nested" not in r.stderr, r.stderr[-2000:]
    assert '"RL501"' in r.stdout
    assert '"RL001"' not in r.stdout  # not reported as a syntax error
    r = repolens("lint", f, "--select", "RL501", "--fix", "--unsafe-fixes", "--no-cache", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f.read_text().startswith('import torch\nx = torch.load("a.pt", weights_only=True)\n')
