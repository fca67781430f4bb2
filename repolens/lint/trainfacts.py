"""Per-file facts for the training-entrypoint rules (RL305, RL311-RL313, RL319, RL320, RL401).

Entry-level rules judge a training script in the context of the whole project: a seed set in
`utils/seed.py` and called from `train.py` counts, a logger configured in `utils/logger.py`
counts. These facts are plain text and `ast` (no libcst), so they are cheap and cached with the
other file facts; `facts.py` merges them into the project's facts.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import Iterable, Sequence

# tag -> what in a file's text shows it. Deliberately broad: a tag present anywhere in the
# project silences the rule that asks for it (a rule is wrong when it claims something missing).
SIGNALS: dict[str, re.Pattern[str]] = {
    "seed": re.compile(r"manual_seed|seed_everything|\bset_seed\b|\bseed_all\b|random\.seed\(|init_seeds?\("
                       r"|fix_seed|setup_seed|set_random_seed|enable_full_determinism|random_seed\("),
    "scheduler": re.compile(r"sched|\[\s*[\"']lr[\"']\s*\]\s*[*/+-]?=|adjust_learning_rate|adjust_lr|update_lr"
                            r"|set_lr\b|lr_lambda|get_lr\(|\blr_policy\b|learning_rate_fn|LearningRateMonitor"
                            r"|_with_warmup|OneCycle|CosineAnnealing", re.IGNORECASE),
    "logging": re.compile(r"\blogging\.|getLogger|\blogger\b|SummaryWriter|tensorboard|\bwandb\b|\bmlflow\b"
                          r"|neptune|comet_ml|clearml|\baim\b|\bdvclive\b|csv\.writer|DictWriter|json\.dump|\.to_csv\("
                          r"|\blog_dict\(|\bself\.log\(|\bfabric\.log|\bloguru\b|CSVLogger|\.log_metrics?\(|\btrackio\b"
                          r"|\bLogger\b|add_scalar|\.log\("),
    "cudnn": re.compile(r"cudnn\.benchmark|cudnn\.deterministic|use_deterministic_algorithms|cudnn_benchmark"
                        r"|benchmark\s*=\s*True|deterministic\s*=\s*True"),
    "conv": re.compile(r"\bConv[23]d\b|torchvision\.models|from torchvision import models|timm\.create_model"
                       r"|\bresnet\d|\bResNet\b"),
    "warmup": re.compile(r"warm_?up|LinearLR|SequentialLR|ChainedScheduler|OneCycleLR|CyclicLR", re.IGNORECASE),
    "early_stop": re.compile(r"early_?stop|EarlyStopping|patience|should_stop|stop_training", re.IGNORECASE),
}
_STOCHASTIC_TEXT = re.compile(r"Dropout|BatchNorm|drop_path|DropPath|\bdropout\b|\bSyncBatchNorm\b|DropBlock")
_STOCHASTIC_NEEDLES = ("Dropout", "BatchNorm", "drop_path", "DropPath", "dropout", "DropBlock")


# Substrings without which a signal's pattern cannot match (compared case-folded for the
# IGNORECASE patterns): most files have none of them, and a substring test is far cheaper than
# the pattern's alternation tried at every position.
_SIGNAL_NEEDLES: dict[str, tuple[str, ...]] = {
    "seed": ("seed", "enable_full_determinism"),
    "scheduler": ("sched", "lr'", 'lr"', "_lr", "lr_", "learning", "warmup", "onecycle", "cosineannealing"),
    "cudnn": ("cudnn", "deterministic", "benchmark"),
    "conv": ("Conv", "torchvision", "timm", "resnet", "ResNet"),
    "warmup": ("warm", "linearlr", "sequentiallr", "chainedscheduler", "onecyclelr", "cycliclr"),
    "early_stop": ("early", "stop", "patience"),
    "logging": ("logging.", "getLogger", "logger", "SummaryWriter", "tensorboard", "wandb", "mlflow", "neptune",
                "comet_ml", "clearml", "aim", "dvclive", "csv.writer", "DictWriter", "json.dump", ".to_csv(",
                "log_dict(", "self.log(", "fabric.log", "loguru", "CSVLogger", ".log_metric", "trackio", "Logger",
                "add_scalar", ".log("),
}
_FOLDED = frozenset({"scheduler", "warmup", "early_stop"})  # the IGNORECASE patterns
# A non-overlapping patchify conv (`Conv2d(c, d, kernel_size=p, stride=p)`): a vision
# transformer's patch embedding, not a conv-net for cudnn.benchmark (RL401).
_PATCHIFY = re.compile(r"kernel_size\s*=\s*([\w.\[\]]+)\s*,\s*stride\s*=\s*\1\s*[,)]")


_IDENT_TAIL = re.compile(r"\w*")


def _code_evidence(pattern: re.Pattern[str], text: str, own_names: frozenset[str] = frozenset()) -> bool:
    """A match of `pattern` in code: not after a `#` on its line, not a patchify conv, not a
    ResNet name in `own_names` (see `signals_of`)."""
    for m in pattern.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if "#" in text[start:m.start()]:
            continue  # a comment ("initialise like nn.Conv2d") is no convolution
        if own_names and m.group()[0] in "Rr" and m.group() + _IDENT_TAIL.match(text, m.end()).group() in own_names:
            continue
        if m.group().startswith("Conv") and _PATCHIFY.search(text[m.end():m.end() + 300].split(")", 1)[0] + ")"):
            continue  # the arguments up to the first ")": a tuple kernel size keeps it a conv
        return True
    return False


def signals_of(text: str, own_names: frozenset[str] = frozenset()) -> frozenset[str]:
    """The train-signal tags `text` shows. `own_names`: names the file defines as classes or
    imports by name from a module that is not torchvision / timm. A ResNet named so is no
    evidence of a convolution by its name alone: the file's own class shows its `Conv2d` if it
    has one, and an imported one is judged in the file that defines it (RL401 follows imports).
    A tabular ResNet (Linear + BatchNorm blocks) is a ResNet by name only."""
    folded = text.casefold()
    if "\u0131" in folded:  # re's IGNORECASE also equates dotless i with i; casefold does not
        folded = folded.replace("\u0131", "i")
    found = []
    for tag, pattern in SIGNALS.items():
        needles = _SIGNAL_NEEDLES.get(tag)
        if needles is not None:
            haystack = folded if tag in _FOLDED else text
            if not any(n in haystack for n in needles):
                continue
        if (_code_evidence(pattern, text, own_names) if tag == "conv" else pattern.search(text)):
            found.append(tag)
    return frozenset(found)


def stochastic_classes_of(text: str, classes: list[tuple[str, int, int]]) -> frozenset[str]:
    """Classes whose body names Dropout / BatchNorm / drop-path: eval mode changes their output.

    `classes`: (name, first line, last line) of each class. The pattern never matches across a
    line break, so a class qualifies when one of its lines holds a match.
    """
    if not classes or not any(n in text for n in _STOCHASTIC_NEEDLES) or not _STOCHASTIC_TEXT.search(text):
        return frozenset()
    lines = text.splitlines()  # the numbering the per-class slices always used
    joined = "\n".join(lines)
    hit_lines: list[int] = []  # 0-based indices of the lines holding a match, ascending
    line = pos = 0
    for m in _STOCHASTIC_TEXT.finditer(joined):
        line += joined.count("\n", pos, m.start())
        pos = m.start()
        if not hit_lines or hit_lines[-1] != line:
            hit_lines.append(line)
    out = set()
    for name, first, last in classes:
        i = bisect.bisect_left(hit_lines, first - 1)  # 0-based line indices first-1 .. last-1
        if i < len(hit_lines) and hit_lines[i] <= last - 1:
            out.add(name)
    return frozenset(out)


def callee_name(call: ast.Call) -> str | None:
    """The name a call calls: `f(...)`, `x.f(...)` -> f; None for anything else (`fs[0](...)`)."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_mode_switch(call: ast.Call) -> bool:
    """`x.eval()` or `x.train(False)` / `x.train(mode=False)`."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "eval" and not call.args and not call.keywords:
        return True
    if func.attr == "train":
        values = [*call.args, *(k.value for k in call.keywords)]
        return len(values) == 1 and isinstance(values[0], ast.Constant) and values[0].value is False
    return False


_GRAD_OFF = frozenset({"no_grad", "inference_mode"})


def _turns_grad_off(expr: ast.expr) -> bool:
    """`torch.no_grad()`, `torch.inference_mode()` (not `inference_mode(False)`), a bare
    `@torch.no_grad` decorator, a project wrapper named for one (`smart_inference_mode`), or
    `torch.set_grad_enabled(False)`: by name, as `trainflow.is_grad_off` reads them in libcst (which
    also resolves import aliases) for the rules themselves."""
    call = expr if isinstance(expr, ast.Call) else None
    func = call.func if call is not None else expr
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    first = call.args[0] if call is not None and call.args else None
    if any(word in name for word in _GRAD_OFF):
        return not (isinstance(first, ast.Constant) and first.value is False)  # inference_mode(False)
    return name == "set_grad_enabled" and isinstance(first, ast.Constant) and first.value is False


def no_grad_callees_of(tree: ast.Module) -> frozenset[str]:
    """Names of functions called inside a `with torch.no_grad():` / `inference_mode()` block, or in
    a function decorated with one, anywhere in the file. RL304 stays silent about an evaluation
    function that some file of the project calls with gradients off (KAIR-style `model.test()` under
    the caller's `no_grad`, a `validate()` the training script wraps)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(_turns_grad_off(i.context_expr) for i in node.items):
            body = node.body
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(_turns_grad_off(d) for d in node.decorator_list):
            body = node.body
        else:
            continue
        for stmt in body:
            out.update(name for n in ast.walk(stmt) if isinstance(n, ast.Call) and (name := callee_name(n)))
    return frozenset(out)


# Words of an `if` test or a function name that say "continue a run": what is loaded there is the
# checkpoint the project's own training wrote (RL501).
RESUME_WORDS = frozenset({"resume", "resuming", "resumed", "restart", "continue"})
# Lower-case words only: `args.resume`, `resumeTraining`, `args.resume_from`, `args.auto_continue` and
# pix2pix's `opt.continue_train` (ShuffleNet-Series' `if args.auto_continue:` loading the newest
# checkpoint its own run wrote: 7 tuned findings, none worth a change). An all-capital config key
# (`opt.TRAINING.RESUME`, MPRNet's) was read too in the seventh session and withdrawn: a held-out set
# lost five findings judged worth acting on.
_WORD = re.compile(r"[A-Za-z][a-z]*")
# A name that says snapshot says it too, unless it also names someone else's weights
# (`pretrained_snapshot`): a snapshot the trainer wrote (TransUNet's and Swin-Unet's `test.py`,
# pytorch-faster-rcnn's `from_snapshot`: 3 tuned RL501 findings, none worth a change). A folder or
# epoch to start from (self-critical's `opt.start_from`, MPRNet's `load_start_epoch`: 5 not worth)
# was read too in the tenth session and withdrawn: a held-out set lost a finding judged worth.
SNAPSHOT_WORDS = frozenset({"snapshot", "snapshots"})
FOREIGN_WORDS = frozenset({"pretrained", "pretrain", "finetune", "teacher", "imagenet", "download", "downloaded"})


def says_resume(tokens: Sequence[str]) -> bool:
    """Do a name's lower-case tokens say "continue a run"?"""
    if any(t in RESUME_WORDS for t in tokens):
        return True
    return bool(SNAPSHOT_WORDS.intersection(tokens)) and not FOREIGN_WORDS.intersection(tokens)


def _says_resume(text: str) -> bool:
    return says_resume([w.lower() for w in _WORD.findall(text.replace("_", " "))])


def called_names(calls: list[ast.Call]) -> frozenset[str]:
    """The names the calls call (`f(...)`, `x.f(...)` -> f)."""
    return frozenset(name for c in calls if (name := callee_name(c)))


def resume_callees_of(tree: ast.Module, calls: list[ast.Call]) -> tuple[frozenset[str], frozenset[str]]:
    """(names of functions called when resuming, names called anywhere else) in the file: a call in
    the body of an `if` whose test says resume (`if opt.resume:`), or in a function named for it,
    is a resume call. A function some file calls only that way loads the run's own checkpoint
    (Uformer's `load_optim` / `load_start_epoch`, called under `if opt.resume:`). `calls`: every call
    of the file, as the facts pass's one walk collected them."""
    resuming: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _says_resume(ast.unparse(node.test)):
            body = node.body
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _says_resume(node.name):
            body = node.body
        else:
            continue
        resuming.update(id(n) for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Call))
    return called_names([c for c in calls if id(c) in resuming]), called_names([c for c in calls if id(c) not in resuming])


