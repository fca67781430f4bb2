"""Which files a project writes with `torch.save`, as keys a `torch.load` can be matched against (RL501).

A `torch.load` of a file the project's own run wrote (a resume checkpoint, a dataset cache, features a
script dumped) is not the untrusted input RL501 is about. The file is named the same way on both
sides: the same path expression (`args.save`, `args.checkpoint_dir / "checkpoint.pth"`), or the same
file-name part (`os.path.join(args.dump_features, "trainfeat.pth")` saved, `os.path.join(
args.load_features, "trainfeat.pth")` loaded). Both sides compute their keys with `path_keys`, on the
stdlib `ast` (the rule converts its libcst expression), so they agree by construction.

A bare name (`torch.save(state, path)`) only matches a load of the same name in the same function of
the same file: `path` in two functions of a utils module are two different files.
"""

from __future__ import annotations

import ast
import re
from typing import Iterable, Iterator, Mapping

from repolens.lint.astscope import own_nodes
from repolens.lint.trainfacts import MODEL_PARAM_TOKENS, callee_name
from repolens.lint.words import name_tokens
from repolens.project.moduleinfo import SAME_OBJECT_METHODS, Binding
from repolens.pyindex.aliases import ast_dotted_name

# Calls that wrap a path without changing which file it names.
_PATH_WRAPPERS = frozenset({"open", "str", "Path", "fspath", "PurePath", "abspath", "expanduser", "realpath"})
_PLACEHOLDER = re.compile(r"%[-+ #0-9.]*[a-zA-Z]|\{[^}]*\}")
# The extensions a checkpoint's name ends in, stacked or not (`"{}.pth.tar"`).
_CHECKPOINT_SUFFIXES = re.compile(r"(\.(pth|pt|tar|ckpt|bin|pkl|pickle|model|t7|npy|npz|h5|state))+$")
# Names of a run's settings object (an argparse Namespace, a config object) saved in a checkpoint.
SETTINGS_NAMES = frozenset({"args", "opt", "opts", "config", "cfg", "settings", "hparams", "options"})
# Last-name words that say "a model object"; words that say "already weights / a dict" (RL502, RL501).
MODEL_WORDS = frozenset({"model", "net", "network", "netg", "netd", "generator", "discriminator", "encoder",
                         "decoder", "classifier", "backbone", "autoencoder", "vae", "unet", "policy", "critic",
                         "actor", "resnet", "vgg", "densenet", "mobilenet", "efficientnet", "vit", "transformer",
                         "lstm", "rnn", "cnn", "mlp", "gan"})
NOT_MODULE_WORDS = frozenset({"state", "dict", "sd", "ckpt", "checkpoint", "weights", "params", "parameters", "config",
                              "cfg", "args", "path", "dir", "name", "file", "optimizer", "optim", "opt", "scheduler",
                              "output", "outputs", "out", "pred", "preds", "results", "ema",
                              # data named for the model that made it (`y_mlp`: the targets an MLP
                              # produced, tabular-dl-revisiting-models; RL502 judged wrong once)
                              "x", "y", "target", "targets", "labels", "data", "features", "feats", "logits"})
# Calls that return the module they are given (a copy, a dtype or device move): `deepcopy(model).half()`.
_SAME_MODULE = SAME_OBJECT_METHODS | {"deepcopy"}
_JOINS = frozenset({"join", "joinpath"})


def _unwrap(expr: ast.expr, opened: Mapping[str, ast.expr]) -> ast.expr:
    """`open(X, "rb")`, `str(X)`, a name bound by `with open(X) as f` -> X."""
    for _ in range(4):
        if isinstance(expr, ast.Name) and expr.id in opened:
            expr = opened[expr.id]
        elif isinstance(expr, ast.Call) and callee_name(expr) in _PATH_WRAPPERS and expr.args:
            expr = expr.args[0]
        else:
            break
    return expr


