import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.gradoff import GradOffTracker
from repolens.lint.helpers import (add_keyword, dotted, has_star_args, keyword_arg, last_segment, literal,
                                   positional_args, target_names, unwrap_iter)
from repolens.lint.inputscale import LARGE, SMALL, TINY, loader_batch_scale, stated_batch_scale
from repolens.lint.knowledge.dataloader import DATALOADER, UNPINNED_LOADER_MODELS, UNPINNED_SUBCLASSES, dataloader_arg
from repolens.lint.options import off_by_default
from repolens.lint.loops import trains
from repolens.lint.roles import EVAL, TRAIN, dataloader_role, mentions_evaluation, name_tokens, role_of_name
from repolens.lint.traverse import walk
from repolens.project.moduleinfo import pins_in_text
from repolens.pyindex.aliases import cst_dotted_name

DEVICE_TOKENS = frozenset({"device", "dev", "gpu", "cuda", "rank", "local_rank"})
# What this file shows of the loader a loop iterates: pinned (`pin_memory=True` or decided at run
# time), not pinned (no pin_memory: RL101 asks for it), pinning off (a literal False), unknown.
PINNED, UNPINNED, PIN_FALSE, UNKNOWN = "pinned", "unpinned", "false", "unknown"
# Pinned by the code of another file, which hands the loader in (`ProjectModel.argument_loader_pin`):
# pinned for the message, not "pinned here" for the small-batch exemption.
PINNED_ELSEWHERE = "pinned elsewhere"
# A loader another package's function returns (`get_loader()` of an installed library): it may pin
# even in a project that never does itself.
EXTERNAL = "external"
UNKNOWN_MESSAGE = ("batch copied to the device without non_blocking=True: with a pinned loader (pin_memory=True) "
                   "the copy overlaps with compute")


def _pin_state(call: cst.Call) -> str:
    if has_star_args(call):
        return PINNED  # pin_memory may be in there: assume the author pins
    arg = dataloader_arg(call, "pin_memory")
    if arg is None:
        return UNPINNED
    value = literal(arg.value)
    return PIN_FALSE if value is False else PINNED


# Another file of the example's project: it reads images, moves the model to CUDA and pins its loader's batches.
_GPU_FILE = "from PIL import Image\nimg = Image.open(path)\nmodel.cuda()\nloader = DataLoader(ds, pin_memory=True)\n"


def _loader_named(expr: cst.BaseExpression) -> bool:
    """`train_loader`, `self.dataloader`, `dl`: a name that says DataLoader."""
    return any(t.endswith("loader") or t == "dl" for t in name_tokens(last_segment(expr) or ""))


def _loader_targets(node: cst.Assign) -> list[str]:
    """The names an assignment binds that say DataLoader, tuple items included
    (`train_loader, valid_loader, test_loader, loc_max = load_data(...)`: NRI)."""
    out = []
    for t in node.targets:
        items = [e.value for e in t.target.elements] if isinstance(t.target, (cst.Tuple, cst.List)) else [t.target]
        out += [key for item in items if _loader_named(item) and (key := dotted(item))]
    return out


def _gpu(code: str, fixed: str | None = None) -> Example:
    """An example in a project that moves tensors to CUDA and pins a loader (another file says so)."""
    return Example(code, fixed=fixed, files={"gpu.py": _GPU_FILE})


