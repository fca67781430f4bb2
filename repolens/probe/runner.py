"""Run the probe in a child process with a time limit; never let the user's code take us down.

Process hygiene (nothing left behind, whatever happens to us):
- the child runs in a session of its own; at its end the whole group (the user's workers) is killed;
- its stdout/stderr come through pipes read by two threads that keep only the last TAIL_BYTES:
  a model printing in a loop costs neither memory nor disk;
- SIGTERM/SIGHUP to the parent end the child's group and remove the temp folder before the parent
  exits with 128 + the signal (`ProbeInterrupted`); for SIGKILL, which the parent cannot catch, the
  child's watchdog (a tiny process forked before torch is imported, see child.py) sees the pipe
  from the parent close, removes the temp folder and kills the group;
- the watchdog also enforces the child's own time limit (the parent's plus a margin), should the
  parent be stopped or hung.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Iterator

from repolens.probe.model import ProbeFailure, ProbeReport, ProbeSpec, finding

BASE_TIMEOUT_S = 120.0  # the default time limit of a small model (importing torch included)
PER_MILLION_PARAMS_S = 10.0  # added per million parameters, for 300 overfit steps (scaled with --steps)
AUTO_CAP_S = 4 * 3600.0  # the child's own limit when the parent's is automatic and grows with the model
GRACE_S = 5.0  # after SIGTERM, time for the child to write where it was before SIGKILL
TAIL_BYTES = 64 * 1024  # of the child's stdout and of its stderr, kept in memory; the rest is dropped
_TAIL = 1500


class ProbeUnavailable(RuntimeError):
    """torch is not installed in this interpreter."""


class ProbeInterrupted(Exception):
    """SIGTERM or SIGHUP reached the parent during a probe; the child and temp folder are gone."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


class TailReader:
    """Drain a pipe on a thread, keeping only its last `limit` bytes."""

    def __init__(self, stream: IO[bytes], limit: int = TAIL_BYTES):
        self.limit = limit
        self.total = 0
        self._chunks: collections.deque[bytes] = collections.deque()
        self._size = 0
        self._stream = stream
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        read = getattr(self._stream, "read1", self._stream.read)
        while True:
            try:
                chunk = read(65536)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            self.total += len(chunk)
            self._chunks.append(chunk)
            self._size += len(chunk)
            while self._size - len(self._chunks[0]) >= self.limit:
                self._size -= len(self._chunks.popleft())

    def text(self, timeout: float = 2.0) -> str:
        self._thread.join(timeout)
        data = b"".join(self._chunks)[-self.limit:]
        return data.decode("utf-8", "replace")


def _tail(reader: TailReader) -> str:
    return reader.text()[-_TAIL:].strip()


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


def time_limit(spec: ProbeSpec, params: int | None) -> float:
    """--timeout, else one that grows with the model: 120 s + 10 s per million parameters (300 steps)."""
    if spec.timeout is not None:
        return spec.timeout
    return BASE_TIMEOUT_S + PER_MILLION_PARAMS_S * (params or 0) / 1e6 * max(spec.steps, 1) / 300


def _crash_report(spec: ProbeSpec, returncode: int | None, timed_out: bool, crumb: dict | None,
                  stderr: str, limit: float) -> ProbeReport:
    stack = (crumb or {}).get("stack") or []
    phase = (crumb or {}).get("phase") or "starting the child process"
    top = stack[-1] if stack else None
    if timed_out:
        kind = "timeout"
        message = f"no result within the time limit ({limit:g} s): the process was stopped during {phase}" + (
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
    """Probe the model in a child process. Raises ProbeUnavailable when torch is missing, and
    ProbeInterrupted when SIGTERM/SIGHUP arrive (after the child and its temp folder are gone)."""
    if not torch_available():
        raise ProbeUnavailable("repolens probe needs torch: pip install 'repolens[runtime]'")
    with _signals_raise(), tempfile.TemporaryDirectory(prefix="repolens-probe-") as tmp:
        return _run_child(spec, Path(tmp))


def _run_child(spec: ProbeSpec, folder: Path) -> ProbeReport:
    spec_path, result_path, crumb_path = folder / "spec.json", folder / "result.json", folder / "crumb.json"
    spec_path.write_text(json.dumps(spec.to_json()), encoding="utf-8")
    env = dict(os.environ)
    # the child must import this very repolens, wherever it is installed
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONFAULTHANDLER", "1")
    # the child's watchdog reads this pipe: it closes when we die, however we die
    watch_r, watch_w = os.pipe()
    env["REPOLENS_PROBE_PARENT_FD"] = str(watch_r)
    env["REPOLENS_PROBE_LIMIT_S"] = repr((spec.timeout if spec.timeout is not None else AUTO_CAP_S) + 3 * GRACE_S)
    timed_out = False
    proc = None
    try:
        # a session of its own, so the whole group (the user's workers too) is stopped at the limit
        proc = subprocess.Popen(
            [sys.executable, "-m", "repolens.probe.child", str(spec_path), str(result_path), str(crumb_path)],
            cwd=spec.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True, pass_fds=(watch_r,))
        os.close(watch_r)
        watch_r = -1
        out, err = TailReader(proc.stdout), TailReader(proc.stderr)
        limit = _wait(proc, spec, crumb_path)
        if limit is not None:
            timed_out = True
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=GRACE_S)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
    finally:
        if proc is not None:
            if proc.poll() is None:  # an exception here (a signal, KeyboardInterrupt): leave nothing behind
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            _signal_group(proc, signal.SIGKILL)  # stray grandchildren
        if watch_r >= 0:
            os.close(watch_r)
        os.close(watch_w)
    crumb = _read_json(crumb_path)
    limit = time_limit(spec, (crumb or {}).get("params"))
    data = _read_json(result_path)
    if data is not None:
        report = ProbeReport.from_json(data)
        if timed_out and report.failure is not None and report.failure.kind == "timeout":
            def with_limit(text: str) -> str:
                return text.replace("the time limit", f"the time limit ({limit:g} s)", 1)

            failure = dataclasses.replace(report.failure, message=with_limit(report.failure.message))
            findings = tuple(dataclasses.replace(f, message=with_limit(f.message)) if f.rule == "RT000" else f
                             for f in report.findings)
            report = dataclasses.replace(report, failure=failure, findings=findings)
        stdout_tail = _tail(out)
        if stdout_tail and report.failure is not None:
            report = dataclasses.replace(report, measurements={**report.measurements,
                                                               "model_stdout_tail": stdout_tail[-400:]})
        return report
    return _crash_report(spec, proc.returncode, timed_out, crumb, _tail(err), limit)


def _wait(proc: subprocess.Popen, spec: ProbeSpec, crumb_path: Path) -> float | None:
    """Wait for the child; the limit grows once the child has said how big the model is.
    Returns None when the child ended, else the limit that ran out."""
    start = time.monotonic()
    params = None
    while True:
        limit = time_limit(spec, params)
        left = limit - (time.monotonic() - start)
        if left <= 0:
            return limit
        try:
            proc.wait(timeout=min(left, 0.5) if spec.timeout is None else left)
            return None
        except subprocess.TimeoutExpired:
            if spec.timeout is None and params is None:
                params = (_read_json(crumb_path) or {}).get("params")


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM/SIGHUP raise ProbeInterrupted (so every `finally` runs) while a probe runs in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):  # noqa: ARG001
        raise ProbeInterrupted(signum)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