def _template(expr: ast.expr) -> str | None:
    """The literal a path is made from: "x.pth", `"gen_%d.pth" % epoch`, `"gen_{}.pth".format(e)`,
    `f"model-{step}.pt"` (placeholders as written, f-string fields as `{}`)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        return _template(expr.left)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
        return _template(expr.func.value)
    if isinstance(expr, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in expr.values)  # type: ignore[misc]
    return None


def _key(expr: ast.expr, scope: str) -> str:
    template = _template(expr)
    if template is not None:
        name = _file_name(template)
        # a name with no word of its own ("%s.pth", f"{name}") says nothing about which file it is
        if _PLACEHOLDER.sub("", name.rsplit(".", 1)[0]).strip("_-. "):
            return "file:" + name
    name = concatenated_name(expr)
    if name is not None:
        return "file:" + name
    if isinstance(expr, ast.Name):
        return f"name:{scope}:{expr.id}"
    return "expr:" + ast.unparse(expr)


# Folders a training run writes into and nobody downloads weights to: TensorBoard's `runs/`, the
# `logs/` of most training scripts, Lightning's `lightning_logs/`, Hydra's `outputs/`, wandb's run folder.
RUN_OUTPUT_FOLDERS = frozenset({"logs", "log", "runs", "lightning_logs", "outputs", "output", "wandb"})


def _leading_text(expr: ast.expr) -> str | None:
    """The literal a path starts with: `"logs/x/" + name` -> "logs/x/", `os.path.join("runs", n)` ->
    "runs/", `f"logs/{p}/best.pth"` -> "logs/{}/best.pth", `Path("outputs") / n` -> "outputs/"."""
    expr = _unwrap(expr, {})
    template = _template(expr)  # a literal, `%`, `.format` or f-string ("logs/{}/best.pth")
    if template is not None:
        return template
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _leading_text(expr.left)
    first: ast.expr | None = None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        first = expr.left  # Path("outputs") / name
    elif isinstance(expr, ast.Call) and callee_name(expr) == "joinpath" and isinstance(expr.func, ast.Attribute):
        first = expr.func.value
    elif isinstance(expr, ast.Call) and callee_name(expr) == "join" and expr.args and not (
            isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Constant)):  # not "/".join
        first = expr.args[0]  # os.path.join("runs", name)
    if first is None:
        return None
    text = _leading_text(first)
    return None if text is None else text.rstrip("/") + "/"


def run_output_folder(expr: ast.expr | None) -> str | None:
    """The run-output folder a load's path starts with, written in the code (`torch.load("logs/logo/" +
    weight_file[-1])`: Yet-Another-EfficientDet's tutorial notebooks reading what their own train.py
    cell wrote), else None. A path that starts with a variable says nothing."""
    text = _leading_text(expr) if expr is not None else None
    if not text:
        return None
    parts = text.removeprefix("./").split("/")
    return parts[0] if len(parts) > 1 and parts[0] in RUN_OUTPUT_FOLDERS else None


def template_matches(saved: frozenset[str], keys: frozenset[str]) -> bool:
    """Does a literal file name among `keys` fill one of the name templates the project saves
    under (`"file:encoder_forecaster_{}.pth"` and `"file:encoder_forecaster_45000.pth"`)? Each
    placeholder stands for one or more characters other than `/`."""
    literals = [k for k in keys if k.startswith("file:") and not _PLACEHOLDER.search(k)]
    if not literals:
        return False
    for key in saved:
        if key.startswith("file:") and _PLACEHOLDER.search(key):
            pattern = re.compile("[^/]+".join(re.escape(part) for part in _PLACEHOLDER.split(key)) + "$")
            if any(pattern.match(k) for k in literals):
                return True
    return False


def _file_name(path: str) -> str:
    """The last component of a path as written (`\\` or `/`)."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _concatenation(expr: ast.expr) -> str | None:
    """The text of a path built by `+`, its variable parts as `{}` placeholders; None for no `+`."""
    if not (isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add)):
        return None
    parts: list[ast.expr] = []
    stack: list[ast.expr] = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            stack += [e.right, e.left]
        else:
            parts.append(e)
    return _PLACEHOLDER.sub("{}", "".join(t if (t := _template(p)) is not None else "{}" for p in parts))


def concatenated_name(expr: ast.expr) -> str | None:
    """The file name a path built by `+` writes, when it is the project's own naming scheme: a name
    that varies with the run (a placeholder: `args.model + '_baseline_epoch_' + str(epoch) + '.pt'`,
    outlier-exposure's per-epoch snapshots) and has a word of its own. A fixed name
    (`path + '/' + 'checkpoint.pth'`) is left out: released weights carry such names too (reading
    those was tried in the seventh session and withdrawn)."""
    text = _concatenation(expr)
    if text is None:
        return None
    name = _file_name(text)
    stem = name.rsplit(".", 1)[0]
    if "{}" in stem and stem.replace("{}", "").strip("_-. "):
        return name
    return None


def varying_name(expr: ast.expr) -> str | None:
    """The file name a path writes by the project's own scheme: one that varies with the run and has
    a word of its own, built by `+` (`concatenated_name`) or from a template (`'gen_{}.pth'.format(
    epoch)`, `"G_%d.pth" % epoch`, `f"model_{step}.pt"`: STTN's per-epoch snapshots). Released
    weights carry fixed names; a fixed name says nothing about who wrote the file."""
    name = concatenated_name(expr)
    if name is not None:
        return name
    template = _template(expr)
    if template is None:
        return None
    name = _file_name(template)
    stem = _CHECKPOINT_SUFFIXES.sub("", name)  # "{}.pth.tar" is "{}": a step number, no word of its own
    return name if _PLACEHOLDER.search(stem) and _PLACEHOLDER.sub("", stem).strip("_-. ") else None


def concatenation_matches(saved: frozenset[str], expr: ast.expr | None) -> bool:
    """Does a load's path built by `+` name a file the project saves under a template
    (`exp_dir + '/models/audio_model.' + str(epoch) + '.pth'` loaded, `"%s/models/audio_model.%d.pth"
    % (exp_dir, epoch)` saved: AST's `traintest.py`, three judged findings, none worth a change)?
    The concatenation's file name, its variable parts as placeholders, must have a word of its own
    and equal a saved name up to how the placeholders are written (`args.exp_dir +
    '/models/best_audio_model.pth'` matches a save of `"%s/models/best_audio_model.pth" % exp_dir`).
    A part may be a template itself, after a folder variable: `args.outf + 'clean_data_%s_%s.pth' %
    (net, data)` matches a save of `'%s/clean_data_%s_%s.pth' % (args.outf, net, data)` (the
    Mahalanobis detector's dumped features: four judged findings, none worth a change). A save's
    concatenation counts only with a name that varies with the run (`concatenated_name`): reading
    every concatenated *save* path was tried in the seventh session and withdrawn (a generic
    `path + '/' + 'checkpoint.pth'` then matched released weights of the same name)."""
    text = _concatenation(expr) if expr is not None else None
    if text is None:
        return False
    name = _file_name(text)
    if not _PLACEHOLDER.sub("", name.rsplit(".", 1)[0]).strip("_-. "):
        return False
    # with no `/`, a leading variable is the folder (`args.outf`, ending in one)
    names = {name, name[2:]} if "/" not in text and name.startswith("{}") else {name}
    return any(k.startswith("file:") and _PLACEHOLDER.sub("{}", k[5:]) in names for k in saved)


def path_keys(expr: ast.expr, scope: str, opened: Mapping[str, ast.expr] | None = None) -> frozenset[str]:
    """Keys of the file `expr` names: the whole path, and its last component when it is joined
    (`os.path.join(a, "x.pth")`, `a / "x.pth"`, `a.joinpath("x.pth")`). `scope`: "file.py:func.inner"
    (bare names are only comparable within one scope); `opened`: names bound by `with open(X) as f`."""
    expr = _unwrap(expr, opened or {})
    keys = {_key(expr, scope)}
    last: ast.expr | None = None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        last = expr.right
    elif isinstance(expr, ast.Call) and callee_name(expr) in _JOINS and expr.args:
        last = expr.args[-1]
    if last is not None:
        keys.add(_key(_unwrap(last, {}), scope))
    return frozenset(keys)


def scopes(tree: ast.Module) -> Iterator[tuple[str, list[ast.AST]]]:
    """Each scope of a file, as the keys name it ("" for the module, "train.inner" for a nested
    function; methods by their own names), with its own nodes (not those of nested scopes)."""
    stack: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
    while stack:
        name, body = stack.pop()
        own = list(own_nodes(body))
        for node in own:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.append((f"{name}.{node.name}" if name else node.name, node.body))
            elif isinstance(node, ast.ClassDef):
                stack.append((name, node.body))  # methods are scoped by their own names
        yield name, own


def callers_pass_saved(tree: ast.Module, rel: str, function: str, param: str, index: int | None,
                       saved: frozenset[str]) -> bool:
    """Does every call of the module-level `function` in this file pass, for its parameter `param`
    (at position `index`, None for keyword-only), a bare name that a `torch.save` of the calling
    scope writes, or a name bound only to such names or to files joined into a folder the scope
    saves into? (`load_from_path(r_path=w_enc_path, ...)` in the `main()` that saves
    `torch.save(save_dict, w_enc_path)`: suncet's and msn's fine-tuning scripts reloading their own
    checkpoint; `load_path = os.path.join(folder, r_file) if r_file is not None else latest_path`
    where `latest_path = os.path.join(folder, ...)` is saved: their pretraining resume.) False when
    the file makes no such call, or one passes anything else."""
    seen = False
    for name, own in scopes(tree):
        calls = [node for node in own if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id == function]
        if not calls:
            continue
        scope = f"{rel}:{name}"
        paths = path_names(own)
        # the folders this scope saves into: `latest_path = os.path.join(folder, ...)`, then
        # `torch.save(state, latest_path)`
        folders = {ast.unparse(value.args[0]) for key, value in paths.items()
                   if isinstance(value, ast.Call) and callee_name(value) in _JOINS and value.args
                   and path_keys(ast.Name(id=key), scope) & saved}

        def own_file(value: ast.expr) -> bool:
            """A name this scope saves to, a file joined into a folder it saves into, or either."""
            if isinstance(value, ast.Name):
                return bool(path_keys(value, scope) & saved)
            if isinstance(value, ast.IfExp):
                return own_file(value.body) and own_file(value.orelse)
            return isinstance(value, ast.Call) and callee_name(value) in _JOINS and bool(value.args) \
                and ast.unparse(value.args[0]) in folders

        for call in calls:
            arg = next((k.value for k in call.keywords if k.arg == param), None)
            if arg is None and index is not None and index < len(call.args) \
                    and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
                arg = call.args[index]
            if not isinstance(arg, ast.Name):
                return False
            # or a name bound to such paths (`load_path = None`, then `load_path = os.path.join(folder,
            # r_file) if r_file is not None else latest_path`: suncet's and msn's pretraining resume)
            bindings = [n.value for n in own if isinstance(n, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == arg.id for t in n.targets)
                        and not (isinstance(n.value, ast.Constant) and n.value.value is None)]
            if not (own_file(arg) or bindings and all(own_file(b) for b in bindings)):
                return False
            seen = True
    return seen


# Calls that make a folder that lives only as long as this run.
_TEMP_DIRS = frozenset({"TemporaryDirectory", "mkdtemp"})
# Calls that name files under the folder (or a list of them) they are given first.
_UNDER = frozenset({"join", "joinpath", "glob", "iglob", "Path", "str", "sorted", "list", "enumerate", "reversed",
                    "tqdm"})
# A function that fetches or unpacks anything fills its temporary folder from elsewhere (NeMo's
# `restore_from` unpacks the user's `.nemo` archive into one, then loads the weights inside).
_FROM_ELSEWHERE = ("download", "urlretrieve", "urlopen", "requests.", "wget", "load_url", "unpack", "extractall",
                   "tarfile", "zipfile")


def in_temporary_directory(function: ast.FunctionDef | ast.AsyncFunctionDef, expr: ast.expr) -> bool:
    """Does `expr` name a file under a temporary folder this function made (`with
    tempfile.TemporaryDirectory() as tmp`, `tmp = tempfile.mkdtemp()`), through names bound once,
    loop targets and path-building calls (`os.path.join(tmp, ...)`, `glob.glob(pattern)`, `for f in
    files`)? Such a file is one this run wrote minutes ago (FastChat's `apply_delta_low_cpu_mem`
    reloading the shards it split into two temporary folders: 3 judged findings, none worth a
    change). Not when the function downloads or unpacks anything: a file fetched or extracted into
    a temporary folder is still from elsewhere."""
    if any(word in ast.unparse(function) for word in _FROM_ELSEWHERE):
        return False
    temporary: set[str] = set()
    bound: dict[str, list[ast.expr]] = {}
    for node in own_nodes(function.body):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name) and isinstance(item.context_expr, ast.Call) \
                        and callee_name(item.context_expr) in _TEMP_DIRS:
                    temporary.add(item.optional_vars.id)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound.setdefault(node.targets[0].id, []).append(node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            targets = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(node.iter)

    def under(e: ast.expr, depth: int) -> bool:
        if depth > 8:
            return False
        if isinstance(e, ast.Name):
            if e.id in temporary:
                return True
            values = bound.get(e.id, [])
            if len(values) == 1 and isinstance(values[0], ast.Call) and callee_name(values[0]) in _TEMP_DIRS:
                return True
            return len(values) == 1 and under(values[0], depth + 1)
        if isinstance(e, ast.Subscript):
            return under(e.value, depth + 1)
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Div):
            return under(e.left, depth + 1)
        if isinstance(e, ast.Call) and callee_name(e) in _UNDER:
            if callee_name(e) == "joinpath" and isinstance(e.func, ast.Attribute):
                return under(e.func.value, depth + 1)
            return bool(e.args) and under(e.args[0], depth + 1)
        return False

    return under(expr, 0)


