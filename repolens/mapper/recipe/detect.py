"""Findings of one Python file: which call, loop or name says what about the training recipe.

Each finding carries a rank (0: the call that does it, such as `torch.optim.AdamW(...)`; 1: a
framework argument such as `Trainer(max_epochs=...)`; 2: a name that is only read, such as
`args.warmup_epochs`) so that the strongest evidence of the nearest file wins when they are merged.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from repolens.mapper.recipe.conditions import Conditions
from repolens.mapper.recipe.frameworks import FrameworkCalls
from repolens.mapper.recipe.model import RecipeValue
from repolens.mapper.recipe.names import (
    ACCUM_KWARGS,
    ACCUM_NAME,
    EPOCHS_NAME,
    ITERS_NAME,
    LIGHTNING_LOGGERS,
    LOGGERS,
    LOSS_F,
    LR_NAME,
    OPTIM_PARAMS,
    OPTIMIZERS,
    POSITIONAL,
    RANDOM_AUG,
    SAVE_FUNCS,
    SCHEDULE_FUNC,
    SCHEDULER_CLASS,
    SCHEDULERS,
    SEED_FUNC,
    SEED_QUALIFIED,
    TORCH_OPTIM_DEFAULTS,
    TRANSFORM_PREFIXES,
    WARMUP_NAME,
    short_name,
)
from repolens.mapper.recipe.resolve import Resolver
from repolens.mapper.recipe.source import SourceFile
from repolens.mapper.recipe.values import Resolved
from repolens.project.inputsizes import BATCH_NAME
from repolens.pyindex.aliases import ast_dotted_name


@dataclass(frozen=True)
class Finding:
    field: str
    rank: int
    value: RecipeValue
    train_scope: bool  # False inside evaluation / sampling / lr-finder functions





class Detector(Conditions, FrameworkCalls):
    def __init__(self, sf: SourceFile, resolver: Resolver) -> None:
        self.sf = sf
        self.resolver = resolver
        self.found: list[Finding] = []

    # -- helpers --------------------------------------------------------------------------------
    def add(self, field: str, rank: int, node: ast.AST, value: str, written: str, source: str = "literal",
            value_at: str | None = None) -> None:
        if self._imported_demo(node):
            return
        when, holds, choice = self._when(node)
        rv = RecipeValue(value, written, self.sf.loc(node), source, value_at, when)
        if holds is False and choice:
            return  # an alternative not taken with these values: `if args.optimizer == "sgd"` when it is adamw
        if holds is False:
            rank += 3  # an opt-in feature that is off by default (`if args.amp:`): said, with its condition
        self.found.append(Finding(field, rank, rv, self._train_scope(node)))

    def add_resolved(self, field: str, rank: int, node: ast.AST, expr: ast.expr, prefix: str = "") -> Resolved:
        got = self.resolver.resolve(self.sf, expr)
        written = self.sf.segment(expr)
        value = got.value if got.value is not None else written
        self.add(field, rank, node, prefix + value, written, got.source, got.at)
        return got

    # -- the walk -------------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        for node in ast.walk(self.sf.tree):
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.For):
                self._for(node)
            elif isinstance(node, ast.If):
                self._accumulation_if(node)
            elif isinstance(node, ast.Assign):
                self._assign(node)
            elif isinstance(node, (ast.Attribute, ast.Name, ast.Subscript)) and isinstance(getattr(node, "ctx", None), ast.Load):
                self._read(node)
        return self.found

    def _call(self, node: ast.Call) -> None:
        q = self.sf.qualify(node.func)
        last = short_name(q) if q else (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        kws = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        if not last:
            return
        if q.startswith("torch.optim.") and "lr_scheduler" not in q and last[:1].isupper() or last in OPTIMIZERS:
            self._optimizer(node, last, kws)
        elif last in ("create_optimizer", "create_optimizer_v2") or q.endswith("optim.create_optimizer"):
            opt = kws.get("opt") or kws.get("optimizer_name")
            if opt is not None:
                self.add_resolved("optimizer", 0, node, opt, "timm ")
                self._optim_params(node, kws, None)
            elif not self._from_namespace(node, {"opt": "optimizer", "lr": "lr", "weight_decay": "weight_decay",
                                                 "opt_betas": "betas", "momentum": "momentum"}, "timm "):
                self.add("optimizer", 0, node, f"{last}(...)", self.sf.segment(node))
        elif "lr_scheduler" in q and last[:1].isupper() or last in SCHEDULERS or SCHEDULER_CLASS.match(last) \
                and "optim" in self.sf.segment(node.args[0] if node.args else kws.get("optimizer", node.func), 40):
            self.add("lr_schedule", 0, node, last, self.sf.segment(node))
            linear_first = last == "LinearLR" and isinstance(self.sf.parents.get(id(node)), (ast.List, ast.Tuple))
            self._warmup(node, kws, last, linear_first or "warmup" in last.lower())
        elif last in ("create_scheduler", "create_scheduler_v2") and self._from_namespace(
                node, {"sched": "lr_schedule", "warmup_epochs": "warmup", "epochs": "epochs"}, "timm "):
            pass
        elif SCHEDULE_FUNC.match(last) and self._about_lr(node, last):
            self.add("lr_schedule", 0, node, self._schedule_shape(last), self.sf.segment(node))
            self._warmup(node, kws, last, "warmup" in last)
        elif last in ("DataLoader",) or q.endswith(".DataLoader"):
            self._dataloader(node, kws)
        elif q in SEED_QUALIFIED or SEED_FUNC.match(last) or last == "manual_seed":
            arg = node.args[0] if node.args else kws.get("seed")
            if arg is not None:
                self.add_resolved("seed", 0, node, arg)
            else:
                self.add("seed", 0, node, f"{last}()", self.sf.segment(node))
        elif q.endswith(("autocast", "amp.autocast")) or last == "autocast":
            dtype = kws.get("dtype") or (node.args[1] if len(node.args) > 1 else None)
            text = f"autocast ({self.sf.segment(dtype)})" if dtype is not None else "autocast"
            self.add("precision", 0, node, text, self.sf.segment(node))
        elif last == "GradScaler":
            self.add("precision", 0, node, "GradScaler (fp16 loss scaling)", self.sf.segment(node))
        elif q in ("torch.compile",) or (last == "compile" and q.startswith("torch")):
            self.add("compile", 0, node, "torch.compile", self.sf.segment(node))
        elif last in ("DistributedDataParallel", "DDP") or last in ("FullyShardedDataParallel", "FSDP", "fully_shard"):
            kind = "DDP" if last in ("DistributedDataParallel", "DDP") else "FSDP"
            self.add("distributed", 0, node, kind, self.sf.segment(node))
        elif last == "DataParallel":
            self.add("distributed", 0, node, "DataParallel", self.sf.segment(node))
        elif last == "init_process_group":
            backend = kws.get("backend") or (node.args[0] if node.args else None)
            text = "torch.distributed"
            if backend is not None:
                got = self.resolver.resolve(self.sf, backend)
                text += f" ({got.value or self.sf.segment(backend)})"
            self.add("distributed", 1, node, text, self.sf.segment(node))
        elif q.startswith("deepspeed.") and last == "initialize":
            self.add("distributed", 0, node, "DeepSpeed", self.sf.segment(node))
        elif q.startswith("horovod") and last == "init":
            self.add("distributed", 0, node, "Horovod", self.sf.segment(node))
        elif last == "Accelerator" or last == "Fabric":
            self._accelerator(node, last, kws)
        elif last == "Trainer" and (q.startswith(("lightning", "pytorch_lightning", "pl.")) or "max_epochs" in kws
                                    or "accelerator" in kws or "precision" in kws):
            self._lightning_trainer(node, kws)
        elif last in ("TrainingArguments", "Seq2SeqTrainingArguments") or last == "SFTConfig":
            self._hf_arguments(node, kws)
        elif last == "HfArgumentParser":
            self.add("optimizer", 3, node, "AdamW (HF Trainer default optim adamw_torch)", self.sf.segment(node), "library-default")
        elif last in LIGHTNING_LOGGERS and q.startswith(("lightning", "pytorch_lightning", "pl.")):
            self.add("logging", 0, node, LIGHTNING_LOGGERS[last], self.sf.segment(node))
        elif last == "ModelCheckpoint":
            self.add("checkpointing", 0, node, "ModelCheckpoint", self.sf.segment(node))
        elif q == "torch.save" or last in SAVE_FUNCS:
            self.add("checkpointing", 0, node, q if q == "torch.save" else last, self.sf.segment(node, 80))
        elif last == "Compose" or q.endswith("create_transform") or last in ("Mixup", "RandAugment", "TrivialAugmentWide", "AutoAugment") and not self._inside_compose(node):
            self._augmentations(node, last, kws)
        elif self._loss(node, q, last):
            pass
        else:
            self._logger_call(node, q, last)
        for name in ACCUM_KWARGS:
            if name in kws and last not in ("Accelerator", "Trainer", "TrainingArguments", "Seq2SeqTrainingArguments"):
                self.add_resolved("grad_accumulation", 1, node, kws[name], f"{name}=")

    def _schedule_shape(self, name: str) -> str:
        """A project's own schedule function, with the shape its body computes when it says so:
        `adjust_learning_rate (cosine)` when it calls `cos`, `(step)` for `gamma ** n` decay."""
        found = self.resolver.definition(name)
        if found is None or "cos" in name:
            return name
        calls = {short_name(found[0].qualify(n.func)) for n in ast.walk(found[1]) if isinstance(n, ast.Call)}
        if "cos" in calls:
            return f"{name} (cosine)"
        if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(found[1])):
            return f"{name} (step / exponential decay)"
        return name

    def _about_lr(self, node: ast.Call, last: str) -> bool:
        """A schedule-like function that schedules the learning rate: its name says lr, it gets the
        optimizer, or its result is stored as one (`lr_schedule = cosine_scheduler(...)`). A
        diffusion model's `get_named_beta_schedule` does none of these."""
        if last == "get_lr" and not node.args and isinstance(node.func, ast.Attribute):
            return False  # scheduler.get_lr(): reading it, not making one
        if re.search(r"lr|learning_rate", last):
            return True
        args = " ".join(self.sf.segment(a, 60) for a in [*node.args, *(kw.value for kw in node.keywords)])
        return bool(re.search(r"optim|\bopt\b", args) or re.search(r"lr|learning_rate", self._target_name(node), re.I))

    def _warmup(self, node: ast.Call, kws: dict[str, ast.expr], last: str, named: bool) -> None:
        """A scheduler's warm-up: its `*warmup*` argument (`num_warmup_steps=args.warmup_steps`), else
        the second positional argument of a `*_with_warmup` function, else its name says it."""
        arg = next((v for k, v in kws.items() if "warmup" in k.lower()), None)
        if arg is None and named and last.startswith("get_") and len(node.args) > 1:
            arg = node.args[1]
        if arg is not None:
            self.add_resolved("warmup", 0, node, arg)
        elif named:
            self.add("warmup", 0, node, last, self.sf.segment(node))

    def _inside_compose(self, node: ast.AST) -> bool:
        cur = self.sf.parents.get(id(node))
        while cur is not None and not isinstance(cur, ast.stmt):
            if isinstance(cur, ast.Call) and short_name(self.sf.qualify(cur.func)) == "Compose":
                return True
            cur = self.sf.parents.get(id(cur))
        return False

    def _optimizer(self, node: ast.Call, last: str, kws: dict[str, ast.expr]) -> None:
        if last in ("Optimizer", "AveragedModel", "SWALR") or last.endswith(("Scheduler", "Closure")):
            return
        self.add("optimizer", 0, node, last, self.sf.segment(node, 80))
        self._optim_params(node, kws, last)

    def _optim_params(self, node: ast.Call, kws: dict[str, ast.expr], cls: str | None) -> None:
        for name, arg in zip(POSITIONAL.get(cls or "", ("params", "lr")), node.args):
            if name in OPTIM_PARAMS and name not in kws:
                kws = {**kws, name: arg}  # Adam(params, lr, betas, eps, weight_decay), as torch orders them
        has_star = any(kw.arg is None for kw in node.keywords)
        groups = self._param_groups(node)
        for name in OPTIM_PARAMS:
            if name in kws:
                self.add_resolved(name, 0, node, kws[name])
            elif groups and name in groups:
                self.add_resolved(name, 0, groups[name], groups[name], "param group ")
            elif cls in TORCH_OPTIM_DEFAULTS and name in TORCH_OPTIM_DEFAULTS[cls] and not has_star and groups is not None:
                self.add(name, 2, node, TORCH_OPTIM_DEFAULTS[cls][name], f"{cls} default", "library-default")

    def _param_groups(self, node: ast.Call) -> dict[str, ast.expr] | None:
        """Hyperparameters set per parameter group (`[{"params": decay, "weight_decay": wd}, ...]`) in
        the function that builds the optimizer: the first group's non-zero value. None when the
        optimizer gets something other than plain parameters and no group dict is visible (its groups
        may then set anything, so the library default would be a guess)."""
        if not node.args:
            return {}
        first = node.args[0]
        out: dict[str, ast.expr] = {}
        for sub in ast.walk(self.sf.scope_of(node)):
            if isinstance(sub, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "params" for k in sub.keys):
                for k, v in zip(sub.keys, sub.values):
                    if isinstance(k, ast.Constant) and k.value in OPTIM_PARAMS and k.value not in out \
                            and self.sf.segment(v) not in ("0", "0.0"):
                        out[k.value] = v
        if out:
            return out
        plain = isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) and first.func.attr == "parameters" \
            or "param" in self.sf.segment(first, 60).lower() and "group" not in self.sf.segment(first, 60).lower()
        return {} if plain else None

    def _dataloader(self, node: ast.Call, kws: dict[str, ast.expr]) -> None:
        batch = kws.get("batch_size") or (node.args[1] if len(node.args) > 1 else None)
        if batch is None:
            return
        names = " ".join(filter(None, [self.sf.segment(node.args[0], 60) if node.args else "",
                                       self._target_name(node)] + self.sf.function_names(node)[:1])).lower()
        rank = 0 if "train" in names or "shuffle" in kws and self.sf.segment(kws["shuffle"]) != "False" else 1
        if re.search(r"val|test|eval", names) and "train" not in names:
            rank = 3
        self.add_resolved("batch_size", rank, node, batch)

    def _target_name(self, node: ast.AST) -> str:
        """What the value is stored as: `criterion = nn.X().cuda()` -> "criterion"."""
        parent = self.sf.parents.get(id(node))
        while isinstance(parent, (ast.Attribute, ast.Call)) and (
                isinstance(parent, ast.Attribute) or parent.func is node):
            node, parent = parent, self.sf.parents.get(id(parent))  # through .cuda(), .to(device)
        if isinstance(parent, ast.Assign):
            return " ".join(self.sf.segment(t, 40) for t in parent.targets)
        return ""

    def _augmentations(self, node: ast.Call, last: str, kws: dict[str, ast.expr]) -> None:
        if last != "Compose":
            self.add("augmentations", 1, node, last if last != "create_transform" else "timm create_transform",
                     self.sf.segment(node, 80))
            return
        scope = self.sf.scope_of(node)
        names: list[tuple[int, int, str]] = []
        direct = node.args[0] if node.args and isinstance(node.args[0], (ast.List, ast.Tuple)) else None
        for elt in direct.elts if direct is not None else ():
            if isinstance(elt, ast.Call):  # project transforms too: Compose([PadSquare(), DefaultAug()])
                short = short_name(self.sf.qualify(elt.func))
                if short[:1].isupper():
                    names.append((elt.lineno, elt.col_offset, short))
        for sub in ast.walk(scope if not names else node):
            if isinstance(sub, ast.Call) and sub is not node:
                q = self.sf.qualify(sub.func)
                short = short_name(q)
                if (q.startswith(TRANSFORM_PREFIXES) or q.split(".", 1)[0] in ("T", "A", "K", "transforms", "v2")) \
                        and short[:1].isupper() and short != "Compose":
                    names.append((sub.lineno, sub.col_offset, short))
        names.sort()
        listed = list(dict.fromkeys(n for *_, n in names))
        if not listed:
            return
        where = " ".join([self._target_name(node), *self.sf.function_names(node)[:1]]).lower()
        randomness = sum(1 for n in listed if RANDOM_AUG.search(n))
        rank = 0 if "train" in where or randomness else 2
        if re.search(r"val|test|eval|infer", where) and "train" not in where:
            rank = 4
        self.add("augmentations", rank, node, ", ".join(listed), f"{self.sf.segment(node.func)}([...])")

    def _loss(self, node: ast.Call, q: str, last: str) -> bool:
        if q.startswith("torch.nn.functional.") and last in LOSS_F or q.startswith("F.") and last in LOSS_F:
            self.add("loss", 0, node, f"F.{last}", self.sf.segment(node, 80))
            return True
        if (q.startswith("torch.nn.") or q.startswith("nn.")) and last.endswith("Loss"):
            self.add("loss", 0, node, last, self.sf.segment(node, 80))
            return True
        if re.match(r"^[A-Z]\w*(?:Loss|Criterion|CrossEntropy)$", last):  # timm's SoftTargetCrossEntropy too
            self.add("loss", 0, node, last, self.sf.segment(node, 80))
            return True
        if last[:1].isupper() and re.search(r"criterion|loss_fn|loss_func|lossfn", self._target_name(node), re.I):
            self.add("loss", 0, node, last, self.sf.segment(node, 80))  # `criterion = nn.CosineSimilarity(dim=1)`
            return True
        return False

    def _logger_call(self, node: ast.Call, q: str, last: str) -> None:
        for prefix, name in LOGGERS.items():
            if q == prefix or q.startswith(prefix + "."):
                if name in ("wandb", "mlflow", "Neptune", "ClearML", "Aim", "SwanLab") and last not in (
                        "init", "start_run", "Run", "init_run", "Task", "log", "log_metrics", "log_metric", "Experiment"):
                    return
                self.add("logging", 0, node, name, self.sf.segment(node, 80))
                return
        if last == "SummaryWriter":
            self.add("logging", 0, node, "TensorBoard", self.sf.segment(node, 80))
        elif q in ("csv.writer", "csv.DictWriter"):
            self.add("logging", 1, node, "CSV", self.sf.segment(node, 80))
        elif q in ("json.dumps", "json.dump") and node.args and re.search(
                r"log|stats|metric", self.sf.segment(node.args[0], 60), re.I):
            self.add("logging", 1, node, "JSON log", self.sf.segment(node, 80))
        elif q in ("logging.basicConfig", "logging.FileHandler") and self.sf.level == 0:
            self.add("logging", 2, node, "Python logging", self.sf.segment(node, 80))
        elif last in ("half",) and isinstance(node.func, ast.Attribute) and not node.args \
                and re.search(r"model|net", self.sf.segment(node.func.value, 40), re.I):
            self.add("precision", 1, node, "fp16 (model.half())", self.sf.segment(node, 80))
        elif q.endswith("amp.initialize"):
            level = next((kw.value for kw in node.keywords if kw.arg == "opt_level"), None)
            text = "apex amp" + (f" ({self.sf.segment(level)})" if level is not None else "")
            self.add("precision", 0, node, text, self.sf.segment(node, 80))
        elif last == "set_float32_matmul_precision":
            self.add("precision", 2, node, "TF32 matmul", self.sf.segment(node, 80))

    def _for(self, node: ast.For) -> None:
        if not isinstance(node.iter, ast.Call) or self.sf.qualify(node.iter.func) not in ("range", "tqdm.trange", "trange"):
            return
        target = self.sf.segment(node.target, 40).lower()
        args = node.iter.args
        if not args:
            return
        stop = args[0] if len(args) == 1 else args[1]
        start = args[0] if len(args) > 1 else None
        if "epoch" in target:
            fld = "epochs"
        elif re.fullmatch(r"(it|iter|iteration|iter_num|step|global_step|i_iter|itr|update|train_step|n_iter)", target):
            fld = "iterations"
        else:
            return
        got = self.resolver.resolve(self.sf, stop)
        written = self.sf.segment(node.iter, 80)
        value = got.value
        source, at = got.source, got.at
        if start is not None and value is not None:
            first = self.resolver.resolve(self.sf, start)
            try:
                a, b = float(first.value or ""), float(value)
                if a != 0:
                    value, source = _fmt(b - a), "computed"
            except ValueError:
                pass
        self.add(fld, 0, node, value if value is not None else self.sf.segment(stop), written, source, at)

    def _accumulation_if(self, node: ast.If) -> None:
        test = node.test
        if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.BinOp) and isinstance(test.left.op, ast.Mod)):
            return
        steps = any(isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "step"
                    and re.search(r"optim|opt\b|opt_|scaler", self.sf.segment(sub.func.value, 40), re.I)
                    for stmt in node.body for sub in ast.walk(stmt))
        if steps:
            self.add_resolved("grad_accumulation", 0, node, test.left.right)

    def _assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            # `param_group["lr"] = lr`: a schedule written by hand.
            if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and t.slice.value == "lr":
                self.add("lr_schedule", 1, node, "manual (param_group['lr'] assigned)", self.sf.segment(node, 80))
            # `torch.backends.cuda.matmul.allow_tf32 = True`
            if isinstance(t, ast.Attribute) and t.attr == "allow_tf32" and self.sf.segment(node.value) == "True":
                self.add("precision", 2, node, "TF32 matmul", self.sf.segment(node, 80))

    def _read(self, node: ast.AST) -> None:
        if isinstance(node, ast.Attribute) and isinstance(self.sf.parents.get(id(node)), ast.Attribute):
            return  # only the outermost attribute of a chain
        if isinstance(node, ast.Name) and isinstance(self.sf.parents.get(id(node)), (ast.Attribute, ast.Subscript)):
            return
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            name = node.slice.value
        else:
            return
        if isinstance(node, ast.Attribute) and (ast_dotted_name(node) or "").startswith(("torch.", "self.optimizer")):
            parent = self.sf.parents.get(id(node))
            call = self.sf.parents.get(id(parent)) if isinstance(parent, ast.keyword) else parent
            if name in ("bfloat16", "float16") and isinstance(call, ast.Call) \
                    and not self.sf.qualify(call.func).endswith("autocast"):  # autocast says it already
                self.add("precision", 1, node, name, self.sf.segment(call, 80))
            return
        low = name.lower()
        fld = None
        if WARMUP_NAME.search(low):
            fld = "warmup"
        elif EPOCHS_NAME.match(low):
            fld = "epochs"
        elif ITERS_NAME.match(low):
            fld = "iterations"
        elif BATCH_NAME.match(low):
            fld = "batch_size"
        elif ACCUM_NAME.match(low):
            fld = "grad_accumulation"
        elif low in ("amp", "use_amp", "fp16", "bf16", "mixed_precision", "half"):
            fld = "precision"
        elif LR_NAME.match(low) and not isinstance(node, ast.Name):
            fld = "lr"  # `args.lr * batch / 256` feeding a hand-written schedule
        if fld is None:
            return
        got = self.resolver.resolve(self.sf, node)  # type: ignore[arg-type]
        if got.value is None and isinstance(node, ast.Name) and fld in ("warmup", "epochs", "iterations"):
            assigned = self.resolver.assigned(self.sf, node)  # `warmup_steps = 10 * len(loader)`
            if assigned is not None:
                got = Resolved(self.sf.segment(assigned, 60), "unresolved", self.sf.loc(assigned))
        if self.sf.level > 1:
            return  # a name read two imports away says little about this run
        if isinstance(node, ast.Name) and got.value is None or got.source == "function-default":
            return  # a local loop variable, a parameter: not evidence of the recipe
        if fld in ("iterations", "epochs", "batch_size") and got.source == "literal" and got.value == "0":
            return  # `n_iter = 0`: a counter, not a count
        written = self.sf.segment(node)
        value = got.value if got.value is not None else written
        if fld == "precision":
            value = f"{name}={value}"
        self.add(fld, 2, node, value, written, got.source, got.at)





def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
