"""Precision on the judged real repositories (issue #8, "worth acting on"): each case is the shape of
code a judged finding was made on, with a case next to it where the rule must still fire."""

from __future__ import annotations

from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules

RULES = {r.code: r for r in load_builtin_rules()}


def lines(code: str, source: str, path: str = "train.py", options: dict | None = None, **others: str) -> list[int]:
    facts = collect_facts({path: source, **others})
    reports = lint_text(source, path, [RULES[code]], facts, {code: options} if options else None)[1]
    return [r.position.start.line for r in reports]


# -- RL501: loads of files the project writes itself ------------------------------------------------
LM_MAIN = """
import torch
def model_save(fn):
    with open(fn, 'wb') as f:
        torch.save([model, criterion, optimizer], f)
def model_load(fn):
    global model, criterion, optimizer
    with open(fn, 'rb') as f:
        model, criterion, optimizer = torch.load(f)
fn = 'corpus.{}.data'.format(hashlib.md5(args.data.encode()).hexdigest())
if os.path.exists(fn):
    corpus = torch.load(fn)
else:
    corpus = data.Corpus(args.data)
    torch.save(corpus, fn)
"""
LM_FINETUNE = """
import torch
with open(args.save, 'wb') as f:
    torch.save(model, f)
"""
LM_POINTER = """
import torch
with open(args.save, 'rb') as f:
    model = torch.load(f, map_location=lambda storage, loc: storage)
emb = torch.load(args.pretrained_embeddings)
"""


def test_rl501_silent_on_the_projects_own_checkpoints_and_caches():
    # the bundle this project pickles, and the corpus cache written under the same name in this scope
    assert lines("RL501", LM_MAIN, path="main.py") == []
    # the best model another script saved to `args.save`; the user's embeddings still fire
    assert lines("RL501", LM_POINTER, path="pointer.py", **{"finetune.py": LM_FINETUNE}) == [5]
    # without the saving script, `args.save` is just a path the user gives
    assert lines("RL501", LM_POINTER, path="pointer.py") == [4, 5]


EVAL_KNN = """
import os
import torch
def main(args):
    if args.dump_features:
        torch.save(train_features.cpu(), os.path.join(args.dump_features, "trainfeat.pth"))
    if args.load_features:
        train_features = torch.load(os.path.join(args.load_features, "trainfeat.pth"))
    state_dict = torch.load(os.path.join(args.weights_dir, "dino_vitbase16.pth"), map_location="cpu")
"""


def test_rl501_matches_the_file_name_of_a_dump_and_keeps_released_weights():
    assert lines("RL501", EVAL_KNN) == [9]


GAN = """
import torch
if opt.epoch != 0:
    generator.load_state_dict(torch.load("saved_models/%s/generator_%d.pth" % (opt.dataset_name, opt.epoch)))
for epoch in range(opt.epoch, opt.n_epochs):
    train_one_epoch()
    torch.save(generator.state_dict(), "saved_models/%s/generator_%d.pth" % (opt.dataset_name, epoch))
vgg.load_state_dict(torch.load("vgg_%s.pth" % opt.variant))
"""


def test_rl501_matches_a_file_name_template():
    # the generator this script saves every epoch; the VGG weights ("%s" alone names nothing) fire
    assert lines("RL501", GAN) == [8]


EFFDET_TUTORIAL = """
import os
import torch
weight_file = sorted(os.listdir('logs/logo/'))
model.load_state_dict(torch.load('logs/logo/' + weight_file[-1]))
model.load_state_dict(torch.load(os.path.join('runs', args.name, 'best.pth')))
model.load_state_dict(torch.load(f'weights/efficientdet-d{compound_coef}.pth'))
model.load_state_dict(torch.load(args.logs + '/best.pth'))
"""


def test_rl501_silent_under_a_run_output_folder_but_not_under_weights():
    # `logs/` and `runs/` are what a training run writes (Yet-Another-EfficientDet's tutorial notebooks
    # reading their own train.py cell's checkpoint); `weights/` is where the README puts the released
    # files, and a folder held in a variable says nothing
    assert lines("RL501", EFFDET_TUTORIAL) == [7, 8]