def path_names(nodes: list[ast.AST]) -> dict[str, ast.expr]:
    """`latest = osp.join(weights_to, "latest.pt")` in a scope: latest -> the path it names (its
    last such binding), so that `torch.save(checkpoint, latest)` writes "latest.pt"."""
    out: dict[str, ast.expr] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            joined = isinstance(value, ast.Call) and callee_name(value) in _JOINS
            if joined or _template(value) is not None or isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div):
                out[node.targets[0].id] = value
    return out


def opened_files(nodes: list[ast.AST]) -> dict[str, ast.expr]:
    """`with open(X, ...) as f` in a scope: f -> X."""
    out: dict[str, ast.expr] = {}
    for node in nodes:
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name) and isinstance(item.context_expr, ast.Call) \
                        and callee_name(item.context_expr) == "open" and item.context_expr.args:
                    out[item.optional_vars.id] = item.context_expr.args[0]
    return out


def reads_as_module(dotted: str) -> bool:
    """`model`, `self.netG`, `encoder`: a dotted name that reads as a module object, not as weights or
    outputs; `model.module` is the module a DistributedDataParallel wraps."""
    if dotted.endswith(".module"):
        dotted = dotted[: -len(".module")]
    tokens = set(name_tokens(dotted.rsplit(".", 1)[-1]))
    return bool(tokens & MODEL_WORDS) and not tokens & NOT_MODULE_WORDS


