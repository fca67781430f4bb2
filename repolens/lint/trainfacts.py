"""Per-file facts for the training-entrypoint rules (RL305, RL311-RL313, RL319, RL320, RL401).

Entry-level rules judge a training script in the context of the whole project: a seed set in
`utils/seed.py` and called from `train.py` counts, a logger configured in `utils/logger.py`
counts. These facts are plain text and `ast` (no libcst), so they are cheap and cached with the
other file facts; `facts.py` merges them into the project's facts.
"""

from __future__ import annotations

import ast
import re

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


def signals_of(text: str) -> frozenset[str]:
    return frozenset(tag for tag, pattern in SIGNALS.items() if pattern.search(text))


def stochastic_classes(tree: ast.AST, text: str) -> frozenset[str]:
    """Classes whose body names Dropout / BatchNorm / drop-path: eval mode changes their output."""
    if not _STOCHASTIC_TEXT.search(text):
        return frozenset()
    out = set()
    lines = text.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            body = "\n".join(lines[node.lineno - 1:node.end_lineno or node.lineno])
            if _STOCHASTIC_TEXT.search(body):
                out.add(node.name)
    return frozenset(out)


def _called_name(call: ast.Call) -> str | None:
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


def eval_mode_callees(tree: ast.AST) -> frozenset[str]:
    """Names of functions called, in some function or at module level, after an `.eval()` switch.

    RL305 stays silent about an evaluation function that some caller anywhere in the project
    calls after putting the model in eval mode.
    """
    out: set[str] = set()
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    for scope in scopes:
        calls = sorted((n for n in _own_nodes(scope) if isinstance(n, ast.Call)),
                       key=lambda c: (c.lineno, c.col_offset))
        switched = False
        for call in calls:
            if _is_mode_switch(call):
                switched = True
            elif switched:
                name = _called_name(call)
                if name:
                    out.add(name)
    return frozenset(out)


def _own_nodes(scope: ast.AST):
    """Nodes of one scope, not entering nested functions, classes or lambdas."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
