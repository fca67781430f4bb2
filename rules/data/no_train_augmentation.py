import libcst as cst
from libcst.metadata import PositionProvider

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import code_of, dotted
from repolens.lint.knowledge.transforms import FIXED
from repolens.lint.augmentations import dataset_transform, is_compose, pipeline_kind, pipeline_role
from repolens.lint.roles import TRAIN, role_of_call_arguments, role_of_name


class NoTrainAugmentation(BindingTracker, Rule):
    """
    ## What it does
    Flags a training image pipeline with no random augmentation at all: a `Compose([...])`
    (torchvision, v2, albumentations) whose literal list holds only known deterministic
    transforms (`Resize`, `CenterCrop`, `ToTensor`, `Normalize`...), when it is clearly a training
    pipeline: named so (`train_transform`, `transform_train`, `{"train": ...}`), built in a
    function so named (`get_train_transforms`), or passed as `transform=` to a dataset with
    `train=True`, `split="train"` or a training name.

    It stays silent when any element is unknown (a custom transform class, a variable, a
    `Lambda`): it may well be random. Lists built step by step are not followed.

    ## Why is this bad?
    Random crops, flips, scale and colour changes are the cheapest regulariser there is; without
    them the network sees each image exactly the same way every epoch and overfits early.
    The seed notes: "Random crop, flip, scale, brightness, hue, saturation." (Advice, not an error:
    some tasks, such as linear probing of frozen features, train without augmentation on purpose.)

    ## Example
    ```python
    train_transform = T.Compose([T.Resize(224), T.ToTensor(), T.Normalize(mean, std)])
    ```

    ## Use instead
    ```python
    train_transform = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(),
                                 T.ToTensor(), T.Normalize(mean, std)])
    ```
    """

    code = "RL107"
    name = "no-train-augmentation"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = ('augmentation is a recipe choice: on MNIST-style demos, RL agents and generative models '
                   'real code rightly has none')
    source = "seed notes, Data augmentation: 'Random crop, flip, scale, brightness, hue, saturation'"
    message = "training image pipeline without any random augmentation"
    needles = ("Compose",)
    valid = (
        Example("import torchvision.transforms as T\n"
                "train_transform = T.Compose([T.RandomResizedCrop(224), T.ToTensor()])\n"),
        Example("from torchvision import transforms\n"
                "val_transform = transforms.Compose([transforms.Resize(256), transforms.ToTensor()])\n"),
        # A custom transform may be random.
        Example("import torchvision.transforms as T\n"
                "train_transform = T.Compose([MyAugment(), T.ToTensor()])\n"),
        Example("from torchvision.transforms import v2\n"
                "transform = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])\n"),
        Example("import albumentations as A\n"
                "def get_train_transforms():\n    return A.Compose([A.HorizontalFlip(), A.Normalize()])\n"),
    )
    invalid = (
        Example("import torchvision.transforms as T\n"
                "train_transform = T.Compose([T.Resize(224), T.ToTensor(), T.Normalize(m, s)])\n"),
        Example("from torchvision import datasets, transforms\n"
                "transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])\n"
                "train_set = datasets.MNIST('../data', train=True, download=True, transform=transform)\n"),
        Example("import albumentations as A\n"
                "def get_train_transforms():\n    return A.Compose([A.Resize(256, 256), A.Normalize()])\n"),
    )

    def __init__(self, context, options=None) -> None:
        super().__init__(context, options)
        self._reported: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if is_compose(self, node):
            if pipeline_role(self, node) == TRAIN and pipeline_kind(self, node)[0] == FIXED:
                self._reported.add(id(node))
                self.report(node)
            return
        arg = dataset_transform(node)
        if arg is None:
            return
        role = role_of_call_arguments(node) or role_of_name(self.binding_of(node))
        if role != TRAIN:
            return
        value = arg.value
        key = dotted(value)
        target = self.assigned.get(key) if key else value
        if not (isinstance(target, cst.Call) and is_compose(self, target)) or id(target) in self._reported:
            return
        if pipeline_kind(self, target)[0] == FIXED:
            self._reported.add(id(target))
            line = self.get_metadata(PositionProvider, node).start.line
            where = f"`{code_of(value)}`" if key else "the pipeline"
            # Reported at the pipeline: that is what to change.
            self.report(target, f"{where} feeds a training dataset (line {line}) and holds no random augmentation")