def _pickles_object(value: ast.expr, bound: Mapping[str, ast.expr]) -> bool:
    """A checkpoint value that is an object `weights_only=True` refuses: the run's settings (`opt`,
    `args`), a module (`model`, `deepcopy(model.module if ddp else model).half()`), or a NumPy
    array (`np.cov(features)`, also through a name the scope binds to one: FID statistics)."""
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, ast.Name) and isinstance(bound.get(v.id), ast.Call) and _numpy_call(bound[v.id]):
            return True
        if isinstance(v, ast.IfExp):
            todo += [v.body, v.orelse]
        elif isinstance(v, ast.Call):
            if _numpy_call(v):
                return True
            func = v.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _SAME_MODULE:
                todo.append(func.value if isinstance(func, ast.Attribute) and name != "deepcopy"
                            else v.args[0] if v.args else v)
        elif isinstance(v, (ast.Name, ast.Attribute)):
            if isinstance(v, ast.Name) and _plain_dict(bound.get(v.id)):
                continue  # `config = {k: globals()[k] for k in keys}` (llama2.c): a dict of values, no object
            dotted = ast.unparse(v)
            if dotted.rsplit(".", 1)[-1].lower() in SETTINGS_NAMES or reads_as_module(dotted):
                return True
    return False


def _plain_dict(value: ast.expr | None) -> bool:
    """A dict display or comprehension, `dict(...)` or `vars(args)`: settings as a dict, which
    `weights_only=True` loads (its values are the command line's strings and numbers)."""
    return isinstance(value, (ast.Dict, ast.DictComp)) or (isinstance(value, ast.Call) and callee_name(value) in ("dict", "vars"))


