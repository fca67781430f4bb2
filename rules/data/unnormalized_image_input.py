import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import call_name, keyword_arg, literal
from repolens.lint.words import name_tokens
from repolens.lint.traverse import walk

DECODERS = ("cv2.imread", "cv2.imdecode", "PIL.Image.open", "torchvision.io.read_image", "torchvision.io.decode_image",
            "torchvision.io.decode_jpeg", "torchvision.io.decode_png", "torchvision.io.image.read_image",
            "imageio.imread", "imageio.v2.imread", "imageio.v3.imread", "skimage.io.imread")
# Decoders that already return a uint8 tensor.
TENSOR_DECODERS = ("torchvision.io.read_image", "torchvision.io.decode_image", "torchvision.io.decode_jpeg",
                   "torchvision.io.decode_png", "torchvision.io.image.read_image")
TO_TENSOR = ("torch.from_numpy", "torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.FloatTensor",
             "torchvision.transforms.functional.pil_to_tensor", "torchvision.transforms.v2.functional.pil_to_tensor",
             "torchvision.transforms.v2.functional.to_image")
# Calls that scale pixel values (or may: any transform pipeline is assumed to normalize).
SCALING_CALLS = frozenset({"ToTensor", "Normalize", "ConvertImageDtype", "convert_image_dtype", "normalize",
                           "to_tensor", "div", "div_", "true_divide", "mul", "mul_", "sub", "sub_",
                           "standardize", "rescale", "Rescale", "ToFloat"})
# A call of a transform pipeline (`self.transform(img)`) may normalize, unless every pipeline of
# the project is visible and none scales (ProjectFacts.transforms_never_scale).
PIPELINE_TOKENS = frozenset({"transform", "transforms", "tfm", "tfms", "aug", "augment", "augmentation",
                             "augmentations", "pipeline"})
MAYBE_SCALING_TOKENS = frozenset({"preprocess", "preprocessing", "preproc", "processor", "normalize", "norm",
                                  "standardize", "scale", "rescale", "prepare"})
MODEL_TOKENS = frozenset({"model", "net", "network", "backbone", "encoder", "classifier", "detector", "forward"})


def _names(expr: cst.CSTNode) -> set[str]:
    """Variable names read by an expression (not attribute names, not keyword names)."""
    out: set[str] = set()
    skip: set[int] = set()
    for n in walk(expr, into_scopes=False):
        if isinstance(n, cst.Attribute):
            skip.add(id(n.attr))
        elif isinstance(n, cst.Arg) and n.keyword is not None:
            skip.add(id(n.keyword))
        elif isinstance(n, cst.Name) and id(n) not in skip:
            out.add(n.value)
    return out


