import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import call_name, code_of, dotted, positional_args, self_attribute
from repolens.lint.knowledge.dataloader import DATALOADER
from repolens.lint.reach import draws_one_batch, uses_after
from repolens.lint.knowledge.transforms import RANDOM
from repolens.lint.augmentations import (branch_roles, built_list, dataset_transform, is_compose, pipeline_items,
                                         pipeline_kind, pipeline_role)
from repolens.lint.roles import EVAL, TRAIN, role_of_call_arguments, role_of_name
from repolens.lint.traverse import nodes
from repolens.project.frameworks import DATASET, ITERABLE_DATASET


# A project's own transforms (DeepLabV3Plus-style `ext_transforms.py`), for the examples.
_EXT_TRANSFORMS = {"ext_transforms.py": (
    "import random\n"
    "class ExtCompose:\n    def __init__(self, transforms):\n        self.transforms = transforms\n"
    "    def __call__(self, img, lbl):\n        for t in self.transforms:\n"
    "            img, lbl = t(img, lbl)\n        return img, lbl\n"
    "class ExtRandomHorizontalFlip:\n    def __call__(self, img, lbl):\n"
    "        if random.random() < 0.5:\n            return img[::-1], lbl[::-1]\n"
    "        return img, lbl\n"
    "class ExtCenterCrop:\n    def __call__(self, img, lbl):\n        return img, lbl\n"
    "class ExtRandomResize:\n    def __init__(self, sizes, max_size=None):\n        self.sizes = sizes\n"
    "    def __call__(self, img, lbl):\n        size = random.choice(self.sizes)\n        return img, lbl\n")}


# pytorch-vqvae's vqvae.py, cut down: the test set's loader gives one fixed batch for TensorBoard.
_VQVAE = """
import torch
from torchvision import datasets, transforms
from torchvision.utils import make_grid


def main(args, writer, train, test):
    if args.dataset == "cifar10":
        transform = transforms.Compose([transforms.ToTensor()])
        train_dataset = datasets.CIFAR10(args.data_folder, train=True, transform=transform)
        test_dataset = datasets.CIFAR10(args.data_folder, train=False, transform=transform)
        valid_dataset = test_dataset
    elif args.dataset == "miniimagenet":
        transform = transforms.Compose([transforms.RandomResizedCrop(128), transforms.ToTensor()])
        train_dataset = datasets.ImageFolder(args.train_dir, transform=transform)
        valid_dataset = datasets.ImageFolder(args.valid_dir, transform=transforms.Compose([transforms.ToTensor()]))
        test_dataset = datasets.ImageFolder(args.test_dir, transform=transform)
    train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=args.batch_size, shuffle=True)
    valid_loader = torch.utils.data.DataLoader(valid_dataset, batch_size=args.batch_size)
    test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=16, shuffle=True)
    # Fixed images for Tensorboard
    fixed_images, _ = next(iter(test_loader))
    writer.add_image("original", make_grid(fixed_images, nrow=8), 0)
    for epoch in range(args.num_epochs):
        train(train_loader)
        test(valid_loader)
"""


_CSI_EVAL = """
from torchvision import transforms
from views import MultiDataTransformList
def get_simclr_eval_transform_imagenet(sample_num, resize_scale):
    transform = transforms.Compose([
        transforms.Resize(256),
        transforms.RandomResizedCrop(224, scale=resize_scale),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
    ])
    clean = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor()])
    return MultiDataTransformList(transform, clean, sample_num)
"""
_MULTI_VIEW = """
class MultiDataTransformList:
    def __init__(self, transform, clean_transform, sample_num):
        self.transform, self.clean_transform, self.sample_num = transform, clean_transform, sample_num

    def __call__(self, sample):
        return [self.transform(sample) for _ in range(self.sample_num)], self.clean_transform(sample)
"""
_SINGLE_VIEW = """
class SingleView:
    def __init__(self, transform, clean_transform, sample_num):
        self.transform, self.clean_transform = transform, clean_transform

    def __call__(self, sample):
        return self.transform(sample), self.clean_transform(sample)
"""