# Parameter names that hold a model (RL305's evaluation functions, `model_passes_of`).
MODEL_PARAM_TOKENS = ("model", "net", "network", "encoder", "decoder", "classifier", "backbone", "gpt", "generator")


def model_passes_of(functions, scope_calls) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """"caller>callee" for each function that hands one of its model parameters to another
    function (`def test_mode(model, L): ... test_split_fn(model, L)`), also from a closure it
    defines (CSI's `get_ood_score_func(P, model, ...)` returns `def score_func(x): return
    compute_ood_score(P, model, ...)`), from the facts pass's function nodes and the calls of each
    function's own scope."""
    out: set[str] = set()
    for function in functions:
        models = _parameters(function, MODEL_PARAM_TOKENS)
        if not models:
            continue
        scopes = [(function, models)] + [(inner, models - _parameters(inner)) for inner in ast.walk(function)
                                         if inner is not function and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope, names in scopes:
            for call in scope_calls.get(id(scope), ()):
                values = [*call.args, *(k.value for k in call.keywords)]
                name = callee_name(call)
                if name and any(isinstance(v, ast.Name) and v.id in names for v in values):
                    out.add(f"{function.name}>{name}")
    return frozenset(out)


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, tokens: Iterable[str] | None = None) -> set[str]:
    """The function's parameter names (those holding one of `tokens`, when given)."""
    args = function.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    return names if tokens is None else {n for n in names if any(t in n.lower() for t in tokens)}


