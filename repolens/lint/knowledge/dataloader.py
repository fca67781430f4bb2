"""`torch.utils.data.DataLoader`: its names and its positional parameters. (Dataset image sides live in
`repolens.project.inputsizes.DATASET_SIDES`.)"""

from __future__ import annotations

import libcst as cst

from typing import Any

from repolens.lint.helpers import argument, has_star_args, literal, star_kwargs
from repolens.project.frameworks import DATALOADER  # noqa: F401  (the rules import it from here)

# Libraries' subclasses of DataLoader that keep its `pin_memory=False` default: a loader built from
# one without `pin_memory=True` is not pinned (DGMC's torch_geometric loaders, the Annotated GAT's).
# Their positional parameters differ from DataLoader's: only keywords are read from them.
# PyG's samplers and mini-batch loaders are DataLoader subclasses too (old `torch_geometric.data`
# paths and the current `torch_geometric.loader` ones): OGB's node2vec / Cluster-GCN / GraphSAINT /
# NeighborSampler examples never pin (18 RL103 findings, judged not worth a change).
_PYG_LOADERS = ("DataLoader", "DenseDataLoader", "DataListLoader", "ClusterLoader", "NeighborSampler",
                "NeighborLoader", "LinkNeighborLoader", "HGTLoader", "GraphSAINTSampler", "GraphSAINTNodeSampler",
                "GraphSAINTEdgeSampler", "GraphSAINTRandomWalkSampler", "ShaDowKHopSampler", "RandomNodeSampler",
                "RandomNodeLoader")
UNPINNED_SUBCLASSES = frozenset({*(f"torch_geometric.{m}.{c}" for m in ("data", "loader") for c in _PYG_LOADERS),
                                 "dgl.dataloading.GraphDataLoader", "dgl.dataloading.DataLoader",
                                 "monai.data.DataLoader"})
# Models whose `.loader(...)` method returns such a DataLoader (`model = Node2Vec(...)`, then
# `loader = model.loader(batch_size=128, shuffle=True)`).
UNPINNED_LOADER_MODELS = frozenset(f"torch_geometric.nn.{p}{c}" for p in ("", "models.")
                                   for c in ("Node2Vec", "MetaPath2Vec"))

# DataLoader's leading positional parameters, for calls that pass them by position.
DATALOADER_POSITIONS = {"dataset": 0, "batch_size": 1, "shuffle": 2, "sampler": 3, "batch_sampler": 4,
                        "num_workers": 5, "collate_fn": 6, "pin_memory": 7}


def dataloader_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return argument(call, name, DATALOADER_POSITIONS.get(name))


def worker_setting(rule: Any, call: cst.Call) -> tuple[bool, Any] | None:
    """Does the loader load its batches in the main process (no `num_workers`, whose default is 0,
    or a literal 0), and the `**dict` that says so (a KwargsDict, or None for the call's own
    arguments)? None when it cannot be told: a non-literal `num_workers`, or a `**kwargs` the
    project model could not read whole. A dict that sets the key on some paths counts as setting it."""
    arg = dataloader_arg(call, "num_workers")
    if arg is not None:
        return (literal(arg.value) == 0, None) if isinstance(literal(arg.value), int) else None
    if not has_star_args(call):
        return True, None
    star = star_kwargs(rule, call)
    if star is None:
        return None
    workers = dict(star.keys).get("num_workers")
    return workers is None or workers.strip() == "0", star
