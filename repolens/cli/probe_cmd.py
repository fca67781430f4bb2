"""`repolens probe`: run the model in a child process and check its wiring (SPEC section 3).

The library (`repolens.probe`) returns a ProbeReport; this module formats it (rich or json) and
picks the exit code: 0 nothing at or above warning, 1 findings or the user's code failed, 2 usage.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from repolens.output import write_atomic
from repolens.probe import (ProbeConfigError, ProbeInterrupted, ProbeReport, ProbeUnavailable, build_spec,
                            find_project_root, load_options, run_probe, torch_available)
from repolens.probe.target import pick_model

NEEDS_TORCH = "repolens probe needs torch: pip install 'repolens[runtime]'"
_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_MAX_LAYER_ROWS = 40


def _num(value: Any, digits: int = 4) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _failure_lines(report: ProbeReport) -> list[Text]:
    f = report.failure
    assert f is not None
    lines = [Text.assemble(("FAILED ", "bold red"), (f"{f.phase}", "bold"), f"  [{f.kind}]"),
             Text("  " + f.message)]
    if f.module:
        chain = " > ".join(f.module_stack) if f.module_stack else f.module
        lines.append(Text.assemble("  module:  ", (f"{f.module}", "bold"), f" ({f.module_type})   in {chain}"))
    if f.input_shapes:
        lines.append(Text("  inputs:  " + ", ".join(f.input_shapes)))
    if f.location:
        lines.append(Text.assemble("  at:      ", (f.location, "bold"), f"   {f.source_line or ''}"))
    if f.hint:
        lines.append(Text("  hint:    " + f.hint, style="green"))
    if f.detail:
        lines.append(Text("  last output of the process:", style="dim"))
        lines.extend(Text("    " + ln, style="dim") for ln in f.detail.splitlines()[-8:])
    return lines


def _summary_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if "model_source" in m:
        rows.append(("model", str(m["model_source"])))
    if m.get("build", {}).get("configs") or m.get("build", {}).get("kwargs") or m.get("build", {}).get("tiny"):
        b = m["build"]
        parts = [f"{k}={v!r}" for k, v in (b.get("kwargs") or {}).items()]
        parts += [f"{k}={v}" for k, v in (b.get("configs") or {}).items()]
        parts += [f"--tiny {k}: {old} -> {new}" for k, (old, new) in (b.get("tiny") or {}).items()]
        rows.append(("built with", ", ".join(parts)))
    if "input" in m:
        i = m["input"]
        rows.append(("input", f"{'x'.join(map(str, i['shape']))} {i['dtype']} ({i['source']})"))
    if "output" in m:
        o = m["output"]
        rows.append(("output", f"{o['shapes']}: {o['task']}, loss {o['loss']}"
                     + (f", {o['classes']} classes" if o.get("classes") else "")))
    if "initial_loss" in m:
        exp = m.get("expected_initial_loss")
        rows.append(("initial loss", f"{_num(m['initial_loss'])}" + (f" (expected {_num(exp)})" if exp else "")))
    if "parameters" in m:
        p = m["parameters"]
        rows.append(("parameters", f"{p['total']:,} ({p['trainable']:,} trainable, {p['frozen_tensors']} frozen tensors)"))
    if "modules" in m:
        mo = m["modules"]
        rows.append(("modules called", f"{mo['called']} of {mo['total']}"))
    if "overfit" in m:
        o = m["overfit"]
        verdict = "passed" if o["passed"] else ("inconclusive (stopped early)" if o.get("stopped") else "FAILED")
        rows.append(("overfit 8 samples", f"{verdict}: {_num(o['initial_loss'])} -> {_num(o['final_loss'])} in "
                     f"{o['steps']}/{o['max_steps']} Adam steps (target {_num(o['target'])})"))
    if "baseline" in m:
        b = m["baseline"]
        rows.append(("zeroed inputs", f"loss {_num(b['zeroed_loss'])} vs {_num(b['real_loss'])} on real inputs"))
    if "batch_mixing" in m:
        b = m["batch_mixing"]
        rows.append(("batch mixing", f"{b.get('verdict', '?')}: max grad on other samples "
                     f"{_num(b.get('other_grad_max', 0.0))} (own {_num(b.get('own_grad_max', 0.0))}) at {b['at']}, "
                     f"batch dimension {b.get('batch_dim', 0)}"))
    if "loss_components" in m:
        rows.append(("loss components", ", ".join(f"{k}={_num(v)}" for k, v in m["loss_components"].items())))
    if "dataset_inputs" in m:
        d = m["dataset_inputs"]
        if "mean" in d:
            rows.append(("dataset inputs", f"range {_num(d['min'])}..{_num(d['max'])}, mean {_num(d['mean'])}, "
                         f"std {_num(d['std'])} over {d['samples']} samples"))
    if "dataset_labels" in m:
        d = m["dataset_labels"]
        rows.append(("dataset labels", f"imbalance ratio {_num(d['imbalance_ratio'])} over {d['samples']} samples"))
    if "compile" in m:
        c = m["compile"]
        rows.append(("torch.compile", f"{c['graphs']} graph(s), {c['graph_breaks']} break(s)"))
    if "step_time_ms" in m:
        rows.append(("training step", f"{_num(m['step_time_ms'], 3)} ms"))
    if "gpu" in m:
        g = m["gpu"]
        rows.append(("gpu", f"{g.get('name')}, peak memory {g.get('peak_memory_mb')} MiB"))
    for rule, why in (m.get("skipped") or {}).items():
        rows.append((f"{rule} skipped", why))
    if "timings_s" in m:
        rows.append(("probe time", ", ".join(f"{k} {v:.2f}s" for k, v in m["timings_s"].items())))
    return rows


def _grouped(findings) -> list[list]:
    """Consecutive info findings of the same check become one group; everything else stays alone."""
    groups: list[list] = []
    for f in findings:
        if groups and f.severity == "info" and groups[-1][0].severity == "info" and groups[-1][0].rule == f.rule:
            groups[-1].append(f)
        else:
            groups.append([f])
    return groups


def _measured(f) -> str:
    parts = []
    if f.value is not None:
        parts.append(f"measured {_num(f.value)}")
    if f.threshold is not None:
        parts.append(f"threshold {_num(f.threshold)}")
    if len(f.items) > 1:
        parts.append(f"{len(f.items)} tensors/modules (all in --format json)")
    return ", ".join(parts)


def render_rich(report: ProbeReport, console: Console, layers: bool = False) -> None:
    console.print(Text.assemble(("repolens probe ", "bold"), report.model, "  on ", (report.device, "bold")))
    if report.failure is not None:
        for line in _failure_lines(report):
            console.print(line)
    findings = [f for f in report.findings if not (f.rule == "RT000" and report.failure is not None
                                                   and len(report.findings) == 1)]
    for group in _grouped(findings):
        f = group[0]
        if len(group) > 1:  # repeated info findings of one check: one head, one line each
            console.print(Text.assemble((f.rule, "bold"), f" {f.name} ", (f"[{f.severity}]", _SEV_STYLE[f.severity]),
                                        f" x{len(group)}"))
            for g in group:
                console.print(Padding(Text(f"{g.where}: {g.message}" if g.where else g.message), (0, 0, 0, 4)))
            continue
        console.print(Text.assemble((f.rule, "bold"), f" {f.name} ", (f"[{f.severity}]", _SEV_STYLE[f.severity]),
                                    f" {f.where}" if f.where else ""))
        console.print(Padding(Text(f.message), (0, 0, 0, 4)))
        measured = _measured(f)
        if measured:
            console.print(Padding(Text(measured, style="dim"), (0, 0, 0, 4)))
        if f.hint and f.severity != "info":
            console.print(Padding(Text("hint: " + f.hint, style="green"), (0, 0, 0, 4)))
    if not findings and report.failure is None:
        console.print(Text("no findings", style="green"))
    rows = _summary_rows(dict(report.measurements))
    if rows:
        summary = Table(show_header=False, box=None, pad_edge=False)
        summary.add_column(style="bold")
        summary.add_column(overflow="fold")
        for k, v in rows:
            summary.add_row(k, v)
        console.print(summary)
    trace = report.measurements.get("layers") or []
    if layers and trace:
        table = Table(title="shape trace (RT008)", box=None, header_style="bold")
        for col in ("layer", "type", "input", "output", "dtype", "params"):
            table.add_column(col, overflow="fold")
        for e in trace[:_MAX_LAYER_ROWS]:
            table.add_row("  " * e["depth"] + e["name"], e["type"], json.dumps(e["input"]), json.dumps(e["output"]),
                          str(e["dtype"]), f"{e['params']:,}")
        console.print(table)
        if len(trace) > _MAX_LAYER_ROWS:
            console.print(f"... {len(trace) - _MAX_LAYER_ROWS} more layers (--format json has them all)")


def _emit(report: ProbeReport, fmt: str, output: Optional[Path], layers: bool) -> None:
    if fmt == "json":
        text = json.dumps(report.to_json(), indent=2)
        if output:
            write_atomic(output, text + "\n")
        else:
            typer.echo(text)
        return
    if output:
        # Rendered in memory, then written atomically like every --output file.
        buffer = io.StringIO()
        render_rich(report, Console(file=buffer, width=120, no_color=True), layers)
        write_atomic(output, buffer.getvalue())
    else:
        render_rich(report, Console(), layers)


def probe_project(root: Path, *, fmt: str = "rich", output: Optional[Path] = None, **cli: Any) -> int:
    """Probe the project's configured model and print the report; returns the exit code.

    `repolens lint --runtime` calls this with the lint root."""
    return _run(find_project_root(root), fmt, output, False, **cli)


def register(app: typer.Typer) -> None:
    @app.command("probe")
    def probe_command(
        model: Optional[str] = typer.Argument(None, help="path/to/file.py:factory_or_class or pkg.module:callable; "
                                              "default: [tool.repolens.probe] model, else auto-detected"),
        input: Optional[str] = typer.Option(None, "--input", help="input shape, e.g. 8x3x32x32 (default: inferred "
                                            "from the first layer)"),
        dtype: Optional[str] = typer.Option(None, "--dtype", help="float32 | float16 | bfloat16 | long (token ids)"),
        classes: Optional[int] = typer.Option(None, "--classes", help="number of classes (default: output width)"),
        device: Optional[str] = typer.Option(None, "--device", help="auto | cpu | cuda (default auto)"),
        steps: Optional[int] = typer.Option(None, "--steps", help="Adam steps of the overfit test (default 300)"),
        timeout: Optional[float] = typer.Option(None, "--timeout", help="seconds before the child is stopped "
                                                "(default 120 + 10 per million parameters)"),
        arg: Optional[List[str]] = typer.Option(None, "--arg", help="constructor argument key=value (value read as "
                                                "JSON), repeatable; or a JSON object; fills a config dataclass too"),
        tiny: bool = typer.Option(False, "--tiny", help="shrink known size knobs (n_layer, depth, hidden sizes, "
                                  "image size...) to a small same-shaped model for the CPU"),
        loss: Optional[str] = typer.Option(None, "--loss", help="cross_entropy | mse | bce | bce_with_logits | "
                                           "l1 | huber | module:callable (default: from the output)"),
        select: Optional[str] = typer.Option(None, "--select", help="checks to run, e.g. RT001,RT005 (default all)"),
        compile_check: Optional[bool] = typer.Option(None, "--compile/--no-compile", help="RT012 torch.compile "
                                                     "graph breaks (default: on CUDA only)"),
        project: Path = typer.Option(Path("."), "--project", help="project folder (its pyproject.toml is read)"),
        fmt: str = typer.Option("rich", "--format", help="rich | json"),
        output: Optional[Path] = typer.Option(None, "--output", help="write the report to this file"),
        layers: bool = typer.Option(False, "--layers", help="print the shape trace table (rich format)"),
    ) -> None:
        """Run the model on random (or dataset) inputs in a child process and check its wiring (RT001-RT014)."""
        if fmt not in ("rich", "json"):
            typer.echo(f"repolens probe: bad --format {fmt!r}: rich or json", err=True)
            raise typer.Exit(2)
        if not project.exists():
            typer.echo(f"repolens probe: no such folder: {project}", err=True)
            raise typer.Exit(2)
        root = find_project_root(project)
        code = _run(root, fmt, output, layers, model=model, input_shape=input, dtype=dtype, classes=classes,
                    device=device, steps=steps, timeout=timeout, select=select, compile_check=compile_check,
                    args=list(arg or ()), tiny=tiny, loss=loss)
        raise typer.Exit(code)


def _run(root: Path, fmt: str, output: Optional[Path], layers: bool, **cli: Any) -> int:
    if not torch_available():
        typer.echo(NEEDS_TORCH, err=True)
        return 2
    try:
        options = load_options(root)
        model = cli.pop("model", None)
        origin = "command line" if model else ""
        if not model and not options.get("model"):
            pick = pick_model(root)
            model, origin = pick.target, pick.origin
            # the entrypoint's arguments, below --arg (build_spec puts those on top)
            options = {**options, "kwargs": {**pick.kwargs, **dict(options.get("kwargs") or {})}}
        elif not model:
            origin = "[tool.repolens.probe] model"
        spec = build_spec(root, options, model=model, origin=origin, **cli)
        report = run_probe(spec)
    except (ProbeConfigError, ProbeUnavailable) as exc:
        typer.echo(f"repolens probe: {exc}", err=True)
        return 2
    except ProbeInterrupted as exc:
        typer.echo(f"repolens probe: {exc}; the child process and its temp folder are gone", err=True)
        return 128 + exc.signum
    _emit(report, fmt, output, layers)
    if report.failure is not None and report.failure.kind == "usage":
        return 2
    return report.exit_code()
