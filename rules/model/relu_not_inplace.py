"""RL201 relu-not-inplace: activation modules built without `inplace=True`."""


import re
from collections import Counter

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import self_attribute_bindings
from repolens.lint.fixes import replace_nodes
from repolens.lint.helpers import add_keyword, has_star_args, keyword_arg, positional_args
from repolens.lint.knowledge.nn import is_torch_nn_class
from repolens.lint.layers import layer_runs, output_written_in_place, takes_fresh_input
from repolens.lint.inputscale import small_images, stated_image_side
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import class_nodes

# Activations whose out-of-place form saves its INPUT for backward while the in-place form saves its
# output (derivatives.yaml: leaky_relu/elu/selu/celu/rrelu backward read `self`, their in-place
# variants `result`): out of place, a conv body keeps two buffers per activation, in place one.
# ReLU, ReLU6/Hardtanh, SiLU and Threshold keep the same tensors either way (ReLU saves its output,
# the others their input in both forms): in place only skips a transient allocation.
# class -> index of `inplace` among the positional parameters
INPLACE_POSITION = {"LeakyReLU": 1, "ELU": 1, "SELU": 0, "CELU": 1, "RReLU": 2}
QUALIFIED = {f"{prefix}.{cls}": pos for cls, pos in INPLACE_POSITION.items()
             for prefix in ("torch.nn", "torch.nn.modules.activation")}

# Layers whose backward needs their input (or nothing), never their output: an in-place
# activation right after one of them is safe.
SAFE_PRODUCER = re.compile(r"^(?:Lazy)?Conv(?:Transpose)?\dd$|^(?:Lazy)?Linear$|Norm|^Dropout|Pool\dd$")
# Layers whose backward keeps nothing of their input (measured like INPLACE_POSITION: a LeakyReLU
# before an Upsample or a Dropout keeps the same bytes in place or not; before a conv or an AvgPool,
# one buffer less in place).
DROPS_INPUT = re.compile(r"^(?:Upsample|UpsamplingNearest2d|Dropout\dd?|AlphaDropout|Flatten|Unflatten|Identity"
                         r"|PixelShuffle|PixelUnshuffle)$")
# Right after a Linear layer the activation works on one feature vector per sample or token (an
# MLP head, a timestep or class embedding): the buffer in place would save is small next to the
# feature maps of a conv body, and judged on real code not worth a change (issue #8).
MLP_PRODUCER = re.compile(r"^(?:Lazy)?Linear$")
# ... unless the class normalises with LayerNorm/RMSNorm: a transformer block, whose feed-forward
# activation runs on every token, (batch, length, 4 * dim): a large buffer again.
TOKEN_NORMS = ("torch.nn.LayerNorm", "torch.nn.RMSNorm")

# The examples' project states 256 px images in its config (the rule speaks only where the feature
# maps are known to be large).
_LARGE = {"configs/train.yaml": "data:\n  image_size: 256\n"}


