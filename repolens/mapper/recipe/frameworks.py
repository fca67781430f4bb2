"""Training frameworks' own arguments: Lightning `Trainer`, Hugging Face `TrainingArguments`,
accelerate `Accelerator` / Lightning `Fabric`, timm's `create_optimizer(args, ...)`, and a
`**config["section"]` expanded from a config file. What the call leaves out is the framework's own
default, said as `library-default`."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from repolens.mapper.recipe.names import short_name, unquote

if TYPE_CHECKING:
    from repolens.mapper.recipe.resolve import Resolver
    from repolens.mapper.recipe.source import SourceFile
    from repolens.mapper.recipe.values import Resolved


class FrameworkCalls:
    """Mixed into `Detector`, which provides the file, the resolver and the two ways to record."""

    sf: SourceFile
    resolver: Resolver
    _config_hits: list[tuple[str, str, str, str]]

    def add(self, field: str, rank: int, node: ast.AST, value: str, written: str, source: str = "literal",
            value_at: str | None = None) -> None:
        raise NotImplementedError

    def add_resolved(self, field: str, rank: int, node: ast.AST, expr: ast.expr, prefix: str = "") -> Resolved:
        raise NotImplementedError

    def _from_namespace(self, node: ast.Call, names: dict[str, str], prefix: str) -> bool:
        """timm's `create_optimizer(args, model)`: the factory reads `args.opt`, `args.lr`, ...; their
        values are the namespace's (argparse defaults, the command line)."""
        if not node.args or not isinstance(node.args[0], ast.Name):
            return False
        ns = node.args[0].id
        found = False
        for attr, fld in names.items():
            got = self.resolver.values.lookup([attr], keyed=False)
            if got is None or got.value is None:
                continue
            first = fld in ("optimizer", "lr_schedule")
            self.add(fld, 0 if first else 1, node, (prefix if first else "") + unquote(got.value),
                     f"{ns}.{attr}", got.source, got.at)
            found = True
        return found

    def _accelerator(self, node: ast.Call, last: str, kws: dict[str, ast.expr]) -> None:
        self.add("distributed", 1, node, "accelerate" if last == "Accelerator" else "Lightning Fabric",
                 self.sf.segment(node, 80))
        for kw, fld, prefix in (("mixed_precision", "precision", "mixed_precision="), ("precision", "precision", "precision="),
                                ("gradient_accumulation_steps", "grad_accumulation", ""), ("log_with", "logging", "")):
            if kw in kws:
                self.add_resolved(fld, 1, node, kws[kw], prefix)

    def _config_kwargs(self, node: ast.Call, names: set[str]) -> set[str]:
        """`Trainer(**config["trainer_params"])`: the keys of that config section, as keyword arguments
        read from the config file. Returns the names it found."""
        found: set[str] = set()
        for kw in node.keywords:
            path = _config_path(kw.value) if kw.arg is None else None
            if not path:
                continue
            prefix = ".".join(path) + "."
            for key, (value, at) in self.resolver.values.configs.items():
                name = key[len(prefix):] if key.startswith(prefix) else ""
                if name in names and name not in found:
                    found.add(name)
                    self._config_hits.append((name, value, at, f"**{self.sf.segment(kw.value, 50)}"))
        return found

    def _lightning_trainer(self, node: ast.Call, kws: dict[str, ast.expr]) -> None:
        mapping = (("max_epochs", "epochs", ""), ("max_steps", "iterations", "max_steps="),
                   ("accumulate_grad_batches", "grad_accumulation", ""), ("precision", "precision", "precision="),
                   ("strategy", "distributed", "Lightning strategy="), ("logger", "logging", "logger="))
        self._config_hits: list[tuple[str, str, str, str]] = []
        from_config = self._config_kwargs(node, {kw for kw, _, _ in mapping})
        for name, value, at, written in self._config_hits:
            fld, prefix = next((f, p) for k, f, p in mapping if k == name)
            self.add(fld, 1, node, prefix + value, written, "config-file", at)
        kws = {**{k: node for k in from_config}, **kws}  # present, for the defaults below
        for kw, fld, prefix in mapping:
            if kw in kws and kw not in from_config:
                self.add_resolved(fld, 1, node, kws[kw], prefix)
        if "max_epochs" not in kws and "max_steps" not in kws:
            self.add("epochs", 3, node, "1000 (Lightning default max_epochs)", "Trainer(...)", "library-default")
        if "logger" not in kws:
            self.add("logging", 3, node, "TensorBoard or CSV (Lightning default logger)", "Trainer(...)", "library-default")
        if "enable_checkpointing" not in kws:
            self.add("checkpointing", 3, node, "last epoch (Lightning default ModelCheckpoint)", "Trainer(...)",
                     "library-default")
        if "devices" in kws and "strategy" not in kws:
            self.add_resolved("distributed", 2, node, kws["devices"], "Lightning devices=")

    def _hf_arguments(self, node: ast.Call, kws: dict[str, ast.expr]) -> None:
        mapping = (("learning_rate", "lr", ""), ("weight_decay", "weight_decay", ""), ("optim", "optimizer", ""),
                   ("lr_scheduler_type", "lr_schedule", ""), ("warmup_steps", "warmup", "warmup_steps="),
                   ("warmup_ratio", "warmup", "warmup_ratio="), ("num_train_epochs", "epochs", ""),
                   ("max_steps", "iterations", "max_steps="), ("per_device_train_batch_size", "batch_size", "per device "),
                   ("gradient_accumulation_steps", "grad_accumulation", ""), ("fp16", "precision", "fp16="),
                   ("bf16", "precision", "bf16="), ("torch_compile", "compile", "torch_compile="),
                   ("deepspeed", "distributed", "DeepSpeed "), ("fsdp", "distributed", "FSDP "), ("seed", "seed", ""),
                   ("report_to", "logging", "report_to="), ("save_strategy", "checkpointing", "save_strategy="),
                   ("save_steps", "checkpointing", "save_steps="))
        for kw, fld, prefix in mapping:
            if kw in kws:
                self.add_resolved(fld, 1, node, kws[kw], prefix)
        defaults = (("optim", "optimizer", "AdamW (HF default optim adamw_torch)"), ("learning_rate", "lr", "5e-05"),
                    ("lr_scheduler_type", "lr_schedule", "linear (HF default)"), ("num_train_epochs", "epochs", "3"),
                    ("per_device_train_batch_size", "batch_size", "8 per device"), ("seed", "seed", "42"),
                    ("weight_decay", "weight_decay", "0.0"))
        for kw, fld, value in defaults:
            if kw not in kws and not any(k.arg is None for k in node.keywords):
                self.add(fld, 3, node, value, f"{short_name(self.sf.qualify(node.func))} default", "library-default")


def _config_path(node: ast.expr) -> list[str] | None:
    """`config["trainer_params"]` / `cfg.trainer` -> ["trainer_params"]: the section a `**` expands."""
    keys: list[str] = []
    cur = node
    while True:
        if isinstance(cur, ast.Subscript) and isinstance(cur.slice, ast.Constant) and isinstance(cur.slice.value, str):
            keys.append(cur.slice.value)
            cur = cur.value
        elif isinstance(cur, ast.Attribute):
            keys.append(cur.attr)
            cur = cur.value
        else:
            break
    return list(reversed(keys)) if isinstance(cur, ast.Name) and keys else None
