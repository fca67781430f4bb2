"""The probe's child process: `python -m repolens.probe.child SPEC.json RESULT.json BREADCRUMB`.

It imports the user's code and torch; the parent never does. It writes its report to RESULT.json
(not stdout, which belongs to the user's prints). The parent ends it with SIGTERM at the time
limit: the handler raises inside whatever Python code runs, so the report can still say where it
hung; a hard crash leaves only the breadcrumb file (phase and module stack), which the parent reads.

Before torch is imported, a watchdog process is forked off (see `_start_watchdog`): it outlives
neither the child nor the parent, removes the temp folder and kills the process group when the
parent dies (the pipe from the parent closes, also on SIGKILL), and enforces the child's own time
limit. The user's file is imported with `sys.argv == [its path]`: a script that parses arguments at
import time sees none of the probe's.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import os
import signal
import sys
import time

from repolens.probe.model import ProbeFailure, ProbeReport, ProbeSpec, finding


class Terminated(BaseException):
    """Raised by the SIGTERM handler: the parent's time limit ran out."""


def _on_term(signum, frame):  # noqa: ARG001
    raise Terminated


def _write(path: str, report: ProbeReport) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(report.to_json(), fh, allow_nan=False, default=str)
    os.replace(tmp, path)


def _fallback(spec: ProbeSpec, failure: ProbeFailure, measurements: dict | None = None) -> ProbeReport:
    where = failure.module or failure.location or ""
    return ProbeReport(model=spec.model, device=spec.device, measurements=measurements or {}, failure=failure,
                       findings=(finding("RT000", "error", f"{failure.phase}: {failure.message}", where),))


_WATCH_GRACE_S = 5.0
_keep_fds: list[int] = []  # the write end the watchdog waits on: closed by the kernel when we exit


def _watch(parent_fd: int, done_fd: int, child: int, folder: str, limit: float) -> None:
    """The watchdog's loop: return when the child ends; act when the parent dies or time runs out."""
    import select
    import shutil
    import time

    deadline = time.monotonic() + limit if limit > 0 else None
    while True:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([parent_fd, done_fd], [], [], wait)
        if not ready:  # the child's own time limit (the parent's plus a margin): the parent is stuck
            _kill(child, signal.SIGTERM)
            time.sleep(_WATCH_GRACE_S)
            os.killpg(0, signal.SIGKILL)
            return
        if done_fd in ready and os.read(done_fd, 1) == b"":
            return  # the child exited; the parent takes it from here
        if parent_fd in ready and os.read(parent_fd, 1) == b"":  # the parent died, however it died
            _kill(child, signal.SIGKILL)
            shutil.rmtree(folder, ignore_errors=True)
            os.killpg(0, signal.SIGKILL)  # the user's workers, and this watchdog
            return


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _start_watchdog(folder: str) -> None:
    parent_fd = int(os.environ.pop("REPOLENS_PROBE_PARENT_FD", "-1"))
    limit = float(os.environ.pop("REPOLENS_PROBE_LIMIT_S", "0") or 0)
    if parent_fd < 0 or not hasattr(os, "fork"):
        return
    done_r, done_w = os.pipe()
    child = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(done_w)
            _watch(parent_fd, done_r, child, folder, limit)
        finally:
            os._exit(0)
    os.close(parent_fd)
    os.close(done_r)
    _keep_fds.append(done_w)


def main(argv: list[str]) -> int:
    started = time.monotonic()
    spec_path, result_path, crumb_path = argv
    _start_watchdog(os.path.dirname(os.path.abspath(spec_path)))
    with open(spec_path, encoding="utf-8") as fh:
        spec = ProbeSpec.from_json(json.load(fh))
    where = spec.model.rpartition(":")[0] if ":" in spec.model else spec.model
    sys.argv = [where if where.endswith(".py") else spec.model]  # the user's argparse sees no probe arguments
    faulthandler.enable()  # a segfault prints the Python stack to stderr, which the parent keeps
    signal.signal(signal.SIGTERM, _on_term)
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        _write(result_path, _fallback(spec, ProbeFailure(
            kind="usage", phase="importing torch", message=str(exc),
            hint="repolens probe needs torch: pip install 'repolens[runtime]'")))
        return 0
    except Terminated:  # the time limit ran out before torch finished importing
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _write(result_path, _fallback(spec, ProbeFailure(
            kind="timeout", phase="importing torch",
            message="no result within the time limit: torch itself was still importing",
            hint="raise --timeout (importing a CUDA build of torch can take several seconds)")))
        return 0
    from repolens.probe.runtime.failure import failure_from_exception
    from repolens.probe.runtime.run import Run
    from repolens.probe.runtime.session import report_of, run_session

    fd = os.open(crumb_path, os.O_RDWR | os.O_CREAT, 0o600)
    run = Run(spec, breadcrumb_fd=fd, started=started)
    try:
        run_session(spec, run)
    except Terminated as exc:
        failure = failure_from_exception(exc, kind="timeout", phase=run.phase, root=spec.root, tracer=run.tracer)
        failure = dataclasses.replace(
            failure, message=f"no result within the time limit: the run was stopped during {run.phase}",
            hint="a hang, an endless loop, or a model too slow for this input: raise --timeout or shrink --input")
        run.failures.insert(0, failure)
        run.add(finding("RT000", "error", f"{failure.phase}: {failure.message}", failure.module or ""))
    except SystemExit as exc:
        failure = failure_from_exception(exc, kind="crash", phase=run.phase, root=spec.root, tracer=run.tracer)
        failure = dataclasses.replace(failure, message=f"the model's code called sys.exit({exc.code!r})")
        run.failures.insert(0, failure)
        run.add(finding("RT000", "error", f"{failure.phase}: {failure.message}", failure.module or ""))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _write(result_path, report_of(run))
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: user code may hang in atexit handlers or non-daemon threads.
    os._exit(code)
