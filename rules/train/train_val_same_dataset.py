"""RL325 train-val-same-dataset: validation on the training data, or a split that changes every run."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker, assigned_values
from repolens.lint.helpers import argument, dotted, has_star_args, keyword_arg, star_kwargs
from repolens.lint.knowledge.dataloader import DATALOADER, dataloader_arg
from repolens.lint.roles import EVAL, TRAIN, dataloader_role
from repolens.lint.traverse import walk
from repolens.lint.trainflow import is_test_path

RANDOM_SPLIT = ("torch.utils.data.random_split", "torch.utils.data.dataset.random_split")


class TrainValSameDataset(BindingTracker, Rule):
    """
    ## What it does
    Flags two ways validation data leaks into training:

    1. One dataset object fed to both a training and a validation DataLoader (roles from the
       loaders' names, `train_loader` / `val_loader`, or their factories), in one function or at
       module level: both calls name the same variable and it was not re-bound between them (a
       name bound by unpacking, `train_set, val_set = random_split(...)`, counts when the scope
       binds it only there).
       Loaders that pass `sampler=` / `batch_sampler=` (disjoint `SubsetRandomSampler`s over one
       dataset) or `*args` are not flagged; a `**name` counts only when the project model read
       the dict whole (`loader_args = dict(batch_size=..., pin_memory=True)`, as in UNet's
       train.py) and it holds no `dataset`, `sampler` or `batch_sampler` key.
    2. `random_split(...)` without a `generator=` (or with `torch.Generator()` that is never
       seeded) in a project that seeds nothing: each run, and each resumed run, draws another split.

    ## Why is this bad?
    Validating on the training samples measures memorisation, not generalisation: the validation
    loss keeps falling while the model overfits, and early stopping or model selection picks the
    wrong checkpoint. An unseeded split puts former validation samples into the training set of
    the next run (or of a resumed run), so the reported validation score is inflated.

    ## Example
    ```python
    dataset = ImageFolder(root, transform=tfm)
    train_loader = DataLoader(dataset, batch_size=64, shuffle=True)
    val_loader = DataLoader(dataset, batch_size=64)
    ```

    ## Use instead
    ```python
    dataset = ImageFolder(root, transform=tfm)
    train_set, val_set = random_split(dataset, [0.9, 0.1], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=64)
    ```
    """

    code = "RL325"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "train-val-same-dataset"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'validating on the training data reports a meaningless metric (a correctness bug)'
    source = ("Karpathy, \"A Recipe for Training Neural Networks\": set up the train/eval skeleton; "
              "PyTorch docs, torch.utils.data.random_split: `generator` for reproducible splits")
    message = "`{dataset}` feeds both the training loader and this validation loader: validation measures memorisation"
    split_message = "random_split without a seeded generator in a project that seeds nothing: every run draws another train/validation split"
    needles = ("DataLoader", "random_split")

    valid = [
        Example("""
import torch
from torch.utils.data import DataLoader, random_split

train_set, val_set = random_split(ds, [0.9, 0.1], generator=torch.Generator().manual_seed(42))
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
val_loader = DataLoader(val_set, batch_size=64)
"""),
        Example("""
from torch.utils.data import DataLoader, SubsetRandomSampler

def loaders(dataset, train_idx, val_idx):
    train_loader = DataLoader(dataset, batch_size=32, sampler=SubsetRandomSampler(train_idx))
    val_loader = DataLoader(dataset, batch_size=32, sampler=SubsetRandomSampler(val_idx))
    return train_loader, val_loader
"""),
        Example("""
import torch
from torch.utils.data import DataLoader as DL, random_split

torch.manual_seed(0)
train_ds, val_ds = random_split(full, [800, 200])

def build(ds):
    train_loader = DL(ds, shuffle=True)
    ds = load("val")
    val_loader = DL(ds)
"""),
        Example("""
from torch.utils.data import DataLoader

def loaders(dataset, train_idx, val_idx, batch_size):
    train_kwargs = {"batch_size": batch_size, "sampler": SubsetRandomSampler(train_idx)}
    val_kwargs = {"batch_size": batch_size, "sampler": SubsetRandomSampler(val_idx)}
    train_loader = DataLoader(dataset, **train_kwargs)
    val_loader = DataLoader(dataset, **val_kwargs)
"""),
        Example("""
import torch
from torch.utils.data import DataLoader, random_split

def train_model(dataset, batch_size, folds):
    train_set, val_set = random_split(dataset, [0.9, 0.1], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    train_set, val_set = next(folds)
    val_loader = DataLoader(train_set, batch_size=batch_size)
"""),
    ]
    invalid = [
        Example("""
import os
from torch.utils.data import DataLoader

def train_model(model, train_set, val_set, batch_size):
    loader_args = dict(batch_size=batch_size, num_workers=os.cpu_count(), pin_memory=True)
    train_loader = DataLoader(train_set, shuffle=True, **loader_args)
    val_loader = DataLoader(train_set, shuffle=False, drop_last=True, **loader_args)
"""),
        Example("""
import torch
from torch.utils.data import DataLoader, random_split

def train_model(dataset, batch_size):
    train_set, val_set = random_split(dataset, [0.9, 0.1], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(train_set, batch_size=batch_size)
"""),
        Example("""
from torch.utils.data import DataLoader
from torchvision.datasets import ImageFolder

dataset = ImageFolder("data/", transform=tfm)
train_loader = DataLoader(dataset, batch_size=64, shuffle=True)
val_loader = DataLoader(dataset, batch_size=64)
"""),
        Example("""
import torch.utils.data as tud

def get_loaders(full):
    train_ds, val_ds = tud.random_split(full, [0.8, 0.2])
    return tud.DataLoader(train_ds, shuffle=True), tud.DataLoader(val_ds)
"""),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source)
        self._seen: dict[tuple[str, int], tuple[str, cst.Call]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        if self.is_name(node.func, *RANDOM_SPLIT):
            if not has_star_args(node):
                self._check_split(node)
        elif self.is_name(node.func, *DATALOADER):
            if not has_star_args(node) or self._plain_star_dict(node):
                self._check_loader(node)

    def _plain_star_dict(self, node: cst.Call) -> bool:
        """`DataLoader(train_set, shuffle=True, **loader_args)` with `loader_args = dict(batch_size=...)`
        read whole, holding neither the dataset nor a sampler: the call names its dataset itself."""
        star = star_kwargs(self, node)
        return star is not None and not {key for key, _ in star.keys} & {"dataset", "sampler", "batch_sampler"}

    def _check_split(self, node: cst.Call) -> None:
        generator = argument(node, "generator", 2)
        if generator is not None and not _unseeded_generator(generator.value):
            return
        if "seed" in self.facts.train_signals or "seed" in self.context.source:
            return
        self.report(node, self.split_message)

    def _check_loader(self, node: cst.Call) -> None:
        if keyword_arg(node, "sampler") is not None or keyword_arg(node, "batch_sampler") is not None:
            return
        dataset = dataloader_arg(node, "dataset")
        name = dotted(dataset.value) if dataset is not None else None
        role = dataloader_role(self, node)
        if not name or role not in (TRAIN, EVAL):
            return
        bound = self.assigned.get(name)
        if bound is None:
            bound = self._unpacked_once(name)
        if bound is None:
            return  # a lambda parameter or a name this file never binds: which object it is is unknown
        key = (name, id(bound))
        other = self._seen.get(key)
        if other is not None and other[0] != role:
            self.report(node if role == EVAL else other[1], self.message.format(dataset=name))
            return
        self._seen.setdefault(key, (role, node))

    def _unpacked_once(self, name: str) -> cst.CSTNode | None:
        """The scope, when it binds `name` exactly once by unpacking (`train_set, val_set =
        random_split(...)`): every use of the name in it is then the same object."""
        scope = self.current_scope(self.context.module)
        values = assigned_values(scope, name)
        return scope if values == [None] and not _is_parameter(scope, name) else None


def _is_parameter(scope: cst.CSTNode, name: str) -> bool:
    return isinstance(scope, cst.FunctionDef) and any(
        p.name.value == name for p in (*scope.params.posonly_params, *scope.params.params, *scope.params.kwonly_params))


def _unseeded_generator(expr: cst.BaseExpression) -> bool:
    """`torch.Generator()` with no `.manual_seed(...)` in the expression."""
    if not isinstance(expr, cst.Call) or (dotted(expr.func) or "").rsplit(".", 1)[-1] != "Generator":
        return False
    return not any(isinstance(n, cst.Attribute) and n.attr.value == "manual_seed" for n in walk(expr))
