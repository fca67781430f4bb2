"""Where a value used at a call comes from: the call itself, an argparse default, the entrypoint's
command line, a config file, a config class, a dict of defaults, a parameter default.

Static only: expressions are read, never evaluated, except arithmetic on numbers that all resolved
(`args.lr * args.batch_size / 256` with both defaults known). The lookup of `args.lr` does not
check that `args` really is the parser's namespace: it matches the attribute name against every
argparse option of the files read, which is what a reader does too and is wrong when two parsers
share an option name (the entrypoint's file wins).
"""

from __future__ import annotations

import ast
import operator
import re
import shlex
from dataclasses import dataclass, field

from repolens.pyindex.aliases import ast_dotted_name

Keyed = dict[str, tuple[str, str]]  # key -> (value as written, "file:line")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # lines as Python's tokenizer counts them


@dataclass(frozen=True)
class Resolved:
    value: str | None  # None: not resolved
    source: str  # see model.SOURCES
    at: str | None = None  # "file:line" of the value when it is not at the use site


@dataclass
class SourceFile:
    """One parsed Python file of the recipe, with the lookups its expressions need."""

    rel: str
    text: str
    tree: ast.Module
    aliases: dict[str, str]
    level: int
    parents: dict[int, ast.AST] = field(default_factory=dict)
    scopes: dict[int, ast.AST] = field(default_factory=dict)  # node id -> enclosing function / module
    assigns: dict[int, dict[str, list[tuple[int, ast.expr]]]] = field(default_factory=dict)  # scope -> name -> [(line, value)]
    self_assigns: dict[int, dict[str, list[tuple[int, ast.expr]]]] = field(default_factory=dict)  # class -> attr -> ...
    params: dict[int, dict[str, ast.expr | None]] = field(default_factory=dict)  # function -> param -> default

    lines: list[bytes] = field(default_factory=list, repr=False)

    def segment(self, node: ast.AST, limit: int = 120) -> str:
        """The source of a node, on one line. (`ast.get_source_segment` splits the whole file on
        every call: quadratic on a long training script.)"""
        text = self._source(node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def _source(self, node: ast.AST) -> str | None:
        try:
            l0, l1 = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined,operator]
            c0, c1 = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            return None
        if not self.lines:
            self.lines = [ln.encode("utf-8") for ln in _LINE.findall(self.text)]  # offsets are in UTF-8 bytes
        if c1 is None or not 0 <= l0 <= l1 < len(self.lines):
            return None
        if l0 == l1:
            raw = self.lines[l0][c0:c1]
        else:
            raw = self.lines[l0][c0:] + b"".join(self.lines[l0 + 1:l1]) + self.lines[l1][:c1]
        return raw.decode("utf-8", errors="replace")

    def loc(self, node: ast.AST) -> str:
        return f"{self.rel}:{getattr(node, 'lineno', 1)}"

    def qualify(self, node: ast.AST) -> str:
        dotted = ast_dotted_name(node) or ""
        head, dot, rest = dotted.partition(".")
        target = self.aliases.get(head)
        return f"{target}{dot}{rest}" if target else dotted

    def scope_of(self, node: ast.AST) -> ast.AST:
        return self.scopes.get(id(node), self.tree)

    def function_names(self, node: ast.AST) -> list[str]:
        """Names of the functions and classes around a node, innermost first."""
        out = []
        cur = self.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append(cur.name)
            cur = self.parents.get(id(cur))
        return out


def index_file(rel: str, text: str, tree: ast.Module, aliases: dict[str, str], level: int) -> SourceFile:
    sf = SourceFile(rel, text, tree, aliases, level)

    def visit(node: ast.AST, scope: ast.AST, klass: ast.ClassDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            sf.parents[id(child)] = node
            sf.scopes[id(child)] = scope
            inner_scope, inner_class = scope, klass
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner_scope = child
                a = child.args
                positional = a.posonlyargs + a.args
                defaults: dict[str, ast.expr | None] = {p.arg: None for p in positional + a.kwonlyargs}
                for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults):
                    defaults[p.arg] = d
                for p, d in zip(a.kwonlyargs, a.kw_defaults):
                    defaults[p.arg] = d
                sf.params[id(child)] = defaults
            elif isinstance(child, ast.ClassDef):
                inner_class = child
            elif isinstance(child, (ast.Assign, ast.AnnAssign)) and child.value is not None:
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for t in targets:
                    _record_target(sf, t, child.value, scope, klass)
            visit(child, inner_scope, inner_class)

    visit(tree, tree, None)
    return sf


