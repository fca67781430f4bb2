"""Run the probe in a child process with a time limit; never let the user's code take us down."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from repolens.probe.model import ProbeFailure, ProbeReport, ProbeSpec, finding

GRACE_S = 5.0  # after SIGTERM, time for the child to write where it was before SIGKILL
_TAIL = 1500


class ProbeUnavailable(RuntimeError):
    """torch is not installed in this interpreter."""


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def _tail(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-_TAIL:].decode("utf-8", "replace").strip()


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


_FAULT_FRAME = re.compile(r'File "([^"]+)", line (\d+) in (\S+)')


def _fault_location(stderr: str, root: str) -> str | None:
    """The innermost frame of the user's project in faulthandler's dump ("most recent call first")."""
    probe_dir = str(Path(__file__).resolve().parent)
    for path, line, _func in _FAULT_FRAME.findall(stderr):
        full = os.path.abspath(path)
        if full.startswith(probe_dir) or "site-packages" in full:
            continue
        rel = os.path.relpath(full, root)
        if not rel.startswith(".."):
            return f"{rel.replace(os.sep, '/')}:{line}"
    return None


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _crash_report(spec: ProbeSpec, returncode: int | None, timed_out: bool, crumb: dict | None,
                  stderr: str) -> ProbeReport:
    stack = (crumb or {}).get("stack") or []
    phase = (crumb or {}).get("phase") or "starting the child process"
    top = stack[-1] if stack else None
    if timed_out:
        kind = "timeout"
        message = f"no result within the time limit ({spec.timeout:g} s): the process was stopped" + (
            " with SIGKILL (it ignored SIGTERM: stuck in native code?)" if returncode == -signal.SIGKILL else "")
        hint = "raise --timeout, shrink --input, or look for a deadlock in native code"
    elif returncode is not None and returncode < 0:
        kind = "crash"
        sig = _signal_name(returncode)
        message = f"the child process died of {sig}"
        hint = {"SIGKILL": "killed from outside, most often by the kernel's out-of-memory killer: shrink --input",
                "SIGSEGV": "a segmentation fault in native code (an extension, a CUDA kernel, a bad pointer)"}.get(sig)
        if sig == "SIGKILL":
            kind = "out-of-memory"
    else:
        kind = "crash"
        message = f"the child process exited with code {returncode} without a report (os._exit or a native abort)"
        hint = "the model's code ended the process: look for os._exit, abort() or a fatal error below"
    failure = ProbeFailure(kind=kind, phase=phase, message=message,
                           module=top[0] if top else None, module_type=top[1] if top else None,
                           input_shapes=tuple(top[2]) if top else (), module_stack=tuple(f[0] for f in stack),
                           location=_fault_location(stderr, spec.root), hint=hint,
                           detail="\n".join(stderr.splitlines()[-12:]) or None)
    where = failure.module or failure.location or ""
    return ProbeReport(model=spec.model, device=spec.device, failure=failure,
                       findings=(finding("RT000", "error", f"{phase}: {message}", where),))


def run_probe(spec: ProbeSpec) -> ProbeReport:
    """Probe the model in a child process. Raises ProbeUnavailable when torch is missing."""
    if not torch_available():
        raise ProbeUnavailable("repolens probe needs torch: pip install 'repolens[runtime]'")
    with tempfile.TemporaryDirectory(prefix="repolens-probe-") as tmp:
        folder = Path(tmp)
        spec_path, result_path, crumb_path = folder / "spec.json", folder / "result.json", folder / "crumb.json"
        spec_path.write_text(json.dumps(spec.to_json()), encoding="utf-8")
        out_path, err_path = folder / "stdout.txt", folder / "stderr.txt"
        env = dict(os.environ)
        # the child must import this very repolens, wherever it is installed
        here = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("PYTHONFAULTHANDLER", "1")
        timed_out = False
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            # a session of its own, so the whole group (the user's workers too) is stopped at the limit
            proc = subprocess.Popen(
                [sys.executable, "-m", "repolens.probe.child", str(spec_path), str(result_path), str(crumb_path)],
                cwd=spec.root, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
            try:
                proc.wait(timeout=spec.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=GRACE_S)
                except subprocess.TimeoutExpired:
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait()
            finally:
                if proc.poll() is None:  # an exception here (KeyboardInterrupt): leave nothing behind
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait()
            _signal_group(proc, signal.SIGKILL)  # stray grandchildren
        data = _read_json(result_path)
        if data is not None:
            report = ProbeReport.from_json(data)
            stdout_tail = _tail(out_path)
            if stdout_tail and report.failure is not None:
                report = ProbeReport(report.model, report.device, report.findings,
                                     {**report.measurements, "model_stdout_tail": stdout_tail[-400:]},
                                     report.failure)
            return report
        return _crash_report(spec, proc.returncode, timed_out, _read_json(crumb_path), _tail(err_path))


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
