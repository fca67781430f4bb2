"""Recall of issue #8 on mistakes spread out the way real training code spreads them: a `**dict` of
loader arguments, a pipeline built step by step on the evaluation side of `is_train`, a project's
own transform classes, a periodic logging reset, a validation inside the batch loop."""

from __future__ import annotations

from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules

RULES = {r.code: r for r in load_builtin_rules()}


def run(code: str, source: str, path: str = "train.py", **others: str):
    facts = collect_facts({path: source, **others})
    return lint_text(source, path, [RULES[code]], facts)[1]


def lines(reports) -> list[int]:
    return [r.position.start.line for r in reports]


# -- RL102: the loaders' shared kwargs dict ---------------------------------------------------------
UNET_LOADERS = """
import os
import torch
from torch.utils.data import DataLoader, random_split

def train_model(model, dataset, device, batch_size=1, val_percent=0.1):
    n_val = int(len(dataset) * val_percent)
    train_set, val_set = random_split(dataset, [len(dataset) - n_val, n_val])
    loader_args = dict(batch_size=batch_size{workers}, pin_memory=True)
    train_loader = DataLoader(train_set, shuffle=True, **loader_args)
    val_loader = DataLoader(val_set, shuffle=False, drop_last=True, **loader_args)
    for batch in train_loader:
        images = batch['image'].to(device)

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')  # RL102 asks for a GPU that waits
"""


# Pytorch-UNet's dataset opens an image and its mask per sample.
UNET_DATA = {"utils/data_loading.py": "from PIL import Image\nclass BasicDataset(Dataset):\n"
                                      "    def __getitem__(self, idx):\n        return Image.open(self.ids[idx])\n"}


def test_rl102_reads_num_workers_through_the_loaders_kwargs_dict():
    reports = run("RL102", UNET_LOADERS.format(workers=""), **UNET_DATA)
    assert lines(reports) == [10]  # the training loader only; the validation loader is not judged
    assert "loader_args" in reports[0].message and "no num_workers" in reports[0].message
    assert run("RL102", UNET_LOADERS.format(workers=", num_workers=os.cpu_count()"), **UNET_DATA) == ()
    assert lines(run("RL102", UNET_LOADERS.format(workers=", num_workers=0"), **UNET_DATA)) == [10]


def test_rl102_stays_silent_for_a_dict_it_cannot_read_whole():
    source = UNET_LOADERS.format(workers="").replace("pin_memory=True)", "pin_memory=True, **extra)")
    assert run("RL102", source) == ()


# -- RL106: where evaluation pipelines hide ---------------------------------------------------------
BUILD_TRANSFORM = """
from timm.data import create_transform
from torchvision import transforms

def build_transform(is_train, args):
    resize_im = args.input_size > 32
    if is_train:
        transform = create_transform(input_size=args.input_size, is_training=True, auto_augment=args.aa)
        if not resize_im:
            transform.transforms[0] = transforms.RandomCrop(args.input_size, padding=4)
        return transform

    t = []
    if resize_im:
        size = int(args.input_size / args.eval_crop_ratio)
        t.append(transforms.Resize(size, interpolation=3))
        t.append(transforms.CenterCrop(args.input_size))
{extra}
    t.append(transforms.ToTensor())
    t.append(transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)))
    return transforms.Compose(t)
"""


def test_rl106_follows_a_list_built_on_the_evaluation_side_of_is_train():
    assert run("RL106", BUILD_TRANSFORM.format(extra="")) == ()
    flipped = run("RL106", BUILD_TRANSFORM.format(extra="        t.append(transforms.RandomHorizontalFlip())"))
    assert lines(flipped) == [18] and "RandomHorizontalFlip" in flipped[0].message


def test_rl106_judges_each_side_of_a_split_test():
    source = """
from torchvision import transforms as T

def get_transform(split, size):
    t = [T.Resize(size)]
    if split == "train":
        t.append(T.RandomResizedCrop(size))
        t.append(T.RandomHorizontalFlip())
    else:
        t.append(T.CenterCrop(size))
    t.append(T.ToTensor())
    if split == "train":
        return T.Compose(t)
    return T.Compose(t + [T.Normalize((0.5,), (0.5,))])
"""
    # the random crops sit on the training side only; the returned pipelines have no evaluation name
    assert run("RL106", source) == ()
    wrong = source.replace('    else:\n        t.append(T.CenterCrop(size))\n',
                           '    else:\n        return T.Compose([T.RandomCrop(size), T.ToTensor()])\n')
    assert lines(run("RL106", wrong)) == [10]