def _record_target(sf: SourceFile, target: ast.expr, value: ast.expr, scope: ast.AST,
                   klass: ast.ClassDef | None) -> None:
    if isinstance(target, ast.Name):
        sf.assigns.setdefault(id(scope), {}).setdefault(target.id, []).append((target.lineno, value))
    elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        for t, v in zip(target.elts, value.elts):  # `start_epoch, best = 0, 0.0`
            _record_target(sf, t, v, scope, klass)
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
            and target.value.id == "self" and klass is not None:
        sf.self_assigns.setdefault(id(klass), {}).setdefault(target.attr, []).append((target.lineno, value))


@dataclass
class Values:
    """The value spaces of one recipe: filled from every file read, then queried per expression."""

    command: Keyed = field(default_factory=dict)  # dest -> value from the entrypoint's command
    configs: Keyed = field(default_factory=dict)  # dotted key -> value from config files
    argparse: Keyed = field(default_factory=dict)  # dest -> default
    option_dest: dict[str, str] = field(default_factory=dict)  # "--learning-rate" -> "lr"
    classes: Keyed = field(default_factory=dict)  # field name -> default (config classes)
    dicts: Keyed = field(default_factory=dict)  # key -> value (dict literals, yacs `_C.A.B = v`)

    # -- filling ----------------------------------------------------------------------------
    def add_file(self, sf: SourceFile) -> None:
        for node in ast.walk(sf.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "add_argument":
                    self._add_argument(sf, node)
                elif node.func.attr == "set_defaults":
                    for kw in node.keywords:
                        if kw.arg:
                            self.argparse[kw.arg] = (sf.segment(kw.value), sf.loc(kw.value))
            elif isinstance(node, ast.ClassDef) and _is_config_class(node, sf):
                for stmt in node.body:
                    target = stmt.target if isinstance(stmt, ast.AnnAssign) else (
                        stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None)
                    value = getattr(stmt, "value", None)
                    if isinstance(target, ast.Name) and value is not None:
                        value = _field_default(value)
                        if value is not None:
                            self.classes.setdefault(target.id, (sf.segment(value), sf.loc(value)))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
                # `defaults = dict(lr=3e-4, batch_size=1)` (then fed to argparse in a loop)
                for kw in node.keywords:
                    if kw.arg and _is_literal(kw.value):
                        self.dicts.setdefault(kw.arg, (sf.segment(kw.value), sf.loc(kw.value)))
            elif isinstance(node, ast.Dict) and node.keys and (isinstance(sf.scope_of(node), ast.Module)
                                                               or isinstance(sf.parents.get(id(node)), ast.Return)
                                                               or _config_target(sf, node)):
                # Module-level dicts, dicts a config function returns (`def get_config(): return {...}`),
                # dicts of defaults built in a function (`params = {"lr": 2e-4}`).
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and isinstance(k.value, str) and _is_literal(v):
                        self.dicts.setdefault(k.value, (sf.segment(v), sf.loc(v)))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id.isupper() and isinstance(sf.scope_of(node), ast.Module) and _is_literal(node.value):
                # Module constants of a settings module: `EPOCH = 200`, read as `settings.EPOCH`.
                self.dicts.setdefault(node.targets[0].id, (sf.segment(node.value), sf.loc(node.value)))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute) \
                    and isinstance(sf.scope_of(node), ast.Module) and _is_literal(node.value):
                dotted = ast_dotted_name(node.targets[0])  # yacs / ml_collections: `_C.SOLVER.BASE_LR = 0.1`
                if dotted and "." in dotted:
                    self.dicts.setdefault(dotted.split(".", 1)[1], (sf.segment(node.value), sf.loc(node.value)))

    def _add_argument(self, sf: SourceFile, node: ast.Call) -> None:
        options = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if not options:
            return
        kws = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        dest_node = kws.get("dest")
        if isinstance(dest_node, ast.Constant) and isinstance(dest_node.value, str):
            dest = dest_node.value
        else:
            longs = [o for o in options if o.startswith("--")]
            dest = (longs[0] if longs else options[0]).lstrip("-").replace("-", "_")
        for o in options:
            self.option_dest.setdefault(o, dest)
        if dest in self.argparse:
            return
        default = kws.get("default")
        if default is not None:
            self.argparse[dest] = (sf.segment(default), sf.loc(default))
            return
        action = kws.get("action")
        if isinstance(action, ast.Constant) and action.value in ("store_true", "store_false"):
            self.argparse[dest] = ("False" if action.value == "store_true" else "True", sf.loc(node))
        else:
            self.argparse[dest] = ("None", sf.loc(node))

    def add_config(self, rel: str, flat: dict[str, tuple[str, int]], prefix: str = "") -> None:
        for key, (value, line) in flat.items():
            if "__entries__" in key or "[]" in key:
                continue
            self.configs.setdefault(f"{prefix}.{key}" if prefix else key, (value, f"{rel}:{line}"))

    def add_command(self, command: str, evidence: str) -> list[str]:
        """`--lr 0.1`, `--lr=0.1`, `--flag`, hydra `optim.lr=0.1`; returns the file arguments."""
        try:
            tokens = shlex.split(command.replace("\\\n", " "))
        except ValueError:
            tokens = command.split()
        while tokens and re.match(r"^\w+=", tokens[0]):
            tokens = tokens[1:]  # CUDA_VISIBLE_DEVICES=0 prefixes
        if tokens and re.match(r"^(python[\d.]*|torchrun|accelerate|deepspeed|horovodrun|mpirun|srun|uv|poetry)$",
                               tokens[0]):
            start = next((i + 1 for i, t in enumerate(tokens) if t.endswith(".py") or t == "-m"), len(tokens))
            if start < len(tokens) and tokens[start - 1] == "-m":
                start += 1
        else:
            start = 1  # a console script: its name, then its arguments
        files: list[str] = []
        i = start
        while i < len(tokens):
            tok = tokens[i]
            if tok.startswith("-") and len(tok) > 1 and not (tok[1].isdigit() or tok[1] == "."):  # -b, --lr, -warmup
                name, eq, value = tok.partition("=")
                if not eq:
                    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                    if nxt is not None and not nxt.startswith("-") or nxt is not None and _number(nxt):
                        value, i = nxt, i + 1
                    else:
                        value = "True"
                dest = self.option_dest.get(name, name.lstrip("-").replace("-", "_"))
                self.command.setdefault(dest, (value, evidence))
                if value.endswith((".yaml", ".yml", ".json", ".py")):
                    files.append(value)
            elif "=" in tok and re.match(r"^\+*[\w.]+=", tok):
                key, _, value = tok.lstrip("+").partition("=")
                self.command.setdefault(key, (value, evidence))
            elif tok.endswith((".yaml", ".yml", ".json", ".py")):
                files.append(tok)
            i += 1
        return files

    # -- lookups ----------------------------------------------------------------------------
    def lookup(self, path: list[str], *, keyed: bool) -> Resolved | None:
        """A dotted path (`["optim", "lr"]` for cfg.optim.lr) in every value space.

        Attribute access (`args.lr`) prefers argparse over dicts; subscripts (`cfg["lr"]`) the
        other way round. The command line and config files win over both: they override defaults.
        """
        spaces = [(self.command, "command"), (self.configs, "config-file")]
        if keyed:
            spaces += [(self.dicts, "dict-default"), (self.argparse, "argparse-default"), (self.classes, "class-default")]
        else:
            spaces += [(self.argparse, "argparse-default"), (self.classes, "class-default"), (self.dicts, "dict-default")]
        for space, source in spaces:
            hit = _find(space, path)
            if hit is not None:
                return Resolved(hit[0], source, hit[1])
        return None


