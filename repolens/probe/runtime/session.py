"""The probe's sequence inside the child: load, trace one training step, then the checks.

A failure of the user's code while loading or on the first forward pass ends the run (there is
nothing left to check); a failure later (eval-mode forward, overfit loop) is recorded as an RT000
finding and the other checks go on.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import torch
from torch import nn

from repolens import __version__
from repolens.probe.model import ProbeFailure, ProbeReport, ProbeSpec, finding
from repolens.probe.runtime import construct, loading
from repolens.probe.runtime.checks import compile_graph, dataset, health, loss, magnitudes, mixing, overfit, wiring
from repolens.probe.runtime.describe import describe, tensors_in
from repolens.probe.runtime.failure import failure_from_exception
from repolens.probe.runtime.run import Run
from repolens.probe.runtime.task import choose_task, compute_loss, split_output
from repolens.probe.runner import time_limit
from repolens.probe.runtime.tracer import Tracer, set_parameter_count, write_breadcrumb


RESERVE_S = 20.0  # of the time limit, kept for the checks after the overfit run and the report


class Stop(Exception):
    """The run cannot go on; the failure is already recorded."""


def _fail(run: Run, failure: ProbeFailure) -> None:
    run.failures.append(failure)
    where = failure.module or failure.location or ""
    run.add(finding("RT000", "error", f"{failure.phase}: {failure.message}", where))


def _attempt(run: Run, kind: str, phase: str, fn: Callable[[], Any], fatal: bool = True) -> Any:
    run.phase = phase
    write_breadcrumb(run.breadcrumb_fd, phase, run.tracer.stack if run.tracer is not None else [])
    try:
        return fn()
    except Stop:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's code may raise anything; report it, don't crash
        _fail(run, failure_from_exception(exc, kind=kind, phase=phase, root=run.spec.root, tracer=run.tracer,
                                          input_note=run.input_note or None))
        if fatal:
            raise Stop from None
        return None


def _usage(run: Run, phase: str, message: str, hint: str | None = None) -> None:
    _fail(run, ProbeFailure(kind="usage", phase=phase, message=message, hint=hint))
    raise Stop


def resolve_device(run: Run) -> None:
    want = run.spec.device
    if want == "cuda" and not torch.cuda.is_available():
        _usage(run, "choosing the device", "--device cuda, but torch.cuda.is_available() is False",
               f"torch {torch.__version__} here has CUDA {torch.version.cuda or 'none'}")
    run.device = "cuda" if want == "cuda" or (want == "auto" and torch.cuda.is_available()) else "cpu"
    if run.device == "cuda":
        run.measurements["gpu"] = {"name": torch.cuda.get_device_name()}


def load_model(run: Run) -> None:
    spec = run.spec
    loading.prepare_sys_path(spec.root, spec.model)

    def do_import():
        try:
            return loading.import_target(spec.model, spec.root)
        except loading.TargetError as exc:
            _usage(run, "finding the model", str(exc))

    with run.timed("import"):
        obj, _ = _attempt(run, "import", f"importing {spec.model}", do_import)
    def do_build():
        try:
            return construct.build_model(obj, dict(spec.kwargs), spec.tiny)
        except construct.BuildError as exc:
            _usage(run, "building the model", str(exc), "pass constructor arguments with --arg key=value "
                   "(repeatable) or --arg '{\"key\": value}'")

    with run.timed("build"):
        model, info = _attempt(run, "build", f"building the model ({loading.describe_callable(obj)})", do_build)
    run.measure("build", info)
    if not isinstance(model, nn.Module):
        _usage(run, "building the model", f"{spec.model} returned a {type(model).__name__}, not an nn.Module")
    params = sum(p.numel() for p in model.parameters())
    set_parameter_count(run.breadcrumb_fd, params)
    # the parent stops us at this limit; the overfit loop stops early enough to leave room for the rest
    run.deadline = run.started + time_limit(spec, params) - RESERVE_S
    run.model = _attempt(run, "build", f"moving the model to {run.device}", lambda: model.to(run.device))


def load_dataset(run: Run) -> tuple[list, list] | None:
    spec = run.spec
    if not spec.dataset:
        return None

    def read():
        loading.prepare_sys_path(spec.root, spec.dataset)  # its own folder, as for the model
        obj, _ = loading.import_target(spec.dataset, spec.root)
        ds = obj(**dict(spec.dataset_kwargs)) if callable(obj) and not hasattr(obj, "__getitem__") else obj
        _, xs, ys = dataset.read_samples(ds, dataset.SAMPLE_COUNT)
        return xs, ys

    with run.timed("RT010+RT011 dataset"):
        got = _attempt(run, "dataset", f"reading samples from {spec.dataset}", read, fatal=False)
        if got is None:
            return None
        xs, ys = got
        if spec.wants("RT010"):
            dataset.check_normalization(run, xs)
        if spec.wants("RT011"):
            dataset.check_imbalance(run, ys)
    return got


def _random_input(run: Run, shape: tuple[int, ...], dtype: str) -> torch.Tensor:
    if dtype in ("long", "int64", "int", "int32"):
        high = loading.vocab_size(run.model) or run.spec.classes or 2
        return torch.randint(0, high, tuple(shape), generator=run.gen)
    torch_dtype = getattr(torch, dtype, None)
    if not isinstance(torch_dtype, torch.dtype):
        _usage(run, "choosing an input", f"unknown dtype {dtype!r}", "use float32, float16, bfloat16 or long")
    return torch.randn(tuple(shape), generator=run.gen).to(torch_dtype)


def _fits(run: Run, x: torch.Tensor) -> bool:
    """One quiet forward: does the model accept this input?"""
    try:
        with torch.no_grad():
            run.model(x.to(run.device))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not this size"; the real forward reports it
        return False
    finally:
        run.tracer.reset_stack()
        run.tracer.called.clear()


def _image_side(run: Run, shape: tuple[int, ...], dtype: str) -> tuple[tuple[int, ...], str]:
    """An inferred 32x32 image the network refuses: try larger sides (AlexNet-like strides, a UNet with
    many downsamplings), then other channel counts (a space-to-depth stem, YOLOX's Focus, takes C/4)."""
    n, c, side = shape[0], shape[1], shape[2]
    channels = [c] + [k for k in (c // 4 if c % 4 == 0 else 0, 3, 1) if k and k != c]
    for k in channels:
        for s in (side, 64, 128, 224, 256):
            if _fits(run, _random_input(run, (n, k, s, s), dtype)):
                notes = []
                if s != side:
                    notes.append(f"{side}x{side} was too small for the network, {s}x{s} runs")
                if k != c:
                    notes.append(f"{c} channels were refused, {k} run (the first layer sees a transformed input)")
                return (n, k, s, s), "".join(f"; {t}" for t in notes)
    return shape, ""


def make_inputs(run: Run, samples: tuple[list, list] | None) -> None:
    spec = run.spec
    batch = spec.input_shape[0] if spec.input_shape else 8
    if samples is not None:
        x, y = dataset.overfit_batch(samples[0], samples[1], batch)
        run.inputs, run.labels = x.to(run.device), (y.to(run.device) if y is not None else None)
        run.input_note = f"{describe(x)} (the dataset's first {x.shape[0]} sampled items)"
        source = "dataset"
    else:
        try:
            inferred = loading.infer_input(run.model)
        except Exception as exc:  # noqa: BLE001 - an odd model attribute must not end in a bare traceback
            inferred = None
            run.skip("input", f"input inference failed: {type(exc).__name__}: {exc}")
        if spec.input_shape:
            # --input fixes the shape; the dtype stays the inferred one (token ids) unless --dtype says otherwise
            dtype = spec.dtype or (inferred[1] if inferred else "float32")
            shape, source = spec.input_shape, "--input" + (f", dtype from {inferred[2]}" if inferred and not
                                                           spec.dtype and dtype != "float32" else "")
        else:
            if inferred is None:
                _usage(run, "choosing an input", "cannot infer the input: the first layer is none of Embedding, "
                       "Conv1d/2d/3d, ConvTranspose1d/2d, Linear or an RNN, so the input's layout is unknown",
                       "pass --input (and --dtype long for token ids), e.g. --input 8x3x32x32")
            shape, dtype, why = inferred
            if spec.dtype:
                dtype = spec.dtype
            source = f"inferred from {why}"
            if len(shape) == 4 and "declared by the model" not in why and "patch embedding" not in why:
                shape, note = _image_side(run, tuple(shape), dtype)
                source += note
        x = _random_input(run, tuple(shape), dtype)
        run.inputs = x.to(run.device)
        run.input_note = f"{describe(x)} ({source})"
    run.measure("input", {"shape": list(run.inputs.shape), "dtype": str(run.inputs.dtype).removeprefix("torch."),
                          "source": source})


def _custom_loss(run: Run):
    if run.spec.loss and ":" in run.spec.loss:
        loading.prepare_sys_path(run.spec.root, run.spec.loss)
        obj, _ = loading.import_target(run.spec.loss, run.spec.root)
        return obj() if isinstance(obj, type) else obj
    return None


def first_step(run: Run) -> torch.Tensor:
    """Forward + loss + backward once in train mode, recording everything the hooks see."""
    spec, tracer = run.spec, run.tracer
    run.model.train()
    tracer.recording = tracer.breadcrumbs = True
    with run.timed("first step (RT001-RT004, RT006-RT009)"):
        out = _attempt(run, "forward", f"forward pass on {run.input_note}", lambda: run.model(run.inputs))
        tracer.recording = tracer.breadcrumbs = False
        write_breadcrumb(run.breadcrumb_fd, "computing the loss", [])

        output = split_output(out)
        custom = _attempt(run, "loss", f"importing the loss {spec.loss}", lambda: _custom_loss(run))
        run.batch_dim = mixing.batch_dim(run)
        run.task = _attempt(run, "loss", "choosing the loss", lambda: choose_task(
            output, run.inputs, loss=spec.loss, classes=spec.classes, labels=run.labels, custom=custom, gen=run.gen,
            batch_dim=run.batch_dim))
        total, comps = _attempt(run, "loss", f"computing the {run.task.loss_name} loss",
                                lambda: compute_loss(run.task, output))
        run.measure("layers", tracer.trace)
        run.measure("output", {"shapes": describe(out), **run.task.describe(), "note": output.note})
        outputs = list(tensors_in(out))
        bad = health.check_non_finite_forward(run, outputs, total) if spec.wants("RT006") else False
        if total.requires_grad:
            _attempt(run, "backward", "backward pass", lambda: total.backward())
        else:
            run.add(finding("RT002", "error", "the loss does not require grad: no parameter is connected to it "
                            "(the whole forward runs under no_grad, or the output is detached)"))
        init = float(total.detach())
        run.initial_loss = init
        if spec.wants("RT004"):
            loss.check_initial_loss(run, init, output.primary)
        else:
            run.measure("initial_loss", init)
        if spec.wants("RT009"):
            loss.check_components(run, comps)
        if spec.wants("RT006") and not bad:
            health.check_non_finite_params(run, "at initialisation")
            health.check_non_finite_params(run, "after the first backward", grads=True)
        covered = wiring.check_uncalled(run) if spec.wants("RT001") else set()
        if spec.wants("RT002"):
            wiring.check_gradients(run, covered)
        if spec.wants("RT003"):
            wiring.check_frozen(run)
        if spec.wants("RT007"):
            with run.timed("RT007 magnitudes"):
                run.phase = "RT007 magnitudes (float64 re-check of small gradients)"
                magnitudes.check_magnitudes(run, output.primary)
        if not spec.wants("RT008"):
            run.measurements.pop("layers", None)
    return total


def later_checks(run: Run) -> None:
    spec = run.spec
    if spec.wants("RT013"):
        with run.timed("RT013 batch mixing"):
            _attempt(run, "forward", "RT013 batch mixing (eval-mode forward)",
                     lambda: mixing.check_batch_mixing(run), fatal=False)
    compile_wanted = spec.compile_check if spec.compile_check is not None else (
        "RT012" in spec.select or compile_graph.wanted_by_default(run))
    if compile_wanted and spec.wants("RT012"):
        run.phase = "RT012 torch.compile graph breaks (torch._dynamo.explain)"
        with run.timed("RT012 torch.compile"):
            compile_graph.check_graph_breaks(run)
    elif spec.wants("RT012") and spec.compile_check is False:
        run.skip("RT012", "turned off (--no-compile or compile = false)")
    elif spec.wants("RT012"):
        run.skip("RT012", f"the model has more than {compile_graph.SMALL_MODEL_PARAMS:,} parameters: tracing it on "
                 "the CPU is slow; --compile or compile = true to run it here")
    result = None
    if spec.wants("RT005") or spec.wants("RT014"):
        with run.timed("RT005 overfit"):
            result = _attempt(run, "training", "RT005 overfitting 8 samples",
                              lambda: overfit.check_overfit(run), fatal=False)
    if spec.wants("RT005") is False and result is not None:
        run.findings[:] = [f for f in run.findings if f.rule != "RT005"]
    if spec.wants("RT014"):
        with run.timed("RT014 baseline"):
            _attempt(run, "forward", "RT014 zeroed-input forward", lambda: overfit.check_baseline(run, result),
                     fatal=False)
    if spec.wants("RT006"):
        health.check_non_finite_params(run, "after training")


def run_session(spec: ProbeSpec, run: Run) -> None:
    """Fill `run` (the caller keeps it, so a timeout can still report what was measured)."""
    torch.manual_seed(spec.seed)
    # A batch of eight is too small to gain from many threads, and on a shared machine
    # oversubscribed threads make each step ten times slower.
    torch.set_num_threads(max(1, min(4, (os.cpu_count() or 2) // 2)))
    run.gen.manual_seed(spec.seed)
    try:
        resolve_device(run)
        samples = load_dataset(run) if spec.dataset else None
        load_model(run)
        run.tracer = Tracer(run.model, breadcrumb_fd=run.breadcrumb_fd)
        run.tracer.install()
        make_inputs(run, samples)
        first_step(run)
        later_checks(run)
    except Stop:
        pass


def report_of(run: Run) -> ProbeReport:
    order = {"error": 0, "warning": 1, "info": 2}
    # stable: a finding's continuation lines stay after it
    findings = sorted(run.findings, key=lambda f: (f.rule, order[f.severity]))
    measurements = dict(run.measurements)
    if run.spec.origin:
        measurements["model_source"] = run.spec.origin
    return ProbeReport(model=run.spec.model, device=run.device, findings=tuple(findings),
                       measurements=measurements, failure=run.failures[0] if run.failures else None,
                       version=__version__, options=options_of(run.spec))


def options_of(spec: ProbeSpec) -> dict[str, Any]:
    """The options the run used, for the JSON report (the model and root are reported apart)."""
    data = spec.to_json()
    for key in ("model", "root", "origin"):
        data.pop(key, None)
    return data