def test_rl106_reads_a_dataset_given_its_transform_by_position():
    source = """
from torchvision import datasets, transforms

def main_worker(args):
    normalize = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    train_dataset = datasets.ImageFolder(args.traindir, transforms.Compose([
        transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize]))
    val_dataset = datasets.ImageFolder(args.valdir, transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        normalize,
    ]))
"""
    assert lines(run("RL106", source)) == [11]
    # a positional argument of a call that is no dataset says nothing
    assert run("RL106", source.replace("val_dataset = datasets.ImageFolder(", "val_stats = summarize(")) == ()


EXT_TRANSFORMS = """
import random
import torchvision.transforms.functional as F

class ExtCompose(object):
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img, lbl):
        for t in self.transforms:
            img, lbl = t(img, lbl)
        return img, lbl

class ExtRandomHorizontalFlip(object):
    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img, lbl):
        if random.random() < self.p:
            return F.hflip(img), F.hflip(lbl)
        return img, lbl

class ExtRandomScale(object):
    def __init__(self, scale_range):
        self.scale_range = scale_range

    def __call__(self, img, lbl):
        scale = random.uniform(self.scale_range[0], self.scale_range[1])
        return F.resize(img, int(img.size[1] * scale)), F.resize(lbl, int(lbl.size[1] * scale))

class ExtCenterCrop(object):
    def __init__(self, size):
        self.size = size

    def __call__(self, img, lbl):
        return F.center_crop(img, self.size), F.center_crop(lbl, self.size)

class ExtToTensor(object):
    def __call__(self, pic, lbl):
        return F.to_tensor(pic), lbl
"""

SEG_DATA = """
from utils import ext_transforms as et

def get_dataset(opts):
    train_transform = et.ExtCompose([
        et.ExtRandomScale((0.5, 2.0)),
        et.ExtRandomHorizontalFlip(),
        et.ExtToTensor(),
    ])
    val_transform = et.ExtCompose([
        et.ExtCenterCrop(opts.crop_size),
{extra}
        et.ExtToTensor(),
    ])
    return train_transform, val_transform
"""


def test_rl106_knows_the_projects_own_random_transforms_and_compose():
    project = {"utils/ext_transforms.py": EXT_TRANSFORMS, "utils/__init__.py": ""}
    assert run("RL106", SEG_DATA.format(extra=""), "main.py", **project) == ()
    reports = run("RL106", SEG_DATA.format(extra="        et.ExtRandomHorizontalFlip(),"), "main.py", **project)
    assert lines(reports) == [12] and "ExtRandomHorizontalFlip" in reports[0].message
    # a literal p=0 makes the flip a fixed transform, as for torchvision's flips
    assert run("RL106", SEG_DATA.format(extra="        et.ExtRandomHorizontalFlip(p=0),"), "main.py", **project) == ()


# -- RL303: a running loss reset only when it is logged -----------------------------------------------
def test_rl303_flags_a_running_loss_reset_only_at_logging_steps():
    source = """
import torch

def main(args, model, loader, diffusion, opt, logger):
    train_steps, log_steps, running_loss = 0, 0, 0
    for epoch in range(args.epochs):
        for x, y in loader:
            t = torch.randint(0, diffusion.num_timesteps, (x.shape[0],))
            loss = diffusion.training_losses(model, x, t, dict(y=y))["loss"].mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            running_loss += {value}
            log_steps += 1
            train_steps += 1
            if train_steps % args.log_every == 0:
                logger.info(f"loss={{running_loss / log_steps:.4f}}")
                running_loss = 0
                log_steps = 0
"""
    assert lines(run("RL303", source.format(value="loss"))) == [13]
    assert run("RL303", source.format(value="loss.item()")) == ()
    # reset on every iteration: one step's graph only
    every_step = source.format(value="loss").replace("            log_steps += 1\n",
                                                     "            log_steps += 1\n            running_loss = 0\n")
    assert run("RL303", every_step) == ()


# -- RL305: per-model switches, nested loops, the call site in the training loop ---------------------
CAPTION_MODELS = """
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d((14, 14))

class DecoderWithAttention(nn.Module):
    def __init__(self, vocab_size, dropout=0.5):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(512, vocab_size)
"""

