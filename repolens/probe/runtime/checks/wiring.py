"""RT001 submodules never called, RT002 parameters without gradient, RT003 frozen parameters."""

from __future__ import annotations

import fnmatch

from torch import nn

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run

# Containers are never called themselves: their children are (ModuleList, ModuleDict).
_CONTAINERS = (nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict)
_MAX_LISTED = 12


def _params_of(module: nn.Module) -> list[nn.Parameter]:
    return [p for p in module.parameters() if p.requires_grad]


def uncalled_modules(run: Run) -> list[tuple[str, nn.Module]]:
    """Top-most modules that never ran: a forgotten block is reported once, not once per layer."""
    called = run.tracer.called
    out: list[tuple[str, nn.Module]] = []
    for name, module in run.model.named_modules():
        if not name or isinstance(module, _CONTAINERS) or id(module) in called:
            continue
        if any(name.startswith(prev + ".") for prev, _ in out):
            continue
        if isinstance(module, nn.Sequential) and len(module) == 0:
            continue  # an empty Sequential is an identity shortcut; it may be skipped legitimately
        out.append((name, module))
    return out


def check_uncalled(run: Run) -> set[int]:
    """RT001. Returns the ids of the parameters of uncalled modules (RT002 does not repeat them)."""
    covered: set[int] = set()
    listed = []
    for name, module in uncalled_modules(run):
        params = list(module.parameters())
        n_params = sum(p.numel() for p in params)
        with_grad = [p for p in params if p.requires_grad and p.grad is not None]
        listed.append({"name": name, "type": type(module).__name__, "params": n_params})
        covered.update(id(p) for p in params)
        if params and len(with_grad) == len([p for p in params if p.requires_grad]) and with_grad:
            # weights used directly (F.linear(x, self.proj.weight)) or via .forward(): not dead
            run.add(finding("RT001", "info", f"{name} ({type(module).__name__}) was never called, but its parameters "
                            "got gradients: its weights are used directly (or through .forward(), which skips hooks)",
                            name))
        elif n_params:
            run.add(finding("RT001", "warning", f"{name} ({type(module).__name__}, {n_params:,} parameters) is never "
                            "called in forward: defined but not wired in, so its weights never train", name))
        else:
            run.add(finding("RT001", "info", f"{name} ({type(module).__name__}, no parameters) is never called in "
                            "forward (a functional call may be used instead; if it is a Dropout, it is not applied)",
                            name))
    modules = [m for m in run.model.modules() if not isinstance(m, _CONTAINERS)]
    called = sum(1 for m in modules if id(m) in run.tracer.called)
    run.measure("modules", {"total": len(modules), "called": called, "never_called": listed})
    return covered


def check_gradients(run: Run, covered: set[int]) -> None:
    """RT002: a parameter that requires grad gets no gradient from the loss."""
    missing = []
    for name, p in run.model.named_parameters():
        if p.requires_grad and p.grad is None:
            missing.append(name)
            if id(p) not in covered and len(missing) <= _MAX_LISTED:
                run.add(finding("RT002", "warning", f"{name} ({'x'.join(map(str, p.shape))}) requires grad but got "
                                "no gradient from the loss: it is not connected to the output (detached, unused "
                                "branch, or used under no_grad)", name))
    if len(missing) > _MAX_LISTED:
        run.add(finding("RT002", "warning", f"and {len(missing) - _MAX_LISTED} more parameters without gradient"))
    run.measure("parameters_without_grad", missing)


def _matches(pattern: str, name: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    return pattern in name  # like `if "backbone" in name:` in a training script


def check_frozen(run: Run) -> None:
    """RT003: frozen parameters listed; a freeze-by-name pattern that matches nothing."""
    params = list(run.model.named_parameters())
    frozen = [n for n, p in params if not p.requires_grad]
    total = sum(p.numel() for _, p in params)
    trainable = sum(p.numel() for _, p in params if p.requires_grad)
    patterns = {pat: sum(1 for n, _ in params if _matches(pat, n)) for pat in run.spec.freeze}
    run.measure("parameters", {"total": total, "trainable": trainable, "frozen_tensors": len(frozen),
                               "frozen": frozen[:50], "freeze_patterns": patterns})
    if frozen:
        prefixes = sorted({n.rsplit(".", 1)[0] if "." in n else n for n in frozen})
        shown = ", ".join(prefixes[:6]) + (", ..." if len(prefixes) > 6 else "")
        run.add(finding("RT003", "info", f"{len(frozen)} parameter tensors are frozen (requires_grad=False), "
                        f"{total - trainable:,} values, in: {shown}", prefixes[0]))
    for pat, count in patterns.items():
        if count == 0:
            run.add(finding("RT003", "warning", f"freeze pattern {pat!r} matches no parameter name: the layers you "
                            "mean to freeze (or train) are not selected; names look like "
                            f"{', '.join(n for n, _ in params[:3])}", pat))
