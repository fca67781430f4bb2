"""RL907 large-conv-kernel (opinion, off by default): Conv2d kernels larger than 3x3 outside the stem."""

import re

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.scoped import ScopedRule
from repolens.lint.helpers import argument, code_of, literal

CONV2D = ("torch.nn.Conv2d", "torch.nn.modules.conv.Conv2d")
# Names that say "this is the stem / the patch embedding": the input layer of the network.
STEM = re.compile(r"stem|patch|embed|conv1\b|conv_1\b|first|input|in_conv|downsample_layers", re.IGNORECASE)
IMAGE_CHANNELS = re.compile(r"^(?:in_chans|in_ch|img_channels|image_channels|input_channels|num_channels|"
                            r"channels_in|c1)$|^[1-4]$")


class LargeConvKernel(ScopedRule):
    """
    ## What it does
    Flags `nn.Conv2d(...)` whose literal kernel size is larger than 3x3 in both dimensions (5, 7,
    (5, 5)...) outside the stem. The stem is recognised by a literal input channel count of 1-4 or
    an image-channel parameter name (`in_chans`, `img_channels`...), by a name containing
    `stem`/`patch`/`embed`/`conv1`/`first`/`input` (the attribute assigned, or the enclosing
    function or class), and by a stride equal to the kernel (patchify / downsampling layers).
    Factorised kernels (1x7, 7x1) are not flagged. Off by default: the seed author's preference.

    ## Why is this bad?
    The seed notes prefer 3x3 convolutions: two stacked 3x3 layers see as far as one 5x5 with
    fewer parameters (18 vs 25 per channel pair) and an extra nonlinearity, and they "help
    preserve image properties" (VGG's argument). Large kernels belong in the stem, where they
    reduce resolution cheaply. Modern large-kernel designs (ConvNeXt's 7x7 depthwise) deliberately
    disagree: keep the rule off for them.

    ## Example
    ```python
    import torch.nn as nn

    block = nn.Sequential(nn.Conv2d(64, 64, 5, padding=2), nn.ReLU())
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    block = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU())
    ```
    """

    code = "RL907"
    name = "large-conv-kernel"
    severity = Severity.INFO
    tier = "opinion"
    tier_reason = "it is the seed author's opinion, documented but not a rule experts agree on"
    source = "notes.en.md, Tuning experience: \"3x3 convolutions (they help preserve image properties).\""
    message = "`Conv2d` with a {k} kernel outside the stem: the seed prefers stacked 3x3 convolutions (seed opinion)"
    needles = ("Conv2d",)

    valid = [
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3)      # the stem
        self.body = nn.Conv2d(64, 64, 3, padding=1)
        self.patch = nn.Conv2d(96, 192, kernel_size=4, stride=4)   # patchify: stride == kernel
        self.factor = nn.Conv2d(64, 64, (1, 7), padding=(0, 3))    # factorised
"""),
        Example("""
from torch import nn

def make_stem(in_chans, dim):
    return nn.Conv2d(in_chans, dim, kernel_size=7, stride=2, padding=3)
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

block = nn.Sequential(nn.Conv2d(64, 64, 5, padding=2), nn.ReLU())
"""),
        Example("""
from torch.nn import Conv2d, Module

class Head(Module):
    def __init__(self, c):
        super().__init__()
        self.smooth = Conv2d(c, c, kernel_size=(7, 7), padding=3)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, *CONV2D):
            return
        kernel = argument(node, "kernel_size", 2)
        k = _ints(kernel.value) if kernel is not None else None
        dims = (k, k) if isinstance(k, int) else k
        if not (isinstance(dims, tuple) and len(dims) == 2 and all(isinstance(d, int) for d in dims)
                and min(dims) > 3):
            return
        stride = argument(node, "stride", 3)
        if stride is not None and _ints(stride.value) in (k, dims):
            return
        cin = argument(node, "in_channels", 0)
        if cin is not None and IMAGE_CHANNELS.search(code_of(cin.value).split(".")[-1]):
            return
        names = [f.name.value for f in self.function_stack] + [c.name.value for c in self.class_stack]
        names.append(self._assigned_to(node))
        if any(n and STEM.search(n) for n in names):
            return
        self.report(node, self.message.format(k=f"{dims[0]}x{dims[1]}"))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._targets = getattr(self, "_targets", {})
        self._targets[id(node.value)] = code_of(node.targets[0].target)

    def _assigned_to(self, node: cst.Call) -> str:
        return getattr(self, "_targets", {}).get(id(node), "")


def _ints(node):
    """An int literal, or a tuple of int literals, else None."""
    if isinstance(node, cst.Tuple):
        values = tuple(literal(e.value) for e in node.elements)
        return values if all(isinstance(v, int) and not isinstance(v, bool) for v in values) else None
    value = literal(node)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
