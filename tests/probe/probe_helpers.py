"""Helpers for the probe tests: run the probe's runtime in this process (fast, real torch), or the
real CLI in a subprocess (isolation). Reports of the same model and settings are computed once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path




from repolens.probe.model import ProbeReport, ProbeSpec  # noqa: E402

MODELS = Path(__file__).parent / "models"
REPO = Path(__file__).resolve().parents[2]
DEVICE = os.environ.get("REPOLENS_PROBE_TEST_DEVICE", "cpu")
_cache: dict[tuple, ProbeReport] = {}


def probe_here(target: str, file: str = "zoo.py", **options) -> ProbeReport:
    """Probe a test model in this process (the child's code, without the child)."""
    from repolens.probe.runtime.run import Run
    from repolens.probe.runtime.session import report_of, run_session

    options.setdefault("steps", 300)
    # scripts/gpu_check.sh runs the suite with REPOLENS_PROBE_TEST_DEVICE=cuda
    options.setdefault("device", DEVICE)
    if "RT012" not in options.get("select", ()):
        options.setdefault("compile_check", False)  # RT012 has its own tests; it costs seconds per model
    key = (target, file, tuple(sorted((k, repr(v)) for k, v in options.items())))
    if key not in _cache:
        spec = ProbeSpec(model=f"{MODELS / file}:{target}", root=str(MODELS), **options)
        run = Run(spec)
        run_session(spec, run)
        _cache[key] = report_of(run)
    return _cache[key]


def rules(report: ProbeReport, min_severity: str = "warning") -> set[str]:
    rank = {"info": 0, "warning": 1, "error": 2}
    return {f.rule for f in report.findings if rank[f.severity] >= rank[min_severity]}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["COLUMNS"] = "100"
    if "--compile" not in args and "--help" not in args:
        args = (*args, "--no-compile")  # RT012 costs seconds per model; test_compile covers it
    return subprocess.run([sys.executable, "-m", "repolens", "probe", *args], cwd=cwd or MODELS, env=env,
                          capture_output=True, text=True, timeout=timeout)