RESUME = """
import torch
def main(args):
    if args.resume:
        checkpoint = torch.load(args.resume, map_location="cpu")
        model.load_state_dict(checkpoint["model"])
    elif args.finetune:
        checkpoint = torch.load(args.finetune, map_location="cpu")
    else:
        checkpoint = torch.load(args.init, map_location="cpu")

def restart_from_checkpoint(ckp_path, **kwargs):
    checkpoint = torch.load(ckp_path, map_location="cpu")
"""


def test_rl501_silent_when_resuming_but_not_in_the_other_branches():
    assert lines("RL501", RESUME) == [8, 10]
    # the opt-in option reports the project's own files too
    assert lines("RL501", RESUME, options={"include_project_files": True}) == [5, 8, 10, 13]


UTILS = """
import torch
def save_checkpoint(state, path):
    torch.save(state, path)

def load_pretrained(model, path):
    model.load_state_dict(torch.load(path, map_location="cpu"))
"""


def test_rl501_a_bare_name_matches_only_within_its_function():
    assert lines("RL501", UTILS, path="utils.py") == [7]


SCRIPTS = """
import torch
from torch.utils.data import Dataset

with open(args.checkpoint, 'rb') as f:
    model = torch.load(f)
model.eval()

class ExpertDataset(Dataset):
    def __init__(self, file_name):
        self.trajectories = torch.load(file_name)

def load_image(filename):
    return Image.fromarray(torch.load(filename).numpy())

x_train, y_train = torch.load(args.data)
state = torch.load(args.weights)
net.load_state_dict(state)
"""


def test_rl501_a_module_level_load_in_a_file_without_assignments_fires():
    assert lines("RL501", "import torch\ntorch.load('weights.pt')\n") == [2]


def test_rl501_silent_on_pickled_models_and_data_files():
    # a whole pickled model (weights_only=True cannot load it), a dataset's tensors, a mask converted
    # to an array; the unpacked pair fires (the project saves no bundle), and so do the weights
    assert lines("RL501", SCRIPTS) == [16, 17]


def test_rl501_silent_on_features_reshaped_then_converted_to_arrays():
    """so-vits-svc reads its own precomputed HuBERT features: `torch.load(name)[0].transpose(-1, -2).numpy()`
    (twenty-fifth set, judged not worth acting on). A load whose result stays a tensor still fires."""
    src = ("import torch\n"
           "phone = torch.load(name)[0].transpose(-1, -2).numpy()\n"
           "feats = torch.load(path, map_location='cpu').squeeze(0).cpu().numpy().T\n"
           "state = torch.load(path)[0].transpose(-1, -2)\n")
    assert lines("RL501", src) == [4]


TRANSLATOR_TRAIN = """
import torch
def train(model, opt):
    checkpoint = {'epoch': epoch_i, 'settings': opt, 'model': model.state_dict()}
    torch.save(checkpoint, os.path.join(opt.output_dir, 'model.chkpt'))
"""
TRANSLATE = """
import torch
def load_model(opt, device):
    checkpoint = torch.load(opt.model, map_location=device)
    model_opt = checkpoint['settings']
    return build(model_opt).load_state_dict(checkpoint['model'])

def load_teacher(path):
    checkpoint = torch.load(path, map_location="cpu")
    return checkpoint['model']
"""


def test_rl501_silent_on_the_projects_checkpoint_format_that_pickles_its_settings():
    # weights_only=True cannot load a checkpoint holding the argparse settings; a load that reads
    # only the weights still fires
    assert lines("RL501", TRANSLATE, path="translate.py", **{"train.py": TRANSLATOR_TRAIN}) == [9]
    assert lines("RL501", TRANSLATE, path="translate.py") == [4, 9]


