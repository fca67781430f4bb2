"""Where a local name's value goes after one binding of it, within one scope.

A rule that must know what a dataset or loader is *for* reads the uses of the name it was bound
to: the statements after the binding, minus those on the other side of an `if` that holds it
(`if args.dataset == "cifar": valid = test_set` / `elif ...: test_set = MiniImagenet(...)`: the
first branch never sees the second's binding). Reads only: no attribute, no closure analysis
beyond counting a read in a nested function as a use.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from repolens.lint.helpers import disables_grad, dotted, method_name, turns_grad_off
from repolens.lint.knowledge.optimizers import is_optimizer_name
from repolens.lint.knowledge.training import runs_training_step
from repolens.lint.traverse import children_of
from repolens.lint.words import TRAIN, role_of_name


def _with_ancestors(node: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]]:
    """Every node under `node` in source order, with its ancestors (outermost first)."""
    stack: list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]] = [(node, ())]
    while stack:
        n, above = stack.pop()
        yield n, above
        inner = (*above, n)
        stack.extend((c, inner) for c in reversed(children_of(n)))


def _other_branches(binding_above: tuple[cst.CSTNode, ...], binding: cst.CSTNode) -> set[int]:
    """Ids of the nodes an `if` around the binding runs instead of it."""
    chain = (*binding_above, binding)
    skip: set[int] = set()
    for depth, node in enumerate(chain[:-1]):
        if not isinstance(node, cst.If):
            continue
        taken = chain[depth + 1]
        other = node.orelse if taken is node.body else node.body if taken is node.orelse else None
        if other is not None:
            skip.update(id(n) for n, _ in _with_ancestors(other))
    return skip


def uses_after(scope: cst.CSTNode, value: cst.CSTNode, name: str, *, until_rebound: bool = False
               ) -> list[tuple[cst.Name, tuple[cst.CSTNode, ...]]] | None:
    """The reads of `name` after the statement that binds `value` to it, each with its ancestors
    (outermost first), leaving out the branches an enclosing `if` runs instead of that statement;
    with `until_rebound`, only those before the next statement that binds `name` again (a script
    that reuses `data_loader` for a later loader: the later reads are of that one).
    None when `value` is not under `scope`."""
    walked = _walked(scope)
    at = next((i for i, (n, _) in enumerate(walked) if n is value), None)
    if at is None:
        return None
    above = walked[at][1]
    statement = next((a for a in reversed(above) if isinstance(a, (cst.Assign, cst.AnnAssign))), value)
    skip = _other_branches(above, value)
    after = False
    uses = []
    for n, ancestors in walked:
        if n is statement:
            after = True
            continue
        if not after or id(n) in skip or any(a is statement for a in ancestors):
            continue
        if isinstance(n, cst.Name) and n.value == name:
            if _shadowed(name, ancestors):
                continue  # a nested function's parameter of the same name: another value
            if not _is_target(n, ancestors):
                uses.append((n, ancestors))
            elif until_rebound:
                break
    return uses


def _shadowed(name: str, ancestors: tuple[cst.CSTNode, ...]) -> bool:
    """Is `name`, at this point, a parameter of a function (or lambda) around it, or that parameter
    itself? (dlwpt's notebook binds `train_loader`, then `def validate(model, train_loader,
    val_loader)`: the function's reads are of its argument.)"""
    for a in ancestors:
        params = a.params if isinstance(a, (cst.FunctionDef, cst.Lambda)) else None
        if params is not None and any(p.name.value == name for p in (*params.posonly_params, *params.params,
                                                                        *params.kwonly_params)):
            return True
    return False


def ancestors_of(scope: cst.CSTNode, value: cst.CSTNode) -> tuple[cst.CSTNode, ...]:
    """The nodes above `value` within `scope`, outermost first (empty when it is not there)."""
    return next((above for n, above in _walked(scope) if n is value), ())


# The last scope walked, with its nodes and ancestors: several rules ask about the loaders of one
# function in turn (roles.trains_nothing for each DataLoader call, RL106), and the walk is the cost.
# Held by identity, so a scope's entry cannot be mistaken for another's.
_LAST_WALK: list = [None, []]


def _walked(scope: cst.CSTNode) -> list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]]:
    if _LAST_WALK[0] is not scope:
        _LAST_WALK[0], _LAST_WALK[1] = scope, list(_with_ancestors(scope))
    return _LAST_WALK[1]  # type: ignore[no-any-return]


def _is_target(name: cst.Name, ancestors: tuple[cst.CSTNode, ...]) -> bool:
    """`name = ...` / `for name in ...`: a rebinding, not a read."""
    parent = ancestors[-1] if ancestors else None
    if isinstance(parent, cst.AssignTarget) and parent.target is name:
        return True
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is name:
        return True
    return isinstance(parent, cst.Attribute) and parent.attr is name  # `x.name`: another object's field


def only_counts(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> bool:
    """This use of a loader draws no batch: `len(loader)` (minimind's `loader_for_count`, built
    only to size the LR schedule)."""
    return len(above) >= 2 and isinstance(above[-1], cst.Arg) and above[-1].value is use \
        and isinstance(above[-2], cst.Call) and _called(above[-2]) == "len"


def draws_one_batch(use: cst.Name, above: tuple[cst.CSTNode, ...], bound_in: tuple[cst.CSTNode, ...] = ()) -> bool:
    """This use of a loader takes one batch and no more, outside any other loop than those the
    loader is built in (`bound_in`: the binding's ancestors; a loop that builds a loader per task
    and shows a batch of each still draws one batch per loader): `next(iter(loader))` (or
    `iter(loader).next()`, `loader.__iter__().__next__()`),
    or `for batch in loader:` (through `enumerate` / `tqdm`) whose body ends in an unconditional
    `break` and never `continue`s (a dataset module's peek at its first batch)."""
    enclosing = {id(a) for a in bound_in}
    loops = [i for i, a in enumerate(above)
             if isinstance(a, (cst.For, cst.While, cst.CompFor)) and id(a) not in enclosing]
    if len(above) >= 4 and not loops:
        inner, outer = above[-2], above[-4]  # Call(iter) > Arg > Name; Call(next) > Arg > Call(iter)
        if isinstance(inner, cst.Call) and _called(inner) == "iter" and isinstance(outer, cst.Call) \
                and _called(outer) == "next":
            return True
        # an iterator made by `iter(loader)` or `loader.__iter__()` (ffjord's visualisation peeks at
        # four images: RL102 judged wrong), then `.next()` (old PyTorch's loader iterator,
        # big_transfer's colab) or `.__next__()` called on it
        first, method = above[-1], above[-3]
        made = isinstance(inner, cst.Call) and (_called(inner) == "iter" or isinstance(first, cst.Attribute)
                                                and first.value is use and first.attr.value == "__iter__"
                                                and inner.func is first)
        if made and isinstance(method, cst.Attribute) and method.value is inner \
                and method.attr.value in ("next", "__next__") and isinstance(outer, cst.Call) and outer.func is method:
            return True
    if len(loops) != 1:
        return False
    loop = above[loops[0]]
    if not isinstance(loop, cst.For) or not any(a is loop.iter for a in (*above[loops[0] + 1:], use)):
        return False  # the name is read in the loop's body, not iterated by it
    body = loop.body.body if isinstance(loop.body, cst.IndentedBlock) else ()
    last = body[-1] if body else None
    breaks = isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, cst.Break) for s in last.body)
    return breaks and not any(isinstance(n, cst.Continue) for n, _ in _with_ancestors(loop.body))


# What a loop that only summarises its batches calls: builtins, container and tensor methods that
# reduce or convert, and functions of torch / NumPy / math (nothing of the project's, no model).
_SUMMARY_BUILTINS = frozenset({"print", "len", "float", "int", "str", "range", "enumerate", "zip", "min", "max",
                               "sum", "abs", "round", "isinstance", "list", "tuple"})
_SUMMARY_METHODS = frozenset({"append", "extend", "update", "add", "item", "numpy", "tolist", "cpu", "mean", "std",
                              "var", "sum", "min", "max", "size", "view", "reshape", "flatten", "float", "double",
                              "pow", "sqrt", "abs", "add_", "mul_", "format", "unique", "bincount", "numel"})
_SUMMARY_MODULES = ("torch.", "np.", "numpy.", "math.")


def only_summarises(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> bool:
    """This use of a loader iterates it (directly or through `enumerate` / `tqdm`) in a `for` whose
    body only summarises the batches: every call in it is a builtin, a reducing or converting
    method, or a torch / NumPy / math function (`torch.mean(x)`, `means.append(...)`, `print`):
    AST's `get_norm_stats.py` averaging a `train_loader`'s batches for its normalisation constants
    (RL108 judged wrong). No model runs, nothing trains."""
    at = iterating_loop(use, above)
    if at is None:
        return False
    inner = [n for n, _ in _with_ancestors(above[at].body) if isinstance(n, cst.Call)]
    if not inner:
        return False
    for call in inner:
        func = call.func
        if isinstance(func, cst.Name):
            if func.value not in _SUMMARY_BUILTINS:
                return False
        elif isinstance(func, cst.Attribute):
            head = dotted(func)
            if not (head and head.startswith(_SUMMARY_MODULES) and "backward" not in head
                    or func.attr.value in _SUMMARY_METHODS):
                return False
        else:
            return False
    return True


# Calls that write what a loop computed to disk: an extraction pass's output.
_WRITE_FUNCTIONS = frozenset({"np.save", "numpy.save", "np.savez", "numpy.savez", "np.savez_compressed",
                              "numpy.savez_compressed", "torch.save", "pickle.dump"})
_WRITE_METHODS = frozenset({"write", "put", "create_dataset"})


def only_extracts(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> bool:
    """This use of a loader iterates it in a `for` whose body writes each batch's result to disk
    (`np.save`, `torch.save`, `pickle.dump`, a file's or LMDB's `write` / `put`, h5py's
    `create_dataset`) and trains nothing: no backward, no optimizer step, no method named for a
    training step, no call named for training or handed an optimizer. U-ViT's
    `extract_imagenet_feature.py` encodes the training split once with `shuffle=False` and saves
    the latents per sample (RL108 judged wrong): the order of an extraction pass does not matter.
    The caller checks that no enclosing function is named for training."""
    at = iterating_loop(use, above)
    if at is None:
        return False
    writes = False
    for n, _ in _with_ancestors(above[at].body):
        if not isinstance(n, cst.Call):
            continue
        method = method_name(n)
        name = method or (n.func.value if isinstance(n.func, cst.Name) else None)
        if runs_training_step(n) or role_of_name(name) == TRAIN \
                or any(isinstance(a.value, cst.Name) and is_optimizer_name(a.value.value) for a in n.args):
            return False
        writes = writes or dotted(n.func) in _WRITE_FUNCTIONS or method in _WRITE_METHODS
    return writes


def iterated_without_grad(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> bool:
    """This use of a loader is iterated by a `for` inside `with torch.no_grad():` (or
    `inference_mode()`): an accuracy pass, no training step (dlwpt's notebooks rebind
    `train_loader = DataLoader(cifar2, shuffle=False)` to score the training set: six RL108
    findings judged wrong), or in a function that turned gradients off with a
    `torch.set_grad_enabled(False)` statement before the loop (hendrycks' `get_C_hat_transpose()`
    scoring the trusted training subset in a fixed order: two RL108 findings judged wrong)."""
    at = iterating_loop(use, above)
    if at is None:
        return False
    if any(isinstance(a, cst.With) and any(turns_grad_off(item.item) for item in a.items) for a in above[:at]):
        return True
    fn = next((i for i in range(at - 1, -1, -1) if isinstance(above[i], cst.FunctionDef)), None)
    if fn is None or fn + 2 >= len(above) or not isinstance(above[fn + 1], cst.IndentedBlock):
        return False
    holder = above[fn + 2]  # the function's statement that holds the loop
    body = above[fn + 1].body  # type: ignore[attr-defined]
    before = body[:next((i for i, stmt in enumerate(body) if stmt is holder), 0)]
    return any(isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and disables_grad(small.value)
               for stmt in before if isinstance(stmt, cst.SimpleStatementLine) for small in stmt.body)


def iterating_loop(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> int | None:
    """The index in `above` of the innermost `for` around this use, when the use sits in what that
    loop iterates (`for x in loader`, `enumerate(loader)`, `tqdm(loader)`), not in its body."""
    at = next((i for i in range(len(above) - 1, -1, -1) if isinstance(above[i], cst.For)), None)
    if at is None or not any(a is above[at].iter for a in (*above[at + 1:], use)):  # type: ignore[attr-defined]
        return None
    return at


def never_read(scope: cst.CSTNode, name: str) -> bool:
    """`name` is read nowhere in `scope`, while a `for` of the scope iterates another loader
    (Medical-Transformer's `test.py` builds a training `dataloader` and loops only over
    `valloader`: RL102 judged wrong). A snippet that binds a loader and iterates none is still
    taken at its word: the loop may come in the next edit."""
    read = iterated_other = False
    for n, above in _walked(scope):
        if isinstance(n, cst.Name) and n.value == name and not _is_target(n, above):
            read = True
            break
        if isinstance(n, cst.For):
            iter_names = {m.value for m, _ in _with_ancestors(n.iter) if isinstance(m, cst.Name)}
            iterated_other = iterated_other or any("loader" in m.lower() for m in iter_names - {name})
    return not read and iterated_other


def _called(call: cst.Call) -> str | None:
    return call.func.value if isinstance(call.func, cst.Name) else None