class UnnormalizedImageInput(Rule):
    """
    ## What it does
    Flags an image that is decoded (`cv2.imread`, `Image.open`, `torchvision.io.read_image` /
    `decode_image`, `imageio.imread`, `skimage.io.imread`), turned into a tensor
    (`torch.from_numpy`, `torch.tensor`, `torch.as_tensor`, `PILToTensor()`, `pil_to_tensor`) and
    then fed to a model (`model(x)`, `self.net(x)`, `x` passed to `.forward`) with no scaling
    anywhere in the same function: no `ToTensor`, `Normalize`, `ConvertImageDtype`,
    `ToDtype(scale=True)`, division, `.div(255)`, mean subtraction.

    It also flags a Dataset's `__getitem__` that returns such a tensor, but only in a project
    that scales pixels nowhere else (no `/ 255`, `.div(255)`, `Normalize`, `ToTensor`... outside
    functions that decode and scale their own images): many projects (YOLO-style trainers) return
    uint8 tensors on purpose and scale them on the GPU in the training step.

    The analysis is a conservative data flow inside one function. It stays silent as soon as the
    function calls anything that may normalize (a name with preprocess / preproc / norm / processor /
    scale in it: YOLOX's `preproc(img, size, mean, std)` in ByteTrack's demo, judged wrong; a
    transform such as `self.transform(img)` too, unless every transform pipeline of the project is
    a visible `Compose([...])` of transforms that never rescale, such as crops and flips), divides,
    subtracts a mean or multiplies by a float,
    or when the tensor goes somewhere it cannot see (returned from an ordinary function, stored,
    passed to a helper). Pipelines such as `Compose([PILToTensor()])` are not analysed.

    ## Why is this bad?
    A network trained or evaluated on 0-255 inputs instead of normalized ones gets activations
    two orders of magnitude off its initialisation's assumptions: training is slow or diverges,
    and a pretrained model gives wrong outputs without any error. The seed notes: "Normalize the
    data"; the initial loss check (RT004) names unnormalized input as a usual cause.

    ## Example
    ```python
    img = cv2.imread(path)
    x = torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0)
    logits = model(x)
    ```

    ## Use instead
    ```python
    img = cv2.imread(path)
    x = torch.from_numpy(img).permute(2, 0, 1).float().div(255).unsqueeze(0)
    x = TF.normalize(x, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    logits = model(x)
    ```
    """

    code = "RL104"
    name = "unnormalized-image-input"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'one of the four founding mistakes: 0-255 inputs change what the network learns (a correctness bug)'
    source = "seed notes, Tuning experience: 'Normalize the data'; Karpathy's recipe (verify the input to the net)"
    message = "decoded image reaches the model as raw 0-255 values: no scaling (ToTensor, Normalize, /255) on its way"
    needles = ("imread", "imdecode", "Image.open", "read_image", "decode_image", "decode_jpeg", "decode_png")
    valid = (
        Example("import cv2, torch\ndef infer(model, path):\n    img = cv2.imread(path)\n"
                "    x = torch.from_numpy(img).permute(2, 0, 1).float() / 255.0\n    return model(x[None])\n"),
        Example("from PIL import Image\nimport torch\nclass DS:\n    def __getitem__(self, i):\n"
                "        img = Image.open(self.paths[i])\n        return self.transform(img)\n"),
        # YOLOX's demo: a project helper named for preprocessing scales it
        Example("import cv2, torch\nfrom yolox.data.data_augment import preproc\ndef infer(model, path):\n"
                "    img = cv2.imread(path)\n    img, ratio = preproc(img, (608, 1088), MEAN, STD)\n"
                "    x = torch.from_numpy(img).unsqueeze(0).float().cuda()\n    return model(x)\n"),
        # The tensor goes somewhere we cannot see: the caller may scale it.
        Example("import cv2, torch\ndef load(path):\n    return torch.from_numpy(cv2.imread(path))\n"),
        # A uint8 dataset in a project that scales on the GPU elsewhere.
        Example("import cv2, torch\nclass DS(Dataset):\n    def __getitem__(self, i):\n"
                "        img = cv2.imread(self.files[i])\n        return torch.from_numpy(img)\n",
                files={"trainer.py": "imgs = batch['img'].float() / 255\n"}),
        # A transform from a library factory may normalize.
        Example("import cv2, torch\nimport timm.data\nclass DS(Dataset):\n    def __getitem__(self, i):\n"
                "        img = torch.from_numpy(cv2.imread(self.files[i]))\n        return self.transform(img)\n",
                files={"t.py": "import timm.data\ntf = timm.data.create_transform(224)\n"}),
        Example("import torchvision.io as io\nfrom torchvision.transforms import v2\n"
                "def predict(model, p):\n    x = io.read_image(p)\n"
                "    x = v2.ToDtype(torch.float32, scale=True)(x)\n    return model(x[None])\n"),
    )
    invalid = (
        Example("import cv2\nimport torch\ndef infer(model, path):\n    img = cv2.imread(path)\n"
                "    img = cv2.resize(img, (224, 224))\n"
                "    x = torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0)\n    return model(x)\n"),
        Example("from PIL import Image\nimport numpy as np\nimport torch as t\n"
                "img = np.array(Image.open('cat.jpg').convert('RGB'))\nlogits = net(t.tensor(img).permute(2, 0, 1)[None].float())\n"),
        Example("from torchvision.io import read_image\nfrom torch.utils.data import Dataset\n"
                "class Images(Dataset):\n    def __getitem__(self, i):\n"
                "        x = read_image(self.files[i])\n        return x.float(), self.labels[i]\n"),
        # The project's only pipelines crop and flip: the transform provably keeps 0-255.
        Example("import cv2, torch\nclass DS(Dataset):\n    def __getitem__(self, i):\n"
                "        img = torch.from_numpy(cv2.imread(self.files[i])).permute(2, 0, 1).float()\n"
                "        if self.transform is not None:\n            img = self.transform(img)\n        return img\n",
                files={"t.py": "from torchvision import transforms as T\n"
                               "train_tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])\n"}),
    )

    def visit_Module(self, node: cst.Module) -> None:
        self._analyse(node, None)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._analyse(node.body, node.name.value)

    # -- the data flow -------------------------------------------------------------------------
    def _is_decode(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and self.is_name(node.func, *DECODERS)

    def _is_conversion(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, cst.Call):
            return False
        if self.is_name(node.func, *TENSOR_DECODERS):
            return True
        if self.is_name(node.func, *TO_TENSOR):
            return True
        # PILToTensor()(img)
        return isinstance(node.func, cst.Call) and call_name(node.func) == "PILToTensor"

    def _may_scale(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call):
            name = call_name(node) or ""
            if name in SCALING_CALLS:
                return True
            if name == "ToDtype":
                scale = keyword_arg(node, "scale")
                return scale is not None and literal(scale.value) is not False
            if isinstance(node.func, cst.Call):  # T.Normalize(...)(x), v2.ToDtype(..., scale=True)(x)
                return self._may_scale(node.func)
            tokens = set(name_tokens(name))
            if tokens & PIPELINE_TOKENS and not self.facts.transforms_never_scale:
                return True
            return bool(tokens & MAYBE_SCALING_TOKENS)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Divide):
                return True
            if isinstance(node.operator, cst.Multiply) and any(isinstance(s, cst.Float) for s in (node.left, node.right)):
                return True
            if isinstance(node.operator, cst.Subtract) and "mean" in _names(node.right) | {
                    n.attr.value for n in walk(node.right) if isinstance(n, cst.Attribute)}:
                return True
        if isinstance(node, cst.AugAssign) and isinstance(node.operator, (cst.DivideAssign, cst.MultiplyAssign,
                                                                          cst.SubtractAssign)):
            return True
        return False

    def _is_model_call(self, node: cst.Call) -> bool:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "forward":
            return True
        name = call_name(node) or ""
        tokens = set(name_tokens(name))
        return bool(tokens & MODEL_TOKENS) or self.class_kind(node.func) == "module"

    def _analyse(self, body: cst.CSTNode, function: str | None) -> None:
        nodes = list(walk(body, into_scopes=False))
        if not any(self._is_decode(n) for n in nodes):
            return
        if any(self._may_scale(n) for n in nodes):
            return
        raw: set[str] = set()
        tensors: dict[str, cst.CSTNode] = {}  # tensor name -> where the image became a tensor

        def tensor_origin(expr: cst.CSTNode) -> cst.CSTNode | None:
            for name in sorted(_names(expr) & tensors.keys()):
                return tensors[name]
            for n in walk(expr, into_scopes=False):
                if self._is_conversion(n) and (self.is_name(n.func, *TENSOR_DECODERS)
                                               or any(self._is_decode(m) for m in walk(n)) or bool(_names(n) & raw)):
                    return n
            return None

        for n in nodes:
            if isinstance(n, cst.Assign):
                value = n.value
                origin = tensor_origin(value)
                is_raw = origin is not None or any(self._is_decode(m) for m in walk(value)) or bool(_names(value) & raw)
                for t in n.targets:
                    for name in _target_names(t.target):
                        if origin is not None:
                            tensors[name] = origin
                        else:
                            tensors.pop(name, None)
                        (raw.add if is_raw else raw.discard)(name)
            elif isinstance(n, cst.Call) and self._is_model_call(n):
                for arg in n.args:
                    origin = tensor_origin(arg.value)
                    if origin is not None:
                        self.report(origin, f"decoded image reaches `{call_name(n)}` as raw 0-255 values: "
                                            "no scaling (ToTensor, Normalize, /255) on its way")
                        return
            elif isinstance(n, cst.Return) and n.value is not None and function == "__getitem__":
                origin = tensor_origin(n.value)
                if origin is not None and not self.facts.image_scaling_files:
                    self.report(origin, "Dataset returns a decoded image as raw 0-255 values and the project scales "
                                        "pixels nowhere else (no ToTensor, Normalize, /255 outside decoders)")
                    return


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _target_names(el.value)]
    return []
