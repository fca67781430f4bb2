"""The training recipe, read from realistic small projects written to temp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from repolens.mapper import build_map
from repolens.project.configfiles import read_yaml

REPO = Path(__file__).resolve().parents[2]


def recipe(root: Path) -> dict[str, list]:
    r = build_map(str(root), jobs=1).recipe
    assert r is not None, "no training recipe"
    return {name: list(values) for name, values in r.fields}


def values(rec: dict[str, list], name: str) -> list[str]:
    return [v.value for v in rec[name]]


ARGPARSE_TRAIN = '''
    import argparse
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader
    from engine import train_one_epoch, evaluate
    from net import Net

    def get_args():
        p = argparse.ArgumentParser()
        p.add_argument("--lr", "--learning-rate", type=float, default=3e-4)
        p.add_argument("--wd", dest="weight_decay", type=float, default=0.05)
        p.add_argument("--epochs", type=int, default=90)
        p.add_argument("--batch-size", type=int, default=256)
        p.add_argument("--accum", type=int, default=4)
        p.add_argument("--amp", action="store_true")
        return p.parse_args()

    def main():
        args = get_args()
        model = Net()
        loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
        val_loader = DataLoader(val_set, batch_size=1024)
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay,
                                      betas=(0.9, 0.95))
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
        scaler = torch.cuda.amp.GradScaler(enabled=args.amp)
        criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
        for epoch in range(args.epochs):
            train_one_epoch(model, loader, optimizer, criterion, scaler, args.accum)
            evaluate(model, val_loader)
            scheduler.step()

    if __name__ == "__main__":
        main()
'''

ENGINE = '''
    import torch
    import torch.nn.functional as F

    def train_one_epoch(model, loader, optimizer, criterion, scaler, accum):
        model.train()
        for i, (x, y) in enumerate(loader):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = criterion(model(x), y) / accum
            scaler.scale(loss).backward()
            if (i + 1) % accum == 0:
                scaler.step(optimizer)
                optimizer.zero_grad()

    @torch.no_grad()
    def evaluate(model, loader):
        model.eval()
        return sum(F.mse_loss(model(x), y) for x, y in loader)
'''

NET = '''
    import torch.nn as nn

    class Net(nn.Module):
        def forward(self, x):
            return x
'''


def test_argparse_defaults_options_with_dest_and_a_helper_module(make_project):
    root = make_project({"README.md": "Run `python train.py`\n", "train.py": ARGPARSE_TRAIN,
                         "engine.py": ENGINE, "net.py": NET})
    rec = recipe(root)
    assert values(rec, "optimizer") == ["AdamW"]
    lr = rec["lr"][0]
    assert (lr.value, lr.written, lr.source, lr.value_at) == ("3e-4", "args.lr", "argparse-default", "train.py:10")
    assert values(rec, "weight_decay") == ["0.05"]  # dest="weight_decay" of --wd
    assert values(rec, "betas") == ["(0.9, 0.95)"] and rec["betas"][0].source == "literal"
    assert rec["momentum"] == []
    assert values(rec, "lr_schedule") == ["CosineAnnealingLR"]
    assert values(rec, "epochs") == ["90"] and rec["epochs"][0].evidence == "train.py:28"
    assert values(rec, "batch_size") == ["256"]  # the shuffled loader, not the validation one
    # The accumulation condition lives in engine.py; its modulus is a parameter the caller passes.
    accum = rec["grad_accumulation"][0]
    assert (accum.value, accum.evidence, accum.source) == ("4", "engine.py:10", "argparse-default")
    assert set(values(rec, "precision")) == {"autocast (torch.bfloat16)", "GradScaler (fp16 loss scaling)"}
    # The loss of the training step, not the evaluation function's F.mse_loss.
    assert values(rec, "loss") == ["CrossEntropyLoss"]
    assert "label_smoothing=0.1" in rec["loss"][0].written
    for name in ("seed", "logging", "checkpointing", "compile", "distributed", "warmup", "augmentations"):
        assert rec[name] == [], name


def test_the_readme_command_overrides_argparse_defaults(make_project):
    root = make_project({"README.md": "```\npython train.py --learning-rate 0.01 --epochs=5\n```\n",
                         "train.py": ARGPARSE_TRAIN, "engine.py": ENGINE, "net.py": NET})
    rec = recipe(root)
    assert (rec["lr"][0].value, rec["lr"][0].source, rec["lr"][0].value_at) == ("0.01", "command", "README.md:2")
    assert values(rec, "epochs") == ["5"]
    assert values(rec, "weight_decay") == ["0.05"]


def test_options_module_and_gan_losses_through_two_levels_of_imports(make_project):
    root = make_project({
        "README.md": "python train.py --dataroot ./datasets/maps\n",
        "options/__init__.py": "",
        "options/base_options.py": '''
            import argparse
            class BaseOptions:
                def initialize(self, parser):
                    parser.add_argument("--batch_size", type=int, default=1)
                    parser.add_argument("--seed", type=int, default=7)
                    return parser
        ''',
        "options/train_options.py": '''
            from .base_options import BaseOptions
            class TrainOptions(BaseOptions):
                def initialize(self, parser):
                    parser = BaseOptions.initialize(self, parser)
                    parser.add_argument("--n_epochs", type=int, default=100)
                    parser.add_argument("--lr", type=float, default=0.0002)
                    parser.add_argument("--beta1", type=float, default=0.5)
                    return parser
        ''',
        "models/__init__.py": "",
        "models/gan_model.py": '''
            import torch
            import torch.nn as nn
            class GANLoss(nn.Module):
                pass
            class GanModel:
                def __init__(self, opt):
                    self.criterionGAN = GANLoss()
                    self.criterionL1 = torch.nn.L1Loss()
                    self.optimizer_G = torch.optim.Adam(self.netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
                    self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
                def optimize_parameters(self):
                    self.loss.backward()
                    self.optimizer_G.step()
        ''',
        "train.py": '''
            import time
            import torch
            from options.train_options import TrainOptions
            from models.gan_model import GanModel
            if __name__ == "__main__":
                opt = TrainOptions().parse()
                torch.manual_seed(opt.seed)
                model = GanModel(opt)
                for epoch in range(1, opt.n_epochs + 1):
                    model.optimize_parameters()
                    torch.save(model.netG.state_dict(), "latest_net_G.pth")
        ''',
    })
    rec = recipe(root)
    assert values(rec, "optimizer") == ["Adam"]
    assert values(rec, "lr") == ["0.0002"] and rec["lr"][0].value_at == "options/train_options.py:6"
    assert values(rec, "betas") == ["(0.5, 0.999)"]
    assert values(rec, "epochs") == ["100"]  # range(1, n + 1) runs n times
    assert values(rec, "seed") == ["7"]
    assert set(values(rec, "loss")) == {"GANLoss", "L1Loss"}
    assert values(rec, "checkpointing") == ["torch.save"]


def test_yaml_config_named_by_the_config_option_default(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "configs/base.yaml": '''
            # hyperparameters
            seed: 3
            optim:
              name: sgd
              lr: 0.05   # peak
              momentum: 0.9
              weight_decay: 5.0e-4
            train:
              epochs: 300
              batch_size: 128
        ''',
        "train.py": '''
            import argparse
            import yaml
            import torch
            def main():
                p = argparse.ArgumentParser()
                p.add_argument("--config", default="configs/base.yaml")
                args = p.parse_args()
                cfg = yaml.safe_load(open(args.config))
                torch.manual_seed(cfg["seed"])
                opt = torch.optim.SGD(model.parameters(), lr=cfg["optim"]["lr"], momentum=cfg["optim"]["momentum"],
                                      weight_decay=cfg["optim"]["weight_decay"])
                loader = DataLoader(ds, batch_size=cfg["train"]["batch_size"], shuffle=True)
                for epoch in range(cfg["train"]["epochs"]):
                    for x, y in loader:
                        loss = model(x, y)
                        loss.backward()
                        opt.step()
            if __name__ == "__main__":
                main()
        ''',
    })
    rec = recipe(root)
    lr = rec["lr"][0]
    assert (lr.value, lr.source, lr.value_at) == ("0.05", "config-file", "configs/base.yaml:5")
    assert values(rec, "momentum") == ["0.9"] and values(rec, "weight_decay") == ["5.0e-4"]
    assert values(rec, "epochs") == ["300"] and values(rec, "batch_size") == ["128"]
    assert values(rec, "seed") == ["3"]
    assert "configs/base.yaml" in build_map(str(root), jobs=1).recipe.files


def test_lightning_trainer_and_configure_optimizers_in_the_module(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "model.py": '''
            import torch
            import torch.nn.functional as F
            import lightning as L
            class LitNet(L.LightningModule):
                def __init__(self, lr: float = 1e-3):
                    super().__init__()
                    self.save_hyperparameters()
                def training_step(self, batch, idx):
                    x, y = batch
                    loss = F.cross_entropy(self(x), y)
                    self.log("train_loss", loss)
                    return loss
                def configure_optimizers(self):
                    opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
                    return [opt], [torch.optim.lr_scheduler.StepLR(opt, step_size=10)]
        ''',
        "train.py": '''
            import lightning as L
            from lightning.pytorch.callbacks import ModelCheckpoint
            from lightning.pytorch.loggers import WandbLogger
            from model import LitNet
            if __name__ == "__main__":
                L.seed_everything(42)
                trainer = L.Trainer(max_epochs=20, precision="bf16-mixed", strategy="ddp", devices=4,
                                    logger=WandbLogger(project="x"), callbacks=[ModelCheckpoint(monitor="val_loss")])
                trainer.fit(LitNet(lr=0.02))
        ''',
    })
    rec = recipe(root)
    assert values(rec, "optimizer") == ["Adam"]
    assert values(rec, "lr") == ["0.02"]  # what train.py passes, before the parameter default 1e-3
    assert values(rec, "lr_schedule") == ["StepLR"]
    assert values(rec, "epochs") == ["20"] and rec["epochs"][0].source == "literal"
    assert values(rec, "precision") == ['precision="bf16-mixed"']
    assert values(rec, "distributed") == ['Lightning strategy="ddp"']
    assert values(rec, "seed") == ["42"]
    assert "wandb" in values(rec, "logging")
    assert values(rec, "checkpointing") == ["ModelCheckpoint"]
    assert values(rec, "loss") == ["F.cross_entropy"]


def test_accelerate_and_transformers_schedule_with_warmup(make_project):
    root = make_project({
        "README.md": "accelerate launch train.py --warmup_steps 500\n",
        "train.py": '''
            import argparse
            import torch
            from accelerate import Accelerator
            from accelerate.utils import set_seed
            from transformers import get_cosine_schedule_with_warmup
            def main():
                p = argparse.ArgumentParser()
                p.add_argument("--warmup_steps", type=int, default=100)
                p.add_argument("--max_train_steps", type=int, default=10000)
                args = p.parse_args()
                accelerator = Accelerator(mixed_precision="bf16", gradient_accumulation_steps=8, log_with="wandb")
                set_seed(1234)
                optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
                lr_scheduler = get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=args.warmup_steps,
                                                               num_training_steps=args.max_train_steps)
                model, optimizer = accelerator.prepare(model, optimizer)
                for step, batch in enumerate(loader):
                    loss = model(**batch).loss
                    accelerator.backward(loss)
                    optimizer.step()
                accelerator.save_state("ckpt")
            if __name__ == "__main__":
                main()
        ''',
    })
    rec = recipe(root)
    assert values(rec, "optimizer") == ["AdamW"] and values(rec, "lr") == ["5e-5"]
    assert values(rec, "weight_decay") == ["0.01"] and rec["weight_decay"][0].source == "library-default"
    assert values(rec, "lr_schedule") == ["get_cosine_schedule_with_warmup"]
    warm = [v for v in rec["warmup"] if v.source == "command"]
    assert warm and warm[0].value == "500"
    assert values(rec, "iterations") == ["10000"]
    assert values(rec, "precision") == ['mixed_precision="bf16"']
    assert values(rec, "grad_accumulation") == ["8"]
    assert values(rec, "distributed") == ["accelerate"]
    assert values(rec, "seed") == ["1234"]
    assert values(rec, "logging") == ['"wandb"']
    assert values(rec, "checkpointing") == ["save_state"]


def test_hf_trainer_arguments_and_their_defaults(make_project):
    root = make_project({
        "README.md": "python finetune.py\n",
        "finetune.py": '''
            from transformers import Trainer, TrainingArguments
            if __name__ == "__main__":
                args = TrainingArguments(output_dir="out", learning_rate=2e-5, num_train_epochs=3,
                                         per_device_train_batch_size=16, fp16=True, warmup_ratio=0.1,
                                         report_to="tensorboard")
                trainer = Trainer(model=model, args=args, train_dataset=ds)
                trainer.train()
        ''',
    })
    rec = recipe(root)
    assert values(rec, "lr") == ["2e-5"] and values(rec, "epochs") == ["3"]
    assert values(rec, "batch_size") == ["per device 16"]
    assert values(rec, "precision") == ["fp16=True"]
    assert values(rec, "warmup") == ["warmup_ratio=0.1"]
    assert values(rec, "logging") == ['report_to="tensorboard"']
    # Not passed: the library's own defaults, said as such.
    assert [(v.value, v.source) for v in rec["seed"]] == [("42", "library-default")]
    assert rec["optimizer"][0].source == "library-default"


def test_dataclass_config_and_hydra(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "conf/config.yaml": "defaults:\n  - optimizer: adamw\n  - _self_\nepochs: 12\nseed: 5\n",
        "conf/optimizer/adamw.yaml": "lr: 0.0007\nweight_decay: 0.1\n",
        "train.py": '''
            from dataclasses import dataclass
            import hydra
            import torch
            @dataclass
            class TrainConfig:
                batch_size: int = 48
            @hydra.main(config_path="conf", config_name="config", version_base=None)
            def main(cfg):
                torch.manual_seed(cfg.seed)
                opt = torch.optim.AdamW(model.parameters(), lr=cfg.optimizer.lr, weight_decay=cfg.optimizer.weight_decay)
                loader = DataLoader(ds, batch_size=TrainConfig().batch_size, shuffle=True)
                for epoch in range(cfg.epochs):
                    loss.backward()
                    opt.step()
            if __name__ == "__main__":
                main()
        ''',
    })
    rec = recipe(root)
    assert (rec["lr"][0].value, rec["lr"][0].value_at) == ("0.0007", "conf/optimizer/adamw.yaml:1")
    assert values(rec, "weight_decay") == ["0.1"]
    assert values(rec, "epochs") == ["12"] and values(rec, "seed") == ["5"]
    assert values(rec, "batch_size") == ["48"] and rec["batch_size"][0].source == "class-default"


def test_a_bare_loop_says_what_is_absent_and_the_advice(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "train.py": '''
            import torch
            model = torch.nn.Linear(2, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for step in range(1000):
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                opt.step()
                opt.zero_grad()
        ''',
    })
    r = build_map(str(root), jobs=1).recipe
    assert {"seed", "lr_schedule", "logging", "checkpointing", "loss"} <= set(r.absent)
    advice = {a["field"]: a.get("advice", "") for a in r.to_json()["absent"]}
    assert "RL320" in advice["seed"] and "RL311" in advice["lr_schedule"] and "RL319" in advice["logging"]
    assert [v.value for v in r.get("iterations")] == ["1000"]
    assert [(v.value, v.source) for v in r.get("momentum")] == [("0", "library-default")]


def test_no_training_entrypoint_gives_no_recipe(make_project):
    root = make_project({"lib.py": "def f():\n    return 1\n"})
    assert build_map(str(root), jobs=1).recipe is None


@pytest.mark.parametrize("fixture, expected", [
    ("mnist_script", {"optimizer": ["SGD"], "lr": ["0.05"], "momentum": ["0.9"], "lr_schedule": ["CosineAnnealingLR"],
                      "epochs": ["10"], "batch_size": ["128"], "seed": ["7"], "loss": ["F.nll_loss"],
                      "checkpointing": ["torch.save"]}),
    ("image_classifier", {"optimizer": ["SGD"], "lr": ["0.1"], "momentum": ["0.9"], "weight_decay": ["1e-4"],
                          "lr_schedule": ["MultiStepLR"], "epochs": ["30"], "batch_size": ["128"], "seed": ["0"],
                          "logging": ["TensorBoard"], "augmentations": ["RandomCrop, RandomHorizontalFlip"],
                          "loss": ["CrossEntropyLoss"]}),
    ("tiny_lm", {"optimizer": ["AdamW"], "lr": ["1e-3"], "weight_decay": ["param group 0.1"], "betas": ["(0.9, 0.99)"],
                 "lr_schedule": ["LambdaLR"], "warmup": ["100"], "iterations": ["5000"], "batch_size": ["64"],
                 "seed": ["1337"], "compile": ["torch.compile"], "loss": ["F.cross_entropy"]}),
])
def test_fixtures(fixture, expected):
    rec = recipe(REPO / "fixtures" / fixture)
    for name, want in expected.items():
        assert values(rec, name) == want, name


def test_mnist_checkpoint_is_conditional_on_its_flag():
    rec = recipe(REPO / "fixtures" / "mnist_script")
    assert rec["checkpointing"][0].when == 'if args.save_to (argparse-default "")'


def test_yaml_reader_nesting_lists_comments_and_what_it_skips():
    flat = read_yaml("a: 1  # one\nb:\n  c: 'x # not a comment'\n  d: [1, 2]\ne:\n  - 3\n  - 4\n"
                     "f: &anchor 5\ng: |\n  text\n---\nh: 9\n")
    assert flat == {"a": ("1", 1), "b.c": ("x # not a comment", 3), "b.d": ("[1, 2]", 4), "e": ("[3, 4]", 5)}


def test_module_level_settings_read_inside_main(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "train.py": '''
            import torch
            batch_size = 8  # batch size
            lr = 1e-3
            momentum = 0.9
            def main():
                global lr
                opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
                loader = torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True)
            if __name__ == "__main__":
                main()
        ''',
    })
    rec = recipe(root)
    assert [(v.value, v.value_at) for v in rec["lr"]] == [("1e-3", "train.py:3")]
    assert values(rec, "momentum") == ["0.9"] and values(rec, "batch_size") == ["8"]


def test_defaults_dict_fed_to_argparse_and_flags_set_in_a_readme_variable(make_project):
    root = make_project({
        "README.md": 'TRAIN_FLAGS="--lr 3e-4 --batch_size 256"\n\n```\npython train.py $TRAIN_FLAGS\n```\n',
        "train.py": '''
            import argparse
            import torch
            def create_argparser():
                defaults = dict(lr=1e-4, batch_size=1, weight_decay=0.05)
                parser = argparse.ArgumentParser()
                for k, v in defaults.items():
                    parser.add_argument(f"--{k}", default=v, type=type(v))
                return parser
            def main():
                args = create_argparser().parse_args()
                opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
                loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
            if __name__ == "__main__":
                main()
        ''',
    })
    rec = recipe(root)
    assert [(v.value, v.source) for v in rec["lr"]] == [("3e-4", "command")]
    assert values(rec, "batch_size") == ["256"]
    assert [(v.value, v.source) for v in rec["weight_decay"]] == [("0.05", "dict-default")]


def test_recipe_json_is_the_same_bytes_whatever_the_hash_seed():
    import subprocess
    import sys

    code = ("import json; from repolens.mapper import build_map; "
            f"print(json.dumps(build_map({str(REPO / 'fixtures' / 'tiny_lm')!r}, jobs=1).to_json()['recipe']))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("0", "1", "2")}
    assert len(outs) == 1 and '"optimizer"' in outs.pop()


def test_alternatives_follow_the_defaults_through_elif_chains_and_lower(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "optim.py": '''
            import torch
            class Algo:
                def __init__(self, model, lr=None, eps=None):
                    self.optimizer = torch.optim.RMSprop(model.parameters(), lr, eps=eps, alpha=0.99)
        ''',
        "train.py": '''
            import argparse
            import torch
            from timm.loss import LabelSmoothingCrossEntropy, SoftTargetCrossEntropy
            from optim import Algo
            def main():
                p = argparse.ArgumentParser()
                p.add_argument("--opt", default="AdamW")
                p.add_argument("--mixup", type=float, default=0.8)
                p.add_argument("--smoothing", type=float, default=0.1)
                p.add_argument("--lr", type=float, default=7e-4)
                args = p.parse_args()
                name = args.opt.lower()
                if name == "sgd":
                    opt = torch.optim.SGD(model.parameters(), lr=0.1)
                elif name == "adamw":
                    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
                if args.mixup > 0.:
                    criterion = SoftTargetCrossEntropy()
                elif args.smoothing > 0.:
                    criterion = LabelSmoothingCrossEntropy(smoothing=args.smoothing)
                else:
                    criterion = torch.nn.CrossEntropyLoss()
                agent = Algo(model, lr=args.lr, eps=1e-5)
            if __name__ == "__main__":
                main()
        ''',
    })
    rec = recipe(root)
    assert values(rec, "optimizer") == ["AdamW"]  # the sgd branch is not taken with opt=AdamW
    assert values(rec, "loss") == ["SoftTargetCrossEntropy"]  # mixup 0.8 > 0: the elif and else are not taken
    assert rec["optimizer"][0].when == 'if name == "adamw" (argparse-default "adamw")'


def test_a_constructor_parameter_takes_what_the_entrypoint_passes(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "algo.py": '''
            import torch
            class Algo:
                def __init__(self, model, lr=None, eps=None):
                    self.optimizer = torch.optim.RMSprop(model.parameters(), lr, eps=eps, alpha=0.99)
        ''',
        "train.py": '''
            import argparse
            from algo import Algo
            if __name__ == "__main__":
                p = argparse.ArgumentParser()
                p.add_argument("--lr", type=float, default=7e-4)
                args = p.parse_args()
                agent = Algo(model, lr=args.lr, eps=1e-5)
        ''',
    })
    rec = recipe(root)
    assert values(rec, "optimizer") == ["RMSprop"]
    # Not the parameter default None: what `Algo(...)` passes, resolved to the argparse default.
    assert [(v.value, v.source, v.value_at) for v in rec["lr"]] == [("7e-4", "argparse-default", "train.py:5")]


def test_a_project_schedule_function_says_its_shape(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "util.py": '''
            import math
            def adjust_learning_rate(args, optimizer, epoch):
                lr = args.lr * 0.5 * (1.0 + math.cos(math.pi * epoch / args.epochs))
                for g in optimizer.param_groups:
                    g["lr"] = lr
        ''',
        "train.py": '''
            import torch
            from util import adjust_learning_rate
            if __name__ == "__main__":
                opt = torch.optim.SGD(model.parameters(), lr=0.1)
                for epoch in range(90):
                    adjust_learning_rate(args, opt, epoch)
        ''',
    })
    assert values(recipe(root), "lr_schedule") == ["adjust_learning_rate (cosine)"]


def test_optional_seed_and_a_criterion_that_is_not_named_loss(make_project):
    root = make_project({
        "README.md": "python train.py\n",
        "train.py": '''
            import argparse
            import torch
            import torch.nn as nn
            if __name__ == "__main__":
                p = argparse.ArgumentParser()
                p.add_argument("--seed", type=int, default=None)
                args = p.parse_args()
                if args.seed is not None:
                    torch.manual_seed(args.seed)
                criterion = nn.CosineSimilarity(dim=1).cuda()
                opt = torch.optim.SGD(model.parameters(), lr=0.05)
        ''',
    })
    rec = recipe(root)
    seed = rec["seed"][0]  # opt-in: kept with its condition, which says it is off by default
    assert (seed.value, seed.when) == ("None", "if args.seed is not None (argparse-default None)")
    assert values(rec, "loss") == ["CosineSimilarity"]