CAPTION_VALIDATE = """
import torch

def validate(val_loader, encoder, decoder, criterion):
{switch}
    if encoder is not None:
        encoder.eval()
    with torch.no_grad():
        for i, (imgs, caps, caplens) in enumerate(val_loader):
            if encoder is not None:
                imgs = encoder(imgs)
            scores, caps_sorted, decode_lengths, alphas, sort_ind = decoder(imgs, caps, caplens)
            loss = criterion(scores, caps_sorted[:, 1:])
"""


def test_rl305_wants_each_evaluated_model_switched():
    project = {"models.py": CAPTION_MODELS}
    reports = run("RL305", CAPTION_VALIDATE.format(switch=""), **project)
    assert lines(reports) == [12] and "`decoder`" in reports[0].message
    assert run("RL305", CAPTION_VALIDATE.format(switch="    decoder.eval()"), **project) == ()
    # a switch of something that is no parameter may cover the models: silent as before
    assert run("RL305", CAPTION_VALIDATE.format(switch="    torch.nn.ModuleList([encoder, decoder]).eval()"), **project) == ()


SEG_TRAIN = """
import torch

def validate(opts, model, loader, device, metrics):
    metrics.reset()
    with torch.no_grad():
        for images, labels in loader:
            outputs = model(images.to(device))
            metrics.update(labels.numpy(), outputs.max(dim=1)[1].cpu().numpy())
    return metrics.get_results()

def main(opts, model, train_loader, val_loader, optimizer, criterion, device, metrics):
    if opts.test_only:
        model.eval()
        print(validate(opts=opts, model=model, loader=val_loader, device=device, metrics=metrics))
        return
    cur_itrs = 0
    while True:
        model.train()
        for images, labels in train_loader:
            cur_itrs += 1
            optimizer.zero_grad()
            loss = criterion(model(images.to(device)), labels.to(device))
            loss.backward()
            optimizer.step()
            if cur_itrs % opts.val_interval == 0:
{eval}
                score = validate(opts=opts, model=model, loader=val_loader, device=device, metrics=metrics)
{train}
            if cur_itrs >= opts.total_itrs:
                return
"""


def test_rl305_checks_the_batch_loop_not_only_the_epoch_loop():
    project = {"network.py": "import torch.nn as nn\nclass ASPP(nn.Module):\n    def __init__(self):\n"
                             "        super().__init__()\n        self.drop = nn.Dropout(0.1)\n"}
    eval_on, train_on = "                model.eval()", "                model.train()"
    assert run("RL305", SEG_TRAIN.format(eval=eval_on, train=train_on), **project) == ()
    # model.train() only at the top of the epoch loop: the rest of the epoch trains in eval mode
    restore = run("RL305", SEG_TRAIN.format(eval=eval_on, train=""), **project)
    assert lines(restore) == [27] and "no `.train()` after it" in restore[0].message
    # validate() is called after .eval() in the test-only branch, but not here
    call_site = run("RL305", SEG_TRAIN.format(eval="", train=train_on), **project)
    assert lines(call_site) == [28] and "`validate(...)` is called from the training loop" in call_site[0].message


# -- RL301: two optimizers, one cleared -------------------------------------------------------------
GAN_TRAIN = """
import torch
from torch import optim

def define_optimizer(g_model, d_model, config):
    g_optimizer = optim.Adam(g_model.parameters(), config["LR"], config["BETAS"])
    d_optimizer = optim.Adam(d_model.parameters(), config["LR"], config["BETAS"])
    return g_optimizer, d_optimizer

def train(g_model, d_model, prefetcher, pixel_criterion, adversarial_criterion, g_optimizer, d_optimizer, scaler):
    batch_data = prefetcher.next()
    while batch_data is not None:
        gt, lr = batch_data["gt"], batch_data["lr"]
        for d_parameters in d_model.parameters():
            d_parameters.requires_grad = False
{g_zero}
        with torch.autocast("cuda"):
            sr = g_model(lr)
            g_loss = pixel_criterion(sr, gt) + adversarial_criterion(d_model(sr), torch.ones_like(d_model(sr)))
        scaler.scale(g_loss).backward()
        scaler.step(g_optimizer)
        scaler.update()
        for d_parameters in d_model.parameters():
            d_parameters.requires_grad = True
        d_model.zero_grad(set_to_none=True)
        with torch.autocast("cuda"):
            d_loss = adversarial_criterion(d_model(gt), 1.0) + adversarial_criterion(d_model(sr.detach()), 0.0)
        scaler.scale(d_loss).backward()
        scaler.step(d_optimizer)
        scaler.update()
        batch_data = prefetcher.next()
"""


