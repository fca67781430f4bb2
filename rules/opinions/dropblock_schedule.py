"""RL906 dropblock-schedule (opinion, off by default): DropBlock with a block size other than 7 or a constant rate."""

import re

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import argument, literal
from repolens.pyindex.aliases import cst_dotted_name

DROPBLOCK = re.compile(r"^DropBlock(?:2[dD]|3[dD])?$")
# Signs that the drop rate changes during training.
SCHEDULED = re.compile(r"\.drop_prob\s*=|\bdrop_prob\s*\+?=|Scheduler|schedule", re.IGNORECASE)


class DropblockSchedule(Rule):
    """
    ## What it does
    Flags the construction of a DropBlock layer (`DropBlock2d`, `DropBlock2D`, `DropBlock`...,
    timm's or the `dropblock` package's or the project's own) when its literal `block_size` is
    not 7, or when its literal `drop_prob` is constant: nothing in the file assigns `drop_prob`
    later or mentions a scheduler. Off by default: the seed author's recipe.

    ## Why is this bad?
    The seed notes (after Ghiasi et al. 2018, "DropBlock"): the block size is best at 7x7, and the
    keep probability should decay gradually from 1 to the target over the whole of training; a
    fixed drop rate from the first step hurts early learning.

    ## Example
    ```python
    from dropblock import DropBlock2D

    drop = DropBlock2D(drop_prob=0.1, block_size=3)
    ```

    ## Use instead
    ```python
    from dropblock import DropBlock2D, LinearScheduler

    drop = LinearScheduler(DropBlock2D(drop_prob=0.0, block_size=7), start_value=0.0, stop_value=0.1,
                           nr_steps=10_000)
    ```
    """

    code = "RL906"
    name = "dropblock-schedule"
    severity = Severity.INFO
    tier = "opinion"
    tier_reason = "it is the seed author's opinion, documented but not a rule experts agree on"
    source = ("notes.en.md, Tuning experience: \"DropBlock's block size is best at 7x7; keep_prob should decay "
              "gradually from 1 to the target value over the whole of training.\"")
    needles = ("DropBlock",)

    valid = [
        Example("""
from dropblock import DropBlock2D, LinearScheduler

drop = LinearScheduler(DropBlock2D(drop_prob=0.0, block_size=7), start_value=0.0, stop_value=0.1, nr_steps=5000)
"""),
        Example("""
from timm.layers import DropBlock2d

def make(rate):
    return DropBlock2d(drop_prob=rate, block_size=7)       # rate comes from outside
"""),
    ]
    invalid = [
        Example("""
from dropblock import DropBlock2D

drop = DropBlock2D(drop_prob=0.1, block_size=3)
"""),
        Example("""
from timm.layers import DropBlock2d

drop = DropBlock2d(0.1, 7)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        name = (cst_dotted_name(node.func) or "").rsplit(".", 1)[-1]
        if not DROPBLOCK.match(name):
            return
        size = argument(node, "block_size", 1)
        size_value = literal(size.value) if size is not None else None
        if isinstance(size_value, int) and not isinstance(size_value, bool) and size_value != 7:
            self.report(size, f"`{name}` with block_size={size_value}: the seed recommends 7x7 (seed opinion)")
            return
        rate = argument(node, "drop_prob", 0)
        rate_value = literal(rate.value) if rate is not None else None
        if isinstance(rate_value, (int, float)) and not isinstance(rate_value, bool) and rate_value > 0 \
                and not SCHEDULED.search(self.context.source):
            self.report(rate, f"`{name}` with a constant drop_prob={rate_value:g}: ramp it up from 0 over "
                              "training (seed opinion)")