class ToDeviceNonBlocking(GradOffTracker, BindingTracker, Rule):
    """
    ## What it does
    Flags `.to(device)` / `.cuda()` of a batch inside a loop over a DataLoader without
    `non_blocking=True`.

    A loop over a DataLoader is `for ... in X` where X (possibly wrapped in `enumerate`, `tqdm`,
    `iter`) is a `DataLoader(...)` call, a name this file assigned a `DataLoader(...)` to, or a
    name like `train_loader`, `self.val_dataloader`, `dl`. A batch is a name bound by the loop
    target, an item of it (`batch["image"]`, `batch[0]`), a name unpacked from it in the loop
    (`inputs, labels = data`), or a comprehension variable over it
    (`{k: v.to(device) for k, v in batch.items()}`). The destination must look like a device
    (`device`, `self.device`, `"cuda:0"`, `torch.device("cuda")`, `rank`), never `"cpu"` or a dtype.

    Only where `non_blocking=True` makes the copy overlap and the overlap matters: a training loop
    (its body runs a backward pass, or the loader or an enclosing function is named for training:
    `train_loader`, `train_one_epoch`) over a loader that is pinned or built elsewhere.

    Not flagged: `model.to(device)` and tensors made inside the loop, calls that already pass
    `non_blocking` (any value), `*args` / `**kwargs`, or more than one positional argument; a
    project with no sign of CUDA (as RL101); a loop over a loader of this file built without
    `pin_memory` or with a literal `pin_memory=False`: from pageable memory the copy cannot
    overlap, so pinning comes first (RL101 reports that loader; once it is pinned this rule asks
    for `non_blocking`); an evaluation loop (the loader is named for evaluation, or the loop runs no
    backward and nothing names it for training, or it runs under `torch.no_grad()` or in a function
    decorated so: Deep-SVDD's centre initialisation over `train_loader`, `repolens.lint.gradoff`):
    validation is a small share of a run; and a
    loader not seen pinned whose batches are small by RL101's measure (at most 4 MiB as float32
    RGB, `inputscale`): the loader's own batch size and image side, or, for a loader built
    elsewhere, the largest batch size and the image side stated for the file (Image_Segmentation's
    solver iterates the loader it is handed, at the `--batch_size 1` and `--image_size 224` its
    `main.py` states): such a copy takes well under a millisecond either way. On a loader this
    file pins, small batches are still reported: `non_blocking` completes what the author asked
    for (judged worth the word on CIFAR ResNets at batch 64 and 128), unless they are tiny: at
    most 512 KB as float32, counting one channel for the greyscale torchvision datasets (64
    MNIST digits are 200 KB): such a copy takes tens of microseconds, less than the launches of
    the step's first kernels (six judged MNIST/FashionMNIST training loops over pinned loaders,
    none worth a change; judges had disagreed on them before). A loader with no image reading near it (RL101's
    `images_near`) is not taken for small batches here: audio clips and point clouds of a few
    megabytes, from a loader pinned elsewhere, were judged worth the word.

    One finding per statement: `x, y = x.to(device), y.to(device)` is one line to change, and its
    fix adds `non_blocking=True` to every copy of the statement. The message says what the file
    shows of the loader: pinned, or unknown (a loader built elsewhere: the message says the
    overlap needs a pinned loader).

    A loader a project function builds and returns (`loader = get_loader(...)`, in this file or
    another, `self.build_loader()`, a method of this file, or `dataset.loaders(...)`, a method of
    that name of the project's classes, when they agree: Deep-SVDD's `TorchvisionDataset.loaders`,
    two judged not worth) has the pin state of the
    `DataLoader(...)` that function returns, read by the project model: unpinned there, this rule
    is silent here. A loader from a method of `self` or of an object it holds
    (`self.buffer.get_dataloader(...)`) is the project's own, never a library's factory that may
    pin by itself: in a project that pins nothing it is not pinned (mammoth's `spr.py`). A loop over a name that the file binds to
    `DataLoader(...)` calls elsewhere, all alike, or over a parameter that the file's calls pass
    such loaders to, has their pin state (the `loader` parameter of `train(epoch, loader, ...)`
    that `main()`, which built `loader = DataLoader(...)`, calls: vq-vae-2;
    `train_one_epoch(model, train_loader, ...)`), and `loader = tqdm(loader)` is the same loader,
    as is a progress bar kept in another name (`loader_bar = tqdm(dataloader)`: SimCLR-CIFAR10's
    `simclr_lin.py`, whose calls pass only unpinned loaders: judged not worth).
    A `pin_memory=` given a command-line option of the file that is off unless the user asks for
    it (`action="store_true"`, `default=False`: timm's `--pin-mem`) counts as pinning off, in a
    DataLoader call or a library factory's (`create_loader(..., pin_memory=args.pin_mem)`:
    T2T-ViT). So is a project that pins nothing anywhere
    (`ProjectModel.pins_memory`: no `pin_memory` but a literal False, no `.pin_memory()`, no
    DataLoader given `**kwargs` that may carry it: a dict whose `pin_memory` is False does not (CSI,
    twelve judged not worth), nor a function's `**` parameter that no call fills from a dict of
    its own (mammoth's `create_seeded_dataloader`, nine); graphtransformer's DGL batches and stat453's
    course helpers, 21 judged not worth; until the eleventh session a plain `DataLoader(...)` counted
    as pinning, because RL101's fix pins it): wherever its loader comes from (a parameter
    of `train(args, model, trainloader, ...)` fed by a caller in another file, as in
    MedicalZooPytorch), it is not pinned. A parameter of a module-level function, or a `self`
    attribute an `__init__` set from its parameter, that every call (construction) in the project,
    another file's included, passes the same kind of loader has that loader's pin state
    (`ProjectModel.argument_loader_pin`: PIDNet's tools/train.py hands `train()` of
    utils/function.py a loader built with `pin_memory=False`: judged not worth a change); pinned
    there, it counts as pinned for the message but not for the small-batch exemption below, which
    stays for loaders pinned in the file itself. A library's DataLoader subclass that keeps DataLoader's
    `pin_memory=False` default (torch_geometric's and DGL's graph loaders, MONAI's DataLoader) is
    not pinned unless its call says `pin_memory=True` (DGMC's examples: 4 judged findings, none worth
    a change; PyG's samplers and mini-batch loaders, `ClusterLoader`, `NeighborSampler`,
    `GraphSAINTRandomWalkSampler`, and `Node2Vec(...).loader(...)`, are such subclasses: OGB's
    examples, 18 judged findings, none worth a change); loaders a project function builds and returns together (`train_loader, valid_loader,
    ... = load_data(...)`, NRI: 4 not worth) take the pin state they share. What it cannot see: whether a loader built some other
    way in another file of a project that pins somewhere is pinned (a `self.dataloader` set
    elsewhere: it fires, with the "needs a pinned loader" message), and a training loop whose
    backward runs in a helper when neither the loader nor the function is named for training (it
    stays silent). Said plainly: where RL101's fix pins a loader of another file, this rule speaks
    on the next run, not in the same `--fix` pass (within one file it does: it reads the file as
    the pass has fixed it).

    Precision on real code: before, a two-tensor line gave two findings and the message claimed
    "copy from pinned memory" for loaders that were not pinned; then 6 of 11 findings on the judged
    repositories were on unpinned loaders or validation loops, judged not worth a change
    (issue #8); all fixed, see docs/rules.md.

    ## Why is this bad?
    A host-to-device copy from pinned memory with `non_blocking=True` runs asynchronously and
    overlaps with the GPU work already queued; without it, every step waits for its copy. The seed
    notes: "`data.to(device, non_blocking=True)`", the pair of `pin_memory=True` (RL101).

    ## Example
    ```python
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
    ```

    ## Use instead
    ```python
    for images, labels in train_loader:
        images = images.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
    ```

    The fix adds `non_blocking=True` and is safe for these host-to-device copies: CUDA stream
    order guarantees that the kernels that use the batch run after the copy, and from pageable
    (unpinned) memory the copy stays synchronous. Device-to-host copies (`.to("cpu")`, `.cpu()`),
    where a non-blocking copy can be read before it lands, are never flagged nor fixed.
    """

    code = "RL103"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "to-device-non-blocking"
    severity = Severity.INFO
    tier = "default"
    tier_reason = 'on a pinned loader, a blocking copy every step is a clear, free performance win'
    source = "seed notes, Tuning experience: 'data.to(device, non_blocking=True)'; PyTorch Performance Tuning Guide"
    message = "batch copied to the device without non_blocking=True: the copy from pinned memory cannot overlap with compute"
    needles = (".to(", ".cuda(")
    fix_safety = "safe"
    valid = (
        # A CPU-only project: no finding.
        Example("for x, y in train_loader:\n    x = x.to(device)\n"),
        # Pinning deliberately off on this loader: non_blocking would buy nothing.
        _gpu("from torch.utils.data import DataLoader\nloader = DataLoader(ds, pin_memory=False)\n"
             "for x in loader:\n    x = x.to(device)\n"),
        _gpu("for x, y in train_loader:\n    x = x.to(device, non_blocking=True)\n    model.to(device)\n"),
        _gpu("for x, y in train_loader:\n    out = model(x).to('cpu')\n    x.to(torch.float16)\n"),
        _gpu("for step in range(10):\n    x = torch.zeros(3).to(device)\n"),
        _gpu("for batch in loader:\n    batch = batch.to(device, **kw)\n"),
        _gpu("for batch in loader:\n    mask = torch.ones(4).cuda()\n"),
        _gpu("for path in paths:\n    img = load(path).to(device)\n"),
        # Moved once, sliced and "moved" again (LTSF-Linear's `batch_y`): the second `.to` copies nothing.
        _gpu("from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=32, pin_memory=True)\n"
             "for batch_x, batch_y in loader:\n    batch_x = batch_x.float().to(device, non_blocking=True)\n"
             "    batch_y = batch_y.float().to(device, non_blocking=True)\n    out = model(batch_x)\n"
             "    batch_y = batch_y[:, -24:, :].to(device)\n    criterion(out, batch_y).backward()\n"),
        # A loader of this file that is not pinned: RL101 asks for pin_memory first.
        _gpu("from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=8, shuffle=True)\n"
             "for x, y in loader:\n    x, y = x.to(device), y.to(device)\n    loss_fn(model(x), y).backward()\n"),
        # An evaluation loop: by the loader's name, or a loop with no backward in an evaluation function.
        _gpu("for batch in tqdm(self.val_dataloader):\n    batch = {k: v.to(self.device) for k, v in batch.items()}\n"),
        _gpu("def evaluate(net, dataloader, device):\n    for image, mask in dataloader:\n"
             "        image = image.to(device)\n        score += dice(net(image), mask)\n"),
    )
    invalid = (
        # A pinned loader of this file in a training loop: one finding for the line.
        _gpu("from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=8, pin_memory=True)\n"
             "for x, y in loader:\n    x, y = x.to(device), y.to(device)\n    loss_fn(model(x), y).backward()\n",
             fixed="from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=8, pin_memory=True)\n"
             "for x, y in loader:\n    x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)\n"
             "    loss_fn(model(x), y).backward()\n"),
        _gpu("import torch\nfor images, labels in train_loader:\n"
                "    images, labels = images.to(device), labels.to(device)\n",
                fixed="import torch\nfor images, labels in train_loader:\n"
                "    images, labels = images.to(device, non_blocking=True), labels.to(device, non_blocking=True)\n"),
        _gpu("from torch.utils.data import DataLoader as DL\ndl = DL(ds, pin_memory=True)\n"
                "for i, data in enumerate(dl):\n    inputs, labels = data\n    inputs = inputs.cuda()\n"
                "    criterion(net(inputs), labels).backward()\n",
                fixed="from torch.utils.data import DataLoader as DL\ndl = DL(ds, pin_memory=True)\n"
                "for i, data in enumerate(dl):\n    inputs, labels = data\n    inputs = inputs.cuda(non_blocking=True)\n"
                "    criterion(net(inputs), labels).backward()\n"),
        # A loader built elsewhere, iterated by a function named for training (the backward is in a helper).
        _gpu("from tqdm import tqdm\ndef train_one_epoch(self):\n    for batch in tqdm(self.dataloader):\n"
                "        batch = {k: v.to(self.device) for k, v in batch.items()}\n        self.step(batch)\n",
                fixed="from tqdm import tqdm\ndef train_one_epoch(self):\n    for batch in tqdm(self.dataloader):\n"
                "        batch = {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}\n        self.step(batch)\n"),
        _gpu("import torch as t\nfor batch in train_loader:\n    x = batch['image'].to(t.device('cuda'))\n"),
    )

    def __init__(self, context, options=None) -> None:
        super().__init__(context, options)
        self._loader_names: dict[str, str] = {}  # name -> PINNED / UNPINNED / PIN_FALSE of its DataLoader(...)
        self._loops: list[set[str] | None] = []
        self._on_device: set[str] = set()  # names a loop body bound to a device move (`x = x.float().to(device)`)
        self._pins: list[str] = []  # per loop frame: the pin state of the loader it iterates
        self._trains: list[bool] = []  # per loop frame: is it a training loop
        self._loader_roles: dict[str, str | None] = {}  # name -> TRAIN / EVAL / None of its DataLoader(...)
        self._loader_scales: dict[str, int] = {}  # name -> how large its DataLoader(...)'s batches are (inputscale)
        # name -> (pin states, batch scales: TINY / SMALL / LARGE, None for unknown) of the
        # loaders bound to it in any scope of the file: a loop over a parameter `loader` of
        # `train()` iterates what `main()`, which built `loader = DataLoader(...)`, passes it
        # (vq-vae-2's train_vqvae.py)
        self._file_loaders: dict[str, tuple[set[str], set[int | None]]] = {}
        self._file_pins = False  # does this file's own text pin (set by visit_Module; see pins_in_text)
        self._scales: list[int] = []  # per loop frame: how large the batches of the loader it iterates are
        self._loader_calls: dict[int, tuple[str, int]] = {}  # id(DataLoader call) -> (pin state, batch scale)
        self._factory_pins: dict[int, str | None] = {}  # id(assignment of a factory's loader) -> its pin state
        self._statement: list[cst.SimpleStatementLine] = []
        self._flagged: dict[int, list[cst.Call]] = {}  # id(statement) -> its flagged copies, in order

    # -- which names are loaders, which are batches --------------------------------------------
    def _loader_pin(self, expr: cst.BaseExpression) -> str | None:
        """The pin state of the loader `expr` iterates; None when it is no DataLoader."""
        expr = unwrap_iter(expr)
        if isinstance(expr, cst.Call):
            return self._pin_state(expr) if self.is_name(expr.func, *DATALOADER) else None
        name = dotted(expr)
        if name is None:
            return None
        known = self._loader_names.get(name)
        if known is None and name in self._file_loaders and len(self._file_loaders[name][0]) == 1:
            known = next(iter(self._file_loaders[name][0]))
        if known is not None and known != EXTERNAL:
            return known
        where = self.argument_slot(expr, self.context.module)  # a parameter, or `self.loader` set from one
        if where is not None:
            # `def train(..., trainloader, ...)` called from another file with the loader it built
            passed = self.facts.model.argument_loader_pin(self.context.path, *where)
            if passed is not None:
                return PINNED_ELSEWHERE if passed == PINNED else passed
        return (known or UNKNOWN) if _loader_named(expr) else None

    def _batch_names(self) -> set[str]:
        names: set[str] = set()
        for frame in self._loops:
            if frame:
                names |= frame
        return names

    def _is_batch(self, expr: cst.BaseExpression) -> bool:
        # Only a name or an item of it: `batch["x"].float().to(...)` makes a new (pageable) tensor.
        # Not a slice of a name already moved to the device (`batch_y = batch_y.float().to(device)`,
        # then `batch_y[:, -n:].to(device)`: LTSF-Linear's and PatchTST's loops, judged wrong): no copy.
        node = expr
        while isinstance(node, cst.Subscript):
            node = node.value
        if node is not expr and isinstance(node, cst.Name) and node.value in self._on_device:
            return False
        return isinstance(node, cst.Name) and node.value in self._batch_names()

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        if not isinstance(node.value, cst.Call):
            return
        if self.function_stack:  # outside functions: read once, up front, by visit_Module
            self._record_loader(node)

    def visit_Module(self, node: cst.Module) -> None:
        # Module-level loaders are globals: a `def train(epoch, loader, ...)` above the `__main__`
        # block that assigns `loader = DataLoader(...)` or `train_loader = get_loader(...)` and
        # passes it on iterates it (vq-vae-2's train_vqvae.py), so read those assignments first.
        self._ensure_tracker()
        # read once: asked at every batch copy of a project that pins nothing elsewhere
        self._file_pins = pins_in_text(self.context.source)
        todo: list[cst.CSTNode] = [node]
        while todo:
            for child in todo.pop().children:
                if isinstance(child, cst.Assign) and isinstance(child.value, cst.Call):
                    self._record_loader(child)
                elif not isinstance(child, (cst.FunctionDef, cst.BaseExpression)):
                    todo.append(child)  # statements and blocks at module level, not function bodies
        if "DataLoader" in self.context.source or "loader" in self.context.source:
            self._read_file_loaders(node)

    def _read_file_loaders(self, module: cst.Module) -> None:
        """Every `name = DataLoader(...)` (or a loader factory's call) of the file, in any scope,
        and the parameters of this file's functions that its calls pass one of those names to
        (`train_one_epoch(model, train_loader, ...)` makes `loader` stand for `train_loader`)."""
        params: dict[str, list[str]] = {}
        calls: list[cst.Call] = []
        wrapped: list[tuple[str, str]] = []  # (name, loader name): `loader_bar = tqdm(dataloader)`
        for n in walk(module):
            if isinstance(n, cst.FunctionDef):
                params[n.name.value] = [p.name.value for p in (*n.params.posonly_params, *n.params.params)]
            elif isinstance(n, cst.Call) and isinstance(n.func, cst.Name):
                calls.append(n)
            elif isinstance(n, cst.Assign) and isinstance(n.value, cst.Call):
                inner = unwrap_iter(n.value)
                if inner is not n.value and dotted(inner):
                    wrapped += [(key, dotted(inner)) for t in n.targets if (key := dotted(t.target))]
                    continue
                if self.is_name(n.value.func, *DATALOADER):
                    found: tuple[str, int | None] | None = self._loader_call(n.value)
                elif loaders := _loader_targets(n):
                    pin = self._factory_pin(n)
                    for key in loaders if pin is not None else ():  # a factory's batch size is not read
                        self._add_file_loader(key, {pin}, {None})
                    continue
                else:
                    found = None
                for t in n.targets if found is not None else ():
                    key = dotted(t.target)
                    if key:
                        self._add_file_loader(key, {found[0]}, {found[1]})
        for call in calls:
            names = params.get(call.func.value, [])  # type: ignore[attr-defined]
            for i, arg in enumerate(call.args):
                param = arg.keyword.value if arg.keyword is not None else names[i] if i < len(names) and not arg.star else None
                known = self._file_loaders.get(dotted(arg.value) or "")
                if param and known:
                    self._add_file_loader(param, *known)
        # A progress bar or enumeration kept in a name iterates the loader it wraps
        # (SimCLR-CIFAR10's `loader_bar = tqdm(dataloader)`, over unpinned loaders: judged not worth).
        for name, inner_name in wrapped:
            if inner_name in self._file_loaders:
                self._add_file_loader(name, *self._file_loaders[inner_name])

    def _add_file_loader(self, name: str, pins: set[str], scales: set[int | None]) -> None:
        had, had_scales = self._file_loaders.get(name, (set(), set()))
        self._file_loaders[name] = (had | pins, had_scales | scales)

    def _record_loader(self, node: cst.Assign) -> None:
        """`loader = DataLoader(...)`: its pin state, role and batch size; else a factory's loader."""
        call = node.value
        assert isinstance(call, cst.Call)
        if not self.is_name(call.func, *DATALOADER):
            self._record_factory_loader(node)
            return
        for t in node.targets:
            key = dotted(t.target)
            if key:
                self.note_binding(t.target, call)  # read ahead of the visit: the role needs the name
                self._loader_names[key], self._loader_scales[key] = self._loader_call(call)
                self._loader_roles[key] = dataloader_role(self, call)

    def _loader_call(self, call: cst.Call) -> tuple[str, int]:
        """A DataLoader call's pin state and batch scale, read once per call (the read-ahead of the
        file's loaders and the visit both ask)."""
        found = self._loader_calls.get(id(call))
        if found is None:
            found = self._loader_calls[id(call)] = (self._pin_state(call), loader_batch_scale(self, call))
        return found

    def _record_factory_loader(self, node: cst.Assign) -> None:
        pin = self._factory_pin(node)
        if pin is not None:
            for t in node.targets:
                key = dotted(t.target)
                if key:
                    self._loader_names[key] = pin
            for key in _loader_targets(node):  # `train_loader, valid_loader, ... = load_data(...)`
                self._loader_names[key] = pin

    def _factory_pin(self, node: cst.Assign) -> str | None:
        if id(node) not in self._factory_pins:  # the read-ahead and the visit both ask
            self._factory_pins[id(node)] = self._read_factory_pin(node)
        return self._factory_pins[id(node)]

    def _read_factory_pin(self, node: cst.Assign) -> str | None:
        """`loader = get_loader(...)`: a project function that builds and returns a DataLoader,
        whose pin state the project model read in its own file; or, bound to a loader's name, a
        library's factory (EXTERNAL), pinning off when its `pin_memory=` says so (timm's
        `create_loader(..., pin_memory=args.pin_mem)` with `--pin-mem` off by default). None: no
        loader this rule can place."""
        call = node.value
        if not isinstance(call, cst.Call) or unwrap_iter(call) is not call:
            return None  # `loader = tqdm(loader)`: a progress bar over the same loader, not a new one
        written = cst_dotted_name(call.func)
        if not written:
            return None
        model, here = self.facts.model, self.context.path
        qualified = model.qualify(written, here)
        pin_arg = keyword_arg(call, "pin_memory")
        pin = model.loader_factory_pin(qualified, here)
        own = written.split(".", 1)[0] in ("self", "cls")
        if pin is None and "." in written:
            # a method of a project class: `self.build_loader()` (this file's), `dataset.loaders()`
            method = written.rsplit(".", 1)[1]
            pin = model.method_loader_pin(method, here) if own and written.count(".") == 1 else None
            pin = pin or model.method_loader_pin(method)
        if pin is None and (qualified in UNPINNED_SUBCLASSES or self._graph_model_loader(call)):
            # a library's DataLoader subclass with DataLoader's default: pinned only when asked
            pin = self._off(pin_arg) or (PINNED if pin_arg else UNPINNED)
        if pin is None and _loader_targets(node) and not self.is_name(call.func, *DATALOADER) \
                and not own and model.resolve(qualified, here) is None:
            # no function of this project: a library's loader factory, perhaps
            pin = self._off(pin_arg) or EXTERNAL
        return pin if pin != UNKNOWN else None

    def _graph_model_loader(self, call: cst.Call) -> bool:
        """`model.loader(...)` where `model = Node2Vec(...)` in this file: PyG's own random-walk
        DataLoader, with DataLoader's `pin_memory=False` default."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "loader" and isinstance(func.value, cst.Name)):
            return False
        receiver = func.value.value
        for n in walk(self.context.module) if self.context.module is not None else ():
            # any binding of the name in the file (the module-level read-ahead comes before the visit's bindings)
            if isinstance(n, cst.Assign) and any(dotted(t.target) == receiver for t in n.targets):
                bound = n.value
                while isinstance(bound, cst.Call) and isinstance(bound.func, cst.Attribute) \
                        and bound.func.attr.value in ("to", "cuda"):
                    bound = bound.func.value  # `Node2Vec(...).to(device)`
                if isinstance(bound, cst.Call) and self.is_name(bound.func, *UNPINNED_LOADER_MODELS):
                    return True
        return False

    def _off(self, arg: cst.Arg | None) -> str | None:
        """PIN_FALSE when a `pin_memory=` argument turns pinning off: a literal False, or a
        command-line option of this file that is off unless the user asks for it."""
        if arg is not None and (literal(arg.value) is False or off_by_default(self, arg.value)):
            return PIN_FALSE
        return None

    def _pin_state(self, call: cst.Call) -> str:
        """A DataLoader call's pin state, an option that is off by default counting as off."""
        return self._off(dataloader_arg(call, "pin_memory")) or _pin_state(call)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        # After the value was visited: `x, y = x.to(dev), y.to(dev)` must see x and y as batches. A name
        # bound to a device move is remembered too: a slice of it copies nothing (`_is_batch`).
        frame = next((f for f in reversed(self._loops) if f is not None), None)
        if frame is None:
            return
        value = original_node.value
        values = [e.value for e in value.elements] if isinstance(value, cst.Tuple) else [value]
        from_batch = any(self._derived_from_batch(v) for v in values)
        moved = len(values) == 1 and self._moved(values[0])
        for t in original_node.targets:
            for name in target_names(t.target):
                if from_batch:
                    frame.add(name)
                else:
                    frame.discard(name)
                if moved:
                    self._on_device.add(name)
                else:
                    self._on_device.discard(name)

    def _derived_from_batch(self, expr: cst.BaseExpression) -> bool:
        """`data`, `batch["x"]`, `x.to(dev)`, `{k: v.to(dev) for k, v in batch.items()}`."""
        if isinstance(expr, (cst.DictComp, cst.ListComp, cst.GeneratorExp)):
            it = expr.for_in.iter
            return self._derived_from_batch(it)
        while isinstance(expr, (cst.Call, cst.Attribute, cst.Subscript)):
            expr = expr.func if isinstance(expr, cst.Call) else expr.value
        return isinstance(expr, cst.Name) and expr.value in self._batch_names()

    def _moved(self, expr: cst.BaseExpression) -> bool:
        """`x = x.float().to(device)` was bound in this loop: `x` holds a device tensor."""
        while isinstance(expr, (cst.Call, cst.Attribute)):
            if isinstance(expr, cst.Call) and self._moves_to_device(expr):
                return True
            expr = expr.func if isinstance(expr, cst.Call) else expr.value
        return False

    def _moves_to_device(self, call: cst.Call) -> bool:
        """`x.cuda()`, `x.to(device)`, `x.to(device=dev)` (not `x.to(torch.float16)`)."""
        if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in ("to", "cuda"):
            return False
        if call.func.attr.value == "cuda":
            return True
        positional = positional_args(call)
        kw = keyword_arg(call, "device")
        dest = positional[0].value if positional else kw.value if kw is not None else None
        return dest is not None and self._is_device(dest)

    def _trains_loop(self, node: cst.For) -> bool:
        """A training loop: its body runs a backward pass, or the loader or an enclosing function is
        named for training (`train_loader`, `train_one_epoch`: the backward may be in a helper),
        unless it runs no backward in a function named for evaluation (`train_evaluate()` over the
        training loader: knowledge-distillation-pytorch's MNIST scripts)."""
        self._ensure_tracker()
        if self.grad_off:
            return False  # under torch.no_grad(): a forward pass over the data (Deep-SVDD's centre init), no training
        loader = unwrap_iter(node.iter)
        key = dotted(loader)
        role = self._loader_roles.get(key) if key in self._loader_roles else role_of_name(last_segment(loader))
        if role == EVAL:
            return False
        if not trains(node, ()) and any(mentions_evaluation(f) for f in self.function_stack):
            return False  # no backward here, in `train_evaluate()`: the training split evaluated
        return role == TRAIN or trains(node, self.function_stack)

    def _batch_scale(self, expr: cst.BaseExpression) -> int:
        """How large the loader's batches are by the sizes stated for it (RL101's measure): its own
        call's, else the file's (a loader built elsewhere). A few MB cross PCIe in well under a
        millisecond: an asynchronous copy saves nothing measurable (Image_Segmentation: 224 px at
        batch 1)."""
        expr = unwrap_iter(expr)
        if isinstance(expr, cst.Call):
            return loader_batch_scale(self, expr)
        name = dotted(expr) or ""
        known = self._loader_scales.get(name)
        if known is None and name in self._file_loaders:
            scales = self._file_loaders[name][1]
            known = LARGE if LARGE in scales else max(scales) if scales and None not in scales else None  # type: ignore[type-var]
        return known if known is not None else stated_batch_scale(self)

    def _scale(self) -> int:
        """The batch scale of the innermost loop over a loader (LARGE outside any)."""
        return self._scales[-1] if self._scales else LARGE

    def visit_For(self, node: cst.For) -> None:
        pin = self._loader_pin(node.iter)
        self._scales.append(self._batch_scale(node.iter) if pin is not None else self._scale())
        self._loops.append(set(target_names(node.target)) if pin is not None else None)
        self._pins.append(pin or (self._pins[-1] if self._pins else UNKNOWN))
        self._trains.append(self._trains_loop(node) if pin is not None else bool(self._trains and self._trains[-1]))

    def leave_For(self, original_node: cst.For) -> None:
        if self._loops.pop() is not None:
            self._on_device.clear()  # what a loop over a loader moved is its own
        self._scales.pop()
        self._pins.pop()
        self._trains.pop()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statement.append(node)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._statement.pop()
        flagged = self._flagged.pop(id(original_node), None)
        if not flagged:
            return
        # One finding per statement (`x, y = x.to(dev), y.to(dev)` is one line to change), whose
        # fix adds non_blocking=True to every copy of the statement.
        fixed = original_node
        for call in flagged:
            fixed = fixed.deep_replace(call, add_keyword(call, "non_blocking", "True"))
        pin = self._pins[-1] if self._pins else UNKNOWN
        message = self.message if pin in (PINNED, PINNED_ELSEWHERE) else UNKNOWN_MESSAGE
        if len(flagged) > 1:
            message = message.replace("batch copied", f"{len(flagged)} batch tensors copied", 1)
        self.report(flagged[0], message, replacement=fixed, fix_node=original_node)

    def _enter_comprehension(self, node: cst.BaseComp | cst.DictComp) -> None:
        comp = node.for_in
        it = comp.iter
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value in ("items", "values"):
            it = it.func.value
        self._loops.append(set(target_names(comp.target)) if self._batch_names() and self._is_batch(it) else None)
        self._pins.append(self._pins[-1] if self._pins else UNKNOWN)
        self._trains.append(bool(self._trains and self._trains[-1]))
        self._scales.append(self._scale())

    def _leave_comprehension(self) -> None:
        self._loops.pop()
        self._scales.pop()
        self._pins.pop()
        self._trains.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._enter_comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave_comprehension()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._enter_comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave_comprehension()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._enter_comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave_comprehension()

    # -- the copy itself ------------------------------------------------------------------------
    def _is_device(self, expr: cst.BaseExpression) -> bool:
        value = literal(expr)
        if isinstance(value, str):
            return value.startswith("cuda")
        if isinstance(expr, cst.Call) and self.is_name(expr.func, "torch.device"):
            args = positional_args(expr)
            first = literal(args[0].value) if args else None
            return not (isinstance(first, str) and first.startswith("cpu"))
        name = last_segment(expr)
        if not name:
            return False
        tokens = name_tokens(name)
        return "cpu" not in tokens and (bool(set(tokens) & DEVICE_TOKENS) or name.endswith("device"))

    def visit_Call(self, node: cst.Call) -> None:
        if not self._loops or not isinstance(node.func, cst.Attribute) or not self._statement:
            return
        if not self.facts.uses_cuda or (self._pins and self._pins[-1] in (PIN_FALSE, UNPINNED)) \
                or (not (self.facts.model.pins_memory.value or self._file_pins)
                    and (self._pins or [UNKNOWN])[-1] != EXTERNAL):
            # no CUDA in the project, a loader that is not pinned, or a project that pins nothing
            # anywhere: non_blocking alone buys nothing (RL101 asks for pin_memory first; once
            # pinned, this rule asks for non_blocking)
            return
        if self._trains and not self._trains[-1]:
            return  # an evaluation loop: a small share of the run
        scale = self._scale()
        if scale == TINY or (scale == SMALL and self._pins[-1] != PINNED):
            # batches of a few MB from a loader not seen pinned: the copy takes well under a
            # millisecond either way (on a loader pinned here, non_blocking completes what the
            # author asked for: judged worth the word on CIFAR at batch 64 and 128); a pinned
            # batch of a few hundred KB (MNIST digits) crosses in tens of microseconds
            return
        method = node.func.attr.value
        if method not in ("to", "cuda") or not self._is_batch(node.func.value):
            return
        if has_star_args(node) or keyword_arg(node, "non_blocking") is not None:
            return
        positional = positional_args(node)
        if len(positional) > 1:
            return
        if method == "to":
            dest = positional[0].value if positional else None
            if dest is None:
                kw = keyword_arg(node, "device")
                dest = kw.value if kw is not None else None
            if dest is None or not self._is_device(dest):
                return
        self._flagged.setdefault(id(self._statement[-1]), []).append(node)
