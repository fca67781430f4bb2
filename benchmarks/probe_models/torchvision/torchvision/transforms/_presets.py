# Shim written for repolens' benchmark (not torchvision code): the model files only name these in
# their pretrained-weight tables; the probe never loads weights or preprocesses images.
import enum


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


class ImageClassification:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
