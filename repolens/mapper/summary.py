"""One file, read once, reduced to the facts the map needs: a picklable `FileSummary`.

Built with the standard `ast` module (about ten times faster than libcst; the map needs no concrete
syntax) in a worker process. Everything repo-wide (which class is an nn.Module through a chain of
repo classes, who imports whom) is decided later from these summaries, in the parent.
A file that does not parse still yields a summary from its text (names, regexes), `parsed=False`.
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings
from dataclasses import dataclass, field, replace

from repolens.discover.notebook import NotebookError, NotebookSource, load_notebook
from repolens.discover.source import read_source
from repolens.project.moduleinfo import ClassInfo, ModuleInfo, module_info, unparsed_info
from repolens.pyindex.aliases import AliasTable, ast_dotted_name, is_main_guard

# Call-site facts: which verbs of a training / evaluation program a file uses.
_OPTIM_RECEIVER = re.compile(r"optim|opt$|^opt|solver", re.I)
_MODELISH_RECEIVER = re.compile(r"model|net|module|encoder|decoder|backbone|ema|generator|discriminator|^m$", re.I)
# `python main.py --env-name ...` inside a string: a command line the code builds (a launcher's job).
_COMMAND_STRING = re.compile(r"(?:^|[\s;&|(])python[\d.]*\s+(?:-u\s+)?([\w./-]+\.py)\b")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,80}")
_NAME_LITERALS = 200
_TRAIN_FUNCTION = re.compile(r"^_?train(?:_\w+)?$")
_EVAL_FUNCTION = re.compile(r"^_?(?:test|val|valid|validate|eval|evaluate)_(?:epoch|one_epoch|step)$")
_RUNNER_RECEIVER = re.compile(r"trainer|runner|engine|learner|^fabric$|^agent$|^algo$", re.I)
_TEXT_FEATURES = {
    "backward": re.compile(r"\.backward\("),
    "optimizer_step": re.compile(r"optim\w*\.step\(|opt\w*\.step\("),
    "zero_grad": re.compile(r"\.zero_grad\("),
    "no_grad": re.compile(r"no_grad\(|inference_mode\("),
    "eval_call": re.compile(r"\.eval\(\)"),
    "main_guard": re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]""", re.M),
    "argparse": re.compile(r"\bargparse\b|ArgumentParser\("),
    "nn_module_text": re.compile(r"\(\s*(?:nn\.)?Module\s*\)"),
    "dataset_text": re.compile(r"\(\s*(?:data\.)?(?:Iterable)?Dataset\s*\)"),
    "getitem": re.compile(r"def\s+__getitem__"),
    "forward": re.compile(r"def\s+forward\s*\("),
    "test_function": re.compile(r"^\s*def\s+test_\w*\(", re.M),
    "pytest": re.compile(r"^\s*import\s+pytest|^\s*from\s+pytest|unittest", re.M),
}


@dataclass(frozen=True)
class FuncInfo:
    name: str  # "main", "Trainer.fit"; "<module>" for module-level code
    line: int
    end_line: int
    uses: tuple[tuple[str, int], ...]  # (qualified dotted name, first line) of bound names it uses
    kind: str = "function"  # "function" (or method, or class body) | "variable" (a module-level registry)