def _numpy_call(call: ast.Call) -> bool:
    return ast.unparse(call.func).startswith(("np.", "numpy."))


def _object_checkpoint_keys(saved: ast.expr, own: list[ast.AST]) -> set[str]:
    """Keys of the saved dict (a literal, `dict(k=v)`, or a name this scope binds to one) whose value
    pickles an object (`{"settings": opt}`, `{"model": deepcopy(model).half()}`, `dict(mean=mean)`
    with `mean = np.mean(features, 0)`): what a load reads under such a key is an object
    `weights_only=True` cannot load."""
    bound = {t.id: n.value for n in own if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    if isinstance(saved, ast.Name) and isinstance(bound.get(saved.id), (ast.Dict, ast.Call)):
        saved = bound[saved.id]
    if isinstance(saved, ast.Call) and isinstance(saved.func, ast.Name) and saved.func.id == "dict" and not saved.args:
        items = [(k.arg, k.value) for k in saved.keywords if k.arg is not None]
    elif isinstance(saved, ast.Dict):
        items = [(k.value, v) for k, v in zip(saved.keys, saved.values)
                 if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    else:
        return set()
    return {key for key, v in items if _pickles_object(v, bound)}


def _bound_here(own: list[ast.AST], outer: list[ast.AST], function: str) -> set[str]:
    """The names the nested function `function` binds itself: its parameters (read off its `def`
    among the outer scope's nodes), assigned, loop or `with` targets, `global` / `nonlocal` names."""
    out: set[str] = set()
    for node in outer:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
            out.update(a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg))
    for node in own:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
    return out


def saved_files(tree: ast.Module, rel: str, is_save) -> tuple[frozenset[str], bool, frozenset[str]]:  # type: ignore[no-untyped-def]
    """(keys of every file `torch.save` writes in this file, whether one saves a list/tuple bundle,
    keys of saved dicts that also pickle an object: the run's settings or a module). A save in a
    nested function of a name it does not bind itself is also a save of the enclosing function's
    name and of the path bound to it there (a closure).

    `is_save(call)`: is this call `torch.save` (the caller resolves the file's import aliases)."""
    keys: set[str] = set()
    settings: set[str] = set()
    bundle = False
    every = list(scopes(tree))
    by_name: dict[str, list[ast.AST]] = {}  # the enclosing function of a closure, by scope name
    for name, own in every:  # methods of two classes may share a scope name: both count
        by_name.setdefault(name, []).extend(own)
    for name, own in every:
        opened = opened_files(own)
        paths = path_names(own)
        outer = name.rsplit(".", 1)[0] if "." in name else None
        bound = _bound_here(own, by_name[outer], name.rsplit(".", 1)[1]) if outer in by_name else set()
        for node in own:
            if isinstance(node, ast.Call) and node.args and is_save(node):
                target = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "f"), None)
                if target is not None:
                    keys |= path_keys(target, f"{rel}:{name}", opened)
                    if isinstance(target, ast.Name) and target.id in paths:  # and the path it was given
                        keys |= path_keys(paths[target.id], f"{rel}:{name}", opened)
                    # a closure saving a name of the function around it (msn's `save_checkpoint()`
                    # inside `main()`, `torch.save(save_dict, latest_path)`): that function's file
                    if isinstance(target, ast.Name) and target.id not in bound and outer in by_name:
                        outer_paths = path_names(by_name[outer])
                        if target.id in outer_paths:
                            keys |= path_keys(target, f"{rel}:{outer}")
                            keys |= path_keys(outer_paths[target.id], f"{rel}:{outer}")
                bundle = bundle or isinstance(node.args[0], (ast.List, ast.Tuple))
                settings |= _object_checkpoint_keys(node.args[0], own)
    return frozenset(keys), bundle, frozenset(settings)