def test_rl301_wants_each_optimizers_model_cleared():
    assert run("RL301", GAN_TRAIN.format(g_zero="        g_model.zero_grad(set_to_none=True)")) == ()
    reports = run("RL301", GAN_TRAIN.format(g_zero=""))
    assert lines(reports) == [21] and "`g_optimizer` steps `g_model`'s parameters" in reports[0].message
    # clearing the optimizer itself is as good as clearing its model
    assert run("RL301", GAN_TRAIN.format(g_zero="        g_optimizer.zero_grad()")) == ()
    # a helper may clear anything: silent
    assert run("RL301", GAN_TRAIN.format(g_zero="        reset_grads(g_model)").replace(
        "d_model.zero_grad(set_to_none=True)", "reset_grads(d_model)")) == ()


# -- RL307 / RL308: a criterion chosen by a condition --------------------------------------------------
def test_rl308_reads_a_criterion_chosen_by_the_number_of_classes():
    source = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from utils.dice_score import dice_loss

def train_model(model, train_loader, optimizer, grad_scaler, device, amp=False):
    criterion = nn.CrossEntropyLoss() if model.n_classes > 1 else {binary}
    for batch in train_loader:
        images, true_masks = batch['image'].to(device), batch['mask'].to(device)
        with torch.autocast(device.type, enabled=amp):
            masks_pred = model(images)
            if model.n_classes == 1:
                loss = criterion({pred}, true_masks.float())
                loss += dice_loss(F.sigmoid(masks_pred.squeeze(1)), true_masks.float(), multiclass=False)
            else:
                loss = criterion(masks_pred, true_masks)
        optimizer.zero_grad(set_to_none=True)
        grad_scaler.scale(loss).backward()
        grad_scaler.step(optimizer)
        grad_scaler.update()
"""
    wrong = source.format(binary="nn.BCELoss()", pred="F.sigmoid(masks_pred.squeeze(1))")
    assert lines(run("RL308", wrong)) == [14]
    assert run("RL308", source.format(binary="nn.BCEWithLogitsLoss()", pred="masks_pred.squeeze(1)")) == ()


def test_rl307_reads_a_criterion_chosen_by_the_loss_type_option():
    source = """
import torch
import torch.nn as nn
import utils

def main(opts, model, train_loader, optimizer, device):
    if opts.loss_type == 'focal_loss':
        criterion = utils.FocalLoss(ignore_index=255, size_average=True)
    elif opts.loss_type == 'cross_entropy':
        criterion = nn.CrossEntropyLoss(ignore_index=255, reduction='mean')
    for images, labels in train_loader:
        optimizer.zero_grad()
        outputs = {outputs}
        loss = criterion(outputs, labels.to(device, dtype=torch.long))
        loss.backward()
        optimizer.step()
"""
    assert lines(run("RL307", source.format(outputs="torch.softmax(model(images), dim=1)"))) == [14]
    assert run("RL307", source.format(outputs="model(images)")) == ()
    # one of the choices is no loss class (a factory's result): the criterion is not provable
    factory = source.format(outputs="torch.softmax(model(images), dim=1)").replace(
        "utils.FocalLoss(ignore_index=255, size_average=True)", "utils.get_loss(opts)")
    assert run("RL307", factory) == ()


# -- RL209: a parameter the function itself treats as a module ----------------------------------------
def test_rl209_knows_a_model_parameter_by_its_eval_call():
    source = """
import torch
from tqdm import tqdm

def evaluate(test_loader, model):
    model.eval()
    det_boxes = []
    with torch.no_grad():
        for images, boxes, labels, difficulties in tqdm(test_loader, desc='Evaluating'):
            predicted_locs, predicted_scores = model.forward(images)
            det_boxes.extend(model.detect_objects(predicted_locs, predicted_scores, min_score=0.01))
    return det_boxes