@dataclass(frozen=True)
class FileSummary:
    rel: str
    kind: str  # python | notebook
    lines: int = 0
    parsed: bool = True
    problem: str | None = None
    info: ModuleInfo | None = None  # the file's part of the project model (imports, classes, bindings)
    functions: tuple[FuncInfo, ...] = ()
    features: frozenset[str] = frozenset()
    calls: tuple[str, ...] = ()  # distinct qualified callees (for optimizer / DataLoader / setup() facts)
    # String literals that name a config file or shell script: (text, line, how), how being
    # "string literal", "argparse default" or "hydra config" (config_path/config_name joined).
    path_literals: tuple[tuple[str, int, str], ...] = ()
    # String literals written as relative paths (`"../../data/"`, `"data/train.txt"`): a program
    # that reads them must run from its own folder (sub-projects' commands `cd` there).
    relative_paths: tuple[tuple[str, int], ...] = ()
    top_training_loop: int | None = None  # line of a module-level loop that calls `.backward()`
    top_assigns: int = 0  # module-level statements by kind (config files are mostly assignments)
    top_defs: int = 0
    top_other: int = 0
    top_computed: int = 0  # module-level assignments of computed values
    # the most literal settings one module-level assignment holds (`params = AttrDict(batch_size=16,
    # ...)`, `cfg = {"lr": 3e-4, ...}`), and how many command-line options the file declares
    # (`parser.add_argument(...)`): a hyperparameter table or an options module is configuration
    settings_table: int = 0
    options_declared: int = 0
    test_functions: int = 0
    docstring: str = ""
    main_guard_line: int | None = None
    text_head: str = field(default="", repr=False)  # for unparsed files: what could be read
    # Where some verbs happen: feature -> the functions ("Class.method", "main", "<module>") that
    # hold them, so a role can weigh a `no_grad` in one small helper less than a whole eval loop.
    feature_scopes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Command lines written as string literals that run a Python file (`"python main.py --lr 3e-4"`):
    # what an experiment launcher builds; the script names, in order of appearance.
    command_scripts: tuple[str, ...] = ()
    # Identifier-like string literals with their line (`default='deit_base_patch16_224'`): names a
    # registry looks up at run time (timm's `create_model(args.model)`), at most _NAME_LITERALS.
    name_literals: tuple[tuple[str, int], ...] = ()

    # The project model's record holds the file's imports and classes; the map reads them there.
    @property
    def classes(self) -> tuple[ClassInfo, ...]:
        return self.info.classes if self.info is not None else ()

    def scopes(self, feature: str) -> tuple[str, ...]:
        return next((names for f, names in self.feature_scopes if f == feature), ())

    @property
    def imports(self) -> tuple[str, ...]:
        return self.info.imports if self.info is not None else ()

    @property
    def aliases(self) -> tuple[tuple[str, str], ...]:
        return self.info.aliases if self.info is not None else ()


_BUILTINS = frozenset(dir(builtins)) | {"self", "cls"}


