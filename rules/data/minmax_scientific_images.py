import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import code_of, dotted, positional_args

_MIN_FUNCS = ("numpy.min", "numpy.amin", "numpy.nanmin", "torch.min", "torch.amin")
_MAX_FUNCS = ("numpy.max", "numpy.amax", "numpy.nanmax", "torch.max", "torch.amax")
_PTP_FUNCS = ("numpy.ptp",)
_NIB = "import nibabel as nib\nimg = nib.load(path).get_fdata()\n"


def _key(expr: cst.BaseExpression) -> str:
    if getattr(expr, "lpar", None):
        expr = expr.with_changes(lpar=(), rpar=())
    return code_of(expr)


class MinMaxScientificImages(BindingTracker, Rule):
    """
    ## What it does
    Flags per-image min-max scaling, `(x - x.min()) / (x.max() - x.min())` (also with an `+ eps`,
    `np.min(x)` / `torch.amin(x)` / `np.ptp(x)` forms, or the min and max first stored in
    variables), in a project that reads medical or remote-sensing formats (it imports nibabel,
    pydicom, SimpleITK, rasterio, GDAL, tifffile, medpy or MONAI).

    Only whole-array reductions are matched (`x.min()` with no axis); per-axis statistics such as
    `x.min(0)` are often dataset-level feature scaling and are left alone.

    ## Why is this bad?
    In CT, MRI, SAR or multispectral data the pixel values are physical quantities (Hounsfield
    units, reflectance). Min-max per image maps each scan's own extremes to 0 and 1, so the same
    tissue or surface gets a different value in every image and one bright artefact rescales the
    whole scan. The seed notes: "medical and remote-sensing images must NOT simply be min-max
    scaled to 0-1 by their pixel values."

    ## Example
    ```python
    volume = nib.load(path).get_fdata()
    volume = (volume - volume.min()) / (volume.max() - volume.min())
    ```

    ## Use instead
    ```python
    # a fixed physical window (CT: Hounsfield units), or dataset-wide statistics
    volume = np.clip(volume, -1000, 400)
    volume = (volume - (-1000)) / (400 - (-1000))
    ```
    """

    code = "RL105"
    name = "minmax-scientific-images"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'per-image min-max scaling of physical units destroys information the model needs (a correctness bug)'
    source = ("seed notes, Data augmentation: 'medical and remote-sensing images must NOT simply be "
              "min-max scaled to 0-1 by their pixel values'")
    message = "per-image min-max scaling of medical/remote-sensing data: values lose their physical meaning"
    needles = ("min(", "ptp(")
    valid = (
        # Ordinary photos: min-max is harmless there.
        Example("import cv2\nimg = cv2.imread(p)\nimg = (img - img.min()) / (img.max() - img.min())\n"),
        Example(_NIB + "img = np.clip(img, -1000, 400)\nimg = (img + 1000) / 1400\n"),
        Example(_NIB + "x = (x - x.min(0)) / (x.max(0) - x.min(0))\n"),
        Example(_NIB + "y = (a - b.min()) / (a.max() - a.min())\n"),
    )
    invalid = (
        Example(_NIB + "img = (img - img.min()) / (img.max() - img.min())\n"),
        Example("import numpy as np\nimport pydicom\n"
                "def norm(x):\n    lo, hi = np.min(x), np.max(x)\n    return (x - lo) / (hi - lo + 1e-8)\n"),
        Example("import torch\nimport SimpleITK as sitk\nt = (t - torch.amin(t)) / (torch.amax(t) - torch.amin(t))\n"),
        Example("import numpy as np\nimport rasterio\nband = (band - band.min()) / np.ptp(band)\n"),
    )

    def _reduction(self, expr: cst.BaseExpression, kinds: tuple[str, ...], methods: tuple[str, ...]) -> str | None:
        """The key of `x` when `expr` is `x.min()` / `np.min(x)` (or a name holding one)."""
        key = dotted(expr)
        if key and key in self.assigned:
            expr = self.assigned[key]
        if not isinstance(expr, cst.Call):
            return None
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in methods and not expr.args:
            return _key(expr.func.value)
        args = positional_args(expr)
        if self.is_name(expr.func, *kinds) and len(expr.args) == 1 and len(args) == 1:
            return _key(args[0].value)
        return None

    def _min(self, e: cst.BaseExpression) -> str | None:
        return self._reduction(e, _MIN_FUNCS, ("min", "amin", "nanmin"))

    def _max(self, e: cst.BaseExpression) -> str | None:
        return self._reduction(e, _MAX_FUNCS, ("max", "amax", "nanmax"))

    def _range_of(self, expr: cst.BaseExpression) -> str | None:
        """`x.max() - x.min()`, `np.ptp(x)`, `x.ptp()`, each optionally `+ eps`."""
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return self._range_of(expr.left)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Subtract):
            hi, lo = self._max(expr.left), self._min(expr.right)
            return hi if hi is not None and hi == lo else None
        return self._reduction(expr, _PTP_FUNCS, ("ptp",))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Divide) or not self.facts.reads_scientific_images:
            return
        left = node.left
        if not (isinstance(left, cst.BinaryOperation) and isinstance(left.operator, cst.Subtract)):
            return
        x = _key(left.left)
        if self._min(left.right) != x:
            return
        if self._range_of(node.right) == x:
            self.report(node)
