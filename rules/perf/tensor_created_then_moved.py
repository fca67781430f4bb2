"""RL402 tensor-created-then-moved: allocate on the host, then copy, instead of `device=`."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import (NOT_LITERAL, add_keyword, code_of, has_star_args, keyword_arg, literal,
                                   method_name, receiver)

FACTORIES = frozenset({"zeros", "ones", "empty", "full", "arange", "eye", "linspace", "logspace",
                       "rand", "randn", "randint", "randperm"})
RANDOM = frozenset({"rand", "randn", "randint", "randperm"})
QUALIFIED = frozenset(f"torch.{f}" for f in FACTORIES)


class TensorCreatedThenMoved(Rule):
    """
    ## What it does
    Flags a torch factory call (`torch.zeros`, `ones`, `empty`, `full`, `arange`, `eye`,
    `linspace`, `logspace`, `rand`, `randn`, `randint`, `randperm`) followed directly by `.cuda()`
    or by `.to(<device>)`, where the argument of `.to` is visibly a device: a `"cuda..."` string, a
    `device=` keyword, `x.device`, or a name containing `device`. `.to(torch.float16)` and
    `.to(other_tensor)` are not device moves the rule can prove, and are left alone.

    `torch.tensor(data).to(device)` and `torch.as_tensor` / `from_numpy` are not flagged: their
    data lives on the host, so a host-to-device copy happens even with `device=`. Nor is a factory
    given a `generator=`: a generator belongs to one device, so drawing from a CPU generator and
    then moving is the way to get the same numbers on every device.

    The fix moves the device into the factory call (`.cuda()` becomes `device="cuda"`). It is
    safe for the deterministic factories; for the random ones it is marked unsafe because the
    CUDA generator produces different numbers than the CPU one (seeded runs change). No fix (and
    no finding) when the factory call has `**kwargs`/`*args` or already names a device.

    ## Why is this bad?
    The tensor is first allocated and filled in host memory, then copied over PCIe and the host
    copy thrown away: two allocations, a synchronous copy, and (for random tensors) the slow CPU
    generator, where one allocation on the GPU would do. In a training step it is pure overhead.

    ## Example
    ```python
    import torch

    mask = torch.zeros(n, n).to(device)
    noise = torch.randn(batch, dim).cuda()
    ```

    ## Use instead
    ```python
    import torch

    mask = torch.zeros(n, n, device=device)
    noise = torch.randn(batch, dim, device="cuda")
    ```
    """

    code = "RL402"
    name = "tensor-created-then-moved"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'most such allocations are one-time (8 of 10 real findings were not worth a change)'
    source = ("PyTorch Performance Tuning Guide: \"Create tensors directly on the target device\" "
              "(torch.rand(size).cuda() -> torch.rand(size, device='cuda'))")
    message = "`torch.{factory}(...)` is built on the host and then copied: pass `device=` to the factory"
    needles = (".cuda(", ".to(")
    fix_safety = "safe"

    valid = [
        Example("""
import torch

def f(n, device, data):
    a = torch.zeros(n, device=device)
    b = torch.tensor(data).to(device)          # host data: the copy is unavoidable
    c = torch.ones(n).to(torch.float16)        # a dtype conversion
    d = torch.arange(n).to(a)                  # not provably a device
    return a, b, c, d
"""),
        Example("""
import torch as t

def g(shape, **kw):
    return t.zeros(shape, **kw).cuda(), t.empty(3, device="cpu").cuda()
"""),
        Example("""
import torch

def noise_like(out, gen):
    # a seeded CPU generator: same numbers on every device
    return torch.randn(out.shape, generator=gen).to(out.device, out.dtype)
"""),
    ]
    invalid = [
        Example("""
import torch

def f(n, device):
    mask = torch.zeros(n, n).to(device)
    ids = torch.arange(n).cuda()
    return mask, ids
""", fixed="""
import torch

def f(n, device):
    mask = torch.zeros(n, n, device=device)
    ids = torch.arange(n, device="cuda")
    return mask, ids
"""),
        Example("""
import torch as t

def g(x, b):
    noise = t.randn(b, 8).to(x.device)
    ones = t.ones(b).to(device=x.device, non_blocking=True)
    return noise, ones
""", fixed="""
import torch as t

def g(x, b):
    noise = t.randn(b, 8, device=x.device)
    ones = t.ones(b).to(device=x.device, non_blocking=True)
    return noise, ones
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        move = method_name(node)
        if move not in ("cuda", "to"):
            return
        factory = receiver(node)
        if not isinstance(factory, cst.Call):
            return
        qualified = self.qualified_name(factory.func)
        if qualified not in QUALIFIED or has_star_args(factory):
            return
        if keyword_arg(factory, "device") is not None or keyword_arg(factory, "generator") is not None:
            return
        device = self._device(node)
        if device is None:
            return
        name = qualified.rsplit(".", 1)[-1]
        replacement = None
        if device is not ... and len(node.args) <= 1:
            replacement = add_keyword(factory, "device", device)
        self.report(node, self.message.format(factory=name), replacement=replacement,
                    fix_safety="unsafe" if name in RANDOM else "safe")

    def _device(self, move: cst.Call):
        """The device the call moves to, as source text; `...` when it is a device but not fixable; else None."""
        if has_star_args(move):
            return None
        if method_name(move) == "cuda":
            return '"cuda"' if not move.args else ...
        keyword = keyword_arg(move, "device")
        if keyword is not None:
            return code_of(keyword.value)
        if not move.args or move.args[0].keyword is not None:
            return None
        first = move.args[0].value
        value = literal(first)
        if value is not NOT_LITERAL:
            return code_of(first) if isinstance(value, str) and value.startswith("cuda") else None
        text = code_of(first)
        last = text.rsplit(".", 1)[-1]
        if "device" in last.lower() and not isinstance(first, cst.Call):
            return text
        return None