class _Collector(ast.NodeVisitor):
    """One walk over the tree: classes, functions with the names they use, call facts."""

    def __init__(self, table: AliasTable, bound: set[str], stars: bool = False) -> None:
        self.table = table
        self.bound = bound  # names that stand for something importable or defined here
        self.stars = stars  # unbound names may come from a `from m import *`
        self.functions: list[FuncInfo] = []
        self.features: set[str] = set()
        self.calls: set[str] = set()
        self.path_literals: list[tuple[str, int, str]] = []
        self.relative_paths: list[tuple[str, int]] = []
        self._claimed: set[int] = set()  # literals already recorded with a better "how"
        self.scoped: dict[str, list[str]] = {}  # feature -> functions that hold it
        self.command_scripts: list[str] = []
        self.name_literals: list[tuple[str, int]] = []
        self.options_declared = 0  # `parser.add_argument(...)` calls
        self._literal_names: set[str] = set()
        self._scope: list[str] = []
        self._uses: list[dict[str, int]] = [{}]  # module-level first

    # -- scopes ---------------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scope.append(node.name)
        self._uses.append({})
        for b in [*node.bases, *node.decorator_list]:
            self.visit(b)
        for stmt in node.body:
            self.visit(stmt)
        uses = self._uses.pop()
        self._scope.pop()
        if len(self._scope) == 0:
            self.functions.append(FuncInfo(node.name, node.lineno, node.end_lineno or node.lineno,
                                           tuple(uses.items())))

    def _visit_func(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._scope.append(node.name)  # `@torch.no_grad()` covers the function it decorates
        for d in node.decorator_list:
            self.visit(d)
            deco = ast_dotted_name(d.func if isinstance(d, ast.Call) else d) or ""
            if deco.rsplit(".", 1)[-1] in ("no_grad", "inference_mode"):
                self._note("no_grad")
        self._scope.pop()
        for d in node.args.defaults + node.args.kw_defaults:
            if d is not None:
                self.visit(d)
        if node.name in ("forward", "__getitem__", "training_step", "validation_step"):
            self.features.add(node.name.strip("_"))
        self._scope.append(node.name)
        self._uses.append({})
        for stmt in node.body:
            self.visit(stmt)
        uses = self._uses.pop()
        self._scope.pop()
        if len(self._scope) <= 1:  # top-level functions and methods
            qual = ".".join([*self._scope, node.name])
            self.functions.append(FuncInfo(qual, node.lineno, node.end_lineno or node.lineno,
                                           tuple(uses.items())))
        elif uses:  # nested function: its uses belong to the enclosing one
            for k, v in uses.items():
                self._uses[-1].setdefault(k, v)

    visit_FunctionDef = _visit_func
    visit_AsyncFunctionDef = _visit_func

    def _note(self, feature: str, scope: list[str] | None = None) -> None:
        """The feature, and the top-level function or method (as FuncInfo names it) that holds it."""
        self.features.add(feature)
        where = ".".join((self._scope if scope is None else scope)[:2]) or "<module>"
        names = self.scoped.setdefault(feature, [])
        if where not in names:
            names.append(where)

    # -- uses -----------------------------------------------------------------------------------
    def _use(self, node: ast.AST) -> None:
        dotted = ast_dotted_name(node)
        if not dotted:
            return
        head = dotted.partition(".")[0]
        if head in self.bound:
            q = self.table.resolve(dotted)
            if q:
                self._uses[-1].setdefault(q, node.lineno)  # type: ignore[attr-defined]
        elif self.stars and head[:1].isalpha() and head not in _BUILTINS:
            self._uses[-1].setdefault("*." + dotted, node.lineno)  # type: ignore[attr-defined]

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._use(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load) and ast_dotted_name(node):
            self._use(node)
            return  # the whole chain is one use
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str):
            return
        if id(node) not in self._claimed and _names_a_support_file(node.value):
            self.path_literals.append((node.value, node.lineno, "string literal"))
        if len(self.relative_paths) < _MAX_RELATIVE_PATHS and _RELATIVE_PATH.match(node.value):
            self.relative_paths.append((node.value, node.lineno))
        if _IDENTIFIER.fullmatch(node.value) and "_" in node.value \
                and len(self.name_literals) < _NAME_LITERALS and node.value not in self._literal_names:
            self._literal_names.add(node.value)
            self.name_literals.append((node.value, node.lineno))
        if "python" in node.value:
            for m in _COMMAND_STRING.finditer(node.value):
                if m.group(1) not in self.command_scripts:
                    self.command_scripts.append(m.group(1))

    def _note_config_arguments(self, node: ast.Call, last: str) -> None:
        """`add_argument(default="configs/a.yaml")`, `@hydra.main(config_path=..., config_name=...)`."""
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if last == "add_argument":
            value = kw.get("default")
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and _names_a_support_file(value.value):
                self.path_literals.append((value.value, value.lineno, "argparse default"))
                self._claimed.add(id(value))
        elif last in ("main", "initialize", "compose", "initialize_config_dir") and (
                "config_path" in kw or "config_name" in kw):
            folder, name = kw.get("config_path"), kw.get("config_name")
            folder_text = folder.value if isinstance(folder, ast.Constant) and isinstance(folder.value, str) else ""
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value:
                file = name.value if name.value.endswith((".yaml", ".yml")) else name.value + ".yaml"
                joined = f"{folder_text.rstrip('/')}/{file}" if folder_text else file
                self.path_literals.append((joined, node.lineno, "hydra config"))
                self._claimed.update({id(name)} | ({id(folder)} if folder is not None else set()))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        dotted = ast_dotted_name(func)
        if isinstance(func, (ast.Attribute, ast.Name)):
            self._note_config_arguments(node, func.attr if isinstance(func, ast.Attribute) else func.id)
        if dotted is None and isinstance(func, ast.Attribute):
            # `scaler.scale(loss).backward()`: judge the verb by its name, the receiver by its call.
            inner = func.value.func if isinstance(func.value, ast.Call) else func.value
            dotted = f"{ast_dotted_name(inner) or '_'}.{func.attr}"
        if dotted:
            q = self.table.resolve(dotted) or dotted
            self.calls.add(q)
            last = dotted.rsplit(".", 1)[-1]
            recv = dotted.rsplit(".", 2)[-2] if "." in dotted else ""
            if last == "step" and recv in ("scaler", "scale", "accelerator", "amp_scaler") and node.args:
                recv = ast_dotted_name(node.args[0]) or recv  # scaler.step(optimizer)
            if last == "backward":
                # A `backward` method that calls `.backward()` delegates (strategies, precision
                # plugins, autograd Functions): plumbing, not a training step.
                if not any(sc.lstrip("_").endswith("backward") for sc in self._scope):
                    self._note("backward")
            elif last == "step" and _OPTIM_RECEIVER.search(recv):
                self._note("optimizer_step")
            elif last == "zero_grad":
                self.features.add("zero_grad")
            elif last in ("no_grad", "inference_mode") or q in ("torch.no_grad", "torch.inference_mode"):
                self._note("no_grad")
            elif last == "eval" and recv and not node.args and _MODELISH_RECEIVER.search(recv):
                self.features.add("eval_call")
            elif last == "train" and recv and _MODELISH_RECEIVER.search(recv):
                self.features.add("train_call")
            elif last in ("predict", "track", "infer") and recv and _MODELISH_RECEIVER.search(recv):
                self.features.add("predict_call")
            if _TRAIN_FUNCTION.match(last) and "." not in dotted and dotted in self.bound:
                self.features.add("train_call")  # a bare `train_one_epoch(...)`, not `model.train()`
            if q.startswith("submitit."):
                self.features.add("launcher")
            if recv and _RUNNER_RECEIVER.search(recv):
                # Framework-driven programs: Lightning's trainer.fit(), mmengine's runner.train().
                # also a runner's own epoch or step (`trainer.train_epoch()`, AtlasNet's and BYOL's
                # scripts drive their Trainer class one epoch at a time)
                if last in ("fit", "train") or _TRAIN_FUNCTION.match(last) \
                        or last == "update" and recv.lower() in ("agent", "algo"):
                    self.features.add("train_launch")
                elif last in ("test", "validate", "val", "evaluate", "predict") or _EVAL_FUNCTION.match(last):
                    self.features.add("eval_launch")
            if q.startswith("torch.optim.") and "lr_scheduler" not in q:
                self.features.add("optimizer")
            elif "lr_scheduler" in q:
                self.features.add("scheduler")
            elif q.endswith("DataLoader"):
                self.features.add("dataloader")
            elif q.endswith("ArgumentParser") or q in ("fire.Fire", "hydra.main", "typer.Typer", "click.command"):
                self.features.add("cli")
            elif last == "add_argument":
                self.options_declared += 1
            elif q in ("torch.save",) or last in ("save_checkpoint",):
                self.features.add("save")
            elif q in ("torch.load", "torch.hub.load_state_dict_from_url") or last == "load_state_dict":
                self.features.add("load")
            elif q.startswith(("torch.onnx.export", "torch.jit.trace", "torch.jit.script", "torch.export.export",
                               "coremltools.convert", "onnx.save", "torch.onnx.dynamo_export")) \
                    or last in ("export_onnx", "export_torchscript"):
                self.features.add("export")
            elif last in ("InferenceSession", "Interpreter", "compile_model", "deserialize_cuda_engine",
                          "create_execution_context") or q.startswith(("tensorrt.Runtime", "openvino.Core")):
                self.features.add("inference_runtime")
            elif q in ("setuptools.setup", "distutils.core.setup", "setup"):
                self.features.add("setup_call")
            elif q.startswith(("matplotlib", "plt.")):
                self.features.add("plot")
            elif q.startswith("unittest.main") or q.startswith("pytest."):
                self.features.add("pytest")
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            d = ast_dotted_name(item.context_expr.func if isinstance(item.context_expr, ast.Call) else item.context_expr)
            if d and d.rsplit(".", 1)[-1] in ("no_grad", "inference_mode"):
                self._note("no_grad")
            if d and d.rsplit(".", 1)[-1] in ("autocast",):
                self.features.add("autocast")
        self.generic_visit(node)

    def visit_Assert(self, node: ast.Assert) -> None:
        if self._scope and self._scope[0].startswith(("test", "Test")):
            self.features.add("test_assert")
        self.generic_visit(node)