def _find(space: Keyed, path: list[str]) -> tuple[str, str] | None:
    if not path:
        return None
    dotted = ".".join(path)
    if dotted in space:
        return space[dotted]
    last = path[-1]
    # Case-insensitive on the last name only for upper-case config trees (yacs `SOLVER.BASE_LR`).
    for key, val in space.items():
        if key.endswith("." + dotted):
            return val
    if last in space:
        return space[last]
    for key, val in space.items():
        if key.rsplit(".", 1)[-1] == last:
            return val
    return None


_CONFIG_CLASS = re.compile(r"(Config|Cfg|Args|Arguments|Options|Opts|Params|Hparams|HParams|Settings|Hyperparameters)$")


def _is_config_class(node: ast.ClassDef, sf: SourceFile) -> bool:
    decorated = any((ast_dotted_name(d.func if isinstance(d, ast.Call) else d) or "").endswith("dataclass")
                    for d in node.decorator_list)
    return decorated or bool(_CONFIG_CLASS.search(node.name))


_CONFIG_NAME = re.compile(r"default|config|cfg|param|hparam|hyper|setting|opt|args|kwargs", re.I)


def _config_target(sf: SourceFile, node: ast.Dict) -> bool:
    parent = sf.parents.get(id(node))
    return isinstance(parent, ast.Assign) and any(
        isinstance(t, ast.Name) and _CONFIG_NAME.search(t.id) for t in parent.targets)


