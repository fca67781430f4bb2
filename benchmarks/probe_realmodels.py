"""`repolens probe` on real architectures: no false alarm on correct models, planted bugs caught.

    python benchmarks/probe_realmodels.py [--only NAME,...] [--no-bugs] [--bugs-per-model N] [--jobs N] [--json OUT]

Part 1: every model in MODELS (real files vendored under benchmarks/probe_models/, see its README)
is probed with ONE command line and default settings: `repolens probe FILE.py:NAME [--arg ...]
[--tiny] --format json`. A correct model must give no warning or error finding (exit 0).

Part 2: each model is broken in several planted ways by benchmarks/probe_mutate.py (a layer not
applied, a detach, a batch-mixing reshape, an exploding init, a frozen layer, probabilities fed to
a cross-entropy), on a module chosen from the clean run's shape trace. A bug counts as caught when
the check meant for it fires (warning or error) and names the planted module (for the output
activation: RT005 on the whole model). The planted runs use --steps 60 and --no-compile to keep the
benchmark under an hour on a shared CPU, except the output-activation bug, which needs the default
300 steps (RT005 is what catches it), and --timeout 1200 (see below).

Prints a table per model and the summary figures (false alarms, catch rate, median wall time of a
small model's probe).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
M = "benchmarks/probe_models"
TV = f"{M}/torchvision/torchvision/models"

# (name, source, target, extra arguments): each one command line, no wrapper file
MODELS: list[tuple[str, str, str, list[str]]] = [
    ("resnet18", "torchvision", f"{TV}/resnet.py:resnet18", []),
    ("resnet50", "torchvision", f"{TV}/resnet.py:resnet50", []),
    ("mobilenet_v2", "torchvision", f"{TV}/mobilenetv2.py:mobilenet_v2", []),
    ("mobilenet_v3_small", "torchvision", f"{TV}/mobilenetv3.py:mobilenet_v3_small", []),
    ("efficientnet_b0", "torchvision", f"{TV}/efficientnet.py:efficientnet_b0", []),
    ("densenet121", "torchvision", f"{TV}/densenet.py:densenet121", []),
    ("squeezenet1_1", "torchvision", f"{TV}/squeezenet.py:squeezenet1_1", []),
    ("shufflenet_v2_x0_5", "torchvision", f"{TV}/shufflenetv2.py:shufflenet_v2_x0_5", []),
    ("mnasnet0_5", "torchvision", f"{TV}/mnasnet.py:mnasnet0_5", []),
    ("googlenet", "torchvision", f"{TV}/googlenet.py:googlenet", []),
    ("regnet_y_400mf", "torchvision", f"{TV}/regnet.py:regnet_y_400mf", []),
    ("convnext_tiny", "torchvision", f"{TV}/convnext.py:convnext_tiny", []),
    ("vit (VisionTransformer)", "torchvision", f"{TV}/vision_transformer.py:VisionTransformer",
     ["--arg", '{"image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 2, "hidden_dim": 64, '
      '"mlp_dim": 128}']),
    ("resnet20 (CIFAR)", "akamaster/pytorch_resnet_cifar10", f"{M}/akamaster_resnet_cifar10/resnet.py:resnet20", []),
    ("resnet56 (CIFAR)", "akamaster/pytorch_resnet_cifar10", f"{M}/akamaster_resnet_cifar10/resnet.py:resnet56", []),
    ("VanillaVAE", "AntixK/PyTorch-VAE", f"{M}/pytorch_vae/models/vanilla_vae.py:VanillaVAE",
     ["--arg", "in_channels=3", "--arg", "latent_dim=64"]),
    ("GPT-2 LM (--tiny)", "graykode/gpt-2-Pytorch", f"{M}/gpt2_pytorch/GPT2/model.py:GPT2LMHeadModel", ["--tiny"]),
    ("CSPDarknet (YOLOX-nano)", "Megvii-BaseDetection/YOLOX", f"{M}/yolox/yolox/models/darknet.py:CSPDarknet",
     ["--arg", "dep_mul=0.33", "--arg", "wid_mul=0.25"]),
    ("YOLOPAFPN (YOLOX-nano neck)", "Megvii-BaseDetection/YOLOX", f"{M}/yolox/yolox/models/yolo_pafpn.py:YOLOPAFPN",
     ["--arg", "depth=0.33", "--arg", "width=0.25"]),
    ("EfficientNet-b0", "lukemelas/EfficientNet-PyTorch",
     f"{M}/efficientnet_pytorch/efficientnet_pytorch/model.py:EfficientNet.from_name",
     ["--arg", "model_name=efficientnet-b0"]),
    ("CycleGAN ResNet generator", "eriklindernoren/PyTorch-GAN", f"{M}/pytorch_gan/cyclegan/models.py:GeneratorResNet",
     ["--arg", "input_shape=[3, 32, 32]", "--arg", "num_residual_blocks=3"]),
    ("CycleGAN PatchGAN discriminator", "eriklindernoren/PyTorch-GAN",
     f"{M}/pytorch_gan/cyclegan/models.py:Discriminator", ["--arg", "input_shape=[3, 32, 32]"]),
    ("Context-encoder generator", "eriklindernoren/PyTorch-GAN",
     f"{M}/pytorch_gan/context_encoder/models.py:Generator", []),
    ("Context-encoder discriminator (DCGAN-style)", "eriklindernoren/PyTorch-GAN",
     f"{M}/pytorch_gan/context_encoder/models.py:Discriminator", []),
    ("SupConResNet (resnet18)", "HobbitLong/SupContrast", f"{M}/supcontrast/networks/resnet_big.py:SupConResNet",
     ["--arg", "name=resnet18"]),
    ("SupCEResNet (resnet18)", "HobbitLong/SupContrast", f"{M}/supcontrast/networks/resnet_big.py:SupCEResNet",
     ["--arg", "name=resnet18"]),
]
SMALL = {"resnet20 (CIFAR)", "vit (VisionTransformer)", "squeezenet1_1", "shufflenet_v2_x0_5", "mnasnet0_5",
         "Context-encoder discriminator (DCGAN-style)", "CycleGAN PatchGAN discriminator"}
_SKIP_TYPES = ("ReLU", "ReLU6", "GELU", "SiLU", "Hardswish", "Hardsigmoid", "LeakyReLU", "Sigmoid", "Tanh", "Dropout",
               "Identity", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "StochasticDepth", "Softmax",
               "ZeroPad2d", "ReflectionPad2d", "Upsample", "Permute", "LambdaLayer", "Dropout2d", "Mish")
_WEIGHTED = ("Conv2d", "Linear", "Conv1D", "Conv1d", "ConvTranspose2d", "Conv2dStaticSamePadding")


def probe(target: str, args: list[str], timeout: float = 1800) -> tuple[dict | None, int, float, str]:
    cmd = [sys.executable, "-m", "repolens", "probe", target, *args, "--format", "json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, -1, time.perf_counter() - start, "benchmark timeout"
    wall = time.perf_counter() - start
    try:
        return json.loads(proc.stdout), proc.returncode, wall, proc.stderr[-300:]
    except ValueError:
        return None, proc.returncode, wall, (proc.stdout + proc.stderr)[-300:]


def loud(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] in ("warning", "error")]


def _batch_output(row: dict) -> bool:
    out = row.get("output")
    return isinstance(out, list) and len(out) >= 2 and all(isinstance(v, int) for v in out) and out[0] == 8


def choose_modules(layers: list[dict], is_classifier: bool) -> dict[str, str]:
    """A module per bug, from the middle of the clean run's shape trace (call order)."""
    rows = [r for r in layers if r["name"] != "(model)" and r["type"] not in _SKIP_TYPES]
    seen: set[str] = set()
    rows = [r for r in rows if not (r["name"] in seen or seen.add(r["name"]))]

    def middle(cands: list[dict]) -> str | None:
        return cands[len(cands) // 2]["name"] if cands else None

    weighted = [r for r in rows if r["type"] in _WEIGHTED and r["params"] > 0 and _batch_output(r)]
    same = [r for r in rows if _batch_output(r) and r.get("input") == r.get("output") and r["depth"] >= 1
            and r["type"] not in ("BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d")]
    mixable = [r for r in rows if _batch_output(r) and r["output"][1] != 8]
    picks = {"skip": middle(same), "detach": middle(weighted), "mix": middle(mixable), "explode": middle(weighted),
             "freeze": middle(weighted)}
    if is_classifier:
        picks["softmax"] = ""
    return {bug: name for bug, name in picks.items() if name is not None}


def caught(report: dict | None, bug: str, module: str) -> tuple[bool, str]:
    from probe_mutate import EXPECTED

    if report is None:
        return False, "no report"
    rule = EXPECTED[bug]
    hits = [f for f in loud(report) if f["rule"] == rule]
    if not hits:
        seen = sorted({f["rule"] for f in loud(report)})
        return False, f"{rule} silent (fired: {', '.join(seen) or 'nothing'})"
    if bug == "softmax":
        return True, hits[0]["message"][:80]
    for f in hits:
        names = [f.get("where") or "", *(f.get("items") or [])]
        if any(n == module or n.startswith(module + ".") for n in names):
            return True, f"{rule} {f.get('where')}"
    return False, f"{rule} fired at {hits[0].get('where')!r}, not {module}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--no-bugs", action="store_true")
    parser.add_argument("--bugs-per-model", type=int, default=3)
    parser.add_argument("--json", default="")
    parser.add_argument("--jobs", type=int, default=1, help="probes run at once (each uses one CPU thread or more; "
                        "wall times are only comparable with --jobs 1)")
    opts = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    chosen = [m for m in MODELS if not opts.only or any(o.strip() in m[0] for o in opts.only.split(","))]
    results = []
    with ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        clean_runs = list(pool.map(lambda m: probe(m[2], m[3]), chosen))
    print(f"{'model':44s} {'source':34s} {'exit':>4s} {'wall s':>7s}  findings (warning/error)")
    for (name, source, target, args), (report, code, wall, err) in zip(chosen, clean_runs):
        bad = loud(report) if report else []
        fails = (report or {}).get("failure")
        text = "; ".join(f"{f['rule']} {f.get('where') or ''}".strip() for f in bad) or ("FAILED: " + err if not report
                                                                                          else "none")
        if fails:
            text = f"FAILED {fails['kind']}: {fails['message'][:100]}"
        print(f"{name:44s} {source:34s} {code:>4d} {wall:7.1f}  {text}", flush=True)
        results.append({"model": name, "source": source, "target": target, "args": args, "exit": code, "wall_s": wall,
                        "warnings": [f"{f['rule']} {f.get('where')}: {f['message']}" for f in bad],
                        "failure": fails, "report": report})
    clean = [r for r in results if r["exit"] == 0]
    print(f"\ncorrect models: {len(results)} from {len({r['source'] for r in results})} sources; "
          f"no warning/error: {len(clean)}/{len(results)}")
    small = [r["wall_s"] for r in results if r["model"] in SMALL]
    if small:
        print(f"median wall time of a small model's probe (default settings, child start and torch import "
              f"included): {statistics.median(small):.1f} s over {len(small)} models")
    planted = []
    if not opts.no_bugs:
        jobs = []
        for r in results:
            if not r["report"] or r["failure"]:
                continue
            m = r["report"]["measurements"]
            is_classifier = m.get("output", {}).get("task") == "classification"
            picks = list(choose_modules(m.get("layers") or [], is_classifier).items())
            # a different subset per model, so every kind of bug is planted across the architectures
            shift = results.index(r) % max(len(picks), 1)
            for bug, module in (picks[shift:] + picks[:shift])[: opts.bugs_per_model]:
                kwargs = {"target": r["target"], "bug": bug, "module": module}
                ctor = _constructor_args(r["args"])
                extra = ["--arg", json.dumps({**kwargs, "args": ctor, "tiny": "--tiny" in r["args"]})]
                # a generous --timeout: under --jobs N on a shared CPU the automatic limit would stop the overfit
                # run early (RT005 inconclusive), which measures the machine, not the check
                steps = ["--timeout", "1200"] + ([] if bug == "softmax" else ["--steps", "60", "--no-compile"])
                jobs.append((r["model"], bug, module, extra + steps))
        with ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            runs = list(pool.map(lambda j: probe("benchmarks/probe_mutate.py:mutated", j[3]), jobs))
        print(f"\n{'model':44s} {'bug':8s} {'module':32s} caught  evidence")
        for (model, bug, module, _), (report, code, wall, err) in zip(jobs, runs):
            ok, why = caught(report, bug, module)
            planted.append({"model": model, "bug": bug, "module": module, "caught": ok, "why": why, "wall_s": wall})
            print(f"{model:44s} {bug:8s} {module[:32]:32s} {'yes' if ok else 'NO':6s}  {why}", flush=True)
        hit = sum(p["caught"] for p in planted)
        if planted:
            print(f"\nplanted bugs: {len(planted)} over {len({p['model'] for p in planted})} models; caught by the "
                  f"right check naming the right module: {hit}/{len(planted)} = {100 * hit / len(planted):.1f} %")
            for bug in ("skip", "detach", "mix", "explode", "freeze", "softmax"):
                sub = [p for p in planted if p["bug"] == bug]
                if sub:
                    print(f"  {bug:8s} {sum(p['caught'] for p in sub)}/{len(sub)}")
    if opts.json:
        for r in results:
            r.pop("report", None)
        Path(opts.json).write_text(json.dumps({"models": results, "planted": planted}, indent=2))


def _constructor_args(args: list[str]) -> dict:
    from repolens.probe.config import parse_args

    return parse_args([args[i + 1] for i, a in enumerate(args) if a == "--arg"])


if __name__ == "__main__":
    main()
