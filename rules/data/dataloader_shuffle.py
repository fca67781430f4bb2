import re

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import call_name, code_of, has_star_args, literal, star_kwargs
from repolens.lint.knowledge.dataloader import DATALOADER, dataloader_arg
from repolens.lint.reach import iterating_loop, uses_after
from repolens.lint.roles import (EVAL, TRAIN, dataloader_role, dataset_class_name, handed_to_evaluation,
                                 is_synthetic_dataset, passed_to, role_of_name)
from repolens.project.model import Definition
from repolens.project.moduleinfo import named_for_training, trains_in

# Datasets that stream: DataLoader refuses shuffle=True for them (the dataset orders itself).
STREAMING_HINTS = ("Iterable", "Stream", "WebDataset", "DataPipe", "IterDataPipe")


def _trains_with(use: cst.Name, above: tuple[cst.CSTNode, ...]) -> bool:
    """This use of a loader trains on it: a `for` over it whose body calls `.backward(` and a
    `step(`, or an argument of a call named for training (`train_epoch(model, loader)`)."""
    at = iterating_loop(use, above)
    if at is not None and trains_in(code_of(above[at].body)):  # type: ignore[attr-defined]
        return True
    return any(passed_to(above, depth) and named_for_training(call_name(a) or "")
               for depth, a in enumerate(above))


# A loader's dataset reshuffled by the project's own method (`train_dl.dataset.shuffleSamples()`).
SELF_SHUFFLE = re.compile(r"\.dataset\.shuffle\w*\(", re.I)
# `shuffle_list(dataset.ans_list)`, `random.shuffle(train_loader.dataset.samples)`: a list some
# dataset holds, shuffled in place, with the object's name and the attribute's.
SHUFFLED_ATTRIBUTE = re.compile(r"\bshuffle\w*\(\s*([\w.]+)\.(\w+)\s*[,)]", re.I)
# outlier-exposure's training loop: each epoch starts the outlier loader's dataset at a random offset
_OFFSET_EACH_EPOCH = """

def train(net, optimizer, train_loader_in):
    train_loader_out.dataset.offset = np.random.randint(len(train_loader_out.dataset))
    for in_set, out_set in zip(train_loader_in, train_loader_out):
        optimizer.zero_grad()
        net(torch.cat((in_set[0], out_set[0]), 0)).mean().backward()
        optimizer.step()
"""
# `<loader>.dataset.<attr> = <a random draw>` (`loader.dataset.offset = np.random.randint(n)`),
# with the loader's name and the attribute's: the dataset's own class may read it to start its
# order somewhere new.
RANDOM_ATTRIBUTE = re.compile(r"([\w.]+)\.dataset\.(\w+)\s*=[^\n]*\brand(?:om|int|n|perm)?\b")


