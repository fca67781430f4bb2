"""A rule's milder variant keeps its own severity, through the cache, unless the user overrides it.

No built-in rule has a variant today, so a project rule (`extend-rules`) carries one: info in a
file under `scripts/`, a warning elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from repolens.cli import app

RULE = '''\
import libcst as cst

from repolens.lint import Example, Rule, Severity


class NoCudaSynchronize(Rule):
    """
    ## What it does
    Flags `torch.cuda.synchronize()`; only as info in `scripts/`.

    ## Why is this bad?
    It stalls the CPU until the GPU is idle.

    ## Example
    ```python
    torch.cuda.synchronize()
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "ACME001"
    name = "no-cuda-synchronize"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = "test rule"
    source = "test"
    message = "torch.cuda.synchronize() stalls the CPU"
    valid = (Example("import torch\\n"),)
    invalid = (Example("import torch\\ntorch.cuda.synchronize()\\n"),)

    def visit_Call(self, node: cst.Call) -> None:
        if self.is_name(node.func, "torch.cuda.synchronize"):
            mild = self.context.path.startswith("scripts/")
            self.report(node, severity=Severity.INFO if mild else None)
'''

CODE = "import torch\ntorch.cuda.synchronize()\n"


def _project(root: Path, severity: str = "") -> Path:
    (root / "lint_rules").mkdir()
    (root / "lint_rules" / "sync.py").write_text(RULE)
    (root / "scripts").mkdir()
    (root / "scripts" / "bench.py").write_text(CODE)
    (root / "train.py").write_text(CODE)
    config = '[tool.repolens]\nextend-rules = ["lint_rules"]\n'
    if severity:
        config += f'[tool.repolens.severity]\nACME001 = "{severity}"\n'
    (root / "pyproject.toml").write_text(config)
    return root


def _severities(root: Path, *args: str) -> list[tuple[str, str]]:
    cwd = os.getcwd()
    os.chdir(root)  # a project's own rules load when it is the current folder
    try:
        result = CliRunner().invoke(app, ["lint", ".", *args, "--format", "json", "--select", "ACME001",
                                          "--fail-on", "never"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return [(f["path"], f["severity"]) for f in json.loads(result.stdout)]


def test_a_milder_variant_keeps_its_severity_cold_and_warm(tmp_path):
    root = _project(tmp_path)
    expected = [("scripts/bench.py", "info"), ("train.py", "warning")]
    assert _severities(root) == expected
    assert _severities(root) == expected  # warm: answered by the cache


def test_a_configured_severity_overrides_both_variants(tmp_path):
    root = _project(tmp_path, "error")
    assert _severities(root, "--no-cache") == [("scripts/bench.py", "error"), ("train.py", "error")]
