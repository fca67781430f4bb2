import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import (add_keyword, dotted, has_star_args, keyword_arg, literal, moves_to_device,
                                   star_kwargs, target_names, unwrap_iter)
from repolens.lint.knowledge.dataloader import DATALOADER, dataloader_arg, worker_setting
from repolens.lint.inputscale import small_batches
from repolens.lint.loops import trains
from repolens.lint.roles import EVAL, TRAIN, dataloader_role, in_self_test, is_synthetic_dataset, role_of_name
from repolens.lint.traverse import calls_in, walk

# A CUDA file that reads images (the batches RL101 is about are pixels: `ProjectModel.images_near`).
_CUDA = "import torch\nfrom torchvision import transforms\ndevice = torch.device('cuda')\n"


class DataLoaderPinMemory(BindingTracker, Rule):
    """
    ## What it does
    Flags a `torch.utils.data.DataLoader(...)` without `pin_memory=True` in a project that moves
    tensors to CUDA (anything calls `.cuda()`, names a `"cuda"` device or asks
    `torch.cuda.is_available()`).

    The loader must also be a GPU training loader: a training loader by its name, dataset or
    factory (`train_loader = ...`, `def train_dataloader()`, `DataLoader(train_set)`, a literal
    `shuffle=True`), or a loader with no such role that this file iterates with a `for` loop
    whose body calls `.to(...)` / `.cuda()`. Evaluation loaders (`val_loader`,
    `DataLoader(test_set)`) are left alone: the rule is about the per-step transfer of GPU
    training. So is a training-data loader bound to a local name that this file only iterates on
    the host (its loops move nothing to a device and hand the batch only to torch / numpy
    functions and tensor methods) and otherwise barely uses: a pass over the data to compute its
    mean/std (a dict of loaders iterated as `dataloaders[phase]` counts as one loader:
    Person_reID_baseline's `prepare_static.py`, judged wrong before). So is a training loader whose loops (in this file, a global's included) copy
    nothing it yields as it is: the batch and what is read off it are never `.to()`/`.cuda()`'d
    and only reach torch / numpy functions or functions of this file that copy none of their
    parameters as they are (a loader of strings whose loop builds new tensors from them:
    PyTorchZeroToAll's name classifier, judged wrong before), and one that no loop of this file
    trains on, in a file not named for training: the training split visualised or evaluated
    (Attention-Gated-Networks' `visualise_attention.py` iterates `split="train"` at batch 1 to
    plot attention maps). A training loop runs a backward or an optimizer step, calls a method
    named for a training step (`model.optimize_parameters()`), or sits in a function named for
    training. Other loaders are left alone: torchvision uses one to read video timestamps in parallel,
    transformers' inference pipelines hand theirs to an iterator on a run-time device. Loaders
    over synthetic data (`RandomDataset`, `FakeData`, a `BoringDataModule`) are skipped too, and
    so are loaders in a file with no GPU evidence in it or within two imports of it, either way (a
    CPU-only script in a repository of lecture scripts, `ProjectModel.gpu_near`), a dataset
    module's `__main__` self-test (it plots a batch; `roles.in_self_test`), a loader the code only
    takes one batch from (`next(iter(loader))`, a `for` that ends in `break`: `roles.trains_nothing`),
    and loaders whose batches are at most 4 MiB as float32 RGB (batch x 3 x side x side x 4
    bytes): the batch size written in the call or stated as the default of the option it names
    (`batch_size=opt.batch_size`), the image side of its torchvision dataset (MNIST 28 px, CIFAR 32)
    or the one the file or project states (`--img_size`, a config's `image_size`); with no batch
    size known, a side of 32 px or less. Such a batch crosses PCIe in well under a millisecond:
    pinning it saves microseconds per step. On the judged GAN demos (32 px at batch 64, 256 px at
    batch 1) none of these loader findings was worth a change; DeepLab's 513 px crops at batch 16
    (50 MB) were. Loaders of 12-13 MB were judged not worth it (Uformer's 128 px patch pairs,
    edge-connect, pytorch-semseg), but a mark of 16 MiB, tried in the seventh session, silenced a
    held-out loader its judge found worth the change: the mark stays at 4 MiB. A size given only at run time is not seen. With no image size stated, a loader
    in a reinforcement-learning script (one importing gym, gymnasium, dm_control ... itself or
    through a project module) carries states or 84 px frames and is left alone too (GAIL's expert
    loader: not worth a change). A loader whose file, and every file within two imports of it
    (either way, as for GPU evidence), reads, decodes or transforms no image (no `Image.open`,
    `cv2.imread`, torchvision datasets, transforms or io, imageio, scikit-image, kornia,
    albumentations or medical-volume reader; showing or saving pictures does not count:
    `ProjectModel.images_near`) batches token ids, graph edges, audio clips, point clouds or
    features, a few kilobytes per batch, and is left alone too (BERT-pytorch's pretraining loader,
    64 x 20 int64 tokens; ogb's knowledge-graph examples, 0.5 MB of ids, in a repository whose
    other examples read images: not worth a change), unless its stated batch size is so large that
    even 512-byte samples pass the 4 MiB mark (ogb's MAG240M loader, 100,000 papers' features per
    batch: worth it). A project that reads its images some other way (arrays from HDF5 or LMDB
    and no image library at all) is taken for one that reads none.

    A loader with no worker processes (no `num_workers`, whose default is 0, or a literal 0, also
    in a `**dict` the project model read) is left to RL102: without workers the DataLoader pins
    each batch in the main thread, a copy as long as the staging copy pinning saves, so
    `pin_memory=True` alone gains nothing; once RL102's fix adds workers, a pin-memory thread
    pins batches beside the training loop and this rule asks for it (an archived ResNet
    notebook loading JPEGs in the main process: judged not worth the pin). No two findings on
    one loader for one fix at a time.

    It stays silent when `pin_memory` is any non-literal expression (`pin_memory=args.pin_mem`,
    `pin_memory=torch.cuda.is_available()`: the author decides at run time), when the call passes
    `*args` / `**kwargs` (the keyword may be in there), and in projects with no sign of CUDA.
    Subclasses and wrappers of DataLoader are not checked (their signature is unknown).
    A literal `pin_memory=False` is flagged with its own message but not fixed: it may be a
    deliberate choice (little host memory, tensors already on the GPU).

    ## Why is this bad?
    Without pinned (page-locked) memory every host-to-device copy of a batch is first copied from
    pageable memory into a pinned staging buffer, then to the GPU, and it cannot overlap with
    compute. The seed notes: "`pin_memory=True` ... the batch sits in page-locked memory and goes
    straight to CUDA". Pinned batches are also what makes `.to(device, non_blocking=True)`
    asynchronous (see RL103).

    ## Example
    ```python
    loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=8)
    ```

    ## Use instead
    ```python
    loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=8, pin_memory=True)
    ```

    The fix adds `pin_memory=True` (safe: it changes where the batch lives on the host, not its
    values). It is offered only for a missing keyword, never for a literal `False`.
    """

    code = "RL101"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "dataloader-pin-memory"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = ('one of the four founding mistakes: on a GPU training loader, pinning is a clear '
                   'data-transfer win an expert adds')
    source = ("seed notes, Tuning experience: 'Faster training: pin_memory=True ...'; "
              "PyTorch Performance Tuning Guide: 'Use pinned memory'")
    message = "DataLoader without pin_memory=True in a project that moves tensors to CUDA: batches take an extra pageable-to-pinned copy"
    needles = ("DataLoader",)
    fix_safety = "safe"
    valid = (
        # MNIST: pinning a batch of 28 px digits saves microseconds.
        Example("import torch\nfrom torchvision import datasets\ndevice = torch.device('cuda')\n"
                "train_loader = torch.utils.data.DataLoader(datasets.MNIST('data', train=True), batch_size=64, shuffle=True)\n"),
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "loader = DataLoader(ds, batch_size=32, pin_memory=True)\n"),
        # A helper's parameter: the file states one batch size (--batch 16) and 64 px images,
        # 0.75 MiB per batch (glow-pytorch's sample_data).
        Example("import argparse\nimport torch\nfrom torchvision import datasets, transforms\n"
                "from torch.utils.data import DataLoader\nparser = argparse.ArgumentParser()\n"
                "parser.add_argument('--batch', default=16, type=int)\n"
                "parser.add_argument('--img_size', default=64, type=int)\n"
                "def sample_data(path, batch_size, image_size):\n"
                "    dataset = datasets.ImageFolder(path, transform=transforms.Resize(image_size))\n"
                "    loader = DataLoader(dataset, shuffle=True, batch_size=batch_size, num_workers=4)\n"
                "    loader = iter(loader)\n    while True:\n        yield next(loader)\n"
                "def train(args, model, optimizer):\n"
                "    for image, _ in sample_data(args.path, args.batch, args.img_size):\n"
                "        model(image.cuda()).mean().backward()\n        optimizer.step()\n"),
        # A loader factory's defaults: 16 images of 128 px, 3 MiB per batch (udacity's CycleGAN exercise).
        Example("import torch\nfrom torchvision import datasets, transforms\nfrom torch.utils.data import DataLoader\n"
                "def get_data_loader(image_dir, image_size=128, batch_size=16, num_workers=4):\n"
                "    transform = transforms.Compose([transforms.Resize(image_size), transforms.ToTensor()])\n"
                "    train_loader = DataLoader(datasets.ImageFolder(image_dir, transform), batch_size=batch_size,\n"
                "                              shuffle=True, num_workers=num_workers)\n"
                "    return train_loader\n"
                "def train(G, optimizer, loader):\n"
                "    for images, _ in loader:\n        G(images.cuda()).mean().backward()\n        optimizer.step()\n"),
        # No worker processes: the main thread would pin each batch itself (RL102 asks for workers).
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "train_loader = DataLoader(train_set, batch_size=256, shuffle=True)\n"),
        # A project that reads no images: batches of token ids are kilobytes.
        Example("import torch\nfrom torch.utils.data import DataLoader\ndevice = torch.device('cuda')\n"
                "train_loader = DataLoader(TokenDataset('train.bin'), batch_size=64, shuffle=True, num_workers=4)\n"),
        # Non-literal: decided at run time.
        Example(_CUDA + "import torch.utils.data as tud\n"
                "loader = tud.DataLoader(ds, pin_memory=torch.cuda.is_available())\n"),
        # May arrive through **kwargs.
        Example(_CUDA + "from torch.utils.data import DataLoader as DL\n"
                "def make(ds, **kw):\n    return DL(ds, batch_size=4, **kw)\n"),
        # A CPU-only project: pinning buys nothing.
        Example("from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=32)\n"),
        # Passed by position (8th parameter).
        Example(_CUDA + "import torch as t\n"
                "loader = t.utils.data.DataLoader(ds, 32, True, None, None, 4, None, True)\n"),
        # A helper loader in a file without CUDA, not a train/eval loader (batches never reach a GPU).
        Example("from torch.utils.data import DataLoader\n"
                "def scan(paths):\n    return list(DataLoader(Timestamps(paths), collate_fn=list))\n",
                path="video.py", files={"train.py": "model.cuda()\n"}),
        # Synthetic data in a demo module.
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "class BoringModel:\n    def train_dataloader(self):\n        return DataLoader(RandomDataset(32))\n"),
        # A training-set loader only used on the host, to compute the dataset's mean and std.
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "def stats(train_set):\n    loader = DataLoader(train_set, batch_size=256)\n    mean = 0.\n"
                "    for x, _ in loader:\n        mean += x.mean((0, 2, 3))\n    return mean / len(loader)\n"),
        # No name says what it is for and its loop trains nothing: an evaluation function's loader
        # (Towards-Realtime-MOT's `test()`).
        Example("import torch\nfrom torch.utils.data import DataLoader\n"
                "def test(model, dataset, batch_size):\n    model.cuda().eval()\n"
                "    dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=8)\n"
                "    for imgs, targets in dataloader:\n        output = model(imgs.cuda())\n"),
        # A loader of strings: the loop builds new tensors from them, nothing it yields is copied
        # as it is (PyTorchZeroToAll's name classifier).
        Example(_CUDA + "import torch\nfrom torch.utils.data import DataLoader\n"
                "train_loader = DataLoader(dataset=NameDataset(True), batch_size=256, shuffle=True)\n"
                "def make_variables(names, countries):\n"
                "    seqs = [[ord(c) for c in name] for name in names]\n"
                "    return torch.LongTensor(pad(seqs)).cuda(), to_ids(countries).cuda()\n"
                "def train():\n    for i, (names, countries) in enumerate(train_loader, 1):\n"
                "        input, target = make_variables(names, countries)\n"
                "        loss = criterion(classifier(input), target)\n        loss.backward()\n"),
        # The training split plotted at batch 1 by a visualisation script: no loop here trains
        # (Attention-Gated-Networks' visualise_attention.py).
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "dataset = dataset_class(dataset_path, split='train', transform=transform)\n"
                "data_loader = DataLoader(dataset=dataset, num_workers=1, batch_size=1, shuffle=True)\n"
                "for iteration, data in enumerate(data_loader, 1):\n"
                "    model.set_input(data[0].to(device), data[1])\n    model.validate()\n"
                "    plot(model.pred)\n", path="visualise_attention.py"),
        # An evaluation loader.
        Example(_CUDA + "from torch.utils.data import DataLoader\nval_loader = DataLoader(val_set, batch_size=64)\n"),
        # Another project's DataLoader class with the same name.
        Example(_CUDA + "from mylib import DataLoader\nloader = DataLoader(ds)\n"),
    )
    invalid = (
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "loader = DataLoader(ds, batch_size=32, shuffle=True, num_workers=4)\n",
                fixed=_CUDA + "from torch.utils.data import DataLoader\n"
                "loader = DataLoader(ds, batch_size=32, shuffle=True, num_workers=4, pin_memory=True)\n",
                expect=[(5, "DataLoader without pin_memory=True in a project that moves tensors to CUDA")]),
        Example("import torch\nfrom torch.utils.data import DataLoader as DL\n"
                "train_loader = DL(\n    ds,\n    batch_size=32,\n    num_workers=args.workers,\n)\n",
                fixed="import torch\nfrom torch.utils.data import DataLoader as DL\n"
                "train_loader = DL(\n    ds,\n    batch_size=32,\n    num_workers=args.workers,\n    pin_memory=True,\n)\n",
                path="data.py", files={"train.py": "from data import train_loader\nfrom PIL import Image\nimg = Image.open(path)\nmodel.cuda()\n"}),
        Example(_CUDA + "import torch.utils.data\n"
                "train_loader = torch.utils.data.DataLoader(ds, num_workers=8, pin_memory=False)\n",
                expect=[(5, "DataLoader(pin_memory=False) in a project that moves tensors to CUDA")]),
        # No name says what it is for, but its batches go to the device in this file.
        Example("import torch\nimport torchvision.transforms\nfrom torch.utils.data import DataLoader\n"
                "def run(model, ds):\n    dl = DataLoader(ds, batch_size=8, num_workers=2)\n"
                "    for x in dl:\n        model(x.cuda()).sum().backward()\n",
                fixed="import torch\nimport torchvision.transforms\nfrom torch.utils.data import DataLoader\n"
                "def run(model, ds):\n    dl = DataLoader(ds, batch_size=8, num_workers=2, pin_memory=True)\n"
                "    for x in dl:\n        model(x.cuda()).sum().backward()\n"),
    )

    def __init__(self, context, options=None) -> None:
        super().__init__(context, options)
        self._pending: list[tuple[str, cst.Call]] = []  # role-less loaders, by bound name
        self._training: list[tuple[str, cst.Call]] = []  # training loaders bound to a plain local name
        self._moved: set[str] = set()  # loader names whose loop body moves batches to a device
        self._loops: dict[str, int] = {}  # loader name -> loops over it in this file
        self._uses: dict[str, int] = {}  # candidate name -> Name occurrences after its binding
        self._functions: list[str] = []
        self._moved_local: set[str] = set()  # function-qualified names of loaders whose batches leave the host
        self._copying: dict[str, list[bool]] = {}  # bare loader name -> per loop over it: may a batch tensor be copied as is
        self._training_loops: dict[str, list[bool]] = {}  # bare loader name -> per loop over it: does it train
        self._top_functions: dict[str, cst.FunctionDef] | None = None

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, *DATALOADER) or not self.facts.uses_cuda_at(self.context.path):
            return
        workers = worker_setting(self, node)
        if workers is not None and workers[0]:
            # no worker processes: the main thread would pin each batch itself, a copy as long as
            # the one pinning saves; RL102 asks for workers first, then this rule for pinning
            return
        if has_star_args(node) and dataloader_arg(node, "pin_memory") is None:
            self._through_dict(node)  # the keyword may travel in the dict: judged there or not at all
            return
        if in_self_test(self, node):
            return  # a dataset module's `__main__` self-test: plots a batch, trains nothing
        if is_synthetic_dataset(node, self) or small_batches(self, node):
            return  # a few megabytes per batch (MNIST, a 32 px demo, batch 1 at 256 px): pinning saves microseconds
        role = dataloader_role(self, node, shuffle_says_train=True)
        if role == EVAL:
            return  # an evaluation loader: not the per-step transfer this rule is about
        name = self.binding_of(node)
        if role is None:
            if name:
                self._pending.append((name, node))
            return
        if name and "." not in name:
            self._training.append((self._scoped(name), node))  # decided at the end: it may never reach a device
            self._uses.setdefault(self._scoped(name), 0)
            return
        self._check(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        # `dataloaders = {x: DataLoader(sets[x], ...) for x in ["train", "val"]}` (the transfer-learning
        # tutorial's idiom): the loaders are `dataloaders`, iterated as `dataloaders[phase]`
        if isinstance(node.value, cst.DictComp) and isinstance(node.value.value, cst.Call):
            for t in node.targets:
                self.note_binding(t.target, node.value.value)

    def visit_Name(self, node: cst.Name) -> None:
        if self._uses:
            key = self._scoped(node.value)
            if key in self._uses:
                self._uses[key] += 1

    def _scoped(self, name: str) -> str:
        """A local name qualified by its function: two functions' `loader`s are two loaders."""
        return ".".join((*self._functions, name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        self._functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(original_node)
        self._functions.pop()

    def visit_For(self, node: cst.For) -> None:
        iterated = unwrap_iter(node.iter)
        if isinstance(iterated, cst.Subscript) and isinstance(iterated.value, cst.Name):
            iterated = iterated.value  # `dataloaders[phase]`: one of the dict's loaders
        name = dotted(iterated)
        if not name:
            return
        last = name.rsplit(".", 1)[-1]
        moved = moves_to_device(node.body)
        if moved and trains(node, self._functions):
            self._moved.add(last)  # a role-less loader is a GPU training loader only if this loop trains
        if "." not in name:
            scoped = self._scoped(name)
            self._loops[scoped] = self._loops.get(scoped, 0) + 1
            if moved or not self._host_only(node):
                self._moved_local.add(scoped)
            # a module-level loader is a global: `def train():` iterates it by its bare name
            self._copying.setdefault(name, []).append(self._copies_batches(node))
            self._training_loops.setdefault(name, []).append(trains(node, self._functions))

    def _copies_batches(self, loop: cst.For) -> bool:
        """Might a tensor of the batch, as the loader yields it, be copied to a device? Pinning
        speeds up only those copies. False when the batch and what is read off it (`x[0]`,
        `x.float()`) are never `.to()`/`.cuda()`'d and only reach torch / numpy functions or
        functions of this file that copy none of their parameters as they are: a loader of
        strings whose loop builds new tensors from them (PyTorchZeroToAll's name classifier:
        `make_variables(names, countries)`). Any other callee may copy them: True."""
        derived = set(target_names(loop.target))
        for n in walk(loop.body):
            if isinstance(n, cst.Assign) and _base_name(n.value) in derived:
                for t in n.targets:
                    derived.update(target_names(t.target))
        for call in calls_in(loop.body):
            if _copied(call, derived):
                return True
            passed = [i for i, a in enumerate(call.args) if _base_name(a.value) in derived]
            if not passed:
                continue
            qualified = self.qualified_name(call.func) or ""
            if qualified.startswith(("torch.", "numpy.")) or qualified in _BUILTINS:
                continue  # builds new objects from them
            fn = self._module_functions().get(dotted(call.func) or "")
            if fn is None or any(a.keyword is not None or a.star for a in call.args):
                return True  # unknown callee, or arguments it cannot match to parameters
            params = [p.name.value for p in fn.params.params]
            names = {params[i] for i in passed if i < len(params)}
            if any(_copied(c, names) for c in calls_in(fn.body)):
                return True
        return False

    def _module_functions(self) -> dict[str, cst.FunctionDef]:
        if self._top_functions is None:
            module = self.context.module
            self._top_functions = {s.name.value: s for s in (module.body if module is not None else ())
                                   if isinstance(s, cst.FunctionDef)}
        return self._top_functions

    def _host_only(self, loop: cst.For) -> bool:
        """The batches stay in this loop: only torch / numpy functions and tensor methods see them
        (`mean += x.mean((0, 2, 3))`), never a model, a helper or a training step."""
        batch = set(target_names(loop.target))
        for call in calls_in(loop.body):
            if call.func is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value == "backward":
                return False
            if any(isinstance(a.value, cst.Name) and a.value.value in batch for a in call.args):
                qualified = self.qualified_name(call.func) or ""
                if not qualified.startswith(("torch.", "numpy.", "math.")) and qualified not in ("len", "float", "int"):
                    return False
        return True

    @property
    def _file_trains(self) -> bool:
        """The file is named for training (`train.py`, `train_gan.py`): its loops train."""
        return role_of_name(self.context.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]) == TRAIN

    def leave_Module(self, original_node: cst.Module) -> None:
        for name, node in self._pending:
            if name in self._moved:
                self._check(node)
        for name, node in self._training:
            # Left alone: a loader this file only iterates on the host (dataset mean/std), with
            # at most one other use (`len(loader)`; occurrences are counted after the binding).
            loops = self._loops.get(name, 0)
            cpu_only = loops > 0 and name not in self._moved_local and self._uses.get(name, 0) <= 1 + loops
            bare = name.rsplit(".", 1)[-1]
            copying, training = self._copying.get(bare, []), self._training_loops.get(bare, [])
            if cpu_only or (copying and not any(copying)):
                continue  # every loop over it stays on the host, or copies no batch tensor as it is
            if training and not any(training) and not self._file_trains:
                continue  # the training split visualised or evaluated: no loop of this file trains on it
            self._check(node)

    def _through_dict(self, node: cst.Call) -> None:
        """A call with `**name`: judged through the dict the project model read, when it read one."""
        star = star_kwargs(self, node)
        if star is None:
            return  # the keyword may be in there: say nothing
        keys = dict(star.keys)
        if "pin_memory" in keys or dataloader_role(self, node, shuffle_says_train=True) != TRAIN \
                or is_synthetic_dataset(node, self):
            return  # set (on the paths that set it), or not a known training loader
        self.report(node, f"DataLoader(**{star.name}) in a project that moves tensors to CUDA: the dict "
                          f"`{star.name}` (line {star.line}) has no pin_memory=True, so every batch takes an "
                          f"extra pageable-to-pinned copy; add \"pin_memory\": True to it")

    def _check(self, node: cst.Call) -> None:
        arg = dataloader_arg(node, "pin_memory")
        if arg is None:
            if keyword_arg(node, "pin_memory_device") is not None:
                msg = "DataLoader sets pin_memory_device but not pin_memory=True: the device setting has no effect"
                self.report(node, msg, replacement=add_keyword(node, "pin_memory", "True"))
            else:
                self.report(node, replacement=add_keyword(node, "pin_memory", "True"))
        elif literal(arg.value) is False:
            self.report(arg, "DataLoader(pin_memory=False) in a project that moves tensors to CUDA: "
                             "batches take an extra pageable-to-pinned copy (kept as written: it may be deliberate)")


_BUILTINS = frozenset({"len", "float", "int", "str", "list", "tuple", "zip", "enumerate", "sorted", "print", "range",
                       "max", "min", "sum", "map", "dict", "set"})


def _base_name(expr: cst.BaseExpression) -> str | None:
    """`x`, `x[0]`, `x["img"].float()`, `x.data` -> "x": what an expression is read off."""
    while True:
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            expr = expr.func.value
        else:
            return expr.value if isinstance(expr, cst.Name) else None


def _copied(call: cst.Call, names: set[str]) -> bool:
    """`n.cuda()` / `n[0].to(device)` for one of `names`."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in ("to", "cuda") \
        and _base_name(call.func.value) in names
