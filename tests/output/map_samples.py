"""Hand-built RepoMaps for the formatter tests: what `build_map` returns for a realistic
image-classifier repository, and a hostile one whose names try to break every format."""

from __future__ import annotations

from repolens.mapper.model import (
    CallEdge,
    CardItem,
    Entrypoint,
    FileRole,
    GitFileInfo,
    GitInfo,
    ReadingStep,
    RepoMap,
    SupportFile,
    Usage,
)
from repolens.mapper.recipe.model import FIELDS, Recipe, RecipeValue


def sample_recipe() -> Recipe:
    """What extract_recipe gives for the image classifier: some fields found, the rest absent."""
    found = {
        "optimizer": (RecipeValue("SGD", "torch.optim.SGD(...)", "train.py:124", "literal"),),
        "lr": (RecipeValue("0.1", "args.lr", "train.py:124", "argparse-default", "train.py:31"),),
        "lr_schedule": (RecipeValue("MultiStepLR", "MultiStepLR(optimizer, milestones=args.milestones)",
                                    "train.py:131", "literal"),),
        "precision": (RecipeValue("autocast", "torch.autocast('cuda')", "train.py:70", "literal",
                                  when="if args.amp (argparse-default False)"),),
        "logging": (RecipeValue("TensorBoard", "SummaryWriter(log_dir)", "utils/logger.py:34", "literal"),
                    RecipeValue("JSON log", "json.dumps(log_stats)", "train.py:160", "literal")),
    }
    return Recipe("train.py", ("train.py", "utils/logger.py"), tuple((f, found.get(f, ())) for f in FIELDS))


def image_classifier_map(root: str = "fixtures/image_classifier") -> RepoMap:
    files = (
        FileRole("data/__init__.py", "data", (), 0.6, ("package of data/",), 3),
        FileRole("data/cifar.py", "data", (), 0.95,
                 ("class CIFAR10Folder(Dataset)", "defines __getitem__", "imports torchvision.transforms"), 88),
        FileRole("data/transforms.py", "data", ("utils",), 0.85,
                 ("imports torchvision.transforms", "transforms.Compose([...])"), 41),
        FileRole("models/__init__.py", "model", (), 0.6, ("package of models/",), 4),
        FileRole("models/resnet.py", "model", (), 0.97,
                 ("class ResNet(nn.Module)", "class BasicBlock(nn.Module)", "defines forward"), 142),
        FileRole("models/heads.py", "model", (), 0.9, ("class LinearHead(nn.Module)",), 30),
        FileRole("utils/__init__.py", "utils", (), 0.5, ("package of utils/",), 1),
        FileRole("utils/metrics.py", "utils", (), 0.8, ("def accuracy(...)", "imported by train.py, eval.py"), 35),
        FileRole("utils/checkpoint.py", "utils", (), 0.8, ("torch.save / torch.load",), 27),
        FileRole("train.py", "train", (), 0.96,
                 ("loss.backward()", "optimizer.step()", "argparse in __main__ guard"), 120),
        FileRole("eval.py", "eval", (), 0.93, ("model.eval()", "torch.no_grad()"), 64),
        FileRole("configs/default.py", "config", (), 0.7, ("module-level constants only",), 18),
        FileRole("tests/test_resnet.py", "test", ("model",), 0.92, ("def test_* functions", "imports pytest"), 22),
        FileRole("scripts/broken_export.py", "script", (), 0.4, ("name contains export",), 12,
                 parsed=False, problem="scripts/broken_export.py:3: syntax error (invalid syntax)"),
    )
    entrypoints = (
        Entrypoint("train.py", "readme-command", "python train.py --epochs 30 --lr 0.1", "README.md:14"),
        Entrypoint("eval.py", "readme-command", "python eval.py --checkpoint runs/best.pt", "README.md:21"),
        Entrypoint("scripts/broken_export.py", "main-guard", None, "scripts/broken_export.py:10"),
    )
    reading_order = (
        ReadingStep("README.md", "what the project does and how to run it"),
        ReadingStep("train.py", "main entrypoint (README.md:14)", 58, "main"),
        ReadingStep("data/cifar.py", "the dataset train.py:main loads", 12, "CIFAR10Folder"),
        ReadingStep("data/transforms.py", "the augmentation pipeline", 5, "build_transforms"),
        ReadingStep("models/resnet.py", "the network train.py:main builds: the core of the project",
                    40, "ResNet", core=True),
        ReadingStep("models/heads.py", "the classifier head ResNet uses", 6, "LinearHead"),
        ReadingStep("utils/metrics.py", "helpers: accuracy", 3, "accuracy", tier="then"),
    )
    calls = (
        CallEdge("train.py:main", "data/cifar.py:CIFAR10Folder", 66),
        CallEdge("train.py:main", "data/transforms.py:build_transforms", 64),
        CallEdge("train.py:main", "models/resnet.py:ResNet", 71),
        CallEdge("train.py:main", "utils/metrics.py:accuracy", 95),
        CallEdge("train.py:main", "utils/checkpoint.py:save_checkpoint", 104),
        CallEdge("models/resnet.py:ResNet.__init__", "models/heads.py:LinearHead", 52),
        CallEdge("models/resnet.py:ResNet.__init__", "models/resnet.py:BasicBlock", 48),
        CallEdge("eval.py:main", "models/resnet.py:ResNet", 30),
        CallEdge("eval.py:main", "utils/checkpoint.py:load_checkpoint", 32),
    )
    card = {
        "dependencies": CardItem(True, "requirements.txt"),
        "training_code": CardItem(True, "train.py (README.md:14)"),
        "evaluation_code": CardItem(True, "eval.py (README.md:21)"),
        "pretrained_weights": CardItem(False, "no link to weights in README.md"),
        "results": CardItem(True, "README.md:30 results table; command at README.md:21"),
    }
    support = (
        SupportFile("configs/cifar10.yaml", "config", "yaml", 12,
                    (Usage("README.md", 14, "argument of train.py"), Usage("train.py", 30, "argparse default"))),
        SupportFile("scripts/train_cifar.sh", "script", "shell", 20, (Usage("README.md", 34, "named in the docs"),),
                    (Usage("train.py", 11, "python train.py --epochs 164"),)),
    )
    git = GitInfo(
        head="3f9c2a1b7d4e8f6a5c3b2a1908f7e6d5c4b3a291",
        files={
            "train.py": GitFileInfo(14, "2024-03-02"),
            "models/resnet.py": GitFileInfo(9, "2024-02-27"),
            "data/cifar.py": GitFileInfo(4, "2024-01-15"),
            "eval.py": GitFileInfo(3, "2024-02-01"),
            "utils/metrics.py": GitFileInfo(1, "2023-12-20"),
        },
    )
    return RepoMap(
        root=root,
        files=files,
        entrypoints=entrypoints,
        reading_order=reading_order,
        calls=calls,
        environment={"torch": ">=2.1", "torchvision": ">=0.16", "python": None},
        card=card,
        git=git,
        problems=("scripts/broken_export.py:3: syntax error (invalid syntax); role guessed from its name",),
        support_files=support,
        recipe=sample_recipe(),
    )


