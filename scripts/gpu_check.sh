#!/usr/bin/env bash
# One-shot check of `repolens probe` on a machine with an NVIDIA GPU and a CUDA build of torch.
# Run from anywhere: bash scripts/gpu_check.sh   (PYTHON=/path/to/python to pick the interpreter;
# GPU_DEPS=folder of extra pure-Python packages, e.g. typer/rich/pytest, when they are not installed).
# Every step has its own time limit; the whole script ends within about 4 minutes.
set -x
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
export PYTHONPATH="$PWD${GPU_DEPS:+:$GPU_DEPS}${PYTHONPATH:+:$PYTHONPATH}"
export REPOLENS_PROBE_TEST_DEVICE=cuda
status=0

timeout 20 nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
timeout 60 "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda); \
print('device:', torch.cuda.get_device_name())" || { echo "no CUDA torch here"; exit 1; }
# editable install without network; the PYTHONPATH above covers a failure here
timeout 60 "$PY" -m pip install -q -e . --no-deps --no-build-isolation || echo "pip install -e failed: using PYTHONPATH"

# 1. the probe's tests, the checks running on the GPU where a test takes a device
if timeout 60 "$PY" -m repolens probe --help >/dev/null 2>&1; then cli=1; else cli=0; echo "CLI unavailable here"; fi
tests="tests/probe/test_checks.py tests/probe/test_fixtures.py"
[ "$cli" = 1 ] && tests="tests/probe"
timeout 150 "$PY" -m pytest -q -p no:cacheprovider -p no:logging $tests -m "not slow" || status=1
timeout 60 "$PY" -m pytest -q -p no:cacheprovider -p no:logging tests/probe/test_checks.py -k graph_breaks -m slow || status=1

# 2. the demo: the fixtures' models with --device auto (CUDA here), then the GPU figures
timeout 150 "$PY" - "$cli" <<'PYEOF' || status=1
import json, os, subprocess, sys
from repolens.probe import ProbeSpec, run_probe
demo = [("fixtures/image_classifier", "models/resnet.py:resnet20", "8x3x32x32"),
        ("fixtures/mnist_script", "mnist.py:Net", "8x1x28x28"),
        ("fixtures/tiny_lm", "tinylm/model.py:GPT", None)]
for root, target, shape in demo:
    root = os.path.abspath(root)
    if sys.argv[1] == "1":  # through the CLI, as a user runs it
        cmd = [sys.executable, "-m", "repolens", "probe", f"{root}/{target}", "--device", "auto", "--format", "json"]
        cmd += ["--input", shape] if shape else []
        proc = subprocess.run(cmd, capture_output=True, text=True)
        print("$", " ".join(cmd[2:]), "-> exit", proc.returncode)
        d = json.loads(proc.stdout)
    else:  # the library call the CLI makes
        spec = ProbeSpec(model=f"{root}/{target}", root=root, device="auto",
                         input_shape=tuple(int(s) for s in shape.split("x")) if shape else None)
        report = run_probe(spec)
        print("run_probe", target, "-> exit code", report.exit_code())
        d = report.to_json()
    m = d["measurements"]
    print(f"  device={d['device']} gpu={m.get('gpu')} step_time_ms={m.get('step_time_ms')}")
    print(f"  findings={[(f['rule'], f['where']) for f in d['findings']]}")
    print(f"  compile={m.get('compile')} skipped={m.get('skipped')}")
    print(f"  timings_s={m.get('timings_s')}")
PYEOF
exit $status
