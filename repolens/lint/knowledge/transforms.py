"""Image transforms (torchvision, albumentations): which are random, which are fixed, which rescale.

Plain tables (no libcst: the facts pass reads `NON_SCALING_TRANSFORMS` too). `repolens.lint.augmentations`
reads them off transform calls and `Compose` pipelines.
"""

from __future__ import annotations

RANDOM, FIXED, UNKNOWN = "random", "fixed", "unknown"
COMPOSE = ("torchvision.transforms.Compose", "torchvision.transforms.v2.Compose",
           "torchvision.transforms.transforms.Compose", "albumentations.Compose",
           "albumentations.core.composition.Compose")
TV_PREFIXES = ("torchvision.transforms.", "torchvision.transforms.v2.", "torchvision.transforms.transforms.")
TV_RANDOM = frozenset({"ColorJitter", "RandAugment", "AutoAugment", "TrivialAugmentWide", "AugMix",
                       "ElasticTransform", "GaussianNoise", "MixUp", "CutMix", "ScaleJitter", "JPEG"})
TV_FIXED = frozenset({"ToTensor", "PILToTensor", "ToImage", "ToImageTensor", "ToPILImage", "Normalize", "Resize",
                      "CenterCrop", "Pad", "Grayscale", "ConvertImageDtype", "ToDtype", "FiveCrop", "TenCrop",
                      "Identity", "ToPureTensor", "SanitizeBoundingBoxes", "ClampBoundingBoxes",
                      "ConvertBoundingBoxFormat"})
# Transforms whose only randomness is their probability p: p=0 or p=1 makes them fixed (TTA flips).
P_ONLY = frozenset({"RandomHorizontalFlip", "RandomVerticalFlip", "RandomGrayscale", "RandomInvert",
                    "RandomAutocontrast", "RandomEqualize", "HorizontalFlip", "VerticalFlip", "Transpose",
                    "ToGray", "InvertImg", "Equalize"})
ALBU_RANDOM = frozenset({
    "HorizontalFlip", "VerticalFlip", "Flip", "Transpose", "RandomRotate90", "Rotate", "SafeRotate",
    "ShiftScaleRotate", "Affine", "Perspective", "ElasticTransform", "GridDistortion", "OpticalDistortion",
    "HueSaturationValue", "RGBShift", "ColorJitter", "CLAHE", "GaussNoise", "GaussianBlur", "MotionBlur",
    "MedianBlur", "Blur", "CoarseDropout", "Cutout", "GridDropout", "OneOf", "SomeOf", "OneOrOther", "Sharpen",
    "Emboss", "ChannelShuffle", "ToGray", "ToSepia", "ImageCompression", "Downscale", "ISONoise",
    "MultiplicativeNoise", "Equalize", "Posterize", "Solarize", "InvertImg", "PixelDropout", "ChannelDropout",
    "CropNonEmptyMaskIfExists", "BBoxSafeRandomCrop", "AdvancedBlur", "ZoomBlur", "Defocus", "GlassBlur"})
ALBU_FIXED = frozenset({"Normalize", "Resize", "LongestMaxSize", "SmallestMaxSize", "PadIfNeeded", "CenterCrop",
                        "ToFloat", "FromFloat", "ToTensorV2", "Crop", "NoOp"})
# Words in a function name that say it builds a transform pipeline (`get_val_transforms`).
PIPELINE_FUNCTION_TOKENS = frozenset({"transform", "transforms", "tfm", "tfms", "tf", "aug", "augs",
                                      "augment", "augmentation", "augmentations", "preprocess", "pipeline"})
# Transform names that never rescale pixel values; a pipeline made only of these keeps 0-255 input.
NON_SCALING_TRANSFORMS = frozenset({
    "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "CenterCrop", "Resize", "RandomResizedCrop", "Pad",
    "RandomRotation", "RandomAffine", "ColorJitter", "Grayscale", "RandomGrayscale", "RandomErasing", "FiveCrop",
    "TenCrop", "RandomPerspective", "GaussianBlur", "RandAugment", "AutoAugment", "TrivialAugmentWide", "AugMix",
    "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness", "RandomAutocontrast",
    "RandomEqualize", "ElasticTransform", "PILToTensor", "HorizontalFlip", "VerticalFlip"})
TRANSFORM_KEYWORDS = ("transform", "transforms", "img_transform", "image_transform")
