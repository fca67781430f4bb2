"""The training recipe as data: one list of findings per field, in a fixed field order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The fields, in the order every format shows them.
FIELDS: tuple[str, ...] = (
    "optimizer", "lr", "weight_decay", "betas", "momentum", "lr_schedule", "warmup",
    "epochs", "iterations", "batch_size", "grad_accumulation", "precision", "compile",
    "distributed", "seed", "logging", "checkpointing", "augmentations", "loss",
)

LABELS: dict[str, str] = {
    "optimizer": "Optimizer", "lr": "Learning rate", "weight_decay": "Weight decay", "betas": "Betas",
    "momentum": "Momentum", "lr_schedule": "LR schedule", "warmup": "Warm-up", "epochs": "Epochs",
    "iterations": "Iterations / steps", "batch_size": "Batch size", "grad_accumulation": "Gradient accumulation",
    "precision": "Precision", "compile": "torch.compile", "distributed": "Distribution", "seed": "Seed",
    "logging": "Logging", "checkpointing": "Checkpointing", "augmentations": "Augmentations", "loss": "Loss",
}

# What an absent field means for a reader, with the lint rule that used to say it file by file.
# Only the fields whose absence is worth a sentence: an absent `betas` is just absent.
ADVICE: dict[str, str] = {
    "lr_schedule": "no LR schedule: the learning rate stays constant; a warm-up plus cosine or "
                   "OneCycleLR usually trains faster and better (RL311)",
    "warmup": "no warm-up: large early updates can destabilise Adam-type optimizers and big batches (RL312)",
    "seed": "no seed: two runs give different numbers; seed torch, numpy and random (RL320)",
    "logging": "no experiment logging: nothing records the curves (TensorBoard, wandb, mlflow, CSV) (RL319)",
    "checkpointing": "no checkpointing: a crashed or finished run leaves no weights behind",
    "precision": "full fp32 precision: no autocast / GradScaler / bf16",
    "distributed": "single process: no DDP / FSDP / DataParallel / accelerate",
    "compile": "no torch.compile",
    "augmentations": "no training transform pipeline found",
}

# Where a value comes from.
SOURCES: tuple[str, ...] = (
    "literal",            # written at the call: lr=0.1
    "argparse-default",   # add_argument("--lr", default=0.1), read as args.lr
    "command",            # the entrypoint's command line (README, shell script): --lr 0.1
    "config-file",        # a YAML / JSON / Python config file the entrypoint loads
    "class-default",      # a dataclass / config class field default: lr: float = 0.1
    "dict-default",       # a dict literal of defaults: DEFAULTS = {"lr": 0.1}
    "function-default",   # a parameter default: def build(lr=0.1)
    "library-default",    # not passed: the library's own default (torch.optim.Adam lr=0.001)
    "computed",           # arithmetic on resolved numbers: args.lr * args.batch_size / 256, range(1, n + 1)
    "unresolved",         # an expression repolens does not evaluate
)


@dataclass(frozen=True)
class RecipeValue:
    """One finding for one field."""

    value: str  # what it is: "AdamW", "0.1", "TensorBoard", "RandomCrop, RandomHorizontalFlip"
    written: str  # the expression at the use site, as written: "args.lr", "torch.optim.AdamW(...)"
    evidence: str  # "train.py:120": where it is used
    source: str  # one of SOURCES
    value_at: str | None = None  # "train.py:31": where the resolved value is written, when elsewhere
    when: str | None = None  # "if args.amp (argparse default False)": the condition it runs under

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "written": self.written, "evidence": self.evidence,
                               "source": self.source}
        if self.value_at:
            out["value_at"] = self.value_at
        if self.when:
            out["when"] = self.when
        return out


@dataclass(frozen=True)
class Recipe:
    entrypoint: str  # the training entrypoint the recipe was read from
    files: tuple[str, ...]  # every file read, entrypoint first (Python files and config files)
    fields: tuple[tuple[str, tuple[RecipeValue, ...]], ...]  # FIELDS order; empty tuple = absent

    def get(self, name: str) -> tuple[RecipeValue, ...]:
        return dict(self.fields).get(name, ())

    @property
    def absent(self) -> tuple[str, ...]:
        return tuple(name for name, found in self.fields if not found)

    def to_json(self) -> dict[str, Any]:
        return {
            "entrypoint": self.entrypoint,
            "files": list(self.files),
            "fields": {name: [v.to_json() for v in found] for name, found in self.fields},
            "absent": [{"field": name, **({"advice": ADVICE[name]} if name in ADVICE else {})}
                       for name in self.absent],
        }