class ReluNotInplace(ScopedRule):
    """
    ## What it does
    Flags an activation module whose out-of-place form keeps an extra activation-sized buffer
    for backward (`nn.LeakyReLU`, `ELU`, `SELU`, `CELU`, `RReLU`) built inside an `nn.Module` class
    without an `inplace` argument, where running it in place is provably harmless: it follows a
    conv, norm, pool or dropout layer in an `nn.Sequential` (or a list of layers), or every call of
    `self.<act>` in the class takes a fresh tensor (`self.act(self.bn(x))`, `x = self.bn(x)` then
    `x = self.act(x)`, `out += identity` then `out = self.act(out)`). An activation whose input may
    be shared or needed (the input of a branch, the output of a sigmoid) is left alone, so is one
    whose output the method then writes into in place (`att = self.act(att)`, `att[:, :, 0] = 0`:
    in place, the activation saves that output for backward and the write breaks it;
    Person_reID_baseline's USAM, judged wrong), and so is
    one followed in its `nn.Sequential` by a layer that keeps nothing of its input for backward
    (`Upsample`, `Dropout`, `Flatten`): its output is not held, so in place it would keep as much
    (its output) as out of place (its input).

    It fires once per class, at the first such activation, naming the others' lines, with one fix
    that sets `inplace=True` on them all: the edit a user makes (SRGAN's discriminator was eight
    findings, one per LeakyReLU of one `nn.Sequential`, judged together).

    `nn.ReLU()`, `ReLU6`, `Hardtanh` and `SiLU` are not flagged: in training they keep the same
    tensors in place or not. ReLU's backward reads its output, so out of place its input is freed
    as soon as it returns; ReLU6, Hardtanh and SiLU read their input in both forms. Measured with
    `torch.autograd.graph.saved_tensors_hooks` on Conv-BN-act-Conv-act-Conv (8 x 3 x 64 x 64): the
    saved tensors are 12.4 MB for ReLU in place or not, 20.4 MB for LeakyReLU and ELU out of place
    and 12.4 MB in place, 20.4 MB for ReLU6, SiLU and Hardswish either way. The seed notes' advice
    ("ReLU can run in place to save GPU memory") holds only for a transient allocation with ReLU;
    on judged real code, the findings on plain ReLU were not worth a change (pytorch-semseg,
    MedicalZooPytorch: 5 of 5), the ones on LeakyReLU in 128-256 px GANs were.

    An activation right after a `Linear` layer is left alone too: that is an MLP on one feature
    vector per sample or token (a classifier head on pooled features, a timestep or class
    embedding), where the buffer saved is small. On the judged real repositories both findings of
    that kind (DiT's timestep-embedding MLP on (N, 256), guided-diffusion's classifier head on
    (N, 2048)) were judged not worth a change (issue #8). A normalised block (`Linear`,
    `BatchNorm1d`, `ReLU`, as in a projector) is still reported, and so is a `Linear` then activation
    in a class that normalises with `LayerNorm` / `RMSNorm`: a transformer block's feed-forward, run
    on every token.

    Nor where every image size the project states for this file is at most 64 px: the
    file's own (`--img_size` default, a torchvision dataset such as MNIST), else that of the scripts
    that import it, else the project's (its other files, its YAML/JSON configs: `img_size`,
    `image_size`, `crop_size`, a data section's `patch_size`). On the judged repositories the 74
    findings in 64 px VAEs were not worth a change, the ones on 128-256 px GANs were. What it cannot
    see: sizes given on the command line at run time, or computed. With no size stated it is
    silent too (since the sixth session): the saving is one buffer per activation, worth a line
    only where the feature maps are known to be large, and a model whose inputs the code does not
    state may be anything: MedicalZooPytorch's 3D U-Net on 32-64 voxel crops with 8 base filters
    (3 judged findings, not worth a change), audio and point-cloud nets; before, it reported,
    except in a reinforcement-learning script or a model file such a script imports (cleanrl's
    Nature-DQN, 20 findings not worth a change). The judged worth findings (PyTorch-GAN's 128-256
    px ESRGAN and StarGAN) state their sizes. A token MLP in a class without a LayerNorm/RMSNorm
    is left alone.

    ## Why is this bad?
    Out of place, LeakyReLU (and ELU, SELU, CELU, RReLU) saves its input for backward, and the next
    layer saves the activation's output: two feature maps per activation held until backward. In
    place it overwrites its input and saves its output only, which the next layer holds anyway: one
    feature map less per activation (40 % of the saved tensors in the measurement above).

    The fix is marked unsafe: in place is only correct when nothing else needs the activation's
    input. Right after an op whose backward needs its output (sigmoid, tanh, another in-place op) or
    on a tensor reused later (the identity of a residual block, the input of `forward`), autograd
    raises "one of the variables needed for gradient computation has been modified by an inplace
    operation" at backward time, or the reused tensor silently changes. Check the forward before
    accepting it.

    ## Example
    ```python
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.LeakyReLU(0.2))
    ```

    ## Use instead
    ```python
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.LeakyReLU(0.2, inplace=True))
    ```
    Pass `inplace=False` where the input is needed afterwards; the rule accepts any explicit value
    as a deliberate choice.
    """

    code = "RL201"
    name = "relu-not-inplace"
    severity = Severity.INFO
    tier = "default"
    tier_reason = ('one of the four founding mistakes, made precise: where the out-of-place activation keeps its '
                   'input for backward (LeakyReLU, ELU ...), in place saves one feature map per layer for free')
    source = "notes.en.md, Tuning experience: \"ReLU can run in place to save GPU memory.\""
    message = ("`{cls}()` without `inplace=True`: out of place it keeps its input for backward, one extra "
               "activation-sized buffer per layer until backward")
    needles = tuple(INPLACE_POSITION)
    fix_safety = "unsafe"

    valid = [
        # An MNIST tutorial's conv net: 28 px maps, kilobytes of activations.
        Example("""
import torch.nn as nn
from torchvision import datasets

train_set = datasets.MNIST("data", train=True, download=True)

class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.LeakyReLU(0.2))

    def forward(self, x):
        return self.layer(x)
"""),
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.1, True))   # inplace by position
        self.keep = nn.Sequential(nn.Linear(8, 8), nn.ReLU(inplace=False))    # a deliberate choice
