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
        if any(id(m) in called for m in module.modules()):
            continue  # a container the forward iterates (`for layer in self.layers`), or children called directly
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
                            "called in forward: defined but not wired in, so its weights never train", name, value=n_params,
                            hint="call it in forward, or delete it (and its weights) if it is left over"))
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
    missing, listed, rest = [], [], []
    for name, p in run.model.named_parameters():
        if p.requires_grad and p.grad is None:
            missing.append(name)
            if id(p) in covered:
                continue  # its module is reported by RT001
            if len(listed) >= _MAX_LISTED:
                rest.append(name)
            else:
                listed.append(name)
                run.add(finding("RT002", "warning", f"{name} ({'x'.join(map(str, p.shape))}) requires grad but got "
                                "no gradient from the loss: it is not connected to the output (detached, unused "
                                "branch, or used under no_grad)", name,
                                hint="follow the tensor from this parameter to the loss: .detach(), no_grad, "
                                     "a branch whose result is dropped"))
    if rest:
        run.add(finding("RT002", "warning", f"and {len(rest)} more parameters without gradient (after {listed[-1]}): "
                        f"{', '.join(rest[:_MAX_LISTED])}" + (", ..." if len(rest) > _MAX_LISTED else ""),
                        rest[0], value=len(rest), items=rest))
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
    _frozen_holes(run)
    for pat, count in patterns.items():
        if count == 0:
            run.add(finding("RT003", "warning", f"freeze pattern {pat!r} matches no parameter name: the layers you "
                            "mean to freeze (or train) are not selected; names look like "
                            f"{', '.join(n for n, _ in params[:3])}", pat))


def _frozen_holes(run: Run) -> None:
    """A frozen layer between trainable ones (in call order): a fine-tuned backbone is a frozen
    prefix, a layer frozen in the middle of a network that otherwise trains is most often a mistake."""
    modules = dict(run.model.named_modules())
    order: list[tuple[str, bool]] = []  # (layer, trainable) for layers with weights of their own, in call order
    seen: set[str] = set()
    for row in run.measurements.get("layers") or run.tracer.trace:
        name = row["name"]
        module = modules.get("" if name == "(model)" else name)
        if module is None or name in seen:
            continue
        own = list(module.parameters(recurse=False))
        if not own or all(p.dim() <= 1 and p.numel() <= 1 for p in own):
            continue
        seen.add(name)
        order.append((name, any(p.requires_grad for p in own)))
    holes = [name for i, (name, trains) in enumerate(order)
             if not trains and any(t for _, t in order[:i]) and any(t for _, t in order[i + 1:])]
    if holes:
        run.add(finding("RT003", "warning", f"{len(holes)} layer(s) frozen between trainable layers: "
                        f"{', '.join(holes[:8])}{' and more' if len(holes) > 8 else ''}: layers before and after "
                        "them train, these do not (a freeze-by-name pattern that caught too much?)", holes[0],
                        value=len(holes), items=holes,
                        hint="freeze a whole prefix (a pretrained backbone) or nothing; check requires_grad"))
