"""The probe's child process: `python -m repolens.probe.child SPEC.json RESULT.json BREADCRUMB`.

It imports the user's code and torch; the parent never does. It writes its report to RESULT.json
(not stdout, which belongs to the user's prints). The parent ends it with SIGTERM at the time
limit: the handler raises inside whatever Python code runs, so the report can still say where it
hung; a hard crash leaves only the breadcrumb file (phase and module stack), which the parent reads.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import os
import signal
import sys

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


def main(argv: list[str]) -> int:
    spec_path, result_path, crumb_path = argv
    with open(spec_path, encoding="utf-8") as fh:
        spec = ProbeSpec.from_json(json.load(fh))
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
            message=f"no result within the time limit ({spec.timeout:g} s): torch itself was still importing",
            hint="raise --timeout (importing a CUDA build of torch can take several seconds)")))
        return 0
    from repolens.probe.runtime.failure import failure_from_exception
    from repolens.probe.runtime.run import Run
    from repolens.probe.runtime.session import report_of, run_session

    fd = os.open(crumb_path, os.O_RDWR | os.O_CREAT, 0o600)
    run = Run(spec, breadcrumb_fd=fd)
    try:
        run_session(spec, run)
    except Terminated as exc:
        failure = failure_from_exception(exc, kind="timeout", phase=run.phase, root=spec.root, tracer=run.tracer)
        failure = dataclasses.replace(
            failure, message=f"no result within the time limit ({spec.timeout:g} s): the run was stopped",
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
