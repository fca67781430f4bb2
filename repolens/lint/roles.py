"""Is this a training or an evaluation thing? Roles of names, datasets, loaders and pipelines.

A role is read from the strongest evidence in the file: the name a value is bound to
(`train_loader`, `val_tfms`), a split argument (`train=False`, `split="val"`), the value a name was
assigned, or the factory function it is built in (`get_val_loader`). None means "cannot tell":
rules stay silent then.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import libcst as cst

from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import call_name, is_main_guard, keyword_arg, last_segment, literal, method_name
from repolens.lint.knowledge.dataloader import dataloader_arg
from repolens.lint.reach import (ancestors_of, draws_one_batch, iterated_without_grad, iterating_loop, never_read,
                                 only_counts, only_extracts, only_summarises, uses_after)
from repolens.lint.traverse import calls, functions_by_name, walk
from repolens.lint.words import EVAL, EVAL_WORD, TRAIN, TRAIN_WORD, name_tokens, role_of_name
from repolens.project.moduleinfo import trains_in
from repolens.pyindex.aliases import cst_dotted_name


SPLIT_KEYWORDS = ("split", "subset", "image_set", "mode", "phase", "stage", "set_name", "partition")
TRAIN_FLAG_KEYWORDS = ("train", "is_train", "is_training", "training")


def role_of_split_value(value: Any) -> str | None:
    if isinstance(value, str):
        return role_of_name(value)
    return None


def role_of_call_arguments(call: cst.Call) -> str | None:
    """`train=False` / `split="val"` / `image_set="train"` / `is_training=True` on a dataset call."""
    roles: set[str] = set()
    for kw in TRAIN_FLAG_KEYWORDS:
        arg = keyword_arg(call, kw)
        if arg is not None:
            value = literal(arg.value)
            if value is True:
                roles.add(TRAIN)
            elif value is False:
                roles.add(EVAL)
    for kw in SPLIT_KEYWORDS:
        arg = keyword_arg(call, kw)
        if arg is not None:
            role = role_of_split_value(literal(arg.value))
            if role:
                roles.add(role)
    return roles.pop() if len(roles) == 1 else None


def role_of_expr(expr: cst.CSTNode | None, assigned: Mapping[str, cst.BaseExpression] | None = None,
                 depth: int = 0) -> str | None:
    """Role of a dataset-like expression: its name, its split arguments, or what it was assigned."""
    if expr is None or depth > 3:
        return None
    if isinstance(expr, cst.Call):
        role = role_of_call_arguments(expr)
        if role:
            return role
        return role_of_name(call_name(expr))
    role = role_of_name(last_segment(expr))
    if role:
        return role
    key = cst_dotted_name(expr)
    if assigned is not None and key and key in assigned:
        return role_of_expr(assigned[key], assigned, depth + 1)
    return None

_SYNTHETIC = re.compile(r"random|dummy|fake|synthetic|boring", re.IGNORECASE)
_FACTORY_TOKENS = frozenset({"loader", "loaders", "dataloader", "dataloaders", "data", "dataset", "datasets"})


def _resolved_dataset(expr: cst.CSTNode | None, assigned: Mapping[str, cst.BaseExpression]) -> cst.CSTNode | None:
    """Follow a dataset name to the value last assigned to it (one or two hops)."""
    for _ in range(3):
        key = cst_dotted_name(expr) if expr is not None else None
        if key is None or key not in assigned:
            return expr
        expr = assigned[key]
    return expr


# Words of a function's name that say it evaluates, or trains.
EVAL_WORDS = frozenset({"eval", "evaluate", "evaluation", "val", "valid", "validate", "validation", "test",
                        "testing"})
TRAIN_WORDS = frozenset({"train", "training", "fit", "trainer"})


def mentions_evaluation(name: str) -> bool:
    """`evaluate`, `train_evaluate`, `train_and_validate`: the name says it evaluates (perhaps also trains)."""
    return bool(set(name_tokens(name)) & EVAL_WORDS)


def is_eval_function_name(name: str) -> bool:
    """`evaluate`, `validate`, `test`, `run_validation`, `eval_epoch`; not `train_and_validate`."""
    tokens = set(name_tokens(name))
    return bool(tokens & EVAL_WORDS) and not tokens & TRAIN_WORDS


def dataloader_role(tracker: BindingTracker, call: cst.Call, *, shuffle_says_train: bool = False) -> str | None:
    """TRAIN / EVAL / None for a DataLoader call, from the strongest evidence available.

    In order: the name it is bound to (`train_loader = ...`, `"val": DataLoader(...)`, returned
    from `train_dataloader()`), the dataset it loads (`train_set`, `CIFAR10(train=False)`,
    `load_dataset(split="validation")`), the enclosing loader factory's name (`get_val_loader`),
    a function named for evaluation around it (makemore's `evaluate()` samples batches with
    `shuffle=True`), and, only when asked, a literal `shuffle=True` (not in a script that trains
    nothing and keeps the loader to itself: `scored_in_this_script`). A loader of a dataset
    module's self-test has no role (`in_self_test`), nor one that feeds no training at all
    (`trains_nothing`: a peek, a count, a summary), nor one named for training that the code only
    evaluates (`only_evaluates`: `train_loader` scored under `torch.no_grad()`, the training
    accuracy: no validation split either, for RL325).
    """
    if in_self_test(tracker, call) or trains_nothing(tracker, call):
        return None
    role = role_of_name(tracker.binding_of(call))
    if role == TRAIN and only_evaluates(tracker, call):
        return None  # the training set scored (an accuracy pass), neither training nor a validation split
    if role:
        return role
    dataset = dataloader_arg(call, "dataset")
    if dataset is not None:
        role = role_of_expr(dataset.value, tracker.assigned)
        if role:
            return role
    for fn in reversed(tracker.function_stack):
        tokens = set(name_tokens(fn))
        if tokens & _FACTORY_TOKENS or any(TRAIN_WORD.match(t) or EVAL_WORD.match(t) for t in tokens if t.endswith(("loader", "set"))):
            role = role_of_name(fn)
            if role:
                return role
    role = _role_from_loops(tracker, call)
    if role:
        return role
    if any(is_eval_function_name(fn) for fn in tracker.function_stack):
        return EVAL  # built inside `evaluate()` / `val()`: a shuffled evaluation sample, not training data
    if shuffle_says_train:
        shuffle = dataloader_arg(call, "shuffle")
        if shuffle is not None and literal(shuffle.value) is True and not scored_in_this_script(tracker, call):
            return TRAIN
    return None


def scored_in_this_script(tracker: BindingTracker, call: cst.Call) -> bool:
    """The loader never leaves a file that trains nothing: the file has no training step (a
    `backward` and an optimizer `step`) and every use of the name the loader is bound to is a `for`
    over it or an argument of a function defined in this file. `shuffle=True` there draws a random
    evaluation sample, it is no training (outlier-exposure's `test.py` scores a shuffled
    `ood_loader` per OOD dataset through its own `get_ood_scores()`: four RL102 findings judged
    wrong). A loader handed to an imported `train(...)`, returned or stored is not followed."""
    module = tracker.context.module  # type: ignore[attr-defined]
    local = _local_binding(tracker, call)
    if local is None or module is None or trains_in(tracker.context.source):  # type: ignore[attr-defined]
        return False
    scope, name = local
    uses = uses_after(scope, call, name, until_rebound=True)  # a script rebinds `ood_loader` per dataset
    if not uses:
        return False
    own = functions_by_name(module)

    def stays(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> bool:
        if iterating_loop(use, above) is not None:
            return True  # `for x, y in loader`, also through enumerate / tqdm / zip
        depth = len(above) - 2  # the call the loader is a direct argument of
        return depth >= 0 and passed_to(above, depth) and (call_name(above[depth]) or "") in own
    return all(stays(use, above) for use, above in uses)


def trains_nothing(tracker: BindingTracker, call: cst.Call) -> bool:
    """The loader, bound to a local name, feeds no training: it is only ever drawn from once
    (`next(iter(loader))`, or a `for` over it that ends in `break`: kuangliu's pytorch-retinanet
    `datagen.test()` prints and saves its first batch), or only counted (`len(loader)`: minimind's
    `loader_for_count` sizes the LR schedule, the training loader is another: RL102 judged wrong),
    or only summarised (a loop of `torch.mean` / `append` / `print`: AST's normalisation
    statistics, RL108 judged wrong), or only extracted outside any function named for training (a
    loop that saves each batch's result and trains nothing: U-ViT's latent extraction, RL108 judged
    wrong), or never read while the scope iterates another loader (Medical-Transformer's `test.py`
    builds a training loader and loops only over `valloader`: RL102 judged wrong; a module-level
    name only in a file no other file imports), or returned by its factory to callers that never
    read it (`returned_unread`), or returned by a factory of a file nothing imports whose every
    caller binds it to a name that feeds nothing in the same sense (proxylessnas' gaze
    preprocessing pickles each batch of `get_dataloader(...)`: RL108 judged wrong). It trains
    nothing, whatever it loads."""
    local = _local_binding(tracker, call)
    if local is None:
        return False
    scope, name = local
    if returned_unread(tracker, scope, name):
        return True
    module = tracker.context.module  # type: ignore[attr-defined]
    facts = getattr(tracker, "facts", None)
    if never_read(scope, name):
        return scope is not module or facts is not None and not facts.model.importers.get(tracker.context.path)
    in_training = any(role_of_name(f) == TRAIN for f in tracker.function_stack)
    if _feeds_nothing(scope, call, name, in_training):
        return True
    # a factory's loader (`return train_loader`) whose every caller, in this file that nothing
    # imports, binds it to a name that feeds nothing (proxylessnas' `preprocess_xgaze.py` pickles
    # each batch of `get_dataloader(...)`: RL108 judged wrong)
    if not isinstance(scope, cst.FunctionDef) or module is None or facts is None \
            or facts.model.importers.get(tracker.context.path) or not any(stmt is scope for stmt in module.body) \
            or not any(isinstance(n, cst.Return) and isinstance(n.value, cst.Name) and n.value.value == name
                       for n in walk(scope.body)):
        return False
    callers = [(outer, n.value, n.targets[0].target.value) for outer, n in _assignments(module)
               if isinstance(n.value, cst.Call) and isinstance(n.value.func, cst.Name)
               and n.value.func.value == scope.name.value and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name)]
    called = sum(1 for n in walk(module) if isinstance(n, cst.Call) and isinstance(n.func, cst.Name)
                 and n.func.value == scope.name.value)
    return bool(callers) and called == len(callers) and all(
        _feeds_nothing(outer, value, bound, role_of_name(getattr(getattr(outer, "name", None), "value", None)) == TRAIN)
        for outer, value, bound in callers)


def _feeds_nothing(scope: cst.CSTNode, call: cst.CSTNode, name: str, in_training: bool) -> bool:
    """Every read of `name` (bound to the loader `call` in `scope`) draws one batch, counts,
    summarises, or, outside training, extracts."""
    uses = uses_after(scope, call, name, until_rebound=True)
    bound_in = ancestors_of(scope, call)
    return bool(uses) and all(draws_one_batch(use, above, bound_in) or only_counts(use, above)
                              or only_summarises(use, above) or not in_training and only_extracts(use, above)
                              for use, above in uses)


def _assignments(module: cst.Module) -> list[tuple[cst.CSTNode, cst.Assign]]:
    """Each assignment of the module with its scope: the module, or the module-level function it is in."""
    out: list[tuple[cst.CSTNode, cst.Assign]] = []
    for stmt in module.body:
        scope = stmt if isinstance(stmt, cst.FunctionDef) else module
        out += [(scope, n) for n in walk(stmt) if isinstance(n, cst.Assign)]
    return out


def returned_unread(tracker: BindingTracker, scope: cst.CSTNode, name: str) -> bool:
    """The loader's name is returned by its module-level function as an item of a tuple that every
    caller in the project unpacks without reading that item (TransReID's `make_dataloader` returns
    `train_loader, train_loader_normal, val_loader, ...`, and neither train.py nor test.py reads
    `train_loader_normal`: RL108 judged wrong, RL101 not worth). `ProjectModel.unread_returned_item`."""
    module = tracker.context.module  # type: ignore[attr-defined]
    facts = getattr(tracker, "facts", None)
    if facts is None or not isinstance(scope, cst.FunctionDef) or module is None \
            or not any(stmt is scope for stmt in module.body):
        return False
    indices = {i for n in walk(scope.body) if isinstance(n, cst.Return) and isinstance(n.value, cst.Tuple)
               for i, e in enumerate(n.value.elements) if isinstance(e.value, cst.Name) and e.value.value == name}
    return bool(indices) and all(facts.model.unread_returned_item(tracker.context.path, scope.name.value, i)  # type: ignore[attr-defined]
                                 for i in indices)


def only_evaluates(tracker: BindingTracker, call: cst.Call) -> bool:
    """The loader, bound to a local name, is only iterated under `torch.no_grad()` or handed to a
    function named for evaluation, up to the name's next binding, whatever the name says: an
    accuracy pass over the training set (dlwpt's notebooks rebind `train_loader = DataLoader(cifar2,
    shuffle=False)` to score it, then `validate(model, train_loader, val_loader)`: RL108 and RL102
    judged wrong seven times)."""
    local = _local_binding(tracker, call)
    if local is None:
        return False
    scope, name = local
    uses = uses_after(scope, call, name, until_rebound=True)
    return bool(uses) and all(iterated_without_grad(use, above) or handed_to_evaluation(use, above)
                              for use, above in uses)


def _local_binding(tracker: BindingTracker, call: cst.Call) -> tuple[cst.CSTNode, str] | None:
    """(the scope, the plain name) the loader `call` is bound to; None for an attribute, an item or
    no binding (their uses are not followed)."""
    name = tracker.binding_of(call)
    module = tracker.context.module  # type: ignore[attr-defined]
    if not name or "." in name or module is None:
        return None
    return tracker.current_scope(module), name


def passed_to(above: tuple[cst.CSTNode, ...], depth: int) -> bool:
    """`above[depth]` is a call and the use sits in one of its arguments."""
    return isinstance(above[depth], cst.Call) and any(isinstance(b, cst.Arg) for b in above[depth + 1:depth + 2])


def handed_to_evaluation(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> bool:
    """This use hands the loader to a function named for evaluation (`evaluate(train_loader, model)`,
    `validate(model, train_loader, val_loader)`)."""
    depth = next((d for d in range(len(above)) if passed_to(above, d)), None)
    return depth is not None and is_eval_function_name(call_name(above[depth]) or "")


def in_self_test(tracker: BindingTracker, call: cst.CSTNode) -> bool:
    """`call` sits in the `if __name__ == "__main__":` block of a module other project files import,
    and that block trains nothing (no backward, no optimizer step): a dataset or model module's
    self-test (build a loader, plot a batch, print shapes), not a training loader, whatever its
    variable is called (pytorch-semseg's `trainloader` in every `*_loader.py`)."""
    found = getattr(tracker, "_self_test_calls", None)
    if found is None:
        found = set()
        facts = getattr(tracker, "facts", None)
        module = tracker.context.module  # type: ignore[attr-defined]
        if facts is not None and module is not None and facts.model.importers.get(tracker.context.path):  # type: ignore[attr-defined]
            for stmt in module.body:
                if is_main_guard(stmt):
                    inside = list(calls(stmt))
                    if not any(method_name(c) in ("backward", "step") for c in inside):
                        found |= {id(c) for c in inside}
        tracker._self_test_calls = found  # type: ignore[attr-defined]
    return id(call) in found


def _role_from_loops(tracker: BindingTracker, call: cst.Call) -> str | None:
    """TRAIN when a training loop of the project iterates the name the loader is bound to: for a
    name local to a function, that function's loops over it (another function's `data_loader` is
    another loader: a notebook's `test_acc()` is no training loop because a training cell reuses
    the name); for a module-level name, the same file's loops over it; for a `self.<attr>` loader,
    any file's loops over that attribute (`self.loader` set in `__init__`, iterated by
    `Trainer.fit` elsewhere)."""
    name = tracker.binding_of(call)
    facts = getattr(tracker, "facts", None)
    if not name or facts is None:
        return None
    here = tracker.context.path  # type: ignore[attr-defined]
    attribute = id(call) in tracker._self_bound
    local = None if attribute or not tracker.function_stack else (
        f"{tracker.class_stack[0]}.{tracker.function_stack[0]}" if tracker.class_stack else tracker.function_stack[0])
    for rel, loop in facts.model.loops_over(name):
        if not loop.trains:
            continue
        if attribute and loop.attribute or rel == here and (local is None or loop.scope == local):
            return TRAIN
    return None


def dataset_class_name(call: cst.Call, tracker: BindingTracker) -> str | None:
    """The class (or factory) name of the dataset a DataLoader loads, when the file shows it."""
    dataset = dataloader_arg(call, "dataset")
    if dataset is None:
        return None
    model, rel = tracker.facts.model, tracker.context.path  # type: ignore[attr-defined]
    expr = _resolved_dataset(dataset.value, tracker.assigned)
    # a parameter, as written or through local names (`def train(args, train_dataset)`), or
    # `self.train_dataset` that `__init__` set from one: what every call or construction passes
    module = tracker.context.module  # type: ignore[attr-defined]
    slot = tracker.argument_slot(dataset.value, module) \
        or (tracker.argument_slot(expr, module) if isinstance(expr, cst.Name) else None)
    if slot is not None:
        built = model.argument_builder(rel, *slot)
        return built.rsplit(".", 1)[-1] if built else None
    if isinstance(expr, (cst.List, cst.ListComp, cst.Tuple)):
        return "list"  # `cifar2 = [(img, label) for img, label in cifar10 if ...]`: samples in a Python list
    if isinstance(expr, cst.Call):
        # `train_dataset = load_and_cache_examples(...)`: the class the project factory builds and
        # returns (`TensorDataset`), else the name called
        written = cst_dotted_name(expr.func)
        built = model.returned_call(model.qualify(written, rel), rel) if written else None
        return built.rsplit(".", 1)[-1] if built else call_name(expr)
    key = cst_dotted_name(expr) if expr is not None else None
    if key and key in tracker.unpacked:
        # `train_set, val_set = data.get_cifar10(...)`: the class the factory built that item with
        call, index = tracker.unpacked[key]
        written = cst_dotted_name(call.func)
        built = model.returned_item(model.qualify(written, rel), index, rel) if written else None
        return built.rsplit(".", 1)[-1] if built else None
    return None


def is_synthetic_dataset(call: cst.Call, tracker: BindingTracker) -> bool:
    """Random/dummy/fake data (demos, tests, benchmarks): order and loading speed don't matter.

    Judged by the dataset's name or class (`RandomDataset`, `FakeData`, `self.random_train`) and
    by the enclosing class (`BoringDataModule`).
    """
    dataset = dataloader_arg(call, "dataset")
    names = list(tracker.class_stack)
    if dataset is not None:
        names += [last_segment(dataset.value) or "", dataset_class_name(call, tracker) or ""]
    return any(_SYNTHETIC.search(n) for n in names)