class DataLoaderShuffle(BindingTracker, Rule):
    """
    ## What it does
    Flags a training `DataLoader(...)` that neither shuffles (`shuffle=True`) nor takes a
    `sampler` / `batch_sampler`.

    Training and evaluation loaders are recognised as in RL102 (bound name, dataset name or
    split arguments, loader factory name), never by the `shuffle` argument itself.
    It stays silent for a non-literal `shuffle`, for calls that pass `*args` / `**kwargs`, for
    datasets that stream (IterableDataset subclasses of the project, `WebDataset`, datapipes:
    shuffling is theirs to do, and `shuffle=True` is an error there), for synthetic data (by name, or a
    dataset class of the project whose `__getitem__` ignores its index and draws at random:
    captcha_break's generator of random captchas, three judged wrong), and for a
    dataset of the project that orders itself: its class has a `shuffle*` method (dlwpt's LUNA
    datasets), or the loop gives the loader's dataset a random attribute the project's code reads
    (`train_loader_out.dataset.offset = np.random.randint(n)` each epoch, outlier-exposure's
    80-million-image TinyImages indexing from `self.offset`: six judged wrong), or the file
    shuffles in place a list the loader's dataset holds and a dataset `__getitem__` of the project
    reads (`shuffle_list(dataset.ans_list)` before every epoch: mcan-vqa's "external" shuffle mode,
    judged wrong in the thirtieth set). The same line on a library dataset (`ImageFolder`, which
    has no `offset`) is still reported: nothing reorders it.

    An evaluation loader with `shuffle=True` is not reported: a metric averaged over the whole set
    does not depend on the order, and on real code such loaders mostly feed a sample grid or a few
    printed examples (`next(iter(val_loader))`), where shuffling is the point (13 of 13 judged
    findings of the former evaluation variant were wrong for that reason).

    A loader the code only takes one batch from (`next(iter(loader))`, or a `for` over it that
    ends in `break`: a dataset module's peek at its first batch) has no training role and is left
    alone (`roles.trains_nothing`; kuangliu's pytorch-retinanet, judged wrong before; also a
    loader rebuilt per task in a loop to show a batch of each, up to the name's next binding),
    nor one whose batches a loop only summarises (every call in it a torch / NumPy reduction, an
    `append`, a `print`: AST's `get_norm_stats.py` averaging a `train_loader` with `shuffle=False`
    for its normalisation constants, judged wrong), nor one whose batches a loop, in no function
    named for training, only turns into files (`np.save`, `torch.save`, `pickle.dump`, a `write`
    / `put`) with no backward, optimizer step or training call: an extraction pass, whose order
    does not matter (U-ViT's `extract_imagenet_feature.py` encoding the training split once to
    latents, judged wrong in the twenty-ninth set), nor one never read in a scope that iterates
    another loader (Medical-Transformer's `test.py`: judged wrong for RL102), nor one its
    module-level factory returns as an item of a tuple that no caller in the project reads
    (TransReID's `make_dataloader` returns `train_loader_normal`, which neither train.py nor
    test.py unpacks into a name they read: judged wrong; `roles.returned_unread`,
    `ProjectModel.unread_returned_item`).
    Nor is an explicit `shuffle=False` over the training set reported when only the dataset said
    "train", the loader's own name does not, and no training loop (a `backward` and a `step`) or
    function named for training (`train_epoch(model, loader)`) takes it: a pass that trains
    nothing, in an order that does not matter (FROMP's `memorable_loader` handed to
    `update_fisher`, continual-learning; judged wrong). A loader named `train_loader` with
    `shuffle=False` is still reported (pytorch-vqvae: judged worth a change four times), unless
    every use hands it to a function named for evaluation (DeepCluster's `evaluate(train_loader,
    model, ...)` scoring the training split at batch 1: judged wrong) or iterates it with gradients
    off: under `with torch.no_grad():`, or in a function that said `torch.set_grad_enabled(False)`
    before the loop (hendrycks' `get_C_hat_transpose()` scoring the trusted training subset in the
    order of its labels: two judged wrong in the thirty-first set; `reach.iterated_without_grad`),
    or that its module-level factory only returns, where neither the factory's file nor any file
    that imports it calls `.backward(` or anything named for training (`ProjectModel.importers_train`:
    loss-landscape's `load_dataset()`, imported only by the scripts that plot the loss surface and
    its Hessian around a trained model; judged wrong in the thirty-sixth set).

    ## Why is this bad?
    Without shuffling every epoch sees the samples in the same order, often sorted by class or
    by source: batches are not i.i.d., the gradient is biased within an epoch and the loss curve
    shows the file order instead of learning.

    ## Example
    ```python
    train_loader = DataLoader(train_set, batch_size=64, num_workers=8)
    ```

    ## Use instead
    ```python
    train_loader = DataLoader(train_set, batch_size=64, num_workers=8, shuffle=True)
    # or, distributed:
    train_loader = DataLoader(train_set, batch_size=64, sampler=DistributedSampler(train_set))
    ```
    """

    code = "RL108"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "dataloader-shuffle"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'a training loader that never shuffles trains on a fixed order (a correctness bug)'
    source = "Karpathy, 'A Recipe for Training Neural Networks' (data pipeline); PyTorch DataLoader docs"
    message = "training DataLoader without shuffle=True or a sampler: every epoch sees the samples in the same order"
    needles = ("DataLoader",)
    valid = (
        # A dataset module's peek at its first batch: it prints and saves it, trains nothing
        # (kuangliu's pytorch-retinanet `datagen.test()`).
        Example("""
import torch
import torchvision


def test():
    dataset = ListDataset(root="images", list_file="./data/voc12_train.txt", train=True, input_size=600)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=False, num_workers=1)
    for images, loc_targets, cls_targets in dataloader:
        print(images.size())
        torchvision.utils.save_image(torchvision.utils.make_grid(images, 1), "a.jpg")
        break
"""),
        Example("from torch.utils.data import DataLoader\n"
                "train_loader = DataLoader(train_set, batch_size=64, shuffle=True)\n"),
        Example("from torch.utils.data import DataLoader as DL\nfrom torch.utils.data import DistributedSampler\n"
                "train_loader = DL(train_set, batch_size=64, sampler=DistributedSampler(train_set))\n"),
        Example("import torch as t\n"
                "train_loader = t.utils.data.DataLoader(train_set, shuffle=sampler is None, sampler=sampler)\n"),
        Example("from torch.utils.data import DataLoader\nval_loader = DataLoader(val_set, batch_size=64)\n"),
        Example("from torch.utils.data import DataLoader, IterableDataset\n"
                "class Stream(IterableDataset):\n    pass\n"
                "train_loader = DataLoader(Stream(), batch_size=64)\n"),
        Example("from torch.utils.data import DataLoader\ndef f(train_set, **kw):\n"
                "    train_loader = DataLoader(train_set, **kw)\n"),
        # The project's dataset starts at a random offset that the loop draws each epoch
        # (outlier-exposure's 80M Tiny Images, read sequentially from one binary file).
        Example("""
import numpy as np
import torch
from tinyimages import TinyImages

train_loader_out = torch.utils.data.DataLoader(TinyImages(), batch_size=256, shuffle=False, num_workers=4)
""" + _OFFSET_EACH_EPOCH, files={"tinyimages.py": "import torch\n\nclass TinyImages(torch.utils.data.Dataset):\n"
                              "    def __init__(self):\n        self.offset = 0\n\n"
                              "    def __getitem__(self, index):\n        return self.load((index + self.offset) % 79302016)\n"}),
        # a dataset that renders a fresh random captcha per item, whatever the index: no order to shuffle
        Example("import torch\nfrom captcha_set import CaptchaDataset\n"
                "train_loader = torch.utils.data.DataLoader(CaptchaDataset(chars, 10000), batch_size=128, num_workers=4)\n",
                files={"captcha_set.py": "import random\nfrom torch.utils.data import Dataset\n\n"
                                         "class CaptchaDataset(Dataset):\n    def __getitem__(self, index):\n"
                                         "        text = ''.join(random.choice(self.chars) for _ in range(4))\n"
                                         "        return self.render(text), text\n"}),
        # a list the dataset indexes, shuffled in place before every epoch (mcan-vqa's external mode)
        Example("import torch\nfrom data_utils import shuffle_list\n"
                "def train(net, dataset, optim):\n"
                "    train_loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=False)\n"
                "    for epoch in range(13):\n        shuffle_list(dataset.ans_list)\n"
                "        for x, y in train_loader:\n            optim.zero_grad()\n            net(x).sum().backward()\n"
                "            optim.step()\n",
                files={"vqa_set.py": "from torch.utils.data import Dataset\n\nclass DataSet(Dataset):\n"
                                     "    def __getitem__(self, idx):\n        return self.ans_list[idx]\n"}),
        # a sample grid drawn from the validation set: shuffling gives a varied grid
        Example("import torch\nval_loader = torch.utils.data.DataLoader(val_set, batch_size=16, shuffle=True)\n"
                "grid = next(iter(val_loader))\n"),
    )
    invalid = (
        Example("from torch.utils.data import DataLoader\ntrain_loader = DataLoader(train_set, batch_size=64)\n"),
        # The same offset drawn for a library dataset, which has no such attribute: nothing reorders it.
        Example("""
import numpy as np
import torch
import torchvision.datasets as dset

train_loader_out = torch.utils.data.DataLoader(dset.ImageFolder("imagenet22k"), batch_size=256, shuffle=False)
""" + _OFFSET_EACH_EPOCH, files={"tinyimages.py": "class TinyImages:\n    def __getitem__(self, index):\n        return index + self.offset\n"}),
        # the index picks the sample (random augmentation on top of it): the order is the loader's
        Example("import torch\nfrom captcha_set import CaptchaDataset\n"
                "train_loader = torch.utils.data.DataLoader(CaptchaDataset(chars, 10000), batch_size=128, num_workers=4)\n",
                files={"captcha_set.py": "import random\nfrom torch.utils.data import Dataset\n\n"
                                         "class CaptchaDataset(Dataset):\n    def __getitem__(self, index):\n"
                                         "        text = self.texts[index] if random.random() < 0.5 else self.texts[index][::-1]\n"
                                         "        return self.render(text), text\n"}),
        Example("import torch.utils.data as tud\nfrom torchvision import datasets\n"
                "loader = tud.DataLoader(datasets.MNIST('.', train=True), batch_size=64, shuffle=False)\n"),
        # a list shuffled in place that no code of the project reads: the loader's order stays fixed
        Example("import torch\nfrom data_utils import shuffle_list\n"
                "def train(net, dataset, optim):\n"
                "    train_loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=False)\n"
                "    for epoch in range(13):\n        shuffle_list(dataset.ans_list)\n"
                "        for x, y in train_loader:\n            optim.zero_grad()\n            net(x).sum().backward()\n"
                "            optim.step()\n"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, *DATALOADER):
            return
        if has_star_args(node):
            if not any(dataloader_arg(node, k) is not None for k in ("shuffle", "sampler", "batch_sampler")):
                self._through_dict(node)  # nothing said at the call: the dict says it, if it is read
                return
            star = star_kwargs(self, node)
            if star is None or {"sampler", "batch_sampler"} & {k for k, _ in star.keys}:
                return  # an unread dict, or one with a sampler, may decide the order
        role = dataloader_role(self, node)
        if role is None or is_synthetic_dataset(node, self):
            return
        shuffle = dataloader_arg(node, "shuffle")
        value = literal(shuffle.value) if shuffle is not None else False
        if role == EVAL:
            return
        if value is not False and value is not None:
            return  # True, or decided at run time
        if dataloader_arg(node, "sampler") is not None or dataloader_arg(node, "batch_sampler") is not None:
            return
        if self._streams(node) or self._reshuffles_itself(node) or self._draws_at_random(node):
            return
        assert role == TRAIN
        if shuffle is not None and self._deliberate_pass(node):
            return
        self.report(node if shuffle is None else shuffle)

    def _deliberate_pass(self, node: cst.Call) -> bool:
        """`memorable = DataLoader(train_dataset, batch_size=6, shuffle=False)` handed to
        `update_fisher(memorable)`: a pass over the training set that is no training (a Fisher
        estimate, features, statistics). Only the dataset said "train"; the loader's own name does
        not, the author wrote `shuffle=False`, and no training loop or training function takes it.
        A loader named for training counts too when every use hands it to an evaluation function
        (DeepCluster's `evaluate(train_loader, model, ...)`: the training split scored at batch 1),
        or when its module-level factory only returns it and neither its file nor any file that
        imports it could train (`ProjectModel.importers_train`: loss-landscape's `load_dataset()`,
        imported by the scripts that plot the loss surface and its Hessian around a trained model)."""
        name = self.binding_of(node)
        module = self.context.module
        if not name or "." in name or module is None:
            return False
        scope = self.current_scope(module)
        # up to the name's next binding: a notebook rebinds `train_loader` with shuffle=True to train
        uses = uses_after(scope, node, name, until_rebound=True)
        if not uses:
            return False
        if role_of_name(name) != TRAIN:
            return not any(_trains_with(use, above) for use, above in uses)
        if all(handed_to_evaluation(use, above) for use, above in uses):
            return True
        return all(any(isinstance(a, cst.Return) for a in above) for _, above in uses) \
            and isinstance(scope, cst.FunctionDef) and any(stmt is scope for stmt in module.body) \
            and self.facts.model.importers_train(self.context.path) is False

    def _through_dict(self, node: cst.Call) -> None:
        """`DataLoader(ds, **kw)`: judged through the dict the project model read, when it did."""
        star = star_kwargs(self, node)
        if star is None or dataloader_role(self, node) != TRAIN or is_synthetic_dataset(node, self):
            return
        keys = dict(star.keys)
        if "sampler" in keys or "batch_sampler" in keys or self._streams(node):
            return
        value = keys.get("shuffle")
        if value is None or value.strip() == "False":
            self.report(node, f"training DataLoader(**{star.name}): the dict `{star.name}` (line {star.line}) "
                              "never sets shuffle=True, so every epoch sees the samples in the same order")
        elif value.strip() == "True" and "shuffle" in star.conditional:
            self.report(node, f"training DataLoader(**{star.name}): shuffle=True is added to `{star.name}` "
                              f"only on some paths (line {star.line} and its updates): on the others "
                              "(often CPU runs) the training data is never shuffled")

    def _reshuffles_itself(self, node: cst.Call) -> bool:
        """The dataset's class (or a project base of it) has a `shuffle*` method: the project orders
        the samples itself, per epoch (dlwpt's LUNA datasets, `train_dl.dataset.shuffleSamples()`
        at the start of each epoch: four findings judged wrong), or the file calls one on a loader's
        dataset, or shuffles in place a list the loader's dataset holds and some `__getitem__` of the
        project reads (`shuffle_list(dataset.ans_list)` before every epoch: mcan-vqa's "external"
        shuffle mode, whose `__getitem__` indexes `self.ans_list`; judged wrong;
        `ProjectModel.indexes_items_by`)."""
        if SELF_SHUFFLE.search(self.context.source):
            return True  # `train_dl.dataset.shuffleSamples()`, the dataset's class chosen at run time
        name = self.binding_of(node)
        dataset = dataloader_arg(node, "dataset")
        owners = {code_of(dataset.value)} if dataset is not None else set()
        if name:
            owners.add(f"{name}.dataset")
        if any(m.group(1) in owners and self.facts.model.indexes_items_by(m.group(2))
               for m in SHUFFLED_ATTRIBUTE.finditer(self.context.source)):
            return True
        found = self._dataset_class(node)
        if found is None:
            return False
        if any(m.lower().startswith("shuffle") for m in self.facts.model.methods_with_bases(found.rel, found.name)):
            return True
        # `train_loader_out.dataset.offset = np.random.randint(len(...))` each epoch, on a dataset of
        # the project whose code reads `offset` (outlier-exposure's TinyImages: `__getitem__` indexes
        # from `self.offset`): the order starts somewhere new every epoch. A library class
        # (ImageFolder) has no such attribute, and its loader is still reported.
        return any(m.group(1) == name and self.facts.loads_attribute(m.group(2))
                   for m in RANDOM_ATTRIBUTE.finditer(self.context.source))

    def _draws_at_random(self, node: cst.Call) -> bool:
        """The dataset's class (of the project) generates each item at random and ignores the index
        (`ProjectModel.draws_at_random`): captcha_break's `CaptchaDataset` renders a new random
        string per `__getitem__`, so there is no order to shuffle (three judged wrong)."""
        found = self._dataset_class(node)
        return found is not None and self.facts.model.draws_at_random(found.rel, found.name)

    def _dataset_class(self, node: cst.Call) -> Definition | None:
        """The project class the loader's dataset is an instance of, when known."""
        cls = dataset_class_name(node, self)
        model, here = self.facts.model, self.context.path
        found = model.resolve(model.qualify(cls, here), here) if cls else None
        return found if found is not None and found.kind == "class" else None

    def _streams(self, node: cst.Call) -> bool:
        cls = dataset_class_name(node, self)
        if cls is None:
            return False
        return self.class_kind(cls) == "iterable-dataset" or any(h in cls for h in STREAMING_HINTS)
