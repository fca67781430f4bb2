"""The data `repolens probe` takes and returns. `ProbeReport.to_json()` is the SPEC's JSON contract.

Nothing here imports torch: the parent side (CLI, library callers) only handles plain data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Mapping

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

# The checks, id -> name (the ids and names are the contract; SPEC section 3).
CHECKS: dict[str, str] = {
    "RT000": "probe-failed",  # the user's code failed: import, build, forward, timeout, crash
    "RT001": "submodule-never-called",
    "RT002": "parameter-without-gradient",
    "RT003": "frozen-parameters",
    "RT004": "initial-loss-off",
    "RT005": "cannot-overfit-tiny-batch",
    "RT006": "non-finite-values",
    "RT007": "abnormal-magnitudes",
    "RT008": "shape-trace",
    "RT009": "unbalanced-loss-components",
    "RT010": "dataset-not-normalized",
    "RT011": "class-imbalance",
    "RT012": "compile-graph-breaks",
    "RT013": "batch-mixing",
    "RT014": "input-independent-baseline",
}


@dataclass(frozen=True)
class Thresholds:
    """Every number a check compares against; each is a `[tool.repolens.probe]` option."""

    initial_loss_tolerance: float = 0.20  # RT004 info: |loss - ln C| / ln C above this
    initial_loss_warning: float = 1.0  # RT004 warning: ... above this (the loss twice the expected one)
    initial_logit_spread: float = 3.0  # RT004 warning also needs the logits' std around each sample's mean above this x sqrt(2 ln C)
    overfit_ratio: float = 0.05  # RT005: final loss below this fraction of min(initial, best constant) loss
    overfit_ratio_dense: float = 0.5  # RT005: the same for dense regression (> 64 target values per sample)
    overfit_lr: float = 1e-3  # RT005: Adam learning rate
    vanishing_grad: float = 1e-7  # RT007: mean |grad| of a parameter below this
    exploding_grad: float = 1e3  # RT007: mean |grad| of a parameter above this
    exploding_activation: float = 1e3  # RT007: mean |activation| of a layer output above this
    exploding_gain: float = 100.0  # RT007: a layer with weights multiplying mean |x| by more than this
    exploding_logits: float = 50.0  # RT007: mean |logit| of a classifier's output at initialisation
    exploding_param: float = 1e3  # RT007: max |w| of a parameter above this
    dead_relu: float = 0.90  # RT007: fraction of a ReLU's units never active over the batch
    loss_ratio: float = 100.0  # RT009: largest / smallest loss component
    normalized_abs_max: float = 10.0  # RT010: inputs whose |x| exceeds this are not normalized
    normalized_abs_mean: float = 3.0  # RT010: ... or whose |mean| exceeds this
    normalized_min_std: float = 1e-3  # RT010: ... or whose std is below this (constant inputs)
    imbalance_ratio: float = 10.0  # RT011: most / least frequent class in the sample
    baseline_margin: float = 0.5  # RT014: zeroed inputs must lose this share of the training gain

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Thresholds":
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown probe threshold(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**{k: float(v) for k, v in data.items()})


@dataclass(frozen=True)
class ProbeSpec:
    """What to probe and how. Paths are absolute; the child process receives it as JSON."""

    model: str  # "path/to/file.py:factory" or "pkg.module:callable"
    root: str  # the project root: put on sys.path in the child
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    input_shape: tuple[int, ...] | None = None  # None: inferred from the first layer
    dtype: str | None = None  # "float32" | "long" (token ids) | ...; None: float32 or inferred
    classes: int | None = None
    loss: str | None = None  # "cross_entropy" | "mse" | ... | "module:callable"
    dataset: str | None = None  # "module:callable" returning a torch Dataset
    dataset_kwargs: Mapping[str, Any] = field(default_factory=dict)
    device: str = "auto"  # auto | cpu | cuda
    steps: int = 300
    timeout: float | None = None  # seconds; None: 120 s plus 10 s per million parameters (at 300 steps)
    select: tuple[str, ...] = ()  # empty: every check
    freeze: tuple[str, ...] = ()  # RT003: parameter-name patterns the training code freezes by
    compile_check: bool | None = None  # RT012: None = on CUDA, and on CPU for small models
    seed: int = 0
    thresholds: Thresholds = field(default_factory=Thresholds)
    origin: str = ""  # where the model choice came from, for the report
    tiny: bool = False  # shrink the known size knobs of the constructor / its config (runtime/construct.py)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["input_shape"] = list(self.input_shape) if self.input_shape else None
        data["select"] = list(self.select)
        data["freeze"] = list(self.freeze)
        data["kwargs"] = dict(self.kwargs)
        data["dataset_kwargs"] = dict(self.dataset_kwargs)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ProbeSpec":
        d = dict(data)
        d["input_shape"] = tuple(d["input_shape"]) if d.get("input_shape") else None
        d["select"] = tuple(d.get("select") or ())
        d["freeze"] = tuple(d.get("freeze") or ())
        d["thresholds"] = Thresholds(**(d.get("thresholds") or {}))
        return cls(**d)

    def wants(self, rule: str) -> bool:
        return not self.select or rule in self.select


@dataclass(frozen=True)
class ProbeFinding:
    rule: str
    name: str
    severity: Severity
    message: str
    where: str = ""  # a module or parameter name ("encoder.proj"), or "" for the whole model
    value: Any = None  # what was measured (a number, or a count)
    threshold: Any = None  # what it was compared with
    hint: str | None = None  # what to do about it
    items: tuple[str, ...] = ()  # every module or parameter the finding is about, when it is about several

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule": self.rule, "name": self.name, "severity": self.severity,
                                "message": self.message, "where": self.where}
        for key in ("value", "threshold", "hint"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.items:
            data["items"] = list(self.items)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ProbeFinding":
        d = dict(data)
        d["items"] = tuple(d.get("items") or ())
        return cls(**d)


@dataclass(frozen=True)
class ProbeFailure:
    """Why the user's code could not be probed, in the words a one-screen report needs."""

    kind: str  # import | build | input | forward | backward | out-of-memory | timeout | crash | check
    phase: str  # what the probe was doing: "importing the model", "forward pass", ...
    message: str  # the exception, one line
    module: str | None = None  # innermost nn.Module running when it failed ("layer2.0.conv1")
    module_type: str | None = None
    input_shapes: tuple[str, ...] = ()  # of that module's inputs, "8x3x32x32 float32"
    module_stack: tuple[str, ...] = ()  # outermost first
    location: str | None = None  # innermost frame of the user's code: "models/net.py:42"
    source_line: str | None = None
    hint: str | None = None
    detail: str | None = None  # a short tail of stderr / the traceback, for a crash

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["input_shapes"] = list(self.input_shapes)
        data["module_stack"] = list(self.module_stack)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ProbeFailure":
        d = dict(data)
        d["input_shapes"] = tuple(d.get("input_shapes") or ())
        d["module_stack"] = tuple(d.get("module_stack") or ())
        return cls(**d)


