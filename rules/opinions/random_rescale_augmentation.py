"""RL902 random-rescale-augmentation (opinion, off by default): random rescaling during training."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import keyword_arg, literal

ALWAYS = frozenset({"RandomResizedCrop", "ScaleJitter", "RandomShortestSize", "RandomResize", "RandomZoomOut",
                    "RandomScale", "RandomSizedCrop", "ShiftScaleRotate", "LongestMaxSize_random"})
WITH_SCALE = frozenset({"RandomAffine", "Affine"})  # random rescaling only with a `scale=` range
LIBRARIES = ("torchvision.", "albumentations.")


class RandomRescaleAugmentation(Rule):
    """
    ## What it does
    Flags a random-rescaling augmentation from torchvision or albumentations:
    `RandomResizedCrop`, `ScaleJitter`, `RandomShortestSize`, `RandomResize`, `RandomZoomOut`,
    `RandomScale`, `RandomSizedCrop`, `ShiftScaleRotate`, and `RandomAffine` / `Affine` given a
    `scale=` range. Off by default: the seed author's opinion.

    ## Why is this bad?
    The seed author finds random rescaling during training unnecessary: "after rescaling, feature
    maps and the input image can be misaligned" (the stride grid of the network no longer lines up
    with the objects' scale seen at inference). Standard ImageNet and detection recipes use it; the
    rule is for projects that follow the seed's practice of a fixed input scale.

    ## Example
    ```python
    from torchvision import transforms

    train_tf = transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor()])
    ```

    ## Use instead
    ```python
    from torchvision import transforms

    train_tf = transforms.Compose([transforms.Resize(256), transforms.RandomCrop(224), transforms.ToTensor()])
    ```
    """

    code = "RL902"
    name = "random-rescale-augmentation"
    severity = Severity.INFO
    tier = "opinion"
    tier_reason = "it is the seed author's opinion, documented but not a rule experts agree on"
    source = ("notes.en.md, Data augmentation: \"Random rescaling during training is unnecessary too: after "
              "rescaling, feature maps and the input image can be misaligned.\"")
    message = "`{name}` rescales at random: feature maps and input can be misaligned (seed opinion)"
    needles = (*ALWAYS, *WITH_SCALE)

    valid = [
        Example("""
from torchvision import transforms

train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomAffine(degrees=10)])
"""),
        Example("""
def RandomResizedCrop(size):          # the project's own function, not a library transform
    return size

crop = RandomResizedCrop(224)
"""),
    ]
    invalid = [
        Example("""
from torchvision import transforms

train_tf = transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor()])
"""),
        Example("""
import albumentations as A
from torchvision.transforms import v2 as T

aug = A.Compose([A.RandomScale(scale_limit=0.3)])
tf = T.RandomAffine(degrees=0, scale=(0.8, 1.2))
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.qualified_name(node.func) or ""
        if not qualified.startswith(LIBRARIES):
            return
        name = qualified.rsplit(".", 1)[-1]
        if name in WITH_SCALE:
            scale = keyword_arg(node, "scale")
            if scale is None or literal(scale.value) is None:
                return
        elif name not in ALWAYS:
            return
        self.report(node, self.message.format(name=name))