def passed_on(callees: frozenset[str], passes: frozenset[str]) -> frozenset[str]:
    """`callees` (functions run after `.eval()`, or with gradients off) with every function they hand
    the model on to, and so on: SCUNet's scripts call `test_mode(model, ...)` after `model.eval()`,
    and `test_mode` tiles the image through `test_split_fn(model, ...)` (RL305 judged wrong twice
    there); CSI's eval.py runs `eval_ood_detection(P, model, ...)` under `torch.no_grad()`, which
    scores through `compute_ood_score(P, model, ...)` (RL304 judged wrong)."""
    edges: dict[str, set[str]] = {}
    for edge in passes:
        caller, _, callee = edge.partition(">")
        edges.setdefault(caller, set()).add(callee)
    found, todo = set(callees), list(callees)
    while todo:
        for callee in edges.get(todo.pop(), ()):
            if callee not in found:
                found.add(callee)
                todo.append(callee)
    return frozenset(found)


def eval_mode_callees_of(scope_calls) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """Names of functions called, in some function or at module level, after an `.eval()` switch.

    RL305 stays silent about an evaluation function that some caller anywhere in the project
    calls after putting the model in eval mode. `scope_calls`: the calls of each scope (the
    module, each function; nested functions, classes and lambdas are scopes apart), as
    `facts._Walk` collects them.
    """
    out: set[str] = set()
    for calls in scope_calls:
        switched = False
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            if _is_mode_switch(call):
                switched = True
            elif switched:
                name = callee_name(call)
                if name:
                    out.add(name)
    return frozenset(out)
