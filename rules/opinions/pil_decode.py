"""RL903 pil-decode (opinion, off by default): `Image.open` in a Dataset."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.scoped import ScopedRule

OPEN = ("PIL.Image.open",)
DATASET_KINDS = ("dataset", "iterable-dataset")


class PilDecode(ScopedRule):
    """
    ## What it does
    Flags `PIL.Image.open(...)` (any import style) inside a method of a Dataset class (a subclass
    of `torch.utils.data.Dataset`, `VisionDataset`, or of the project's own Dataset classes). Off
    by default: the seed author's opinion.

    ## Why is this bad?
    The seed notes say "cv2 reads images faster than Pillow": OpenCV's JPEG decoder (libjpeg-turbo)
    and its direct NumPy output often make data loading cheaper than PIL's decode plus conversion,
    which matters when the DataLoader workers, not the GPU, are the bottleneck. Pillow-SIMD or
    `torchvision.io.decode_jpeg` are other fast paths. Measure before switching: cv2 returns BGR.

    ## Example
    ```python
    from PIL import Image
    from torch.utils.data import Dataset

    class Images(Dataset):
        def __getitem__(self, i):
            return Image.open(self.paths[i]).convert("RGB")
    ```

    ## Use instead
    ```python
    import cv2
    from torch.utils.data import Dataset

    class Images(Dataset):
        def __getitem__(self, i):
            return cv2.cvtColor(cv2.imread(self.paths[i]), cv2.COLOR_BGR2RGB)
    ```
    """

    code = "RL903"
    name = "pil-decode"
    severity = Severity.INFO
    tier = "opinion"
    tier_reason = "it is the seed author's opinion, documented but not a rule experts agree on"
    source = "notes.en.md, Tuning experience: \"cv2 reads images faster than Pillow.\""
    message = "`Image.open` in a Dataset: cv2 decodes faster than Pillow (seed opinion)"
    needles = ("Image",)

    valid = [
        Example("""
from PIL import Image

def show(path):                          # not in a Dataset
    Image.open(path).show()
"""),
        Example("""
import cv2
from torch.utils.data import Dataset

class Images(Dataset):
    def __getitem__(self, i):
        return cv2.imread(self.paths[i])
"""),
    ]
    invalid = [
        Example("""
from PIL import Image
from torch.utils.data import Dataset

class Images(Dataset):
    def __getitem__(self, i):
        return Image.open(self.paths[i]).convert("RGB")
"""),
        Example("""
import PIL.Image as PImage
from .base import BaseSet

class Photos(BaseSet):
    def load(self, path):
        with PImage.open(path) as im:
            return im.convert("RGB")
""", path="data/photos.py", files={"data/base.py": "from torch.utils.data import Dataset\nclass BaseSet(Dataset):\n    pass\n"}),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self.class_stack or not self.is_name(node.func, *OPEN):
            return
        cls = self.class_stack[-1]
        if self.class_kind(cls.name.value) in DATASET_KINDS or any(
                self.class_kind(b.value) in DATASET_KINDS for b in cls.bases):
            self.report(node)