"""),
        Example("""
from torch import nn
import torch.nn.functional as F

def make(**kwargs):
    return nn.Sequential(nn.Conv2d(4, 4, 3), nn.LeakyReLU(**kwargs))   # kwargs may carry inplace

class Head(nn.Module):
    def forward(self, x):
        return F.relu(x)                                         # functional: not this rule

model = nn.Sequential(nn.Conv2d(4, 4, 3), nn.LeakyReLU())      # not inside a Module class
"""),
        Example("""
import torch as t

class Branches(t.nn.Module):
    def __init__(self):
        super().__init__()
        self.act = t.nn.LeakyReLU(0.1)    # its input is also read by the other branch
        self.gate = t.nn.Sequential(t.nn.Sigmoid(), t.nn.ELU())   # sigmoid's backward needs its output
        self.left = t.nn.Conv2d(8, 8, 3)
        self.right = t.nn.Conv2d(8, 8, 1)

    def forward(self, x):
        return self.left(self.act(x)) + self.right(x)
"""),
        # An MLP on feature vectors (a timestep embedding, a classifier head): a small buffer.
        Example("""
import torch.nn as nn

class TimestepEmbedder(nn.Module):
    def __init__(self, hidden_size, frequency_embedding_size=256):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(frequency_embedding_size, hidden_size, bias=True),
            nn.SiLU(),
            nn.Linear(hidden_size, hidden_size, bias=True),
        )
"""),
        # The output feeds an Upsample, which keeps nothing for backward (MedicalZooPytorch's Unet3D).
        Example("""
import torch.nn as nn

class Unet3D(nn.Module):
    def norm_lrelu_upscale_conv_norm_lrelu(self, feat_in, feat_out):
        return nn.Sequential(
            nn.InstanceNorm3d(feat_in),
            nn.LeakyReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv3d(feat_in, feat_out, kernel_size=3, stride=1, padding=1, bias=False),
            nn.InstanceNorm3d(feat_out),
            nn.LeakyReLU(inplace=True))
"""),
        # Plain ReLU (and ReLU6, SiLU): the same tensors are kept in place or not.
        Example("""
import torch.nn as nn

class unetConv2(nn.Module):
    def __init__(self, in_size, out_size):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_size, out_size, 3, 1, 1), nn.BatchNorm2d(out_size), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv2d(out_size, out_size, 3, 1, 1), nn.ReLU6(), nn.SiLU())
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.LeakyReLU(0.1)

    def forward(self, x):
        x = self.bn(self.conv(x))
        x = self.relu(x)
        return self.relu(self.bn(x))
""", fixed="""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.LeakyReLU(0.1, inplace=True)

    def forward(self, x):
        x = self.bn(self.conv(x))
        x = self.relu(x)
        return self.relu(self.bn(x))
""", files=_LARGE),
        Example("""
from torch import nn

class Stem(nn.Sequential):
    def __init__(self):
        super().__init__(nn.Conv2d(3, 8, 3), nn.LeakyReLU(0.2), nn.BatchNorm2d(8), nn.Hardtanh(-1.0, 1.0))
""", fixed="""
from torch import nn

class Stem(nn.Sequential):
    def __init__(self):
        super().__init__(nn.Conv2d(3, 8, 3), nn.LeakyReLU(0.2, inplace=True), nn.BatchNorm2d(8), nn.Hardtanh(-1.0, 1.0))
""", files=_LARGE, expect=[(6, "`LeakyReLU()` without `inplace=True`")]),
        Example("""
import torch as t
from models.base import BaseNet

class Body(BaseNet):
    def __init__(self, n):
        super().__init__()
        layers = []
        for _ in range(n):
            layers.append(t.nn.Conv2d(8, 8, 3, padding=1))
            layers.append(t.nn.ELU())
        self.convs = t.nn.Sequential(*layers)
""", files={"models/base.py": "import torch\nclass BaseNet(torch.nn.Module):\n    pass\n", **_LARGE},
                expect=[(11, "`ELU()` without `inplace=True`")]),
        Example("""
from torch import nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.CELU()

    def forward(self, x):
        out = self.bn(self.conv(x))
        out += x
        out = self.relu(out)
        return out
