"""A role for every file: evidence from names, imports, class kinds, calls and the import graph.

Each piece of evidence adds a weight to one role and a signal a reader understands ("class
ResNet(nn.Module)", "calls loss.backward() and optimizer.step()", "folder models/"). Names and
folders are only a prior (about a third of what code evidence weighs), so `test.py` that loads a
checkpoint and scores it under `torch.no_grad()` reads as eval, not as a unit test.
Beyond code, a file is also read through the author's words (the first line of its module and
class docstrings: "inference backend", "Trainer") and its place: a `utils.py` inside `models/` serves
the models; a generic `utils/` folder says less than a file's own name (`utils/tuner.py` is train);
framework runtime plumbing (`strategies/`, `accelerators/`, `plugins/`, `precision/`) is utils.
The weights were tuned on the layouts in `tests/data/layouts/` and on real package trees; the
scores are documented in `benchmarks/map_accuracy.py`'s output (held-out sets marked).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from repolens.mapper.model import ROLES, FileRole, Role
from repolens.mapper.context import MapContext
from repolens.mapper.summary import FileSummary

# -- name priors ------------------------------------------------------------------------------
_FOLDER_PRIOR: dict[str, Role] = {}
for _role, _names in {
    "model": "models model nets net networks network arch archs backbone backbones layers modules heads "
             "necks blocks nn modeling architectures losses loss quantizers quantization",
    "data": "data datasets dataset dataloader dataloaders loaders loader transforms augment augmentation "
            "augmentations preprocessing preprocess io processors",
    "train": "trainer trainers training train engine optim optimizer optimizers scheduler schedulers solver "
             "loops tuner tuning optimization",
    "eval": "eval evaluation evaluate inference val validation benchmarks benchmark demo demos predict "
            "trackers tracker tracking serve serving pipelines",
    # Runtime plumbing of a framework (how and where code runs) is helper code, not training logic.
    "utils": "utils util helpers helper common misc lib strategies accelerators plugins launchers "
             "environments collectives profilers profiler loggers precision",
    "config": "config configs cfg conf settings hparams",
    "test": "tests test unittests unittest testing",
    "script": "scripts tools docs doc bin examples tutorials export exporters deploy deployment conversion",
}.items():
    for _n in _names.split():
        _FOLDER_PRIOR[_n] = _role  # type: ignore[assignment]
# Folders that say "helpers" without saying which: a file's own name or code outweighs them.
_GENERIC_FOLDERS = frozenset("utils util helpers helper common misc lib".split())
# File names that say "helpers of this package": they serve the package they sit in.
_HELPER_STEMS = frozenset("utils util helpers helper common misc _utils _helpers _common _misc".split())

_NAME_PRIOR: dict[str, Role] = {}
for _role, _names in {
    "model": "model models net network resnet resnets vgg vit transformer unet gan layer layers block blocks "
             "attention module modules backbone head heads encoder decoder mlp conv loss losses arch embedding "
             "embeddings densenet efficientnet mobilenet alexnet inception bert gpt llama yolo detr lenet "
             "cnn rnn lstm gru autoencoder vae diffusion unet modeling convnext swin deit hubconf",
    "data": "data dataset datasets dataloader dataloaders loader loaders transform transforms augment "
            "augmentation augmentations preprocess preprocessing prepare collate sampler samplers tokenizer "
            "tokenization reader mixup cutmix imagenet cifar mnist coco voc build_dataset bpe",
    "train": "train trainer training finetune pretrain fit optim optimizer optimizers scheduler schedulers "
             "lr_scheduler engine solver tuner tune tuning loop early_stopping",
    "eval": "eval evaluate evaluation evaluator val validate validation validator infer inference predict "
            "predictor prediction demo sample sampling generate generation benchmark bench test tester "
            "track tracker tracking serve server serving pipeline translate translator",
    "utils": "utils util helpers helper misc common logger logging log meter meters metric metrics "
             "checkpoint checkpoints dist distributed visualize visualization vis viz plot plotting plots "
             "tmux slurm sbatch submitit launcher "
             "registry timer files file env ops tools callbacks summary profiler",
    "config": "config configs cfg settings defaults hparams hyperparameters hyperparams params options opts "
              "args arguments argument constants configurator configuration",
    "script": "setup export exporter convert download onnx deploy launch run install release "
              "conf upload compile app cli",
}.items():
    for _n in _names.split():
        _NAME_PRIOR[_n] = _role  # type: ignore[assignment]

_DATA_IMPORTS = ("torch.utils.data", "torchvision.transforms", "torchvision.datasets", "PIL", "cv2",
                 "albumentations", "datasets", "h5py", "pandas", "torchaudio", "tokenizers", "imageio",
                 "skimage", "webdataset", "lmdb", "pycocotools")
_CONFIG_IMPORTS = ("yacs", "omegaconf", "ml_collections", "hydra", "configargparse")
_PLOT_IMPORTS = ("matplotlib", "seaborn", "visdom", "tensorboardX", "torch.utils.tensorboard", "wandb")
_TRANSFORM_CLASS = re.compile(r"Augment|Transform(?!er)|^Random|Resize|Crop|Flip|Jitter|Normaliz|ToTensor|Erasing|"
                              r"MixUp|Mixup|CutMix|Cutmix|Grayscale|Posterize|Solarize")
_CLASS_SUFFIX = re.compile(r"(Trainer|Training|Validator|Evaluator|Predictor|Tester|Inferencer|Exporter|Dataset|"
                           r"DataModule|DataLoader|Sampler|Tracker)s?$")
_CLASS_SUFFIX_ROLE = {"trainer": "train", "training": "train", "validator": "eval", "evaluator": "eval",
                      "predictor": "eval", "tester": "eval", "inferencer": "eval", "exporter": "script",
                      "dataset": "data", "datamodule": "data", "dataloader": "data", "sampler": "data",
                      "tracker": "eval"}


def _tokens(stem: str) -> list[str]:
    low = stem.lower()
    parts = [p for p in re.split(r"[_\-\d.]+", low) if p]
    return [low, *parts]


@dataclass
class _Score:
    points: dict[str, float] = field(default_factory=lambda: {r: 0.0 for r in ROLES})
    signals: dict[str, list[str]] = field(default_factory=lambda: {r: [] for r in ROLES})
    fallback: dict[str, float] = field(default_factory=lambda: {r: 0.0 for r in ROLES})
    name_role: str | None = None  # what the file's own name suggests
    folder_role: str | None = None  # what its nearest known folder suggests

    prior: dict[str, float] = field(default_factory=lambda: {r: 0.0 for r in ROLES})
    # points that do not count towards the primary role (helper classes of a script): the file
    # still does that job, so they count for its secondary roles
    demoted: dict[str, float] = field(default_factory=lambda: {r: 0.0 for r in ROLES})

    def add(self, role: str, weight: float, signal: str, *, fallback: bool = False, prior: bool = False) -> None:
        self.points[role] += weight
        if fallback:
            self.fallback[role] += weight
        if prior:  # names and folders: they decide a role, but say nothing about what else the code does
            self.prior[role] += weight
        if signal not in self.signals[role]:
            self.signals[role].append(signal)


def _has_import(s: FileSummary, prefixes: tuple[str, ...]) -> list[str]:
    return sorted({m for m in s.imports for p in prefixes if m == p or m.startswith(p + ".")})


def _short_base(base: str) -> str:
    parts = base.split(".")
    if base.startswith("torch.nn.") and len(parts) == 3:
        return f"nn.{parts[-1]}"
    return parts[-1]


def score_file(s: FileSummary, project: MapContext) -> _Score:
    sc = _Score()
    rel = s.rel
    parts = rel.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    folders = [p.lower() for p in parts[:-1]]

    # Names and folders: a prior.
    folder_role = name_role = None
    topic_role = None  # the nearest specific folder, looking through generic ones (models/utils/)
    for distance, folder in enumerate(reversed(folders)):  # the nearest folder speaks loudest
        role = _FOLDER_PRIOR.get(folder)
        if not role:
            continue
        if folder in _GENERIC_FOLDERS:
            if folder_role is None:
                sc.add(role, 0.6 * 0.6 ** distance, f"folder {folder}/", prior=True)
                folder_role = role
            continue
        if folder_role is None:
            sc.add(role, 1.2 * 0.6 ** distance, f"folder {folder}/", prior=True)
            folder_role = role
        elif distance <= 1:
            sc.add(role, 0.7, f"in the {folder}/ package", prior=True)
        topic_role = role if distance <= 1 else None
        break
    if stem.startswith("test_") or stem.endswith("_test") or stem == "conftest":
        sc.add("test", 2.5, f"file name {parts[-1]}")
    elif stem == "setup" and len(parts) == 1:
        sc.add("script", 3.0, "setup.py at the root")
    elif stem.lower() in _HELPER_STEMS and topic_role:
        # `models/utils.py`: the helpers of the models package are model code.
        sc.add(topic_role, 1.2, f"helper module of a {topic_role} package ({parts[-1]})", prior=True)
        name_role = topic_role
    elif stem not in ("__init__", "__main__"):
        for tok in _tokens(stem):
            role = name_prior(tok)
            if role:
                sc.add(role, 1.0, f"file name {parts[-1]}", prior=True)
                name_role = role
                break
    if stem == "__main__":
        sc.add("script", 1.0, "package __main__")
    bench = [t for t in _tokens(stem) if t in ("bench", "benchmark", "benchmarks", "profile", "profiling",
                                              "throughput", "speed", "flops")]

    # Classes, resolved through aliases and through subclasses elsewhere in the repo.
    in_transforms = any(t in ("transforms", "transform", "augment", "augmentation", "augmentations")
                        for t in [*folders, *_tokens(stem)])
    kinds = Counter()
    optimizer_lines = 0
    before_classes = dict(sc.points)
    for c in s.classes:
        kind = project.model.class_kind(rel, c.name)
        if kind == "iterable-dataset":
            kind = "dataset"  # for roles, a stream is data like any dataset
        if kind == "module" and (_TRANSFORM_CLASS.search(c.name) or in_transforms):
            kind = "transform"  # torchvision-style transforms are nn.Modules, but they are data code
        kinds[kind] += 1
        base = _short_base(c.bases[0]) if c.bases else ""
        suffix = _CLASS_SUFFIX.search(c.name)
        if suffix and kind not in ("module", "dataset") and not (
                suffix.group(1) == "Sampler" and "__iter__" not in c.methods and "__len__" not in c.methods):
            # The class's name says what it does (DetectionTrainer): weaker than its bases. A
            # "Sampler" that yields no indices (a diffusion timestep sampler) is no data sampler.
            role = _CLASS_SUFFIX_ROLE[suffix.group(1).lower()]
            sc.add(role, 1.0, f"class {c.name}" + (f"({base})" if base else ""))
        if kind == "module":
            if c.name.lower().endswith("loss") or "loss" in c.name.lower():
                sc.add("model", 1.5, f"class {c.name}({base}): a module loss")
            else:
                sc.add("model", 2.0, f"class {c.name}({base})")
        elif kind == "dataset":
            sc.add("data", 2.5, f"class {c.name}({base})")
        elif kind == "transform":
            sc.add("data", 1.5, f"class {c.name}({base})")
        elif kind == "config":
            sc.add("config", 2.0, f"config class {c.name}")
        elif kind == "test":
            sc.add("test", 2.5, f"class {c.name}({base})")
        elif kind == "optimizer":
            sc.add("train", 2.5, f"class {c.name}({base}): an optimizer")
            optimizer_lines += c.end_line - c.line + 1
        elif kind == "environment":
            # In reinforcement learning the environments and their wrappers feed the learner: data.
            sc.add("data", 1.5, f"class {c.name}({base}): an environment wrapper")
        elif "__getitem__" in c.methods and "__len__" in c.methods:
            sc.add("data", 1.5, f"class {c.name} defines __getitem__ and __len__")
        elif _iterates_batches(c):
            sc.add("data", 1.5, f"class {c.name} iterates batches (__next__ and __len__)")
        elif "__call__" in c.methods and re.search(r"transform|augment|random|resize|crop|flip|normalize|collate",
                                                   c.name, re.I):
            sc.add("data", 1.2, f"class {c.name} is a callable transform")
    # Cap: a file of twenty layer classes is not twenty times more a model file.
    for role in ("model", "data", "config", "test"):
        sc.points[role] = min(sc.points[role], 5.0)
    from_classes = {r: sc.points[r] - before_classes[r] for r in ("model", "data")}
    class_lines = sum(c.end_line - c.line + 1 for c in s.classes)
    if name_role == "utils" and s.lines and class_lines < 0.25 * s.lines:
        # utils.py with a small wrapper class among many helpers: most of its code is helpers.
        for r, pts in from_classes.items():
            sc.points[r] -= 0.7 * pts
        from_classes = {r: 0.3 * pts for r, pts in from_classes.items()}
        sc.points["train"] -= 0.7 * (sc.points["train"] - before_classes["train"])  # a small optimizer class
    _docstring_votes(s, sc)
    if kinds["module"] and not s.parsed:
        sc.add("model", 0.5, "nn.Module text")
    if not s.classes and "forward" in s.features and "getitem" not in s.features:
        sc.add("model", 0.5, "defines forward()")

    # Calls: the verbs of a training or evaluation program.
    f = s.features
    if "backward" in f and "optimizer_step" in f:
        sc.add("train", 3.5, "calls loss.backward() and optimizer.step()")
    elif "backward" in f:
        sc.add("train", 1.5, "calls .backward()")
    elif "optimizer_step" in f:
        sc.add("train", 1.5, "calls optimizer.step()")
    if "zero_grad" in f:
        sc.add("train", 0.5, "calls zero_grad()")
    runnable = _runnable(s)
    if "train_launch" in f and ("eval_launch" in f or kinds["module"]) and not runnable:
        # A library facade that drives training, validation and prediction (`Model.train()`,
        # `Model.val()`): what it launches says little about what it is.
        sc.add("train", 0.5, "launches training and evaluation (a facade)")
    elif "train_launch" in f:
        sc.add("train", 2.0, "launches training (trainer.fit(), runner.train(), trainer.train_epoch())")
    if "eval_launch" in f and "train_launch" not in f:
        sc.add("eval", 2.0, "launches evaluation (trainer.test() / runner.test())")
    if bench and s.top_other + (1 if "main_guard" in f else 0) > 0:
        # Timing training steps is benchmarking, which the label set files under eval.
        sc.add("eval", 1.0 + sc.points["train"], f"benchmarking script ({parts[-1]})")
    if "train_call" in f and "backward" not in f:
        # `train_one_epoch(model, loader, ...)` from a script: it drives training from elsewhere.
        sc.add("train", 2.5 if runnable else 1.0, "calls a training function (train_one_epoch() ...)")
    if "launcher" in f:
        # submitit / SLURM launchers start the real training script: plumbing (the label set's utils).
        sc.add("utils", 4.0, "a cluster launcher (submitit): it runs another script")
    launched = launched_scripts(s, project)
    if launched and "backward" not in f and "no_grad" not in f and "eval_call" not in f:
        # generate_tmux_yaml.py writing `python main.py --seed {i}` for every seed: an experiment
        # launcher, plumbing around the script it runs.
        sc.add("utils", 3.0, f"an experiment launcher: builds command lines that run {', '.join(launched[:2])}")
    factories = _model_factories(s, project)
    if factories and not kinds["module"]:
        sc.add("model", min(2.5, 1.0 + 0.5 * len(factories)),
               "model factories: " + ", ".join(f"{fn}() returns {cls}" for fn, cls in factories[:2]))
    if "training_step" in f:
        sc.add("train", 1.5, "defines training_step")
    step_owner = _module_holding_train_step(s, project)
    if "optimizer" in f and "backward" in f:
        sc.add("train", 0.5, "builds a torch.optim optimizer")
    if "scheduler" in f:
        sc.add("train", 0.4, "builds an LR scheduler")
    evalish = [("no_grad", "runs under torch.no_grad()"), ("eval_call", "calls model.eval()")]
    ev = [txt for key, txt in evalish if key in f]
    if ev:
        weight = 0.8 * len(ev) if "backward" in f else 1.2 * len(ev)
        if ev == ["calls model.eval()"]:
            weight = 0.7  # switching a model to eval mode alone (builders do it) is not evaluating it
        no_grad_share = _scope_share(s, "no_grad")
        if "no_grad" in f and "eval_call" not in f and not runnable and no_grad_share is not None \
                and no_grad_share < 0.5:
            # A library module whose no_grad covers one small helper (an IoU term, a sampling loop
            # beside the losses) and that never switches a model to eval mode is not an evaluation
            # module: weigh it by how much code it covers.
            weight -= (0.8 if "backward" in f else 1.2) * (1.0 - 2 * no_grad_share)
            ev[0] = f"runs under torch.no_grad() in {_scope_names(s, 'no_grad')} ({no_grad_share:.0%} of the file)"
        if ev == ["runs under torch.no_grad()"] and runnable and "backward" not in f and "load" not in f \
                and "predict_call" not in f and not kinds["module"] and not _repo_modules_built(s, project):
            # A script that loads no weights and builds no model of the project computes something
            # under no_grad (diffwave's preprocess.py turning audio into spectrograms): no evaluation.
            weight *= 0.5
            ev[0] = "runs under torch.no_grad() (no model loaded or built)"
        sc.add("eval", weight, " and ".join(ev))
        if "no_grad" not in f and not kinds["module"] and "backward" not in f:
            built = _repo_modules_built(s, project)
            if len(built) >= 2:
                sc.add("model", 1.5, "builds the models " + ", ".join(built[:3]) + " (a model factory)")
    if "inference_runtime" in f and "export" not in f:
        sc.add("eval", 1.0, "runs an exported model (onnxruntime / TensorRT / OpenVINO ...)")
    if "predict_call" in f and "backward" not in f:
        sc.add("eval", 1.5, "runs model.predict() / track()")
    if "load" in f and ev and "backward" not in f:
        sc.add("eval", 0.6, "loads a checkpoint")
    if "export" in f:
        sc.add("script", 1.5, "exports the model (onnx / torchscript)")
        if "script" in (name_role, folder_role):
            # nn.Modules in an exporter wrap the model for tracing; they are not the network.
            sc.points["model"] *= 0.5
    if "setup_call" in f:
        sc.add("script", 2.0, "calls setup()")
    if "dataloader" in f and not ("backward" in f or ev):
        sc.add("data", 0.8, "builds a DataLoader")

    if step_owner:
        # GAIL's Discriminator with its update(), a GAN's networks with their optimisation step: the
        # network is what the file is for; its training step is a second job (labels, rule 1).
        cls, method = step_owner
        sc.demoted["train"] += sc.points["train"]
        sc.add("model", 2.0, f"class {cls}(nn.Module) holds its own training step ({method}())")

    # Imports.
    data_imps = _has_import(s, _DATA_IMPORTS)
    if data_imps:
        sc.add("data", min(1.0, 0.4 * len(data_imps)), "imports " + ", ".join(data_imps[:3]))
    if stem.lower() in _HELPER_STEMS and s.parsed and not topic_role:
        # utils.py is named for helpers, but what most of its code does decides (labels, rule a):
        # a tutorial's utils.py that is mostly dataset conversion and box augmentations is data; a
        # large helper module with two small image transforms is not.
        data_defs, data_lines, def_lines = _data_definitions(s, project)
        share = data_lines / def_lines if def_lines else 0.0
        if share >= 0.4:
            sc.add("data", 2.5, f"most of its code prepares data: {', '.join(data_defs[:3])}"
                                f"{' ...' if len(data_defs) > 3 else ''} ({data_lines} of {def_lines} lines)")
        elif sc.points["data"] > 0:
            sc.points["data"] *= share / 0.4
        if optimizer_lines and def_lines and optimizer_lines < 0.4 * def_lines:
            sc.points["train"] -= 2.5 * kinds["optimizer"] * (1 - optimizer_lines / def_lines / 0.4)
    cfg_imps = _has_import(s, _CONFIG_IMPORTS)
    if cfg_imps and s.top_defs <= 2:
        sc.add("config", 1.5, "imports " + ", ".join(cfg_imps[:2]))
    plot_imps = _has_import(s, _PLOT_IMPORTS)
    if plot_imps and not kinds["module"]:
        sc.add("utils", 0.5, "imports " + ", ".join(plot_imps[:2]))
    test_imps = _has_import(s, ("pytest", "unittest", "hypothesis", "torch.testing"))
    if test_imps and s.test_functions:
        sc.add("test", 2.5, f"{s.test_functions} test functions with {test_imps[0]}")
    elif s.test_functions >= 2 and "test_assert" in f:
        sc.add("test", 2.0, f"{s.test_functions} test functions with asserts")
    elif test_imps:
        sc.add("test", 0.8, f"imports {test_imps[0]}")

    # Shape of the module: plain assignments (config) or a runnable script.
    stmts = s.top_assigns + s.top_defs + s.top_other + s.top_computed
    if s.parsed and s.top_assigns >= 3 and s.top_assigns >= 0.75 * stmts and not kinds["module"] \
            and "main_guard" not in f:
        sc.add("config", 3.0, f"{s.top_assigns} plain assignments and little else")
    elif s.parsed and s.top_assigns and s.top_assigns == stmts and not s.classes:
        sc.add("config", 1.5 + 0.3 * s.top_assigns, f"only plain assignments ({s.top_assigns})")
    if s.settings_table >= 8 and not kinds["module"] and not runnable:
        sc.add("config", 2.0, f"a table of {s.settings_table} literal settings (hyperparameters)")
    if s.options_declared >= 8 and not runnable and "backward" not in f:
        # the options module a training script imports (AtlasNet's argument_parser.py)
        sc.add("config", 2.0, f"declares {s.options_declared} command-line options")
    if runnable:
        what = "a __main__ guard" if "main_guard" in f else "module-level script code"
        cli = " with argparse" if ("argparse" in f or "cli" in f) else ""
        # A runnable file is a train/eval program if it does that work, else other tooling.
        if sc.points["train"] >= 1.5:
            sc.add("train", 1.0, f"runnable: {what}{cli}")
        elif sc.points["eval"] >= 1.0:
            sc.add("eval", 1.0, f"runnable: {what}{cli}")
        elif not kinds["module"] and not kinds["dataset"]:
            # A guard without a CLI under a module of definitions is a demo of the module, weak.
            weight = 1.2 if cli else (0.4 if s.top_defs >= 1 and "main_guard" in f else 0.8)
            if name_role == "data" or (data_imps and name_role != "utils"):
                # preprocess.py, a converter of expert trajectories from h5 to pt: tooling whose job
                # is the dataset (labels, rule 2), not the model.
                sc.add("data", weight, f"runnable: {what}{cli} that prepares data")
            else:
                sc.add("script", weight, f"runnable: {what}{cli}")

    if name_role == "eval" and "backward" in f and "main_guard" in f and sc.points["train"] >= sc.points["eval"]:
        # Linear-probe / fine-tune evaluation protocols train a classifier to measure a model: the
        # script's own name says what it is for.
        sc.add("eval", sc.points["train"] - sc.points["eval"] + 1.0,
               "an evaluation protocol that trains a probe (the script's name says eval)")
    # A training or evaluation script that also defines its Dataset or a small model: the script's
    # purpose outranks the helper classes it carries.
    if runnable and ("argparse" in f or "cli" in f) and max(sc.points["train"], sc.points["eval"]) >= 2.0:
        for r, pts in from_classes.items():
            sc.demoted[r] += 0.6 * pts

    # Who imports it.
    importers = sorted(project.model.importers.get(rel, ()))
    if importers:
        test_like = [i for i in importers if _looks_like_test(i)]
        if len(test_like) == len(importers) and "test_function" not in f and not kinds["module"]:
            sc.add("test", 1.5, "imported only by tests: " + ", ".join(importers[:3]))
        elif len(importers) >= 4 and sc.points["model"] < 2 and sc.points["data"] < 2:
            sc.add("utils", 0.6, f"imported by {len(importers)} files", fallback=True)

    # Fallback: a module of plain functions and no stronger evidence is a helper module.
    # ...unless its own name says which stage it serves (tuner.py, tracker.py).
    if s.parsed and s.top_defs and not runnable and name_role in (None, "utils", "script"):
        sc.add("utils", 0.5, "library functions", fallback=True)
    elif not s.parsed and not any(sc.points.values()):
        sc.add("utils", 0.3, "unparsed: nothing else to go on")
    sc.name_role = name_role
    sc.folder_role = folder_role
    return sc


def name_prior(token: str) -> Role | None:
    """The role a file-name token suggests; plurals count as their singular (`benchmarks`)."""
    role = _NAME_PRIOR.get(token)
    if role is None and len(token) > 3 and token.endswith("s"):
        role = _NAME_PRIOR.get(token[:-1])
    return role


# The author's own words in the first line of the module's and the classes' docstrings.
_DOC_VOCAB: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "predicts" is left out: "the output the model predicts" describes a model, not an evaluation.
    ("eval", re.compile(r"\binferenc|\bpredict(?:ion|ions|or|ors)?\b|\btrack(?:er|ers|ing)\b|\bevaluat|"
                        r"\bbenchmark", re.I)),
    ("train", re.compile(r"\btrain(?:ing|er)?\b|\bfine-?tun|\bhyperparameter (?:search|tuning|optimi)", re.I)),
    ("data", re.compile(r"\bdatasets?\b|\bdata ?loaders?\b|\baugment|\btokeni[sz]|\bpreprocess", re.I)),
    ("utils", re.compile(r"\blog(?:ger|gers|ging)\b|\bprogress bar|\bcheckpoint|\bplot|\bprofil", re.I)),
    ("script", re.compile(r"\bexport(?:s|er|ing)?\b|\bconver(?:t|sion)\b", re.I)),
)


def _whole_word(text: str, m: re.Match[str]) -> str:
    """The words a match sits in: the vocabulary matches stems ("inferenc"), a reader wants words."""
    start, end = m.start(), m.end()
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-_"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] in "-_"):
        end += 1
    return text[start:end]


def _docstring_votes(s: FileSummary, sc: _Score) -> None:
    texts = [("module docstring", s.docstring)] + [(f"class {c.name} docstring", c.doc) for c in s.classes]
    got: dict[str, float] = {}
    for where, text in texts:
        if not text:
            continue
        for role, rx in _DOC_VOCAB:
            m = rx.search(text)
            if m and got.get(role, 0.0) < 1.2:
                weight = 0.8 if where == "module docstring" else 0.6
                got[role] = got.get(role, 0.0) + weight
                sc.add(role, weight, f'{where} says "{_whole_word(text, m)}"')


def _scope_share(s: FileSummary, feature: str) -> float | None:
    """The share of the file's lines inside the functions that hold `feature`; None when unknown
    (an unparsed file) or when module-level code holds it (a script body: all of it counts)."""
    names = s.scopes(feature)
    if not s.parsed or not names or "<module>" in names or not s.lines:
        return None
    spans = {fn.name: fn.end_line - fn.line + 1 for fn in s.functions if fn.kind == "function"}
    return min(1.0, sum(spans.get(n, 0) for n in names) / s.lines)


def _scope_names(s: FileSummary, feature: str) -> str:
    names = [n.rsplit(".", 1)[-1] + "()" for n in s.scopes(feature)]
    return ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")


def _module_holding_train_step(s: FileSummary, project: MapContext) -> tuple[str, str] | None:
    """(class, method) when every backward / optimizer step of the file sits in methods of one of
    its own nn.Module classes."""
    where = [*s.scopes("backward"), *s.scopes("optimizer_step")]
    if not where or any("." not in w for w in where):
        return None
    owners = {w.split(".", 1)[0] for w in where}
    modules = {c.name for c in s.classes if project.model.class_kind(s.rel, c.name) == "module"}
    if not owners <= modules:
        return None
    first = sorted(where)[0]
    return first.split(".", 1)[0], first.split(".", 1)[1]


# What data code uses beyond the imports that make a whole file data: readers of images, archives,
# annotation formats, and torchvision's functional transforms.
_DATA_USES = (*_DATA_IMPORTS, "scipy.misc.imread", "scipy.misc.imresize", "imageio", "xml.etree",
              "torchvision.transforms", "torchvision.io", "nltk", "spacy", "torchtext")


_DISPLAY_TOKENS = frozenset("draw show save plot plots visualize visualise vis display grid colorwheel palette".split())
_DISPLAY_USES = ("matplotlib", "PIL.ImageDraw", "PIL.ImageFont", "seaborn", "visdom")


def _iterates_batches(c) -> bool:  # type: ignore[no-untyped-def]
    """A hand-written batch iterator (`__next__` and `__len__`: Chinese-Text-Classification's
    DatasetIterater, DrQA's BatchGen): it does a DataLoader's job."""
    return "__next__" in c.methods and "__len__" in c.methods


def _data_definitions(s: FileSummary, project: MapContext) -> tuple[list[str], int, int]:
    """(names, lines, all lines) of the file's top-level definitions that prepare data: they read
    images or annotations or transform them (through the data libraries), are named for data
    (`create_data_lists`), are a Dataset, transform or batch-iterator class, or serve only such
    definitions."""
    own = s.info.module if s.info is not None else ""
    defs: dict[str, tuple[int, set[str]]] = {}  # top-level name -> (lines, what it uses)
    for fn in s.functions:
        if fn.kind != "function" or fn.name == "<module>":
            continue
        top = fn.name.split(".", 1)[0]
        lines, uses = defs.get(top, (0, set()))
        if "." not in fn.name:
            lines = fn.end_line - fn.line + 1
        defs[top] = (lines, uses | {q for q, _ in fn.uses})
    data: set[str] = set()
    iterators = {c.name for c in s.classes if _iterates_batches(c)}
    for name, (_, uses) in defs.items():
        kind = project.model.class_kind(s.rel, name) if name in {c.name for c in s.classes} else ""
        if name in iterators:
            data.add(name)
            continue
        if _DISPLAY_TOKENS.intersection(_tokens(name)[1:]) or any(
                q.startswith(_DISPLAY_USES) for q in uses):
            continue  # drawing boxes on an image, saving a grid: visualisation (utils), not data
        if kind in ("dataset", "iterable-dataset") or _TRANSFORM_CLASS.search(name) and kind == "" or any(
                q == p or q.startswith(p + ".") for q in uses for p in _DATA_USES) or any(
                name_prior(t) == "data" for t in _tokens(name)[1:]):
            data.add(name)
    # Helpers used only by data definitions of the file (random_crop() under transform()) are data.
    users: dict[str, set[str]] = {n: set() for n in defs}
    for name, (_, uses) in defs.items():
        for q in uses:
            if own and q.startswith(own + "."):
                callee = q[len(own) + 1:].split(".", 1)[0]
                if callee in users and callee != name:
                    users[callee].add(name)
    for name, callers in users.items():
        if callers and callers <= data:
            data.add(name)
    names = sorted(data, key=lambda n: -defs[n][0])
    return names, sum(defs[n][0] for n in data), sum(lines for lines, _ in defs.values())


def launched_scripts(s: FileSummary, project: MapContext) -> list[str]:
    """The repository's Python files that the command lines written in `s` run (`python main.py`)."""
    out = []
    own = s.rel.rsplit("/", 1)[-1]
    for script in s.command_scripts:
        name = script.lstrip("./")
        if name.rsplit("/", 1)[-1] == own:
            continue  # a usage line of the file itself
        if any(rel == name or rel.endswith("/" + name) for rel in project.summaries) and name not in out:
            out.append(name)
    return out


def _repo_modules_built(s: FileSummary, project: MapContext) -> list[str]:
    """Repo nn.Module classes this file calls (instantiates)."""
    out: list[str] = []
    for q in s.calls:
        if "." not in q or q.startswith(("torch.", "nn.")):
            continue
        d = project.model.module_class(q, s.rel)
        if d is not None and d.rel != s.rel and d.name not in out:
            out.append(d.name)
    return out


def _looks_like_test(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or any(
        p in ("tests", "test", "testing") for p in rel.split("/")[:-1])


def _importer_note(rel: str, project: MapContext) -> str | None:
    importers = sorted(project.model.importers.get(rel, ()))
    if not importers:
        return None
    names = ", ".join(importers[:3]) + (f" and {len(importers) - 3} more" if len(importers) > 3 else "")
    return f"imported by {names}"


def assign_roles(project: MapContext) -> dict[str, FileRole]:
    scores = {rel: score_file(s, project) for rel, s in project.summaries.items()}
    first = {rel: _decide(rel, project.summaries[rel], sc, project) for rel, sc in scores.items()}
    # Second pass: what the first pass learnt about other files is evidence too.
    by_folder: dict[str, list[str]] = {}
    for rel in first:
        by_folder.setdefault(rel.rsplit("/", 1)[0] if "/" in rel else "", []).append(rel)
    for rel, sc in scores.items():
        s = project.summaries[rel]
        # A class deriving from a repo class inherits that file's role (DetectionTrainer(BaseTrainer)).
        inherited = 0.0
        for c in s.classes:
            for base in c.bases:
                d = project.model.resolve(base, rel)
                if d is None or d.kind != "class" or d.rel == rel:
                    continue
                base_role = first[d.rel].role
                if base_role == "model" and project.model.class_kind(rel, c.name) == "module":
                    break  # an nn.Module subclass has counted as a model already
                if base_role in ("train", "eval", "data", "script", "config", "model") and inherited < 2.5:
                    sc.add(base_role, 1.5, f"class {c.name}({d.name}) from {d.rel} ({base_role})")
                    inherited += 1.5
                break
        own = max(sc.points[r] - sc.prior[r] - sc.fallback[r] for r in ROLES)
        if _runnable(s) and own < 1.5 and sc.name_role in (None, "utils", "script"):
            # create_input_files.py: a few lines that call one function of utils.py, which prepares
            # the data: the script does the job of what it runs.
            ran = _delegates_to(s, project, first)
            if ran:
                role, names = ran
                sc.add(role, 2.0, f"runs {', '.join(names[:2])} ({role})")
        importers = sorted(project.model.importers.get(rel, ()))
        if len(importers) >= 2 and own < 1.5 and sc.name_role is None and not rel.endswith("__init__.py") \
                and all(first[i].role == "train" for i in importers):
            # Helpers that only the training code uses (a timestep sampler, trainer_utils.py) are
            # part of training (labels, rule 3), unless their name says they are generic helpers.
            sc.add("train", 1.5, "used only by training code: " + ", ".join(importers[:3]))
        # Files in one folder usually share a job: a weak vote of the confidently-labelled siblings.
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        # Only siblings with evidence of their own vote: "a module of functions" is no evidence.
        sib = [first[p] for p in by_folder[folder]
               if p != rel and not p.endswith("__init__.py") and first[p].confidence >= 0.5
               and scores[p].points[first[p].role] - scores[p].fallback[first[p].role] >= 1.0]
        if folder and len(sib) >= 3 and not rel.endswith("__init__.py"):
            role, n = Counter(r.role for r in sib).most_common(1)[0]
            share = n / len(sib)
            if share >= 0.7:
                # A file whose own name says otherwise (tuner.py among helpers) hears its siblings less.
                weight = 0.6 if sc.name_role and sc.name_role != role else 1.2
                sc.add(role, weight * share, f"{n} of {len(sib)} files in {folder}/ are {role}")
    out = {rel: _decide(rel, project.summaries[rel], sc, project) for rel, sc in scores.items()}
    # Re-export-only __init__.py files take the role of what they re-export, else of their package.
    # Deepest packages first, so a parent sees what its sub-packages turned out to be.
    for rel, s in sorted(project.summaries.items(), key=lambda kv: -kv[0].count("/")):
        init = rel.endswith("__init__.py")
        # hubconf.py with `from models import *` and a dependencies list re-exports just as well.
        reexports = not init and s.parsed and s.imports and s.top_defs == 0 and s.top_other == 0 \
            and s.top_computed == 0 and s.top_assigns <= 1 and s.main_guard_line is None
        if not (init and s.top_defs <= 1 and s.top_other <= 2) and not reexports:
            continue
        if init and out[rel].confidence >= 0.8 and out[rel].role != "utils":
            continue  # an __init__ with real content of its own keeps its role
        folder = rel[: -len("__init__.py")] if init else rel[: rel.rfind("/") + 1]
        targets = [project.model.module_rel(m, rel) for m in s.imports if m.startswith(_module_prefix(folder))]
        exported = Counter(out[t].role for t in sorted({t for t in targets if t}) if t != rel and t in out)
        inside = [p for p in out if p.startswith(folder) and p != rel and not p.endswith("__init__.py")]
        children = [p for p in inside if "/" not in p[len(folder):]]
        # The package's own modules speak for it (labels, rule b); its sub-packages only when it
        # has fewer than two modules of its own.
        sib = Counter(out[p].role for p in (children if len(children) >= 2 else inside))
        if not init:
            sib = Counter()  # a module outside an __init__ is not its folder's representative
        role = None
        if exported:
            role, n = exported.most_common(1)[0]
            why = f"package __init__ re-exporting {role} code"
            if n < 0.75 * sum(exported.values()):
                role = None  # a mixed package: its own evidence (the folder name) decides
        elif sib:
            (role, n), *rest = sib.most_common(2)
            why = f"package __init__ of {folder or './'}: mostly {role} files"
            empty = not s.imports and s.top_defs == 0 and s.top_other == 0
            # An empty __init__ takes its folder's plurality (the labelling guideline's rule b);
            # one with imports of its own needs a clear majority.
            if n < 0.6 * sum(sib.values()) and not (empty and (not rest or n > rest[0][1])):
                role = None
        if role is None and not init and not exported and rel.rsplit("/", 1)[-1] == "hubconf.py":
            # torch.hub's entry file exists to hand out the project's models, even where its star
            # import names a module that is gone (PVT's classification/hubconf.py, copied from DeiT)
            role, why = "model", "hubconf.py: torch.hub's entry to the project's models"
        if role is None and exported:
            # A package exporting a mix (a task's trainer, validator and predictor): its folder says.
            for folder_name in reversed([p.lower() for p in rel.split("/")[:-1]]):
                role = _FOLDER_PRIOR.get(folder_name) or name_prior(folder_name)
                if role:
                    why = f"package __init__ re-exporting mixed code, in folder {folder_name}/"
                    break
        if role is None:
            continue
        prior = out[rel]
        out[rel] = FileRole(rel, role, tuple(x for x in prior.secondary if x != role), 0.6, (why,),
                            prior.lines, prior.parsed, prior.problem)
    return out


def _runnable(s: FileSummary) -> bool:
    return "main_guard" in s.features or s.top_other >= 3


def _delegates_to(s: FileSummary, project: MapContext, first: dict[str, FileRole]
                  ) -> tuple[str, list[str]] | None:
    """(role, names) when the script's module-level code and main() call repository functions of
    other files that all have one role among data / train / eval."""
    roles: dict[str, list[str]] = {}
    for fn in s.functions:
        if fn.name not in ("<module>", "main"):
            continue
        for qualified, _ in fn.uses:
            d = project.model.resolve(qualified, s.rel)
            if d is None or d.rel == s.rel or d.kind != "function" or "." in d.name or d.rel not in first:
                continue
            roles.setdefault(first[d.rel].role, []).append(f"{d.name}() from {d.rel}")
    if len(roles) == 1:
        role, names = next(iter(roles.items()))
        if role in ("data", "train", "eval"):
            return role, sorted(set(names))
    return None


def _model_factories(s: FileSummary, project: MapContext) -> list[tuple[str, str]]:
    """(function, class) for the file's top-level functions that return a Module of the repository."""
    out = []
    for fn, callee in (s.info.returns if s.info is not None else ()):
        if "." in fn:
            continue  # methods: forward() returning a submodule's call is no factory
        d = project.model.module_class(callee, s.rel)
        if d is not None:
            out.append((fn, d.name))
    return out


def _module_prefix(folder: str) -> str:
    return folder.rstrip("/").replace("/", ".")


def _decide(rel: str, s: FileSummary, sc: _Score, project: MapContext) -> FileRole:
    effective = {r: sc.points[r] - sc.demoted[r] for r in ROLES}
    ranked = sorted(ROLES, key=lambda r: (-effective[r], ROLES.index(r)))
    best = ranked[0]
    top = effective[best]
    if top <= 0:
        best, top = "utils", 0.0
        signals = ["no signal: an empty or trivial file"]
    else:
        signals = list(sc.signals[best])
    second = effective[ranked[1]]
    confidence = 0.3 if top <= 0 else min(0.99, 0.35 + 0.65 * (top - second) / top * min(1.0, top / 3))
    if not s.parsed:
        confidence *= 0.6
    # Secondary roles: what else the code itself does (a train script that also evaluates);
    # a file name alone (`mnist.py` sounds like data) is no secondary job.
    code = {r: sc.points[r] - sc.prior[r] for r in ROLES}
    secondary = tuple(r for r in ranked[1:] if code[r] >= 1.5 and code[r] >= 0.25 * top)
    note = _importer_note(rel, project)
    if note and best in ("model", "data", "utils", "config", "test"):
        signals.append(note)
    return FileRole(rel, best, secondary, round(confidence, 2), tuple(signals[:6]), s.lines, s.parsed,
                    s.problem)