def saving_parameters(tree: ast.Module, rel: str, keys: frozenset[str], bindings: Iterable[Binding]) -> frozenset[str]:
    """The parameters this file's module-level functions and classes save to, as
    "callable:param:index" (`index`: the position a caller fills, -1 for keyword-only): a function
    whose own scope writes `torch.save(state, model_save_dir)` to its parameter (Pyraformer's
    `train(model, optimizer, scheduler, opt, model_save_dir)`), or a class whose `__init__` keeps a
    parameter (`self.ckpt = ckpt`, as the project model records it: `ModuleInfo.bindings`) that its
    code saves to (`torch.save(..., self.ckpt)`: OpenNRE's `SentenceRE(..., ckpt=ckpt)`). `keys`:
    this file's `saved_files` keys."""
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for param, index in _parameters(node, skip=0):
                if f"name:{rel}:{node.name}:{param}" in keys:
                    out.add(f"{node.name}:{param}:{index}")
        elif isinstance(node, ast.ClassDef):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            if init is None:
                continue
            params = dict(_parameters(init, skip=1))
            for b in bindings:
                param = b.value.removeprefix("param:")
                if b.owner == node.name and b.value.startswith("param:") and param in params \
                        and init.lineno <= b.line <= (init.end_lineno or init.lineno) and f"expr:self.{b.attr}" in keys:
                    out.add(f"{node.name}:{param}:{params[param]}")
    return frozenset(out)


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, skip: int) -> list[tuple[str, int]]:
    """(name, the position a caller fills, -1 for keyword-only) of a function's parameters, the
    first `skip` positional ones (`self`) left out."""
    positional = [*function.args.posonlyargs, *function.args.args][skip:]
    return [(a.arg, i) for i, a in enumerate(positional)] + [(a.arg, -1) for a in function.args.kwonlyargs]