""", files=_LARGE),
    ]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if not self.class_is_module(node):
            return
        found = [c for c in self._safe_activations(node) if self._flagged(c)]
        if not found:
            return
        first, cls = found[0], (self.qualified_name(found[0].func) or "").rsplit(".", 1)[-1]
        if len(found) == 1:
            self.report(first, self.message.format(cls=cls), replacement=add_keyword(first, "inplace", "True"))
            return
        # One finding per class, as one edit makes it (SRGAN's discriminator: eight LeakyReLUs in one
        # Sequential were eight findings, judged together): at the first, with a fix for them all.
        fixed = replace_nodes(node, {id(call): add_keyword(call, "inplace", "True") for call in found})
        lines = ", ".join(str(self.position(c).start.line) for c in found[1:])
        message = self.message.format(cls=cls) + (f"; {len(found) - 1} more such activation"
                                                  f"{'s' if len(found) > 2 else ''} in `{node.name.value}`"
                                                  f" (line{'s' if len(found) > 2 else ''} {lines}): one fix for all")
        self.report(first, message, replacement=fixed, fix_node=node)

    # An activation is only flagged where in place is provably harmless: its input is a fresh
    # tensor from a layer whose backward does not need its output (conv, linear, norm, pool,
    # dropout) or from an addition. Elsewhere (a shared input, after a sigmoid) it stays silent.
    def _safe_activations(self, cls: cst.ClassDef):
        own = list(class_nodes(cls))
        if not any(self._is_activation(n) for n in own if isinstance(n, cst.Call)):
            return  # every candidate below is an activation call of the class: none, no more walks
        tokens = any(isinstance(n, cst.Call) and self.qualified_name(n.func) in TOKEN_NORMS for n in own)
        producer = self._is_safe_layer if tokens else self._is_feature_map_layer
        for run in layer_runs(self, cls, own):
            for index, (prev, item) in enumerate(zip(run, run[1:]), start=1):
                following = run[index + 1] if index + 1 < len(run) else None
                if self._is_activation(item) and producer(prev) and not self._drops_its_input(following):
                    yield item
        bound = self_attribute_bindings(cls)
        shared = Counter(id(v) for values in bound.values() for v in values)
        for attr, values in bound.items():
            # one module bound to one attribute (`self.a = self.b = nn.ReLU()` may be used anywhere)
            if len(values) == 1 and shared[id(values[0])] == 1 and self._is_activation(values[0]) \
                    and takes_fresh_input(cls, attr, producer) and not output_written_in_place(cls, attr):
                yield values[0]

    def _drops_its_input(self, node) -> bool:
        """A torch layer whose backward keeps nothing of its input (Upsample, Dropout, Flatten,
        Identity, PixelShuffle): the activation's output feeding it is not held until backward, so
        in place the activation would keep a buffer of the same size (its output) as out of place
        (its input). The end of a run (the consumer is not seen) and other layers count as keeping."""
        if not isinstance(node, cst.Call):
            return False
        qualified = self.qualified_name(node.func) or ""
        return is_torch_nn_class(qualified) and bool(DROPS_INPUT.search(qualified.rsplit(".", 1)[-1]))

    def _is_activation(self, node) -> bool:
        return isinstance(node, cst.Call) and (self.qualified_name(node.func) or "") in QUALIFIED

    def _is_safe_layer(self, node) -> bool:
        if not isinstance(node, cst.Call):
            return False
        qualified = self.qualified_name(node.func) or ""
        return is_torch_nn_class(qualified) and bool(SAFE_PRODUCER.search(qualified.rsplit(".", 1)[-1]))

    def _is_feature_map_layer(self, node) -> bool:
        """A safe producer that is not a Linear layer (see MLP_PRODUCER)."""
        return self._is_safe_layer(node) and not MLP_PRODUCER.search(
            (self.qualified_name(node.func) or "").rsplit(".", 1)[-1])

    def _flagged(self, node: cst.Call) -> bool:
        """Is this safe activation one to report (once: a run and a binding may both yield it)?"""
        if id(node) in self._seen:
            return False
        self._seen.add(id(node))
        qualified = self.qualified_name(node.func) or ""
        position = QUALIFIED[qualified]
        if has_star_args(node) or keyword_arg(node, "inplace") is not None:
            return False
        if len(positional_args(node)) > position:
            return False
        if self._small is None:  # asked only once a finding is due
            # A model trained on <= 64 px images (MNIST tutorials, 64 px VAEs and GANs): each
            # feature map is a few megabytes at most. With no image size stated the scale is
            # unknown (a 3D U-Net on 32-64 voxel crops, an audio or point-cloud net): one buffer
            # per activation is worth a line only where the feature maps are known to be large.
            self._small = stated_image_side(self) is None or small_images(self)
        return not self._small

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._seen: set[int] = set()
        self._small: bool | None = None