# -- RL103: only where non_blocking makes the copy overlap, in a training loop -----------------------
# The projects read images (a dataset module opens them with PIL, and the training script imports
# it): batches of pixels, not token ids.
PIXELS = {"datasets.py": "from PIL import Image\nimg = Image.open(path)\n"}
SEGMENTATION = """
import torch
from torch.utils import data
def validate(model, loader, device, metrics):
    with torch.no_grad():
        for i, (images, labels) in enumerate(loader):
            images = images.to(device, dtype=torch.float32)
            metrics.update(model(images).max(1)[1], labels)

def main(opts):
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    train_loader = data.DataLoader(train_dst, batch_size=opts.batch_size, shuffle=True, num_workers=2{pin})
    for (images, labels) in train_loader:
        images = images.to(device, dtype=torch.float32)
        labels = labels.to(device, dtype=torch.long)
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
import datasets
"""


def test_rl103_silent_on_validation_and_unpinned_loaders_fires_on_a_pinned_training_loop():
    # unpinned: RL101 reports the loader (its fix comes first); the validation loop is never reported
    assert lines("RL103", SEGMENTATION.format(pin=""), **PIXELS) == []
    assert lines("RL101", SEGMENTATION.format(pin=""), **PIXELS) == [12]
    assert lines("RL103", SEGMENTATION.format(pin=", pin_memory=True"), **PIXELS) == [14, 15]


DIFFUSION = """
import torch
from torch.utils.data import DataLoader
def main(args):
    device = rank % torch.cuda.device_count()
    loader = DataLoader(dataset, batch_size=32, shuffle=False, sampler=sampler, pin_memory=True, drop_last=True)
    for x, y in loader:
        x = x.to(device)
        y = y.to(device)
        loss = diffusion.training_losses(model, x, y)["loss"].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def test_rl103_fires_in_a_training_loop_over_a_loader_named_loader():
    # no name says train or eval here: the backward in the body makes it a training loop
    assert lines("RL103", DIFFUSION, **PIXELS) == [8, 9]
    no_training = DIFFUSION.replace("        loss.backward()\n", "").replace("        opt.step()\n", "")
    assert lines("RL103", no_training, **PIXELS) == []


# CSI: the loop is in another file; the loaders take `**kwargs` from a dict that turns pinning off.
CSI_TRAIN = """
import torch
from torch.utils.data import DataLoader
from training.sup.simclr import train
kwargs = {'pin_memory': False, 'num_workers': 4}
train_loader = DataLoader(train_set, shuffle=True, batch_size=P.batch_size, **kwargs)
model = model.to(torch.device('cuda'))
for epoch in range(100):
    train(P, epoch, model, criterion, optimizer, scheduler, train_loader)
