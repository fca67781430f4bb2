"""RL905 groupnorm-channels (opinion, off by default): GroupNorm with other than 16 channels a group."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import argument, literal

GROUPNORM = ("torch.nn.GroupNorm", "torch.nn.modules.normalization.GroupNorm")
PER_GROUP = 16


class GroupnormChannels(Rule):
    """
    ## What it does
    Flags `nn.GroupNorm(num_groups, num_channels)` when both are literal integers and
    `num_channels / num_groups` is not 16. Off by default: the seed author's preference.

    ## Why is this bad?
    The seed notes recommend Group Normalization with 16 channels per group. Wu & He (2018) found
    GroupNorm fairly insensitive to the grouping (32 groups or 16 channels a group both work on
    ResNet-50), but extreme choices degrade: one group is LayerNorm over the whole feature map, one
    channel per group is InstanceNorm, which discards contrast information.

    ## Example
    ```python
    import torch.nn as nn

    norm = nn.GroupNorm(2, 256)
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    norm = nn.GroupNorm(256 // 16, 256)
    ```
    """

    code = "RL905"
    name = "groupnorm-channels"
    severity = Severity.INFO
    tier = "opinion"
    tier_reason = "it is the seed author's opinion, documented but not a rule experts agree on"
    source = "notes.en.md, Tuning experience: \"Batch Normalization / Group Normalization (16 channels per group).\""
    message = "`GroupNorm({g}, {c})` has {per:g} channels a group; the seed recommends 16 (seed opinion)"
    needles = ("GroupNorm",)

    valid = [
        Example("""
import torch.nn as nn

a = nn.GroupNorm(16, 256)
b = nn.GroupNorm(num_groups=4, num_channels=64)
c = nn.GroupNorm(32, channels)          # not literal
"""),
        Example("""
from torch.nn import GroupNorm

n = GroupNorm(c // 16, c)
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

norm = nn.GroupNorm(2, 256)
"""),
        Example("""
from torch import nn

norm = nn.GroupNorm(num_channels=64, num_groups=32)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, *GROUPNORM):
            return
        g, c = argument(node, "num_groups", 0), argument(node, "num_channels", 1)
        if g is None or c is None:
            return
        groups, channels = literal(g.value), literal(c.value)
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (groups, channels)):
            return
        if channels != groups * PER_GROUP:
            self.report(node, self.message.format(g=groups, c=channels, per=channels / groups))
