"""What a class is, by the framework base it derives from: the one table map and lint share.

A class is a Module, a Dataset, a Lightning DataModule ... because some base in its chain is one
of these qualified names (after the file's import aliases are applied). Repository classes are
followed across files by `ProjectModel.class_kind`; this table answers for everything outside.
Kinds are plain strings so that they travel through caches and JSON unchanged.
"""

from __future__ import annotations

# kinds
MODULE = "module"  # torch.nn.Module and everything built on it (LightningModule, PreTrainedModel ...)
DATASET = "dataset"  # map-style datasets, samplers, DataModules: data code
ITERABLE_DATASET = "iterable-dataset"  # a stream: no shuffle, no len()
TRANSFORM = "transform"
OPTIMIZER = "optimizer"
TRAINER = "trainer"
CONFIG = "config"
TEST = "test"
ENVIRONMENT = "environment"  # a reinforcement-learning environment or its wrapper: the RL data pipeline

# Exact qualified bases. Several spellings of one class appear because code imports it from the
# module that defines it as often as from the package that re-exports it.
_EXACT: dict[str, str] = {}


def _put(kind: str, *names: str) -> None:
    for n in names:
        _EXACT[n] = kind


_put(MODULE,
     "torch.nn.Module", "torch.nn.modules.module.Module",
     "lightning.LightningModule", "lightning.pytorch.LightningModule", "pytorch_lightning.LightningModule",
     "pytorch_lightning.core.LightningModule", "lightning.pytorch.core.LightningModule",
     "transformers.PreTrainedModel", "transformers.modeling_utils.PreTrainedModel",
     "diffusers.ModelMixin", "diffusers.models.ModelMixin", "diffusers.models.modeling_utils.ModelMixin",
     "flax.linen.Module",
     # OpenMMLab: every model class is an nn.Module underneath.
     "mmengine.model.BaseModel", "mmengine.model.BaseModule", "mmengine.model.base_model.BaseModel",
     "mmengine.model.base_module.BaseModule", "mmcv.runner.BaseModule", "mmcv.runner.base_module.BaseModule",
     "mmdet.models.detectors.BaseDetector", "timm.models.layers.Module")
# `nn.Module` / `Module` left unresolved: `nn` or `Module` came through a star import
# (`from .parts import *`), which binds them as the conventional torch names.
_put(MODULE, "nn.Module", "Module")
_put(ITERABLE_DATASET,
     "torch.utils.data.IterableDataset", "torch.utils.data.dataset.IterableDataset",
     "torch.utils.data.datapipes.datapipe.IterDataPipe", "torchdata.datapipes.iter.IterDataPipe",
     "datasets.IterableDataset")
# torch's DataLoader, by the names it is imported under (lint's DataLoader rules, the loader factories).
DATALOADER = ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader")

_put(DATASET,
     "torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset", "torch.utils.data.Sampler",
     "torch.utils.data.sampler.Sampler", *DATALOADER,
     "torchvision.datasets.VisionDataset", "torchvision.datasets.vision.VisionDataset",
     "torchvision.datasets.ImageFolder", "torchvision.datasets.DatasetFolder",
     "lightning.LightningDataModule", "lightning.pytorch.LightningDataModule",
     "pytorch_lightning.LightningDataModule", "mmengine.dataset.BaseDataset")
_put(OPTIMIZER, "torch.optim.Optimizer", "torch.optim.optimizer.Optimizer")
_put(TRAINER, "transformers.Trainer", "transformers.trainer.Trainer", "lightning.Trainer",
     "pytorch_lightning.Trainer", "mmengine.runner.Runner")
_put(CONFIG, "transformers.PretrainedConfig", "transformers.PreTrainedConfig",
     "transformers.configuration_utils.PretrainedConfig", "yacs.config.CfgNode", "omegaconf.DictConfig")

# Prefixes: a Capitalised class under these packages is of that kind.
_MODULE_PREFIXES = ("torch.nn.", "torchvision.models.", "timm.models.", "timm.layers.", "transformers.models.",
                    "torchvision.ops.")
_NOT_MODULE_PREFIXES = ("torch.nn.functional", "torch.nn.init", "torch.nn.utils", "torch.nn.parameter",
                        "torch.nn.Parameter", "torch.nn.attention")
_DATASET_PREFIXES = ("torch.utils.data.", "torchvision.datasets.", "datasets.", "torchdata.", "mmengine.dataset.")
_DATASET_SUFFIXES = ("Dataset", "Sampler", "DataLoader", "DataModule")
_TRANSFORM_PREFIXES = ("torchvision.transforms", "albumentations")
_OPTIMIZER_PREFIXES = ("torch.optim.",)
# Environment libraries of reinforcement learning: a script importing one trains on environment
# states (ProjectModel.steps_environments).
RL_ENVIRONMENT_LIBRARIES = frozenset({"gym", "gymnasium", "dm_env", "dm_control", "pettingzoo", "procgen", "vizdoom",
                                      "ale_py", "atari_py", "pybullet_envs", "mujoco", "metaworld", "minigrid"})
_ENVIRONMENT_PREFIXES = ("gym.", "gymnasium.", "stable_baselines3.common.vec_env.", "baselines.common.vec_env.")
_ENVIRONMENT_SUFFIXES = ("Env", "Wrapper", "VecEnv")


def external_kind(base: str) -> str:
    """The kind of a qualified base outside the repository, or "" when the table does not know it."""
    base = base.split("[", 1)[0]  # `Dataset[int]`: a subscripted generic base is the base itself
    kind = _EXACT.get(base)
    if kind:
        return kind
    last = base.rsplit(".", 1)[-1]
    if base.startswith(_NOT_MODULE_PREFIXES) or not last[:1].isupper():
        return ""
    if base.startswith(_DATASET_PREFIXES) and last.endswith(_DATASET_SUFFIXES):
        return ITERABLE_DATASET if last.startswith("Iterable") else DATASET
    if last.endswith("LightningDataModule"):
        return DATASET
    if base.startswith(_MODULE_PREFIXES):
        return MODULE
    if base.startswith(_TRANSFORM_PREFIXES):
        return TRANSFORM
    if base.startswith(_OPTIMIZER_PREFIXES) and "lr_scheduler" not in base:
        return OPTIMIZER
    if base.startswith(_ENVIRONMENT_PREFIXES) and last.endswith(_ENVIRONMENT_SUFFIXES):
        return ENVIRONMENT
    if base.startswith(("unittest.", "absl.testing")) and last.endswith(("TestCase", "IsolatedAsyncioTestCase")):
        return TEST
    return ""