SUPPORT_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".sh", ".bash", ".slurm", ".zsh")


# `./x`, `../x`, or `word/...`: one path-like word with a slash, no scheme, not absolute.
_RELATIVE_PATH = re.compile(r"^(?:\.\.?/|[\w.-]+/)[\w./%{}-]*$")
_MAX_RELATIVE_PATHS = 16  # enough to decide where a program runs from


def _names_a_support_file(text: str) -> bool:
    """`configs/train.yaml`, `run.sh`: one path-like word that ends with a config or script suffix."""
    return 4 < len(text) < 300 and text.lower().endswith(SUPPORT_SUFFIXES) and not any(c.isspace() for c in text) \
        and "{" not in text and "*" not in text


_CONTAINER_CALLS = frozenset({"dict", "list", "tuple", "set", "frozenset", "float", "int", "str", "bool", "Path"})


def _literal_settings(value: ast.expr) -> int:
    """How many literal settings a value holds: the keys of a dict literal, or the keyword arguments
    of a call (`AttrDict(batch_size=16, lr=2e-4)`, `dict(...)`, `EasyDict({...})`), whose values are
    constants or containers of constants (`[0.0001, 0.001]`)."""
    def constant(v: ast.expr) -> bool:
        return all(isinstance(n, (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp, ast.USub, ast.Load, ast.BinOp,
                                  ast.Mult, ast.Add, ast.Sub, ast.Div, ast.Pow))
                   for n in ast.walk(v))
    if isinstance(value, ast.Dict):
        return sum(1 for k, v in zip(value.keys, value.values) if k is not None and constant(v))
    if isinstance(value, ast.Call):
        own = sum(1 for kw in value.keywords if kw.arg and constant(kw.value))
        return max([own] + [_literal_settings(a) for a in value.args if isinstance(a, ast.Dict)])
    return 0