def handed_names(tree: ast.Module) -> frozenset[str]:
    """"scope<TAB>callee as written<TAB>keyword or ''<TAB>position or -1<TAB>name" for each bare name
    a call of this file passes: what `saving_parameters` of the callee may say is a file it saves
    (`handed_to_savers`)."""
    out: set[str] = set()
    for scope, own in scopes(tree):
        for node in own:
            callee = ast_dotted_name(node.func) if isinstance(node, ast.Call) else None
            if not callee:
                continue
            for i, arg in enumerate(node.args):  # type: ignore[attr-defined]
                if isinstance(arg, ast.Starred):
                    break
                if isinstance(arg, ast.Name):
                    out.add(f"{scope}\t{callee}\t\t{i}\t{arg.id}")
            for keyword in node.keywords:  # type: ignore[attr-defined]
                if keyword.arg and isinstance(keyword.value, ast.Name):
                    out.add(f"{scope}\t{callee}\t{keyword.arg}\t-1\t{keyword.value.id}")
    return frozenset(out)


def handed_to_savers(handed: Mapping[str, frozenset[str]], saving: Mapping[str, frozenset[str]],
                     resolve) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """Keys (`path_keys` of a bare name) of the names each file hands to a project function or
    class that saves to that parameter (`saving_parameters`): the file that hands `ckpt` to
    `SentenceRE(..., ckpt=ckpt)` and then loads `torch.load(ckpt)` reads what the framework wrote
    (OpenNRE's examples), and so does a function whose callers pass the name they hand to
    `train(..., model_save_dir)` (Pyraformer's `evaluate`). `handed`: rel -> `handed_names`;
    `saving`: rel -> `saving_parameters`; `resolve(callee, rel)`: the (rel, name) a callee as
    written in `rel` stands for, or None."""
    keys: set[str] = set()
    owners = {entry.split(":", 1)[0] for params in saving.values() for entry in params}
    for rel, entries in handed.items():
        for entry in entries:
            scope, callee, keyword, index, name = entry.split("\t")
            if callee.rsplit(".", 1)[-1] not in owners:  # resolve only what may name a saver (not `as` aliases)
                continue
            found = resolve(callee, rel)
            params = saving.get(found[0]) if found is not None else None
            if not params:
                continue
            for saved in params:
                owner, param, position = saved.rsplit(":", 2)
                if owner == found[1] and (param == keyword if keyword else position == index):
                    keys.add(f"name:{rel}:{scope}:{name}")
    return frozenset(keys)