"""
CSI_LOOP = """
import torch
def train(P, epoch, model, criterion, optimizer, scheduler, loader):
    for n, (images, labels) in enumerate(loader):
        images = images.to(device)
        labels = labels.to(device)
        loss = criterion(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def test_rl103_silent_where_a_kwargs_dict_turns_pinning_off():
    loop = {"path": "training/sup/simclr.py", "train.py": CSI_TRAIN, **PIXELS}
    assert lines("RL103", CSI_LOOP, **loop) == []
    # the same dict with pinning on: the loop's copies are worth non_blocking
    pinned = {**loop, "train.py": CSI_TRAIN.replace("'pin_memory': False", "'pin_memory': True")}
    assert lines("RL103", CSI_LOOP, **pinned) == [5, 6]


# mammoth: every loader comes from a helper that passes its own `**dataloader_args` on, and no
# call of the helper gives it pin_memory; a model's loop over one, or over a method's loader.
MAMMOTH_CONF = """
from torch.utils.data import DataLoader
def create_seeded_dataloader(args, dataset, non_verbose=False, **dataloader_args):
    dataloader_args['num_workers'] = args.num_workers
    return DataLoader(dataset, **dataloader_args)
"""
MAMMOTH_MODEL = """
import torch
from utils.conf import create_seeded_dataloader
class Joint:
    def build_features(self):
        return torch.utils.data.DataLoader(FeaturesDataset(self.features), batch_size=32, shuffle=True)

    def end_task(self, dataset):
        dataloader = create_seeded_dataloader(self.args, dataset, batch_size=self.args.batch_size, shuffle=True)
        for inputs, labels in dataloader:
            inputs, labels = inputs.to(self.device), labels.to(self.device)
            loss = self.loss(self.net(inputs), labels)
            loss.backward()
            self.opt.step()
        data_loader = self.build_features()
        for features, labels in data_loader:
            features = features.to(self.device)
            loss = self.loss(self.head(features), labels)
            loss.backward()
            self.opt.step()
"""


def test_rl103_silent_on_loaders_of_a_helper_no_call_pins():
    gpu = "import torch\nnet = net.to(torch.device('cuda'))\n"
    project = {"path": "models/joint.py", "utils/conf.py": MAMMOTH_CONF, "main.py": gpu, **PIXELS}
    assert lines("RL103", MAMMOTH_MODEL, **project) == []
    # a caller that hands the helper a dict of its own may pin through it: the project may pin
    given = {**project, "main.py": gpu + "from utils.conf import create_seeded_dataloader\nkw = load_settings()\nloader = create_seeded_dataloader(args, ds, **kw)\n"}
    assert lines("RL103", MAMMOTH_MODEL, **given) == [11]  # not the loop over the unpinned method's loader


# -- RL201: feature maps, not MLP heads ---------------------------------------------------------------
ENCODER = """
import torch.nn as nn

class EncoderUNetModel(nn.Module):
    def __init__(self, in_channels, ch, out_channels):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, ch, 3, padding=1), nn.GroupNorm(32, ch), nn.SiLU())
        self.out = nn.Sequential(
            nn.Linear(self._feature_size, 2048),
            nn.ReLU(),
            nn.Linear(2048, out_channels),
        )

class Projector(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        layers = []
        for i in range(len(sizes) - 2):
            layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=False))
            layers.append(nn.BatchNorm1d(sizes[i + 1]))
            layers.append(nn.ReLU())
        layers.append(nn.Linear(sizes[-2], sizes[-1], bias=False))
        self.projector = nn.Sequential(*layers)

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2048, 512)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = self.fc1(x)
        x = self.relu(x)
        return self.fc2(x)
"""
FEED_FORWARD = """
import torch.nn as nn

class MemoryAttentionLayer(nn.Module):
    def __init__(self, d_model, dim_feedforward):
        super().__init__()
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm = nn.LayerNorm(d_model)
        self.activation = nn.ReLU()

    def forward(self, tgt):
        tgt2 = self.linear2(self.activation(self.linear1(self.norm(tgt))))
        return tgt + tgt2
"""


# The project states 256 px inputs in its config: RL201 speaks only where feature maps are known to be large.
LARGE_INPUTS = {"configs/train.yaml": "data:\n  image_size: 256\n"}


def _leaky(source: str) -> str:
    return source.replace("nn.SiLU()", "nn.LeakyReLU(0.2)").replace("nn.ReLU()", "nn.LeakyReLU(0.2)")


def test_rl201_reports_conv_bodies_and_normalised_blocks_not_mlp_heads():
    # with LeakyReLU (out of place it keeps its input for backward): the stem's activation after
    # GroupNorm and the projector's after BatchNorm1d fire; the classifier head's right after a
    # Linear (in a Sequential or through self.relu) does not
    assert lines("RL201", _leaky(ENCODER), path="model.py", **LARGE_INPUTS) == [7, 21]
    # a transformer block's feed-forward (the class normalises tokens with LayerNorm) runs on every token
    assert lines("RL201", _leaky(FEED_FORWARD), path="model.py", **LARGE_INPUTS) == [10]
    assert lines("RL201", _leaky(FEED_FORWARD).replace("nn.LayerNorm(d_model)", "nn.Identity()"), path="model.py", **LARGE_INPUTS) == []
    # ReLU and SiLU keep the same tensors for backward in place or not: nothing to report
    assert lines("RL201", ENCODER, path="model.py", **LARGE_INPUTS) == []
    assert lines("RL201", FEED_FORWARD, path="model.py", **LARGE_INPUTS) == []


# -- RL401: a conv-net, not a transformer that mentions or patchifies with a conv ---------------------
TRAIN_LOOP = """
import torch
from models import Net
model = Net().cuda()
for x, y in loader:
    opt.zero_grad()
    loss_fn(model(x.cuda()), y.cuda()).backward()
    opt.step()
"""
VIT = """
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, patch_size=2, dim=384):
        super().__init__()
        # Initialize the patch embedding like nn.Linear (instead of nn.Conv2d):
        self.patch = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size)
        self.blocks = nn.ModuleList([nn.TransformerEncoderLayer(dim, 6) for _ in range(12)])
"""


def test_rl401_silent_on_a_transformer_whose_only_conv_is_its_patch_embedding():
    assert lines("RL401", TRAIN_LOOP, **{"models.py": VIT}) == []
    conv_stem = VIT.replace("kernel_size=patch_size, stride=patch_size", "kernel_size=3, stride=1, padding=1")
    assert lines("RL401", TRAIN_LOOP, **{"models.py": conv_stem}) == [5]


# latent-diffusion's autoencoder, as ControlNet and stable-dreamfusion vendor it: `init_from_ckpt` runs
# only when `ckpt_path` is given, and neither project's code nor configs give it (judged not worth).
LDM_AUTOENCODER = """
import torch
import pytorch_lightning as pl


class AutoencoderKL(pl.LightningModule):
    def __init__(self, ddconfig, lossconfig, embed_dim, ckpt_path=None, ignore_keys=[]):
        super().__init__()
        if ckpt_path is not None:
            self.init_from_ckpt(ckpt_path, ignore_keys=ignore_keys)

    def init_from_ckpt(self, path, ignore_keys=list()):
        sd = torch.load(path, map_location="cpu")["state_dict"]
        self.load_state_dict(sd, strict=False)


class LatentDiffusion(pl.LightningModule):
    def __init__(self, first_stage_config, *args, **kwargs):
        ckpt_path = kwargs.pop("ckpt_path", None)
        super().__init__(*args, **kwargs)
        if ckpt_path is not None:
            self.init_from_ckpt(ckpt_path)
"""
CONFIG = "model:\n  target: ldm.models.autoencoder.AutoencoderKL\n  params:\n    embed_dim: 4\n"


def test_rl501_silent_on_a_load_that_runs_only_with_an_argument_nothing_gives():
    files = {"configs/v15.yaml": CONFIG, "train.py": "model = instantiate_from_config(config.model)\n"}
    assert lines("RL501", LDM_AUTOENCODER, path="ldm/models/autoencoder.py", **files) == []
    # given by a config key, a keyword, an option, or a construction long enough to reach it: reported
    given = [{"configs/v15.yaml": CONFIG + "    ckpt_path: models/first_stage.ckpt\n"},
             {"train.py": "model = AutoencoderKL(dd, loss, 4, ignore_keys=[], ckpt_path=args.first_stage)\n"},
             {"train.py": "model = AutoencoderKL(dd, loss, 4, opt.ckpt_path)\n"},
             {"train.py": "model = AutoencoderKL(dd, loss, 4)\nmodel.init_from_ckpt(args.weights)\n"},
             {"train.py": "parser.add_argument('--ckpt-path')\nmodel = AutoencoderKL(**vars(parser.parse_args()))\n"}]
    for extra in given:
        assert lines("RL501", LDM_AUTOENCODER, path="ldm/models/autoencoder.py", **{**files, **extra}) == [13], extra


# HRNet's classifier (thirty-sixth set, read): the load sits under `if os.path.isfile(pretrained):`
# in `init_weights(self, pretrained='')`, and the project's only caller passes nothing; AdaptSegNet's
# `DeeplabVGG(..., pretrained=False)` loads under `if pretrained:`, and no construction passes it.
# Both judged not worth (they never run), but taking such branches for dead code cost a held-out
# finding judged worth acting on, and was withdrawn: they are reported.
HRNET_CLS = """
import os
import torch
import torch.nn as nn


class HighResolutionNet(nn.Module):
    def init_weights(self, pretrained='',):
        if os.path.isfile(pretrained):
            pretrained_dict = torch.load(pretrained)
            self.load_state_dict(pretrained_dict)


class DeeplabVGG(nn.Module):
    def __init__(self, num_classes, vgg16_caffe_path=None, pretrained=False):
        super().__init__()
        if pretrained:
            self.load_state_dict(torch.load(vgg16_caffe_path))


def get_cls_net(config, **kwargs):
    model = HighResolutionNet(config, **kwargs)
    model.init_weights()
    return model
"""


def test_rl501_reports_a_load_under_a_parameter_nothing_gives_reading_withdrawn():
    files = {"tools/train.py": "model = get_cls_net(config)\nseg = DeeplabVGG(num_classes=19)\n"}
    assert lines("RL501", HRNET_CLS, path="lib/models/cls_hrnet.py", **files) == [10, 18]


# -- RL304: an evaluation helper reached from a caller's torch.no_grad(), through a closure ---------
CSI_EVALS = """
import torch
def eval_ood_detection(P, model, id_loader, ood_scores):
    for ood_score in ood_scores:
        score_func = get_ood_score_func(P, model, ood_score)
        scores_id = get_scores(id_loader, score_func)
    return scores_id

def get_ood_score_func(P, model, ood_score):
    def score_func(x):
        return compute_ood_score(P, model, ood_score, x)
    return score_func

def compute_ood_score(P, model, ood_score, x):
    model.eval()
    x = x.cuda()
    total = 0
    for i in range(4):
        outputs = model(torch.rot90(x, i, (2, 3)))
        total += outputs
    return total
"""
CSI_EVAL_SCRIPT = """
import torch
from evals import eval_ood_detection
model.eval()
with torch.no_grad():
    auroc = eval_ood_detection(P, model, test_loader, P.ood_score)
"""


def test_rl304_silent_where_the_caller_turned_gradients_off_through_a_closure():
    assert lines("RL304", CSI_EVALS, path="evals.py", **{"eval.py": CSI_EVAL_SCRIPT}) == []
    # the same script without no_grad: the model's forward keeps its graph
    plain = CSI_EVAL_SCRIPT.replace("with torch.no_grad():\n    ", "")
    assert lines("RL304", CSI_EVALS, path="evals.py", **{"eval.py": plain}) == [19]


# -- RL108: a factory's training loader that its only caller turns into files --------------------
XGAZE = """
import pickle
import torch
from torch.utils.data import DataLoader

def get_dataloader(data_dir, batch_size, num_workers=8, is_shuffle=True):
    train_set = GazeDataset(dataset_path=data_dir, sub_folder='train', is_shuffle=is_shuffle)
    train_loader = DataLoader(train_set, batch_size=batch_size, num_workers=num_workers, drop_last=False)
    return train_loader

if __name__ == "__main__":
    train_loader = get_dataloader(RAW_DATASET_PATH, 16, 16, False)
    for databatch in train_loader:
        left, right, face, gaze = databatch
        for l, f, g in zip(left.numpy(), face.numpy(), gaze.numpy()):
            with open(f"{g[0]}.pkl", "wb") as fh:
                pickle.dump([l, f, g], fh)
"""


def test_rl108_silent_on_a_factory_loader_its_only_caller_extracts():
    assert lines("RL108", XGAZE, path="utils/preprocess_xgaze.py") == []
    # the caller trains on it: an unshuffled training loader
    training = XGAZE[:XGAZE.index("    for databatch")] + (
        "    for x, y in train_loader:\n        loss = model(x).sum()\n        loss.backward()\n        optimizer.step()\n")
    assert lines("RL108", training, path="utils/preprocess_xgaze.py") == [8]


# -- RL502: a project whose loader restores the pickled module as its model -------------------------
BASE_NET = """
import torch

class BaseNet:
    def save(self, filename):
        torch.save({'epoch': self.epoch, 'lr': self.lr, 'model': self.model, 'optimizer': self.optimizer}, filename)

    def load(self, filename):
        state_dict = torch.load(filename)
        self.epoch = state_dict['epoch']
        self.model = state_dict['model']
        self.optimizer = state_dict['optimizer']
        return self.epoch
"""


def test_rl502_silent_where_the_loader_restores_the_module_as_the_model():
    assert lines("RL502", BASE_NET, path="src/base_net.py") == []
    # a loader that reads the weights into the model it built: the pickled module breaks it
    weights = BASE_NET.replace("self.model = state_dict['model']", "self.model.load_state_dict(state_dict['model'])")
    assert lines("RL502", weights, path="src/base_net.py") == [6]


# -- RL304: pytorch-fid's activations: the model is an InceptionV3 that freezes its parameters -----
INCEPTION = """
import torch.nn as nn
class InceptionV3(nn.Module):
    def __init__(self, output_blocks=(3,), resize_input=True, requires_grad=False):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Conv2d(3, 64, 3)])
        for param in self.parameters():
            param.requires_grad = requires_grad
"""
FID = """
import numpy as np
import torch
from inception import InceptionV3

def get_activations(files, model, batch_size=50, cuda=False):
    model.eval()
    for i in range(0, len(files), batch_size):
        batch = torch.from_numpy(np.stack(files[i:i + batch_size]))
        if cuda:
            batch = batch.cuda()
        pred = model(batch)[0]

def calculate_activation_statistics(files, model, batch_size=50, cuda=False):
    return get_activations(files, model, batch_size, cuda)

def calculate_fid_given_paths(paths, batch_size, cuda):
    model = {build}
    return [calculate_activation_statistics(p, model, batch_size, cuda) for p in paths]
"""


def test_rl304_silent_on_a_model_whose_class_freezes_its_parameters():
    assert lines("RL304", FID.format(build="InceptionV3([3])"), path="fid_score.py", **{"inception.py": INCEPTION}) == []
    # a model that trains its parameters: its forward keeps a graph
    trained = INCEPTION.replace("requires_grad=False", "requires_grad=True")
    assert lines("RL304", FID.format(build="InceptionV3([3])"), path="fid_score.py", **{"inception.py": trained}) == [12]


# -- loader roles: a peek at one batch through the iterator protocol's own methods ----------------
FFJORD_VIZ = """
import torch
from torchvision.datasets import ImageFolder
train_set = ImageFolder("data/celeba")
train_loader = torch.utils.data.DataLoader(dataset=train_set, batch_size=64, shuffle=True)
data_samples, _ = train_loader{peek}
z = model(data_samples[:4].cuda())
"""


def test_loader_roles_a_dunder_peek_at_one_batch_trains_nothing():
    assert lines("RL102", FFJORD_VIZ.format(peek=".__iter__().__next__()"), **PIXELS) == []
    # a loop over every batch is a pass over the training set
    loop = FFJORD_VIZ.format(peek=".dataset[0]") + "for x, y in train_loader:\n    model(x.cuda()).sum().backward()\n    opt.step()\n"
    assert lines("RL102", loop, **PIXELS) == [5]


# Deep-SVDD: the trainer asks a dataset object for its loaders; the project's class builds them unpinned.
SVDD_DATASET = """
from torch.utils.data import DataLoader
class TorchvisionDataset:
    def loaders(self, batch_size, shuffle_train=True, num_workers=0):
        train_loader = DataLoader(dataset=self.train_set, batch_size=batch_size, shuffle=shuffle_train,
                                  num_workers=num_workers{pin})
        test_loader = DataLoader(dataset=self.test_set, batch_size=batch_size, num_workers=num_workers{pin})
        return train_loader, test_loader
"""
SVDD_TRAINER = """
import torch
class DeepSVDDTrainer:
    def train(self, dataset, net):
        net = net.to(self.device)
        train_loader, _ = dataset.loaders(batch_size=self.batch_size, num_workers=self.n_jobs_dataloader)
        for inputs, _, _ in train_loader:
            inputs = inputs.to(self.device)
            loss = torch.mean(torch.sum((net(inputs) - self.c) ** 2, dim=1))
            loss.backward()
            self.optimizer.step()
"""


def test_rl103_reads_the_pin_state_of_a_project_method_called_on_an_object():
    project = {"path": "optim/deepSVDD_trainer.py", **PIXELS, "main.py": "import torch\nnet = net.to(torch.device('cuda'))\n"}
    unpinned = {**project, "base/torchvision_dataset.py": SVDD_DATASET.format(pin="")}
    assert lines("RL103", SVDD_TRAINER, **unpinned) == []
    pinned = {**project, "base/torchvision_dataset.py": SVDD_DATASET.format(pin=", pin_memory=True")}
    assert lines("RL103", SVDD_TRAINER, **pinned) == [8]


# loss-landscape (thirty-sixth set, read) reloads the DataLoader its cifar10/main.py pickled with
# random labels: an object weights_only=True refuses, and data (four loads judged not worth).
def test_rl501_silent_on_a_load_bound_to_a_data_loader_name():
    source = ("import torch\n"
              "def get_data_loaders(args):\n"
              "    if args.trainloader and args.testloader:\n"
              "        trainloader = torch.load(args.trainloader)\n"
              "        test_loader = torch.load(args.testloader)\n"
              "        return trainloader, test_loader\n")
    assert lines("RL501", source, path="cifar10/dataloader.py") == []
    # a loader's saved state or a model named so is weights: reported
    named = source.replace("trainloader = torch", "loader_state = torch").replace("test_loader = torch", "model_loader = torch")
    assert lines("RL501", named, path="cifar10/dataloader.py") == [4, 5]


# loss-landscape (thirty-sixth set, read): `load_dataset()` builds `train_loader` with an explicit
# `shuffle=False` and returns it; only the scripts that evaluate the loss surface around a trained
# model call it (RL108 judged wrong: a fixed order is what they want).
LOSS_LANDSCAPE_LOADERS = """
import torch
import torchvision


def load_dataset(datapath='cifar10/data', batch_size=128, threads=2):
    trainset = torchvision.datasets.CIFAR10(root=datapath, train=True, download=True)
    train_loader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=False, num_workers=threads)
    testset = torchvision.datasets.CIFAR10(root=datapath, train=False, download=False)
    test_loader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=threads)
    return train_loader, test_loader
"""
PLOT_SURFACE = """
import dataloader
import evaluation

def crunch(net, dataloader, criterion):
    return evaluation.eval_loss(net, criterion, dataloader)

trainloader, testloader = dataloader.load_dataset('cifar10/data', 128, 2)
crunch(net, trainloader, criterion)
"""


def test_rl108_silent_on_a_factory_loader_whose_importers_train_nothing():
    assert lines("RL108", LOSS_LANDSCAPE_LOADERS, path="dataloader.py", **{"plot_surface.py": PLOT_SURFACE}) == []
    # an importer that trains (a backward, or a call named for training): reported
    for caller in ("for x, y in trainloader:\n    criterion(net(x), y).backward()\n    opt.step()\n",
                   "trainer.fit(net, trainloader)\n", "run_epoch(net, trainloader, opt)\n"):
        assert lines("RL108", LOSS_LANDSCAPE_LOADERS, path="dataloader.py",
                     **{"plot_surface.py": PLOT_SURFACE, "train.py": PLOT_SURFACE + caller}) == [8], caller
    # no importer (a library's loader, a script of its own): reported
    assert lines("RL108", LOSS_LANDSCAPE_LOADERS, path="dataloader.py") == [8]