HOSTILE_NAME = "<script>alert(1)</script>.py"


def hostile_map() -> RepoMap:
    """Untrusted text everywhere a repository controls it."""
    evil = HOSTILE_NAME
    files = (
        FileRole(evil, "model", ("utils",), 0.9, ('class X(nn.Module) "quoted" <b>bold</b>',
                                                  "`tick` | pipe # hash & amp"), 5),
        FileRole("we|ird/[red]x[/red].py", "data", (), 0.3, ("[bold]markup[/bold]",), 3),
        FileRole('q"uote/end.py', "train", (), 0.8, ("a\nnewline",), 2),
    )
    return RepoMap(
        root='<img src=x onerror="alert(2)">',
        files=files,
        entrypoints=(Entrypoint(evil, "readme-command", "python '<script>alert(3)</script>.py' | tee x",
                                "README.md:1 <i>"),),
        reading_order=(
            ReadingStep("README.md", "<b>why</b> & `code`"),
            ReadingStep(evil, 'the "core" <model>', 1, "X<T>", core=True),
            ReadingStep("we|ird/[red]x[/red].py", "end; click call", 2, "end"),
        ),
        calls=(CallEdge(f"{evil}:main", "we|ird/[red]x[/red].py:Data", 3),
               CallEdge('q"uote/end.py:main', f"{evil}:X<T>", 4)),
        environment={"torch<script>": "<2.0>"},
        card={"dependencies": CardItem(False, "<script>alert(4)</script>")},
        git=GitInfo(head="<sha>", files={evil: GitFileInfo(2, "<date>")}, web='https://github.com/o/r"><script>/blob/x'),
        problems=("<script>alert(5)</script>.py: could not decode",),
        support_files=(SupportFile("<script>alert(6)</script>.yaml", "config", "yaml", 1,
                                   (Usage(evil, 2, "<b>argparse</b> default"),)),),
        recipe=Recipe(evil, (evil,), tuple(
            (f, (RecipeValue("<b>Adam</b> | `x`", "[red]opt[/red]", f"{evil}:3", "literal",
                             when='if "<i>"'),) if f == "optimizer" else ()) for f in FIELDS)),
    )


def empty_map(root: str = "empty") -> RepoMap:
    return RepoMap(root=root, files=(), entrypoints=(), reading_order=(), calls=(), environment={},
                   card={}, git=None, problems=("no Python files or notebooks found",))