def _is_plain_value(node: ast.AST | None) -> bool:
    """Literals, names, attribute chains, containers and `dict(a=1)`: a configuration value.

    A call of anything else (`RequirementCache("torch>=2")`) is computation, not configuration.
    """
    if node is None:
        return True
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Lambda, ast.ListComp, ast.DictComp, ast.GeneratorExp, ast.SetComp,
                            ast.Await, ast.Yield, ast.NamedExpr)):
            return False
        if isinstance(sub, ast.Call):
            name = ast_dotted_name(sub.func) or ""
            if name.rsplit(".", 1)[-1] not in _CONTAINER_CALLS and not name.endswith(("join", "getenv", "get")):
                return False
    return True


def summarize_source(rel: str, code: str, kind: str = "python", problem: str | None = None,
                     prefix: str = "", notebook: NotebookSource | None = None) -> FileSummary:
    lines = code.count("\n") + (0 if code.endswith("\n") or not code else 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old code are not our business
            tree = ast.parse(code, filename=rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return _summarize_text(rel, code, kind, lines, prefix, problem, exc, notebook)

    # The project model's record: imports, aliases (own definitions included), classes, bindings.
    info = module_info(rel, code, tree, prefix)
    table = AliasTable()  # the record's aliases are absolute already: no package to resolve against
    for name, qualified in info.aliases:
        table.add_local(name, qualified)
    top_assigns = top_defs = top_other = top_computed = settings_table = 0
    main_line = training_loop = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            settings_table = max(settings_table, _literal_settings(stmt.value))
        if training_loop is None and isinstance(stmt, (ast.For, ast.While)) and _calls_backward(stmt):
            training_loop = stmt.lineno  # a tutorial's `for epoch in ...:` at module level
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstrings
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and all(
            isinstance(t, ast.Name) and t.id.startswith("__") and t.id.endswith("__")
            for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
        ):
            continue  # `__all__`, `__version__`: module metadata, not configuration
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top_defs += 1
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _is_plain_value(stmt.value):
            top_assigns += 1
        elif is_main_guard(stmt):
            main_line = stmt.lineno
        elif isinstance(stmt, ast.If) or isinstance(stmt, ast.Try):
            continue  # import fallbacks, version switches
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            top_computed += 1  # `X = compute()`: neither configuration nor script code on its own
        else:
            top_other += 1
    bound = set(table.names)
    stars = info.star_imports
    coll = _Collector(table, bound, bool(stars))
    coll.visit(tree)
    functions = list(coll.functions)
    # Module-level registries (`_MODELS = {"resnet20": resnet20}`) are followed like functions.
    seen_funcs = {f.name for f in functions}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and stmt.targets[0].id not in seen_funcs and isinstance(stmt.value, (ast.Dict, ast.List, ast.Tuple, ast.Call, ast.Name, ast.Attribute)):
            sub = _Collector(table, bound, bool(stars))
            sub.visit(stmt.value)
            if sub._uses[0]:  # noqa: SLF001
                functions.append(FuncInfo(stmt.targets[0].id, stmt.lineno, stmt.end_lineno or stmt.lineno,
                                          tuple(sub._uses[0].items()), "variable"))  # noqa: SLF001
    if coll._uses[0]:  # noqa: SLF001 - module-level code (the __main__ guard, script bodies)
        functions.append(FuncInfo("<module>", 1, lines, tuple(coll._uses[0].items())))  # noqa: SLF001
    features = set(coll.features)
    if main_line is not None:
        features.add("main_guard")
    if any(m == "argparse" or m.startswith("argparse.") for m in info.imports):
        features.add("argparse")
    test_functions = sum(1 for f in coll.functions if f.name.rsplit(".", 1)[-1].startswith("test"))
    doc = ast.get_docstring(tree) or ""
    return FileSummary(
        rel=rel, kind=kind, lines=lines, parsed=True, problem=problem, info=info,
        functions=tuple(functions), features=frozenset(features),
        calls=tuple(sorted(coll.calls)), path_literals=tuple(coll.path_literals),
        settings_table=settings_table, options_declared=coll.options_declared,
        relative_paths=tuple(coll.relative_paths), top_assigns=top_assigns, top_defs=top_defs, top_other=top_other,
        top_computed=top_computed,
        test_functions=test_functions, docstring=doc.strip().splitlines()[0][:200] if doc.strip() else "",
        main_guard_line=main_line, top_training_loop=training_loop,
        feature_scopes=tuple((k, tuple(v)) for k, v in sorted(coll.scoped.items())),
        command_scripts=tuple(coll.command_scripts),
        name_literals=tuple(coll.name_literals),
    )


def _calls_backward(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "backward"
               for n in ast.walk(stmt))


_TEXT_CLASS = re.compile(r"^class\s+(\w+)\s*(?:\(([^)]*)\))?\s*:", re.M)
_TEXT_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)


def _syntax_where(code: str, exc: SyntaxError, notebook: NotebookSource | None) -> str:
    """" (line N)", " (cell C, line N)" for a notebook, or "" when Python gives no line."""
    line = exc.lineno
    if line is None and "\0" in code:  # "source code string cannot contain null bytes"
        line = code.count("\n", 0, code.index("\0")) + 1
    if line is None:
        return ""
    if notebook is not None:
        cell, line = notebook.locate(line)
        return f" (cell {cell + 1}, line {line})"
    return f" (line {line})"


def _summarize_text(rel: str, code: str, kind: str, lines: int, prefix: str, problem: str | None,
                    exc: BaseException, notebook: NotebookSource | None = None) -> FileSummary:
    """What can be read from a file that does not parse: regexes over its text."""
    if isinstance(exc, SyntaxError):
        why = f"does not parse: {exc.msg}{_syntax_where(code, exc, notebook)}"
        if re.search(r"^\s*print\s+[^(=\s]|^\s*exec\s+\"|except\s+\w+\s*,\s*\w+\s*:", code, re.M):
            why += "; looks like Python 2"
    else:
        why = f"does not parse: {type(exc).__name__}"
    features = {name for name, rx in _TEXT_FEATURES.items() if rx.search(code)}
    classes = []
    for m in _TEXT_CLASS.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        bases = tuple(b.strip() for b in (m.group(2) or "").split(",") if b.strip())
        classes.append(ClassInfo(m.group(1), line, line, bases, ()))
    imports = tuple(sorted({(m.group(1) or m.group(2)) for m in _TEXT_IMPORT.finditer(code)}))
    return FileSummary(
        rel=rel, kind=kind, lines=lines, parsed=False,
        problem="; ".join(p for p in (problem, why) if p),
        info=replace(unparsed_info(rel, code, tuple(classes), prefix), imports=imports),
        features=frozenset(features),
        test_functions=len(re.findall(r"^\s*def\s+test", code, re.M)),
        main_guard_line=None, text_head=code[:2000],
    )


def summarize_file(path: str, rel: str, kind: str, prefix: str = "") -> FileSummary:
    """Read and summarise one file; never raises for bad content."""
    src = read_source(path)
    if src.text is None:
        return FileSummary(rel=rel, kind=kind, parsed=False, problem=src.problem)
    code = src.text
    notebook = None
    if kind == "notebook":
        try:
            notebook = load_notebook(code)
        except NotebookError as exc:
            return FileSummary(rel=rel, kind=kind, parsed=False, problem=str(exc))
        code = notebook.code
    return summarize_source(rel, code, kind, src.problem, prefix, notebook)