# Methods only a module answers: a loaded checkpoint that receives one holds a pickled module, which
# `weights_only=True` cannot load (RL501) and which the project saves by design (RL502).
# (`.float()`, `.to()`, `.cuda()` pass the object on: tensors answer them too.)
MODULE_METHODS = frozenset({"eval", "train", "parameters", "named_parameters", "modules", "named_modules", "children",
                            "state_dict", "fuse", "forward", "apply", "zero_grad", "requires_grad_"})


def _loaded_base(expr: ast.expr) -> ast.expr:
    """`torch.load(p)["model"].float().to(dev)` -> `torch.load(p)`: through items and the calls that
    return their receiver (`SAME_OBJECT_METHODS`)."""
    while True:
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in SAME_OBJECT_METHODS:
            expr = expr.func.value
        else:
            return expr


def _model_attribute(target: ast.expr) -> bool:
    """`self.model`, `self.net`, `self.generator`: an attribute named for a model."""
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self" \
        and any(t in MODEL_PARAM_TOKENS for t in name_tokens(target.attr))


def loads_whole_modules(tree: ast.Module, is_load) -> bool:  # type: ignore[no-untyped-def]
    """Does some scope of this file use what `torch.load` returned as a module: call it, call a
    method only a module has (`model = torch.load(f)` then `model.eval()`; yolov7's
    `torch.load(w)["model"].float().fuse().eval()`), or restore it as an attribute named for a
    model (Bayesian-Neural-Networks' `BaseNet.load`: `self.model = state_dict['model']`, beside
    `self.optimizer = state_dict['optimizer']`)? Then the project saves and loads whole
    modules by design. Names are followed within one scope (and from module level into the
    functions that do not rebind them), through items and `.to()`-like calls
    (`model = checkpoint["model"].to(device)`)."""
    scopes: list[tuple[list[ast.stmt], frozenset[str]]] = [(tree.body, frozenset())]
    while scopes:
        body, inherited = scopes.pop()
        own = list(own_nodes(body))
        rebound = {t.id for n in own if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        loaded: set[str] = set(inherited - rebound)  # a module-level `rnn = torch.load(...)` seen in functions

        def from_load(expr: ast.expr) -> bool:
            base = _loaded_base(expr)
            return (isinstance(base, ast.Call) and is_load(base)) or (isinstance(base, ast.Name) and base.id in loaded)

        for _ in range(3):  # `ckpt = torch.load(p)`, `model = ckpt["model"]`: bindings in any order
            before = len(loaded)
            for node in own:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                        and from_load(node.value):
                    loaded.add(node.targets[0].id)
            if len(loaded) == before:
                break
        for node in own:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scopes.append((node.body, frozenset(loaded) if body is tree.body else frozenset()))
            elif isinstance(node, ast.Assign) and any(_model_attribute(t) for t in node.targets) and from_load(node.value):
                return True  # `self.model = state_dict['model']`: the object restored as the model
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in MODULE_METHODS and from_load(func.value):
                    return True
                if isinstance(func, ast.Name) and func.id in loaded:
                    return True  # `rnn = torch.load(path)`, then `rnn(x, hidden)`
    return False
