"""`Resolver.resolve(file, expression)`: the value an expression has, and where it is written.

Literals as written; names through their assignment in the function or module, the arguments its
callers pass, or the parameter default; `args.lr` / `cfg["lr"]` / `cfg.get("lr")` through the value
spaces of `Values`; `self.hparams.lr` through the class's constructor calls; arithmetic of resolved
numbers computed, with unknown parts left as written.
"""

from __future__ import annotations

import ast

from repolens.mapper.recipe.source import SourceFile
from repolens.mapper.recipe.values import OPS, Resolved, Values, find_key, is_literal, to_number


_OP_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**"}


class Resolver:
    def __init__(self, values: Values, files: list[SourceFile] | None = None) -> None:
        self.values = values
        self.files = files or []
        self._calls: dict[str, list[tuple[SourceFile, ast.Call]]] | None = None
        self._defs: dict[str, tuple[SourceFile, ast.FunctionDef]] | None = None

    def resolve(self, sf: SourceFile, node: ast.expr | None, depth: int = 0) -> Resolved:
        if node is None:
            return Resolved(None, "unresolved")
        if is_literal(node):
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
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            left, right = self.resolve(sf, node.left, depth + 1), self.resolve(sf, node.right, depth + 1)
            a, b = to_number(left.value or ""), to_number(right.value or "")
            if a is not None and b is not None:
                try:
                    result = OPS[type(node.op)](a, b)
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
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("lower", "upper") \
                and not node.args:  # `config.TRAIN.OPTIMIZER.NAME.lower()`
            got = self.resolve(sf, node.func.value, depth + 1)
            if got.value is not None:
                text = getattr(got.value, node.func.attr)()
                return Resolved(text, got.source, got.at)
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
        over = find_key(self.values.command, [node.id]) or find_key(self.values.configs, [node.id])
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
                klass = sf.parents.get(id(sc)) if getattr(sc, "name", "") == "__init__" else None
                callee = klass.name if isinstance(klass, ast.ClassDef) else None  # `PPO(..., lr=args.lr)`
                passed = self._from_callers(sf, sc, node.id, depth, callee=callee)
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

    def definition(self, name: str) -> tuple[SourceFile, ast.FunctionDef] | None:
        """The first function called `name` in the files read (entrypoint first)."""
        if self._defs is None:
            self._defs = {}
            for sf in self.files:
                for node in ast.walk(sf.tree):
                    if isinstance(node, ast.FunctionDef):
                        self._defs.setdefault(node.name, (sf, node))
        return self._defs.get(name)

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
        if default is not None and is_literal(default):
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