class RandomAugmentationInEval(BindingTracker, Rule):
    """
    ## What it does
    Flags a random augmentation (`RandomResizedCrop`, `RandomHorizontalFlip`, `ColorJitter`,
    `RandAugment`, `AutoAugment`, `TrivialAugmentWide`, `AugMix`, `GaussianBlur` with a sigma
    range, albumentations' `HorizontalFlip`, `ShiftScaleRotate`, `OneOf`...) in a validation or
    test pipeline.

    A pipeline is a `Compose(...)` (torchvision, v2, albumentations, or a project class whose
    `__call__` applies each transform of its list in turn, such as `ExtCompose`) given a literal
    list, or a list the same function builds step by step (`t = []`, `t.append(...)`,
    `t.extend([...])`, `t += [...]`). Its elements are torchvision / albumentations transforms and
    the project's own transform classes: one whose call draws random numbers (`random.random()`,
    `np.random.*`, `torch.rand*`) and whose name says so (`ExtRandomScale`, `ExtColorJitter`:
    `Random...` or a known random transform's name) is random; a resize that draws random numbers
    only when asked to (timm's `ResizeKeepRatio(random_scale_prob=0.)`) is not, nor is one that draws
    from the values it is given, given one (DETR-style `RandomResize([800], max_size=1333)`, the
    usual evaluation resize of DETR-derived trackers: ByteTrack's vendored MOTR, two judged wrong;
    read for names with Resize, Rescale, Scale, Choice or Select). It is an evaluation pipeline when
    its name says so (`val_transform`, `test_tfms`, `{"val": ...}`), when it is built in a function so named
    (`get_val_transforms`), when it is built on the evaluation side of a train flag or split test
    (`def build_transform(is_train): if is_train: ... return ...` then the evaluation list; the
    `else` of `if split == "train":`), or when it is the transform of a dataset with `train=False`,
    `split="val"` / `"test"` or an evaluation name, by keyword or, for a dataset class, by position
    (`val_dataset = ImageFolder(valdir, Compose([...]))`; `test_set = CIFAR10(...,
    transform=transform_train)`: the classic copy-paste slip).

    Not flagged: deterministic transforms (`Resize`, `CenterCrop`, `Normalize`, `FiveCrop`...),
    flips with a literal `p=1` or `p=0` (test-time augmentation), pipelines named `tta`, lists
    whose contents the function does not show (a parameter, a call's result), and project
    transform classes that draw no random numbers in their own methods.
    Nor is an evaluation dataset whose loaders are only drawn from once, outside any loop
    (`fixed_images, _ = next(iter(test_loader))`, a batch for a TensorBoard grid): no metric is
    computed on it (pytorch-vqvae's test sets, judged not worth a change). The uses are read after
    the dataset's binding, leaving out the other branches of an `if` around it (`valid = test_set`
    in a CIFAR branch does not concern the Mini-ImageNet branch's test set). Nor is one whose
    loaders are kept under a `self` attribute that no code of the project reads, even through an
    alias (TransGAN's `self.valid = DataLoader(val_dataset, ...)` and `self.test = self.valid`: its
    GAN is scored by IS/FID on generated images and no script reads either: six judged wrong;
    `ProjectFacts.loads_attribute`). Attributes are matched by name: a read of `x.valid` anywhere
    counts (but not an option of the run's settings, `args.test`, nor a string such as
    `split='test'`); a loader read only through `getattr(x, "valid")` is not seen, and its
    dataset is left alone.
    Nor is a pipeline the function hands to a project class that applies it several times per
    sample (a `__call__` that calls it in a loop: CSI's `MultiDataTransformList(transform,
    clean_transform, sample_num)` averages an OOD score over random views: two judged wrong).
    Known limitation: test-time augmentation written with random transforms under an ordinary
    evaluation name, and averaged by the evaluation loop itself, is flagged; name it `tta_*` or
    suppress the line.

    ## Why is this bad?
    Validation and test metrics must be reproducible and measure the model on the data as it
    is. A random crop or flip at evaluation makes every run report a different number and
    usually a worse one; model selection on such a metric picks noise.

    ## Example
    ```python
    val_transform = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()])
    ```

    ## Use instead
    ```python
    val_transform = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])
    ```
    """

    code = "RL106"
    name = "random-augmentation-in-eval"
    severity = Severity.ERROR
    tier = "default"
    tier_reason = 'random augmentation in evaluation makes the reported metric noisy and wrong (a correctness bug)'
    source = "seed notes, Data augmentation (random crop/flip/... are training-time augmentations); Karpathy's recipe"
    message = "random augmentation in an evaluation pipeline: validation/test metrics become random"
    needles = ("Compose",)
    valid = (
        Example("import torchvision.transforms as T\n"
                "val_transform = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])\n"),
        # CSI: random views averaged into one OOD score per image, by a wrapper that applies them n times
        Example(_CSI_EVAL, files={"views.py": _MULTI_VIEW}),
        Example("from torchvision import transforms\n"
                "train_transform = transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor()])\n"),
        Example("from torchvision.transforms import v2\n"
                "tta_transform = v2.Compose([v2.RandomHorizontalFlip(), v2.ToTensor()])\n"),
        Example("import torchvision.transforms as T\n"
                "test_tf = T.Compose([T.RandomHorizontalFlip(p=1.0), T.ToTensor()])\n"),
        Example("import albumentations as A\n"
                "def get_valid_transforms():\n    return A.Compose([A.Resize(256, 256), A.Normalize()])\n"),
        Example("import torchvision.transforms as T\n"
                "val_tf = T.Compose([T.GaussianBlur(5, sigma=1.0), T.ToTensor()])\n"),
        # Random transforms only on the training side of the flag; the list is built step by step.
        Example("from torchvision import transforms\n"
                "def build_transform(is_train, size):\n    t = [transforms.Resize(size)]\n"
                "    if is_train:\n        t.append(transforms.RandomHorizontalFlip())\n"
                "    else:\n        t.append(transforms.CenterCrop(size))\n"
                "    t.append(transforms.ToTensor())\n    return transforms.Compose(t)\n"),
        Example("import ext_transforms as et\n"
                "val_transform = et.ExtCompose([et.ExtCenterCrop(), et.ExtRandomHorizontalFlip(p=0)])\n",
                files=_EXT_TRANSFORMS),
        # The test set only gives one fixed batch for an image grid (pytorch-vqvae): no metric.
        Example(_VQVAE),
        # DETR-style: a random resize given one size is a fixed resize
        Example("import ext_transforms as et\n"
                "val_transform = et.ExtCompose([et.ExtRandomResize([800], max_size=1333), et.ExtCenterCrop()])\n",
                files=_EXT_TRANSFORMS),
    )
    invalid = (
        # the same pipeline given to a wrapper that applies it once: one random view per image
        Example(_CSI_EVAL.replace("MultiDataTransformList", "SingleView"), files={"views.py": _SINGLE_VIEW},
                expect=[(7, "random augmentation RandomResizedCrop in an evaluation pipeline"),
                        (8, "random augmentation RandomHorizontalFlip in an evaluation pipeline")]),
        Example("import torchvision.transforms as T\n"
                "val_transform = T.Compose([T.RandomResizedCrop(224), T.ToTensor()])\n"),
        Example("from torchvision import transforms, datasets\n"
                "transform_train = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.ToTensor()])\n"
                "testset = datasets.CIFAR10('./data', train=False, transform=transform_train)\n"),
        Example("import albumentations as A\n"
                "def get_val_transforms():\n"
                "    return A.Compose([A.HorizontalFlip(), A.Normalize()])\n"),
        Example("from torchvision.transforms import Compose, ColorJitter, ToTensor\n"
                "pipelines = {'test': Compose([ColorJitter(0.4), ToTensor()])}\n"),
        Example("from torchvision import transforms\n"
                "def build_transform(is_train, size):\n"
                "    if is_train:\n        return transforms.Compose([transforms.RandomResizedCrop(size)])\n"
                "    t = [transforms.Resize(size), transforms.CenterCrop(size)]\n"
                "    t.append(transforms.RandomHorizontalFlip())\n"
                "    return transforms.Compose(t)\n"),
        Example("from torchvision import datasets, transforms\n"
                "val_dataset = datasets.ImageFolder('val', transforms.Compose([\n"
                "    transforms.CenterCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor()]))\n"),
        Example("import ext_transforms as et\n"
                "val_transform = et.ExtCompose([et.ExtCenterCrop(), et.ExtRandomHorizontalFlip()])\n",
                files=_EXT_TRANSFORMS),
        Example("import ext_transforms as et\n"
                "val_transform = et.ExtCompose([et.ExtRandomResize([480, 512, 544], max_size=1333)])\n",
                files=_EXT_TRANSFORMS),
        # ... but a loader drawn from in a loop computes a metric.
        Example(_VQVAE + "        images, _ = next(iter(test_loader))\n",
                expect=[(17, "evaluation dataset gets the pipeline `transform`")]),
    )

    def __init__(self, context, options=None) -> None:
        super().__init__(context, options)
        self._reported: set[int] = set()
        # per enclosing function: (the function, id(call) -> TRAIN / EVAL from a train-flag branch,
        # ids of the statements that run only on the training side)
        self._scopes: list[tuple[cst.FunctionDef, dict[int, str], set[int]]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        branches = branch_roles(node)
        calls = {id(n): role for stmt, role in branches for n in nodes(stmt) if isinstance(n, cst.Call)}
        self._scopes.append((node, calls, {id(stmt) for stmt, role in branches if role == TRAIN}))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(original_node)
        self._scopes.pop()

    def _elements(self, compose: cst.Call) -> list[cst.CSTNode] | None:
        """The transforms of a `Compose(t)` whose list `t` this function builds step by step."""
        items = pipeline_items(compose)
        if not isinstance(items, cst.Name) or not self._scopes:
            return None
        fn, _, training = self._scopes[-1]
        return built_list(fn, items.value, lambda stmt: id(stmt) in training)

    def _positional_pipeline(self, call: cst.Call) -> cst.Arg | None:
        """A dataset class given its transform by position: `ImageFolder(valdir, Compose([...]))`."""
        if self.class_kind(call.func) not in (DATASET, ITERABLE_DATASET):
            return None
        for arg in positional_args(call):
            value = arg.value
            target = self.assigned.get(value.value) if isinstance(value, cst.Name) else value
            if isinstance(target, cst.Call) and is_compose(self, target):
                return arg
        return None

    def _report_pipeline(self, compose: cst.Call, where: str) -> bool:
        kind, randoms = pipeline_kind(self, compose, self._elements(compose))
        if kind != RANDOM or id(compose) in self._reported or self._repeated(compose):
            return False
        self._reported.add(id(compose))
        for node in randoms:
            self.report(node, f"random augmentation {call_name(node)} in {where}: validation/test metrics become random")
        return True

    def _repeated(self, compose: cst.Call) -> bool:
        """The pipeline is handed, in the function that builds it, to a project class that applies
        it several times per sample (`ProjectFacts.repeat_transform_classes`: CSI's
        `MultiDataTransformList(transform, clean_transform, sample_num)`): a test-time ensemble of
        random views, deliberate at evaluation."""
        repeaters = self.facts.repeat_transform_classes
        scope = self._scopes[-1][0] if self._scopes else self.context.module
        if not repeaters or scope is None:
            return False
        name = self.binding_of(compose)
        return any(isinstance(n, cst.Call) and (call_name(n) or "").rsplit(".", 1)[-1] in repeaters
                   and any(a.value is compose or isinstance(a.value, cst.Name) and a.value.value == name for a in n.args)
                   for n in nodes(scope))

    def _feeds_no_metric(self, dataset: cst.Call) -> bool:
        """The dataset only feeds loaders no metric is computed on, so a random crop makes nothing
        random from run to run that matters: loaders drawn from once, outside any loop
        (`fixed_images, _ = next(iter(test_loader))`: a batch for an image grid), or kept under a
        `self` attribute nothing in the project reads, even through an alias (TransGAN's
        `self.valid = DataLoader(val_dataset, ...)`, `self.test = self.valid`: the GAN is scored by
        IS/FID on generated images, and no script reads either; six judged wrong). A sampler built
        on the dataset (`DistributedSampler(val_dataset)`) only orders it."""
        name = self.binding_of(dataset)
        scope = self._scopes[-1][0] if self._scopes else self.context.module
        if not name or "." in name or scope is None:
            return False
        uses = uses_after(scope, dataset, name)
        if not uses:
            return False
        for use, above in uses:
            call = next((a for a in reversed(above) if isinstance(a, cst.Call)), None)
            if call is not None and (call_name(call) or "").endswith("Sampler"):
                continue  # orders the dataset for a loader, which is what is asked about
            assign = above[-3] if len(above) >= 3 else None  # Assign > Call > Arg > Name
            if call is None or not self.is_name(call.func, *DATALOADER) or not isinstance(assign, cst.Assign) \
                    or assign.value is not call or len(assign.targets) != 1:
                return False
            target = assign.targets[0].target
            if isinstance(target, cst.Name):
                loader_uses = uses_after(scope, call, target.value)
                if not loader_uses or not all(draws_one_batch(u, a) for u, a in loader_uses):
                    return False
            elif not (self_attribute(target) and self.facts.attribute_loads
                      and not self.facts.loads_attribute(self_attribute(target))):
                return False  # read somewhere (or no project facts to tell): it may be scored
        return True

    def visit_Call(self, node: cst.Call) -> None:
        if is_compose(self, node):
            role = pipeline_role(self, node) or (self._scopes[-1][1].get(id(node)) if self._scopes else None)
            if role == EVAL:
                self._report_pipeline(node, "an evaluation pipeline")
            return
        arg = dataset_transform(node) or self._positional_pipeline(node)
        if arg is None:
            return
        role = role_of_call_arguments(node) or role_of_name(self.binding_of(node))
        if role != EVAL or self._feeds_no_metric(node):
            return
        value = arg.value
        if isinstance(value, cst.Call) and is_compose(self, value):
            self._report_pipeline(value, "the transform of an evaluation dataset")
            return
        key = dotted(value)
        target = self.assigned.get(key) if key else None
        if isinstance(target, cst.Call) and is_compose(self, target):
            kind, randoms = pipeline_kind(self, target)
            if kind == RANDOM and id(target) not in self._reported:
                names = ", ".join(call_name(r) or "?" for r in randoms)
                self.report(arg, f"evaluation dataset gets the pipeline `{code_of(value)}`, which holds random "
                                 f"augmentation ({names}): validation/test metrics become random")

