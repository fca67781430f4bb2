"""The user's code runs only in a child process: whatever it does (fail to import, mismatch shapes,
hang, crash), repolens prints a one-screen explanation and exits 1; usage errors exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch")

from probe_helpers import MODELS, REPO, run_cli  # noqa: E402

from repolens.probe import ProbeSpec, run_probe  # noqa: E402

ONE_SCREEN = 30  # lines


def _assert_one_screen(proc: subprocess.CompletedProcess) -> str:
    out = proc.stdout + proc.stderr
    assert "Traceback (most recent call last)" not in out, out
    assert len(out.splitlines()) <= ONE_SCREEN, out
    return out


def test_import_error_gives_one_screen_and_exit_1():
    proc = run_cli("broken_import.py:Net", "--steps", "5")
    out = _assert_one_screen(proc)
    assert proc.returncode == 1
    assert "ModuleNotFoundError" in out and "a_package_that_is_not_installed" in out
    assert "broken_import.py:6" in out


def test_wrong_input_shape_names_the_layer_and_shapes_and_exits_1():
    proc = run_cli("broken.py:WrongFlatten", "--input", "8x3x32x32", "--steps", "5")
    out = _assert_one_screen(proc)
    assert proc.returncode == 1
    assert "classifier (Linear)" in out and "8x16384 float32" in out
    assert "expects a last dimension of 1024" in out


def test_failure_in_json_names_module_and_location():
    proc = run_cli("broken.py:WrongFlatten", "--input", "8x3x32x32", "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["failure"]["module"] == "classifier"
    assert "broken.py:" in data["failure"]["location"]
    assert data["findings"][0]["rule"] == "RT000" and data["findings"][0]["where"] == "classifier"


def test_constructor_that_needs_arguments_is_a_build_failure():
    proc = run_cli("broken.py:NeedsArgs")
    out = _assert_one_screen(proc)
    assert proc.returncode == 1
    assert "missing 1 required positional argument: 'width'" in out


@pytest.mark.slow
def test_hang_is_stopped_at_the_timeout_and_says_where():
    report = run_probe(ProbeSpec(model=f"{MODELS}/broken.py:Sleeper", root=str(MODELS), device="cpu",
                                 input_shape=(8, 16), timeout=10))
    f = report.failure
    assert f is not None and f.kind == "timeout"
    assert f.module == "inner" and f.module_type == "SleepyLayer"
    assert f.location and f.location.startswith("broken.py:") and "time.sleep" in (f.source_line or "")
    assert report.exit_code() == 1


@pytest.mark.slow
def test_busy_loop_is_stopped_at_the_timeout():
    # the limit covers importing torch too (seconds for a CUDA build): leave it room
    report = run_probe(ProbeSpec(model=f"{MODELS}/broken.py:Spinner", root=str(MODELS), device="cpu",
                                 input_shape=(8, 16), timeout=10))
    assert report.failure is not None and report.failure.kind == "timeout"
    assert report.failure.module == "(model)"


def test_hard_exit_in_forward_is_a_crash_report_naming_the_module():
    report = run_probe(ProbeSpec(model=f"{MODELS}/broken.py:HardExit", root=str(MODELS), device="cpu",
                                 input_shape=(8, 16)))
    f = report.failure
    assert f is not None and f.kind == "crash" and "code 3" in f.message
    assert f.module == "head" and f.input_shapes == ("8x16 float32",)
    assert f.module_stack == ("(model)", "head")


def test_segfault_is_a_crash_report_with_the_user_line():
    report = run_probe(ProbeSpec(model=f"{MODELS}/broken.py:Segfault", root=str(MODELS), device="cpu",
                                 input_shape=(8, 16)))
    f = report.failure
    assert f is not None and f.kind == "crash" and "SIGSEGV" in f.message
    assert f.module == "(model)"
    assert f.location == "broken.py:76"  # ctypes.string_at(0)


def test_unknown_attribute_is_a_usage_error():
    proc = run_cli("zoo.py:NoSuchModel")
    assert proc.returncode == 2
    assert "NoSuchModel" in proc.stdout + proc.stderr


def test_bad_shape_and_unknown_check_are_usage_errors():
    assert run_cli("zoo.py:MLPClassifier", "--input", "8xfoo").returncode == 2
    assert run_cli("zoo.py:MLPClassifier", "--select", "RT999").returncode == 2


def test_cli_json_contract_on_a_clean_model(tmp_path):
    out = tmp_path / "report.json"
    proc = run_cli("zoo.py:MLPClassifier", "--input", "8x16", "--steps", "300", "--format", "json",
                   "--output", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert set(data) == {"model", "device", "findings", "measurements", "repolens_version", "options"}
    # --device auto (the default) runs on CUDA where there is one: the GPU run of this suite showed it.
    import torch

    assert data["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    for key in ("initial_loss", "expected_initial_loss", "overfit", "layers"):
        assert key in data["measurements"]
    assert all({"rule", "name", "severity", "message", "where"} <= set(f) for f in data["findings"])


def test_rich_output_lists_findings_and_measurements():
    proc = run_cli("zoo.py:UnusedBranch", "--steps", "300")
    assert proc.returncode == 1
    assert "RT001 submodule-never-called [warning] aux" in proc.stdout
    assert "overfit 8 samples" in proc.stdout and "initial loss" in proc.stdout


def _project(tmp_path, pyproject: str) -> None:
    (tmp_path / "net.py").write_text(textwrap.dedent("""
        from torch import nn

        class Net(nn.Module):
            def __init__(self, width: int = 8):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(6, width), nn.ReLU(), nn.Linear(width, 3))

            def forward(self, x):
                return self.body(x)

        def build(width):
            return Net(width)
        """))
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(pyproject))


def test_model_kwargs_and_input_come_from_pyproject(tmp_path):
    _project(tmp_path, """
        [tool.repolens.probe]
        model = "net.py:build"
        kwargs = { width = 32 }
        input = "4x6"
        steps = 300
        freeze = ["encoder."]
        """)
    proc = run_cli("--format", "json", cwd=tmp_path)
    data = json.loads(proc.stdout)
    m = data["measurements"]
    assert m["input"]["shape"] == [4, 6] and m["input"]["source"] == "--input"
    assert m["parameters"]["total"] == 6 * 32 + 32 + 32 * 3 + 3
    assert [f["where"] for f in data["findings"] if f["rule"] == "RT003"] == ["encoder."]
    assert proc.returncode == 1  # the freeze pattern matched nothing


def test_unknown_config_key_is_a_usage_error(tmp_path):
    _project(tmp_path, """
        [tool.repolens.probe]
        model = "net.py:build"
        modle = "typo"
        """)
    proc = run_cli(cwd=tmp_path)
    assert proc.returncode == 2 and "modle" in proc.stderr


def test_without_a_model_it_finds_a_module_with_an_argument_free_constructor(tmp_path):
    _project(tmp_path, "[project]\nname = 'x'\n")
    proc = run_cli("--format", "json", "--steps", "300", cwd=tmp_path)
    data = json.loads(proc.stdout)
    assert data["model"].endswith("net.py:Net")
    assert data["measurements"]["model_source"] == "auto: the core model repolens map finds (net.py:Net)"
    assert data["measurements"]["input"]["source"].startswith("inferred from body.0: Linear(in_features=6)")


def test_timeout_while_torch_imports_is_still_a_report():
    report = run_probe(ProbeSpec(model=f"{MODELS}/zoo.py:MLPClassifier", root=str(MODELS), device="cpu",
                                 timeout=0.3))
    assert report.failure is not None and report.failure.kind == "timeout"
    assert report.exit_code() == 1


def test_missing_torch_gives_the_install_hint_and_exit_2():
    code = ("import sys; sys.modules['torch'] = None; sys.argv = ['repolens', 'probe', 'zoo.py:Net']; "
            "from repolens.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=MODELS, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2
    assert "repolens probe needs torch: pip install 'repolens[runtime]'" in proc.stderr


def test_importing_the_cli_and_probe_package_does_not_import_torch():
    code = "import sys, repolens.cli, repolens.probe; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout.strip() == "False", proc.stderr
