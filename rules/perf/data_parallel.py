"""RL404 data-parallel: `nn.DataParallel` instead of DistributedDataParallel."""

import libcst as cst

from repolens.lint import Example, Severity, Rule

DATA_PARALLEL = ("torch.nn.DataParallel", "torch.nn.parallel.DataParallel",
                 "torch.nn.parallel.data_parallel.DataParallel")


class DataParallel(Rule):
    """
    ## What it does
    Flags the construction of `nn.DataParallel(...)` (any spelling:
    `torch.nn.parallel.DataParallel`, an alias). `isinstance(m, nn.DataParallel)` checks and
    unwrapping code (`model.module`) are not flagged.

    ## Why is this bad?
    DataParallel runs one Python process that scatters each batch, replicates the model on every
    GPU at every forward and gathers the outputs on GPU 0: the GIL, the replication and the
    unbalanced memory of GPU 0 make it slower than DistributedDataParallel even on one machine,
    and PyTorch's docs recommend DDP instead.

    ## Example
    ```python
    import torch.nn as nn

    model = nn.DataParallel(model).cuda()
    ```

    ## Use instead
    ```python
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("nccl")            # one process per GPU, started by torchrun
    model = DDP(model.to(local_rank), device_ids=[local_rank])
    ```
    """

    code = "RL404"
    name = "data-parallel"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'DataParallel is often a deliberate single-node fallback next to DDP in real code'
    source = ("PyTorch docs, torch.nn.DataParallel: \"It is recommended to use DistributedDataParallel, instead "
              "of this class, to do multi-GPU training, even if there is only a single node\"; PyTorch Performance "
              "Tuning Guide")
    message = "nn.DataParallel is single-process and slower than DistributedDataParallel, even on one machine"
    needles = ("DataParallel",)

    valid = [
        Example("""
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

def unwrap(model):
    return model.module if isinstance(model, (nn.DataParallel, DDP)) else model

def wrap(model, rank):
    return DDP(model, device_ids=[rank])
"""),
        Example("""
from mylib import DataParallel          # not torch's

model = DataParallel(object())
"""),
    ]
    invalid = [
        Example("""
import torch.nn as nn

model = nn.DataParallel(nn.Linear(2, 2)).cuda()
"""),
        Example("""
import torch as t
from torch.nn.parallel import DataParallel as DP

a = t.nn.DataParallel(t.nn.Linear(2, 2), device_ids=[0, 1])
b = DP(t.nn.Linear(2, 2))
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.is_name(node.func, *DATA_PARALLEL):
            self.report(node)