@dataclass(frozen=True)
class ProbeReport:
    model: str
    device: str
    findings: tuple[ProbeFinding, ...] = ()
    measurements: Mapping[str, Any] = field(default_factory=dict)
    failure: ProbeFailure | None = None
    version: str = ""  # of repolens
    options: Mapping[str, Any] = field(default_factory=dict)  # the spec the run used (minus paths' noise)

    def worst(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=SEVERITY_RANK.__getitem__)

    def exit_code(self) -> int:
        """0 clean, 1 a finding at or above warning, or the user's code failed."""
        if self.failure is not None:
            return 1
        worst = self.worst()
        return 1 if worst is not None and SEVERITY_RANK[worst] >= SEVERITY_RANK["warning"] else 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "model": self.model, "device": self.device,
            "findings": [f.to_json() for f in self.findings],
            "measurements": dict(self.measurements),
        }
        if self.version:
            data["repolens_version"] = self.version
        if self.options:
            data["options"] = dict(self.options)
        if self.failure is not None:
            data["failure"] = self.failure.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ProbeReport":
        failure = data.get("failure")
        return cls(
            model=data["model"], device=data["device"],
            findings=tuple(ProbeFinding.from_json(f) for f in data.get("findings", ())),
            measurements=data.get("measurements") or {},
            failure=ProbeFailure.from_json(failure) if failure else None,
            version=data.get("repolens_version", ""), options=data.get("options") or {},
        )


def finding(rule: str, severity: Severity, message: str, where: str = "", *, value: Any = None,
            threshold: Any = None, hint: str | None = None, items: tuple[str, ...] | list[str] = ()) -> ProbeFinding:
    return ProbeFinding(rule=rule, name=CHECKS[rule], severity=severity, message=message, where=where,
                        value=_plain(value), threshold=_plain(threshold), hint=hint, items=tuple(items))


def _plain(value: Any) -> Any:
    """JSON-safe numbers: NaN/Inf become strings, floats are rounded to 6 significant digits."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return float(f"{value:.6g}")
    return value
