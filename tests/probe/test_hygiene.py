"""Process hygiene of the probe (issue 11, items 8, 9, 11): bounded output, nothing left behind
whatever signal reaches the parent, usage errors for nonsense limits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from probe_helpers import MODELS, REPO, run_cli

from repolens.probe import ProbeConfigError, ProbeSpec, build_spec, parse_shape, run_probe
from repolens.probe.runner import TailReader


def test_tail_reader_keeps_only_the_last_bytes_of_a_flood():
    r, w = os.pipe()
    block = b"y" * 65536

    def flood():
        with os.fdopen(w, "wb") as out:
            for _ in range(128):  # 8 MiB
                out.write(block)
            out.write(b"THE END")

    thread = threading.Thread(target=flood)
    thread.start()
    with os.fdopen(r, "rb") as stream:
        reader = TailReader(stream, limit=4096)
        text = reader.text(timeout=30)
    thread.join()
    assert reader.total == 128 * 65536 + 7
    assert len(text) <= 4096 and text.endswith("THE END")
    assert reader._size <= 4096 + 65536  # never more than the limit and one chunk held


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0"])
def test_nonsense_time_limits_are_usage_errors(value, tmp_path):
    with pytest.raises(ProbeConfigError, match="--timeout"):
        build_spec(tmp_path, {}, model="zoo.py:Net", timeout=float(value), cwd=MODELS)


def test_timeout_nan_on_the_command_line_exits_2():
    proc = run_cli("zoo.py:MLPClassifier", "--timeout", "nan")
    assert proc.returncode == 2 and "--timeout must be a finite number" in proc.stderr


@pytest.mark.parametrize("text", ["8x", "x8", "8xx3", "8x0", "8x-3"])
def test_malformed_shapes_are_errors(text):
    with pytest.raises(ProbeConfigError):
        parse_shape(text)


def test_a_model_printing_megabytes_costs_only_a_tail():
    pytest.importorskip("torch")
    report = run_probe(ProbeSpec(model=f"{MODELS}/broken.py:Chatty", root=str(MODELS), device="cpu",
                                 input_shape=(8, 16), compile_check=False))
    assert report.failure is not None and "chatty model failed on purpose" in report.failure.message
    tail = report.measurements["model_stdout_tail"]
    assert tail.endswith("LAST LINE") and len(tail) <= 400


def _children(pid: int) -> list[int]:
    """Every descendant of pid, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name)
def test_killing_the_parent_ends_the_child_and_removes_the_temp_folder(tmp_path, sig):
    pytest.importorskip("torch")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen([sys.executable, "-m", "repolens", "probe", "broken.py:Sleeper", "--input", "8x16",
                               "--timeout", "300", "--no-compile"], cwd=MODELS, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until the child runs the model's (endless) forward
            crumbs = list(tmp_path.glob("repolens-probe-*/crumb.json"))
            if crumbs and "forward" in crumbs[0].read_text(errors="replace"):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the child never reached the forward pass")
        descendants = _children(parent.pid)
        assert len(descendants) >= 2  # the child and its watchdog
        os.kill(parent.pid, sig)
        parent.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in descendants) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in descendants if _alive(p)]
        deadline = time.monotonic() + 10
        while list(tmp_path.glob("repolens-probe-*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not list(tmp_path.glob("repolens-probe-*"))
        if sig != signal.SIGKILL:
            assert parent.returncode == 128 + sig, parent.stderr.read()
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
