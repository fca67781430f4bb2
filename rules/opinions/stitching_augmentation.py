"""RL901 stitching-augmentation (opinion, off by default): Mosaic / CutMix / Cutout / RandomErasing."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.pyindex.aliases import cst_dotted_name

STITCHING = frozenset({"Mosaic", "CutMix", "Cutout", "RandomErasing", "CoarseDropout", "GridDropout", "GridMask"})


class StitchingAugmentation(Rule):
    """
    ## What it does
    Flags the construction of a stitching or hole-punching augmentation: `Mosaic(...)`,
    `CutMix(...)`, `Cutout(...)`, `RandomErasing(...)`, `CoarseDropout(...)`, `GridDropout(...)`,
    `GridMask(...)` (torchvision, albumentations, timm, ultralytics or the project's own class of
    that name). Off by default: it is the seed author's opinion, not a consensus.

    ## Why is this bad?
    In the seed author's view, stitched images (Mosaic, CutMix) show strong seams and punched
    holes (Cutout, RandomErasing) zero random parts of the object: both create "artificial salient
    regions that do not occur in reality", which for engineering use add training cost without
    value. Many benchmarks disagree (YOLO and ImageNet recipes rely on them); enable the rule
    when your deployment data looks nothing like the stitched images.

    ## Example
    ```python
    from torchvision import transforms

    train_tf = transforms.Compose([transforms.ToTensor(), transforms.RandomErasing(p=0.5)])
    ```

    ## Use instead
    ```python
    from torchvision import transforms

    train_tf = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.ColorJitter(0.2, 0.2, 0.2),
                                   transforms.ToTensor()])
    ```
    """

    code = "RL901"
    name = "stitching-augmentation"
    severity = Severity.INFO
    tier = "opinion"
    tier_reason = "it is the seed author's opinion, documented but not a rule experts agree on"
    source = ("notes.en.md, Data augmentation: \"Stitching and hole-punching create artificial salient regions "
              "that do not occur in reality; for engineering use they are worthless and only add training cost.\"")
    message = "`{name}`: stitching / hole-punching augmentation creates artificial salient regions (seed opinion)"
    needles = tuple(STITCHING)

    valid = [
        Example("""
from torchvision import transforms

train_tf = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.ToTensor()])
"""),
        Example("""
import albumentations as A

def is_cutout(t):
    return isinstance(t, A.CoarseDropout)        # a reference, not a construction
"""),
    ]
    invalid = [
        Example("""
from torchvision import transforms

train_tf = transforms.Compose([transforms.ToTensor(), transforms.RandomErasing(p=0.5)])
"""),
        Example("""
import albumentations as A
from torchvision.transforms import v2

aug = A.Compose([A.CoarseDropout(max_holes=8)])
mix = v2.CutMix(num_classes=10)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        name = (cst_dotted_name(node.func) or "").rsplit(".", 1)[-1]
        if name in STITCHING:
            self.report(node, self.message.format(name=name))