"""
    # the project visualises features through forward hooks: model.forward() would skip them
    # (a script imports both the evaluation and the hooking module: the same model meets both)
    hooks = {"visualize.py": "def capture(model, store):\n    model.register_forward_hook(lambda m, i, o: store.append(o))\n",
             "main.py": "from train import evaluate\nfrom visualize import capture\n"}
    assert lines(run("RL209", source, **hooks)) == [10]
    assert run("RL209", source.replace("    model.eval()\n", ""), **hooks) == ()
    # the hooking module is connected to this file by no import: its hooks never reach this model
    assert run("RL209", source, **{"visualize.py": hooks["visualize.py"]}) == ()
    # nothing in the project registers a hook: model.forward(images) computes what model(images) does
    assert run("RL209", source) == ()


def test_module_hooks_fact_names_hook_machinery_and_not_tensor_hooks():
    hooked = {
        "a.py": "import torch.nn as nn\nconv = nn.utils.weight_norm(nn.Conv1d(80, 512, 7))\n",
        "b.py": "from torch.nn.utils import spectral_norm\nd = spectral_norm(layer)\n",
        "c.py": "h = layer.register_forward_pre_hook(fn)\n",
        "d.py": "import torch.nn.utils.prune as prune\nprune.global_unstructured(params, amount=0.2)\n",
        "e.py": "from torch.distributed.fsdp import FullyShardedDataParallel as FSDP\n",
        "f.py": "import deepspeed\n",
    }
    for rel, text in hooked.items():
        assert collect_facts({rel: text}).model.module_hooks.value, rel
    plain = {
        "g.py": "x.register_hook(lambda g: g * 0.5)\n",  # a tensor's gradient hook, not a module's
        "h.py": "from torch.nn.utils import parametrizations\nc = parametrizations.weight_norm(conv)\n",
        "i.py": "model.forward(x)\n",
        # YOLO's prune() helper makes the pruning permanent at once: no mask hook stays behind
        "j.py": ("import torch.nn.utils.prune as prune\n\ndef prune_model(model, amount=0.3):\n"
                 "    for m in model.modules():\n        prune.l1_unstructured(m, name='weight', amount=amount)\n"
                 "        prune.remove(m, 'weight')\n"),
    }
    assert not collect_facts(plain).model.module_hooks.value


# -- RL204: a dropout built and never applied -------------------------------------------------------
def test_rl204_flags_a_dropout_that_forward_never_applies():
    source = """
import torch
import torch.nn as nn
import torchvision

class BarlowTwins(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.backbone = torchvision.models.resnet50(zero_init_residual=True)
        self.backbone.fc = nn.Identity()
        self.projector = nn.Sequential(nn.Linear(2048, 8192, bias=False), nn.BatchNorm1d(8192), nn.ReLU(True))
        self.bn = nn.BatchNorm1d(8192, affine=False)
        self.dropout = nn.Dropout(p=0.1)

    def forward(self, y1, y2):
        z1 = self.projector(self.backbone(y1))
        z2 = self.projector(self.backbone(y2))
        return (self.bn(z1).T @ self.bn(z2)).pow(2).sum()
"""
    reports = run("RL204", source, "main.py")
    assert lines(reports) == [13] and "`self.dropout`" in reports[0].message
    applied = source.replace("z1 = self.projector(", "z1 = self.dropout(self.projector(").replace(
        "self.backbone(y1))", "self.backbone(y1)))")
    assert run("RL204", applied, "main.py") == ()


def test_rl106_leaves_a_project_resize_with_optional_randomness_alone():
    transforms = """
import random
import torchvision.transforms.functional as F

class ResizeKeepRatio:
    def __init__(self, size, longest=0.0, random_scale_prob=0.0, random_scale_range=(0.85, 1.05)):
        self.size, self.longest = size, longest
        self.random_scale_prob, self.random_scale_range = random_scale_prob, random_scale_range

    @staticmethod
    def get_params(img, size, longest, random_scale_prob=0.0, random_scale_range=(0.85, 1.05)):
        ratio = max(s / t for s, t in zip(img.size[::-1], size)) * longest
        if random_scale_prob > 0 and random.random() < random_scale_prob:
            ratio *= random.uniform(*random_scale_range)
        return [int(round(x / ratio)) for x in img.size[::-1]]

    def __call__(self, img):
        return F.resize(img, self.get_params(img, self.size, self.longest, self.random_scale_prob))
"""
    source = """
from torchvision import transforms
from transforms import ResizeKeepRatio

def transforms_imagenet_eval(img_size, scale_size):
    tfl = []
    tfl += [ResizeKeepRatio(scale_size, longest=1.0)]
    tfl += [transforms.CenterCrop(img_size), transforms.ToTensor()]
    eval_transform = transforms.Compose(tfl)
    return eval_transform
"""
    assert run("RL106", source, "factory.py", **{"transforms.py": transforms}) == ()
    # the same list with a random flip is flagged: the list is followed, only the resize is not random
    flipped = source.replace("tfl += [transforms.CenterCrop(img_size),",
                             "tfl += [transforms.RandomHorizontalFlip(), transforms.CenterCrop(img_size),")
    assert lines(run("RL106", flipped, "factory.py", **{"transforms.py": transforms})) == [8]
