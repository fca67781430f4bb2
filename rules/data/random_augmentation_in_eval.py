import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import call_name, code_of, dotted
from repolens.lint.knowledge.transforms import RANDOM
from repolens.lint.augmentations import dataset_transform, is_compose, pipeline_kind, pipeline_role
from repolens.lint.roles import EVAL, role_of_call_arguments, role_of_name


class RandomAugmentationInEval(BindingTracker, Rule):
    """
    ## What it does
    Flags a random augmentation (`RandomResizedCrop`, `RandomHorizontalFlip`, `ColorJitter`,
    `RandAugment`, `AutoAugment`, `TrivialAugmentWide`, `AugMix`, `GaussianBlur` with a sigma
    range, albumentations' `HorizontalFlip`, `ShiftScaleRotate`, `OneOf`...) in a validation or
    test pipeline.

    A pipeline is a `Compose([...])` (torchvision, v2, albumentations) with a literal list. It is
    an evaluation pipeline when its name says so (`val_transform`, `test_tfms`, `{"val": ...}`),
    when it is built in a function so named (`get_val_transforms`), or when it is the `transform=`
    of a dataset with `train=False`, `split="val"` / `"test"` or an evaluation name
    (`test_set = CIFAR10(..., transform=transform_train)`: the classic copy-paste slip).

    Not flagged: deterministic transforms (`Resize`, `CenterCrop`, `Normalize`, `FiveCrop`...),
    flips with a literal `p=1` or `p=0` (test-time augmentation), pipelines named `tta`, lists
    built step by step (`t.append(...)`: not followed), and custom transform classes.
    Known limitation: test-time augmentation written with random transforms under an ordinary
    evaluation name is flagged; name it `tta_*` or suppress the line.

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
    )
    invalid = (
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
    )

    def __init__(self, context, options=None) -> None:
        super().__init__(context, options)
        self._reported: set[int] = set()

    def _report_pipeline(self, compose: cst.Call, where: str) -> bool:
        kind, randoms = pipeline_kind(self, compose)
        if kind != RANDOM or id(compose) in self._reported:
            return False
        self._reported.add(id(compose))
        for node in randoms:
            self.report(node, f"random augmentation {call_name(node)} in {where}: validation/test metrics become random")
        return True

    def visit_Call(self, node: cst.Call) -> None:
        if is_compose(self, node):
            if pipeline_role(self, node) == EVAL:
                self._report_pipeline(node, "an evaluation pipeline")
            return
        arg = dataset_transform(node)
        if arg is None:
            return
        role = role_of_call_arguments(node) or role_of_name(self.binding_of(node))
        if role != EVAL:
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
