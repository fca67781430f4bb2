"""The value spaces of a recipe and where a value used at a call comes from: the call itself, an argparse default, the entrypoint's
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

from repolens.mapper.recipe.source import SourceFile
from repolens.project.cli_options import cli_option
from repolens.pyindex.aliases import ast_dotted_name

Keyed = dict[str, tuple[str, str]]  # key -> (value as written, "file:line")


@dataclass(frozen=True)
class Resolved:
    value: str | None  # None: not resolved
    source: str  # see model.SOURCES
    at: str | None = None  # "file:line" of the value when it is not at the use site


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
                    if kw.arg and is_literal(kw.value):
                        self.dicts.setdefault(kw.arg, (sf.segment(kw.value), sf.loc(kw.value)))
            elif isinstance(node, ast.Dict) and node.keys and (isinstance(sf.scope_of(node), ast.Module)
                                                               or isinstance(sf.parents.get(id(node)), ast.Return)
                                                               or _config_target(sf, node)):
                # Module-level dicts, dicts a config function returns (`def get_config(): return {...}`),
                # dicts of defaults built in a function (`params = {"lr": 2e-4}`).
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and isinstance(k.value, str) and is_literal(v):
                        self.dicts.setdefault(k.value, (sf.segment(v), sf.loc(v)))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id.isupper() and isinstance(sf.scope_of(node), ast.Module) and is_literal(node.value):
                # Module constants of a settings module: `EPOCH = 200`, read as `settings.EPOCH`.
                self.dicts.setdefault(node.targets[0].id, (sf.segment(node.value), sf.loc(node.value)))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute) \
                    and isinstance(sf.scope_of(node), ast.Module) and is_literal(node.value):
                dotted = ast_dotted_name(node.targets[0])  # yacs / ml_collections: `_C.SOLVER.BASE_LR = 0.1`
                if dotted and "." in dotted:
                    self.dicts.setdefault(dotted.split(".", 1)[1], (sf.segment(node.value), sf.loc(node.value)))

    def _add_argument(self, sf: SourceFile, node: ast.Call) -> None:
        option = cli_option(node)
        if option is None:
            return
        for o in option.options:
            self.option_dest.setdefault(o, option.dest)
        if option.dest in self.argparse:
            return
        if option.default is not None:
            self.argparse[option.dest] = (sf.segment(option.default), sf.loc(option.default))
        elif option.action in ("store_true", "store_false"):
            self.argparse[option.dest] = ("False" if option.action == "store_true" else "True", sf.loc(node))
        else:
            self.argparse[option.dest] = ("None", sf.loc(node))

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
                    if nxt is not None and not nxt.startswith("-") or nxt is not None and to_number(nxt):
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
            hit = find_key(space, path)
            if hit is not None:
                return Resolved(hit[0], source, hit[1])
        return None


def find_key(space: Keyed, path: list[str]) -> tuple[str, str] | None:
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
    return value if is_literal(value) else None


OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow}


def is_literal(node: ast.expr) -> bool:
    """A value written out: literals, and arithmetic of number literals (`10**-4`, `1e-3 * 2`)."""
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        pass
    if isinstance(node, ast.BinOp) and type(node.op) in OPS:
        return is_literal(node.left) and is_literal(node.right) and all(
            isinstance(n.value, (int, float)) for n in ast.walk(node) if isinstance(n, ast.Constant))
    return False


def to_number(text: str) -> float | None:
    try:
        return float(text.replace("_", ""))
    except (ValueError, AttributeError):
        return None