def _field_default(value: ast.expr) -> ast.expr | None:
    """`field(default=0.1)` -> 0.1; a plain literal -> itself; anything computed -> None."""
    if isinstance(value, ast.Call) and (ast_dotted_name(value.func) or "").endswith("field"):
        for kw in value.keywords:
            if kw.arg == "default":
                return kw.value
        return None
    return value if _is_literal(value) else None


def _is_literal(node: ast.expr) -> bool:
    """A value written out: literals, and arithmetic of number literals (`10**-4`, `1e-3 * 2`)."""
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        pass
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _is_literal(node.left) and _is_literal(node.right) and all(
            isinstance(n.value, (int, float)) for n in ast.walk(node) if isinstance(n, ast.Constant))
    return False


def _number(text: str) -> float | None:
    try:
        return float(text.replace("_", ""))
    except (ValueError, AttributeError):
        return None


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow}


_OP_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**"}


class Resolver:
    def __init__(self, values: Values, files: list[SourceFile] | None = None) -> None:
        self.values = values
        self.files = files or []
        self._calls: dict[str, list[tuple[SourceFile, ast.Call]]] | None = None

    def resolve(self, sf: SourceFile, node: ast.expr | None, depth: int = 0) -> Resolved:
        if node is None:
            return Resolved(None, "unresolved")
        if _is_literal(node):
            return Resolved(sf.segment(node), "literal")
        if depth > 5:
            return Resolved(None, "unresolved")
        if isinstance(node, ast.Name):
            return self._name(sf, node, depth)
        path = _access_path(node)
        if path is not None:
            root, keys, keyed = path
            if root == "self" and len(keys) == 1 and not keyed:
                got = self._self_attr(sf, node, keys[0], depth)
                if got is not None:
                    return got
            if root == "self" and len(keys) == 2 and keys[0] in ("hparams", "hyperparameters"):
                got = self._init_param(sf, node, keys[1], depth)  # Lightning: save_hyperparameters()
                if got is not None:
                    return got
            if keys:
                got = self.values.lookup([k for k in keys if k not in ("hparams", "hyperparameters")], keyed=keyed)
                if got is not None:
                    return got
            if isinstance(node, ast.Call):  # the fallback of cfg.get("lr", 0.1) / getattr(args, "lr", 0.1)
                index = 2 if isinstance(node.func, ast.Name) else 1
                if len(node.args) > index:
                    return self._with_at(self.resolve(sf, node.args[index], depth + 1), sf, node.args[index])
            return Resolved(None, "unresolved")
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = self.resolve(sf, node.left, depth + 1), self.resolve(sf, node.right, depth + 1)
            a, b = _number(left.value or ""), _number(right.value or "")
            if a is not None and b is not None:
                try:
                    result = _OPS[type(node.op)](a, b)
                except (ArithmeticError, ValueError, OverflowError):
                    return Resolved(None, "unresolved")
                return Resolved(_format_number(result), "computed")
            told = left if left.value is not None and left.source != "literal" else right
            if told.value is not None and told.source != "literal":
                # `args.seed + utils.get_rank()`: the known part substituted, the rest as written.
                lt = left.value if left.value is not None else sf.segment(node.left, 40)
                rt = right.value if right.value is not None else sf.segment(node.right, 40)
                return Resolved(f"{lt} {_OP_TEXT[type(node.op)]} {rt}", told.source, told.at)
        if isinstance(node, (ast.Tuple, ast.List)) and node.elts:  # betas=(args.beta1, args.beta2)
            parts = [self.resolve(sf, e, depth + 1) for e in node.elts]
            if all(p.value is not None for p in parts):
                told = next((p for p in parts if p.source != "literal"), parts[0])
                text = ", ".join(p.value or "" for p in parts)
                return Resolved(f"({text})" if isinstance(node, ast.Tuple) else f"[{text}]", told.source, told.at)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("int", "float") \
                and len(node.args) == 1 and not node.keywords:
            return self.resolve(sf, node.args[0], depth + 1)  # int(args.global_batch_size // world_size)
        if isinstance(node, ast.IfExp):  # `x if cond else y`: the value when the condition is unknown is not known
            return Resolved(None, "unresolved")
        return Resolved(None, "unresolved")

    def assigned(self, sf: SourceFile, node: ast.Name) -> ast.expr | None:
        """The last value assigned to a local name before `node`, in its function."""
        cands = sf.assigns.get(id(sf.scope_of(node)), {}).get(node.id, [])
        before = [v for ln, v in cands if ln <= node.lineno]
        return before[-1] if before else None

    def _with_at(self, r: Resolved, sf: SourceFile, node: ast.AST) -> Resolved:
        if r.source == "literal":
            return Resolved(r.value, "literal", sf.loc(node))
        return r

    def _name(self, sf: SourceFile, node: ast.Name, depth: int) -> Resolved:
        over = _find(self.values.command, [node.id]) or _find(self.values.configs, [node.id])
        if over is not None:
            return Resolved(over[0], "command" if node.id in self.values.command else "config-file", over[1])
        scope = sf.scope_of(node)
        line = node.lineno
        for sc in (scope, sf.tree):
            cands = sf.assigns.get(id(sc), {}).get(node.id, [])
            # In its own function a name has the value last assigned before the use; a module-level
            # name read inside a function has its module value (assigned anywhere at the top).
            before = [v for ln, v in cands if ln <= line or sc is not scope]
            if before:
                value = before[-1]
                got = self.resolve(sf, value, depth + 1)
                return self._with_at(got, sf, value)
            params = sf.params.get(id(sc))
            if params is not None and node.id in params:
                passed = self._from_callers(sf, sc, node.id, depth)
                if passed is not None:
                    return passed
                default = params[node.id]
                if default is None:
                    break
                got = self.resolve(sf, default, depth + 1)
                if got.source == "literal":
                    return Resolved(got.value, "function-default", sf.loc(default))
                return got
        got = self.values.lookup([node.id], keyed=False)
        if got is not None and got.source in ("dict-default", "class-default"):
            return got
        return Resolved(None, "unresolved")

    def _from_callers(self, sf: SourceFile, func: ast.AST, param: str, depth: int,
                      callee: str | None = None) -> Resolved | None:
        """The argument the first resolvable call of `func` (in the files read) passes for `param`.
        Calls are matched by name (`callee`: the class name for a constructor)."""
        name = callee or getattr(func, "name", "")
        args = getattr(func, "args", None)
        if not name or args is None or depth > 3:
            return None
        positional = [a.arg for a in args.posonlyargs + args.args]
        for caller, call in self.calls_to(name):
            index = positional.index(param) if param in positional else None
            if index is not None and positional[:1] in (["self"], ["cls"]) and (isinstance(call.func, ast.Attribute) or callee):
                index -= 1
            expr = next((kw.value for kw in call.keywords if kw.arg == param), None)
            if expr is None and index is not None and 0 <= index < len(call.args) \
                    and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
                expr = call.args[index]
            if expr is None:
                continue
            got = self.resolve(caller, expr, depth + 1)
            if got.value is not None:
                return self._with_at(got, caller, expr)
        return None

    def calls_to(self, name: str) -> list[tuple[SourceFile, ast.Call]]:
        if self._calls is None:
            self._calls = {}
            for sf in self.files:
                for node in ast.walk(sf.tree):
                    if isinstance(node, ast.Call):
                        callee = node.func.attr if isinstance(node.func, ast.Attribute) else (
                            node.func.id if isinstance(node.func, ast.Name) else "")
                        if callee:
                            self._calls.setdefault(callee, []).append((sf, node))
        return self._calls.get(name, [])

    def _init_param(self, sf: SourceFile, node: ast.AST, param: str, depth: int) -> Resolved | None:
        """`self.hparams.lr` in a class whose __init__ takes `lr`: what its constructor calls pass, or
        the parameter's default."""
        klass = sf.parents.get(id(node))
        while klass is not None and not isinstance(klass, ast.ClassDef):
            klass = sf.parents.get(id(klass))
        init = next((n for n in getattr(klass, "body", []) if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if klass is None or init is None or param not in sf.params.get(id(init), {}):
            return None
        passed = self._from_callers(sf, init, param, depth, callee=klass.name)
        if passed is not None:
            return passed
        default = sf.params[id(init)][param]
        if default is not None and _is_literal(default):
            return Resolved(sf.segment(default), "function-default", sf.loc(default))
        return None

    def _self_attr(self, sf: SourceFile, node: ast.AST, attr: str, depth: int) -> Resolved | None:
        cur = sf.parents.get(id(node))
        while cur is not None and not isinstance(cur, ast.ClassDef):
            cur = sf.parents.get(id(cur))
        if cur is None:
            return None
        cands = sf.self_assigns.get(id(cur), {}).get(attr)
        if not cands:
            return None
        value = cands[0][1]
        return self._with_at(self.resolve(sf, value, depth + 1), sf, value)


def _format_number(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _access_path(node: ast.expr) -> tuple[str, list[str], bool] | None:
    """`args.lr` -> ("args", ["lr"], False); `cfg["optim"]["lr"]` -> ("cfg", ["optim", "lr"], True);
    `cfg.get("lr", 0.1)` and `getattr(args, "lr", 0.1)` -> keyed / attribute paths."""
    keys: list[str] = []
    keyed = False
    cur = node
    if isinstance(cur, ast.Call):
        if isinstance(cur.func, ast.Attribute) and cur.func.attr == "get" and cur.args \
                and isinstance(cur.args[0], ast.Constant) and isinstance(cur.args[0].value, str):
            keys.append(cur.args[0].value)
            keyed = True
            cur = cur.func.value
        elif isinstance(cur.func, ast.Name) and cur.func.id == "getattr" and len(cur.args) >= 2 \
                and isinstance(cur.args[1], ast.Constant) and isinstance(cur.args[1].value, str):
            keys.append(cur.args[1].value)
            cur = cur.args[0]
        else:
            return None
    while True:
        if isinstance(cur, ast.Attribute):
            keys.append(cur.attr)
            cur = cur.value
        elif isinstance(cur, ast.Subscript) and isinstance(cur.slice, ast.Constant) and isinstance(cur.slice.value, str):
            keys.append(cur.slice.value)
            keyed = True
            cur = cur.value
        else:
            break
    if isinstance(cur, ast.Call) and isinstance(cur.func, ast.Name) and not cur.args:
        cur = cur.func  # `TrainConfig().batch_size`: the class's default
    if not isinstance(cur, ast.Name) or not keys:
        return None
    return cur.id, list(reversed(keys)), keyed
