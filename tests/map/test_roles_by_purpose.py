"""Roles that follow what most of a file's code does, in patterns taken from research repositories:
a tutorial's utils.py that converts the dataset, a GAIL discriminator that holds its update step,
an experiment launcher that writes `python main.py` commands, a hubconf.py that re-exports models."""

from __future__ import annotations

import textwrap

from repolens.mapper import build_map


def _files(make_project, files: dict[str, str]):
    return {f.path: f for f in build_map(str(make_project(files))).files}


_HELPERS = """
    def clip_gradient(optimizer, grad_clip):
        for group in optimizer.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    param.grad.data.clamp_(-grad_clip, grad_clip)


    class AverageMeter(object):
        def __init__(self):
            self.reset()

        def reset(self):
            self.val = self.avg = self.sum = self.count = 0

        def update(self, val, n=1):
            self.val = val
            self.sum += val * n
            self.count += n
            self.avg = self.sum / self.count
"""


def test_utils_py_that_is_mostly_dataset_conversion_is_data(make_project):
    files = _files(make_project, {
        "utils.py": textwrap.dedent("""
            import json
            import os

            import h5py
            import numpy as np
            from PIL import Image


            def create_input_files(dataset, json_path, image_folder, output_folder, max_len=100):
                with open(json_path) as j:
                    data = json.load(j)
                paths, captions = [], []
                for img in data["images"]:
                    words = [c["tokens"] for c in img["sentences"] if len(c["tokens"]) <= max_len]
                    if not words:
                        continue
                    paths.append(os.path.join(image_folder, img["filepath"], img["filename"]))
                    captions.append(words)
                with h5py.File(os.path.join(output_folder, dataset + "_IMAGES.hdf5"), "a") as h:
                    images = h.create_dataset("images", (len(paths), 3, 256, 256), dtype="uint8")
                    for i, path in enumerate(paths):
                        img = np.asarray(Image.open(path).convert("RGB").resize((256, 256)))
                        images[i] = img.transpose(2, 0, 1)
                with open(os.path.join(output_folder, "WORDMAP_" + dataset + ".json"), "w") as j:
                    json.dump(word_map(captions), j)


            def word_map(captions, min_word_freq=5):
                counts = {}
                for c in captions:
                    for w in c:
                        counts[w] = counts.get(w, 0) + 1
                words = [w for w in counts if counts[w] > min_word_freq]
                return {k: v + 1 for v, k in enumerate(words)}
        """) + textwrap.dedent(_HELPERS),
        "create_input_files.py": """
            from utils import create_input_files

            if __name__ == '__main__':
                create_input_files(dataset='coco', json_path='dataset_coco.json', image_folder='images/',
                                   output_folder='out/')
        """,
    })
    assert files["utils.py"].role == "data"
    assert any("most of its code prepares data: create_input_files" in s for s in files["utils.py"].signals)
    # The three-line script that runs it does the job of what it runs.
    assert files["create_input_files.py"].role == "data"
    assert any("create_input_files() from utils.py" in s for s in files["create_input_files.py"].signals)


def test_utils_py_with_two_small_image_transforms_among_helpers_stays_utils(make_project):
    helpers = "".join(f"""

            def helper_{i}(values, scale=1.0):
                total = 0.0
                for v in values:
                    total += v * scale
                if total > 10:
                    total = 10
                return total / max(len(values), 1)
        """ for i in range(12))
    files = _files(make_project, {
        "utils.py": """
            import random

            from PIL import ImageFilter, ImageOps


            class GaussianBlur(object):
                def __call__(self, img):
                    return img.filter(ImageFilter.GaussianBlur(radius=random.uniform(0.1, 2.0)))


            class Solarization(object):
                def __call__(self, img):
                    return ImageOps.solarize(img)
        """ + helpers,
    })
    assert files["utils.py"].role == "utils"


def test_utils_py_of_drawing_functions_is_not_data(make_project):
    files = _files(make_project, {
        "utils.py": textwrap.dedent("""
            from PIL import Image, ImageDraw


            def draw_bounding_boxes(image, boxes, labels, colors=None, width=1):
                img = Image.fromarray(image)
                draw = ImageDraw.Draw(img)
                for box, label in zip(boxes, labels):
                    draw.rectangle(box, width=width)
                    draw.text((box[0], box[1]), label)
                return img


            def save_image(array, path):
                Image.fromarray(array).save(path)
        """) + textwrap.dedent(_HELPERS),
    })
    assert files["utils.py"].role == "utils"


def test_a_small_no_grad_helper_does_not_make_a_loss_module_eval(make_project):
    files = _files(make_project, {
        "loss.py": """
            import math

            import torch
            import torch.nn as nn


            def bbox_iou(box1, box2, eps=1e-9):
                inter = (torch.min(box1[2], box2[2]) - torch.max(box1[0], box2[0])).clamp(0)
                union = (box1[2] - box1[0]) + (box2[2] - box2[0]) - inter + eps
                iou = inter / union
                v = (4 / math.pi ** 2) * torch.pow(torch.atan(box2[2]) - torch.atan(box1[2]), 2)
                with torch.no_grad():
                    alpha = v / (v - iou + (1 + eps))
                return iou - alpha * v


            def compute_loss(predictions, targets, model):
                bce = nn.BCEWithLogitsLoss()
                lbox = torch.zeros(1)
                lobj = torch.zeros(1)
                lcls = torch.zeros(1)
                for i, p in enumerate(predictions):
                    iou = bbox_iou(p[..., :4].T, targets[i])
                    lbox += (1.0 - iou).mean()
                    lobj += bce(p[..., 4], targets[i][..., 4])
                    lcls += bce(p[..., 5:], targets[i][..., 5:])
                    lbox *= 0.05
                    lobj *= 1.0
                    lcls *= 0.5
                loss = lbox + lobj + lcls
                return loss, torch.cat((lbox, lobj, lcls, loss))


            def build_targets(p, targets, model):
                na, nt = 3, targets.shape[0]
                tcls, tbox, indices, anch = [], [], [], []
                gain = torch.ones(7)
                ai = torch.arange(na).float().view(na, 1).repeat(1, nt)
                targets = torch.cat((targets.repeat(na, 1, 1), ai[:, :, None]), 2)
                for i, yolo_layer in enumerate(model.yolo_layers):
                    anchors = yolo_layer.anchors / yolo_layer.stride
                    t = targets * gain
                    tbox.append(t[:, 2:6])
                    anch.append(anchors)
                    tcls.append(t[:, 1].long())
                return tcls, tbox, indices, anch
        """,
    })
    assert files["loss.py"].role == "model"
    assert not any("no_grad" in s for s in files["loss.py"].signals)


def test_a_module_class_that_holds_its_training_step_is_model(make_project):
    files = _files(make_project, {
        "algo/gail.py": """
            import h5py
            import torch
            import torch.nn as nn
            from torch import autograd


            class Discriminator(nn.Module):
                def __init__(self, input_dim, hidden_dim):
                    super().__init__()
                    self.trunk = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Tanh(),
                                               nn.Linear(hidden_dim, 1))
                    self.optimizer = torch.optim.Adam(self.trunk.parameters())

                def update(self, expert_loader, rollouts):
                    self.train()
                    loss = 0
                    for expert_batch, policy_batch in zip(expert_loader, rollouts):
                        policy_d = self.trunk(policy_batch)
                        expert_d = self.trunk(expert_batch)
                        gail_loss = expert_d.mean() - policy_d.mean()
                        loss += gail_loss.item()
                        self.optimizer.zero_grad()
                        gail_loss.backward()
                        self.optimizer.step()
                    return loss


            class ExpertDataset(torch.utils.data.Dataset):
                def __init__(self, file_name):
                    self.trajectories = torch.load(file_name)

                def __len__(self):
                    return len(self.trajectories)

                def __getitem__(self, i):
                    return self.trajectories[i]
        """,
    })
    f = files["algo/gail.py"]
    assert f.role == "model"
    assert "train" in f.secondary
    assert any("holds its own training step (update())" in s for s in f.signals)


def test_runnable_data_preparation_scripts_are_data_and_a_weight_converter_is_a_script(make_project):
    files = _files(make_project, {
        "preprocess.py": """
            import argparse
            import pickle

            import spacy


            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument('-data_src', required=True)
                parser.add_argument('-save_data', required=True)
                opt = parser.parse_args()
                nlp = spacy.load('en_core_web_sm')
                with open(opt.data_src) as f:
                    examples = [[t.text for t in nlp.tokenizer(line)] for line in f]
                pickle.dump(examples, open(opt.save_data, 'wb'))


            if __name__ == '__main__':
                main()
        """,
        "experts/convert_to_pytorch.py": """
            import argparse

            import h5py
            import torch


            def main():
                parser = argparse.ArgumentParser('Converts expert trajectories from h5 to pt format.')
                parser.add_argument('--h5-file', default='trajs.h5')
                args = parser.parse_args()
                with h5py.File(args.h5_file, 'r') as f:
                    states = torch.from_numpy(f['obs'][:]).float()
                torch.save({'states': states}, args.h5_file.replace('.h5', '.pt'))


            if __name__ == '__main__':
                main()
        """,
        "tools/convert_weights.py": """
            import argparse

            import torch


            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument('src')
                parser.add_argument('dst')
                args = parser.parse_args()
                state = torch.load(args.src, map_location='cpu')
                torch.save({k.replace('module.', ''): v for k, v in state.items()}, args.dst)


            if __name__ == '__main__':
                main()
        """,
    })
    assert files["preprocess.py"].role == "data"
    assert files["experts/convert_to_pytorch.py"].role == "data"
    assert files["tools/convert_weights.py"].role == "script"


def test_an_experiment_launcher_that_writes_commands_is_utils_and_an_entrypoint(make_project):
    root = make_project({
        "main.py": """
            import argparse
            import torch

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument('--lr', type=float, default=3e-4)
                args = parser.parse_args()
                model = torch.nn.Linear(4, 2)
                opt = torch.optim.Adam(model.parameters(), lr=args.lr)
                for _ in range(10):
                    opt.zero_grad()
                    model(torch.randn(8, 4)).sum().backward()
                    opt.step()

            if __name__ == '__main__':
                main()
        """,
        "generate_tmux_yaml.py": """
            import argparse

            import yaml

            parser = argparse.ArgumentParser()
            parser.add_argument('--num-seeds', type=int, default=4)
            args = parser.parse_args()
            template = "python main.py --env-name {0} --seed {1} --log-dir /tmp/gym/{0}-{1}"
            config = {"session_name": "run-all", "windows": []}
            for i in range(args.num_seeds):
                config["windows"].append({"window_name": "seed-{}".format(i),
                                          "panes": [template.format("Pong", i)]})
            yaml.dump(config, open("run_all.yaml", "w"), default_flow_style=False)
        """,
    })
    m = build_map(str(root))
    f = {x.path: x for x in m.files}["generate_tmux_yaml.py"]
    assert f.role == "utils"
    assert any("experiment launcher" in s and "main.py" in s for s in f.signals)
    paths = [e.path for e in m.entrypoints]
    assert "generate_tmux_yaml.py" in paths and paths.index("main.py") < paths.index("generate_tmux_yaml.py")
    # A usage line that names the file itself is no launcher.
    files = _files(make_project, {
        "translate.py": '''
            """Usage: python translate.py -model trained.chkpt"""
            import argparse

            parser = argparse.ArgumentParser()
            parser.add_argument('-model', required=True)
            opt = parser.parse_args()
            print(opt.model)
            print("done")
        ''',
    })
    assert not any("launcher" in s for s in files["translate.py"].signals)


def test_optimizer_classes_and_environment_wrappers(make_project):
    files = _files(make_project, {
        "optim/lars.py": """
            import torch
            from torch.optim import Optimizer


            class LARS(Optimizer):
                def __init__(self, params, lr=0.0, weight_decay=0.0, momentum=0.9, eta=0.001):
                    super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, eta=eta))

                @torch.no_grad()
                def step(self):
                    for g in self.param_groups:
                        for p in g['params']:
                            if p.grad is not None:
                                p.add_(p.grad, alpha=-g['lr'])
        """,
        "envs.py": """
            import gym
            import numpy as np
            import torch
            from stable_baselines3.common.vec_env import VecEnvWrapper


            def make_env(env_id, seed):
                env = gym.make(env_id)
                env.seed(seed)
                return TimeLimitMask(env)


            class TimeLimitMask(gym.Wrapper):
                def step(self, action):
                    obs, rew, done, info = self.env.step(action)
                    if done and self.env._max_episode_steps == self.env._elapsed_steps:
                        info['bad_transition'] = True
                    return obs, rew, done, info


            class VecPyTorch(VecEnvWrapper):
                def reset(self):
                    return torch.from_numpy(np.asarray(self.venv.reset())).float()

                def step_wait(self):
                    obs, reward, done, info = self.venv.step_wait()
                    return torch.from_numpy(obs).float(), reward, done, info
        """,
    })
    assert files["optim/lars.py"].role == "train"
    assert files["envs.py"].role == "data"
    assert any("environment wrapper" in s for s in files["envs.py"].signals)


def test_hubconf_that_re_exports_model_files_is_model(make_project):
    files = _files(make_project, {
        "models.py": """
            import torch.nn as nn

            class VisionTransformer(nn.Module):
                def __init__(self, dim=192):
                    super().__init__()
                    self.head = nn.Linear(dim, 1000)

                def forward(self, x):
                    return self.head(x)

            def vit_tiny(pretrained=False, **kwargs):
                return VisionTransformer(**kwargs)
        """,
        "cait_models.py": """
            import torch.nn as nn

            class Cait(nn.Module):
                def forward(self, x):
                    return x
        """,
        "hubconf.py": """
            from models import *
            from cait_models import *

            dependencies = ["torch", "timm"]
        """,
    })
    assert files["hubconf.py"].role == "model"


def test_an_empty_package_init_takes_the_plurality_of_its_own_modules(make_project):
    evaluate = """
        import torch

        def main(model, loader):
            model.eval()
            with torch.no_grad():
                return [model(x) for x in loader]

        if __name__ == "__main__":
            main(None, [])
    """
    dataset = """
        from torch.utils.data import Dataset

        class Boxes{n}(Dataset):
            def __len__(self):
                return 0

            def __getitem__(self, i):
                return i
    """
    files = _files(make_project, {
        "pkg/__init__.py": "",
        "pkg/detect.py": evaluate,
        "pkg/test.py": evaluate,
        "pkg/utils/__init__.py": "",
        **{f"pkg/utils/datasets{n}.py": dataset.format(n=n) for n in range(3)},
    })
    # Three data files sit in a sub-package; the package's own modules are evaluation scripts.
    assert files["pkg/__init__.py"].role == "eval"
    assert files["pkg/utils/__init__.py"].role == "data"


def test_helpers_that_only_training_code_imports_are_train(make_project):
    train = """
        import torch
        from resample import create_named_schedule_sampler

        def main(model, loader):
            sampler = create_named_schedule_sampler("uniform")
            opt = torch.optim.AdamW(model.parameters())
            for x in loader:
                t, w = sampler.sample(x.shape[0])
                opt.zero_grad()
                (model(x, t) * w).mean().backward()
                opt.step()

        if __name__ == "__main__":
            main(None, [])
    """
    files = _files(make_project, {
        "resample.py": """
            from abc import ABC, abstractmethod

            import numpy as np


            def create_named_schedule_sampler(name, num_timesteps=1000):
                if name == "uniform":
                    return UniformSampler(num_timesteps)
                raise NotImplementedError(name)


            class ScheduleSampler(ABC):
                @abstractmethod
                def weights(self):
                    pass

                def sample(self, batch_size):
                    w = self.weights()
                    p = w / np.sum(w)
                    return np.random.choice(len(p), size=(batch_size,), p=p), 1 / (len(p) * p)


            class UniformSampler(ScheduleSampler):
                def __init__(self, num_timesteps):
                    self._weights = np.ones([num_timesteps])

                def weights(self):
                    return self._weights
        """,
        "image_train.py": train,
        "classifier_train.py": train,
    })
    assert files["resample.py"].role == "train"
    assert any("used only by training code" in s for s in files["resample.py"].signals)


# Patterns from the blind-labelled repositories of the twenty-third session (AtlasNet, BYOL-PyTorch,
# diffwave, Chinese-Text-Classification), each mislabelled before.

def test_a_script_that_drives_a_trainer_one_epoch_at_a_time_is_train(make_project):
    files = _files(make_project, {
        "train.py": textwrap.dedent("""
            import torch
            import trainer as trainer_module
            from options import parser

            opt = parser()
            trainer = trainer_module.Trainer(opt)
            trainer.build_dataset()
            trainer.build_network()
            trainer.build_optimizer()
            for epoch in range(opt.nepoch):
                trainer.train_epoch()
                with torch.no_grad():
                    trainer.test_epoch()
                trainer.save_network()
        """),
        "trainer.py": "class Trainer:\n    def __init__(self, opt):\n        self.opt = opt\n",
        "options.py": "import argparse\n\ndef parser():\n    return argparse.ArgumentParser().parse_args()\n",
    })
    assert files["train.py"].role == "train"
    assert any("train_epoch" in s for s in files["train.py"].signals)


def test_a_module_of_settings_or_of_options_is_config(make_project):
    options = "\n".join(f"    p.add_argument('--opt{i}', type=int, default={i})" for i in range(10))
    files = _files(make_project, {
        "params.py": textwrap.dedent("""
            class AttrDict(dict):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, **kwargs)
                    self.__dict__ = self

            params = AttrDict(
                batch_size=16, learning_rate=2e-4, max_grad_norm=None, sample_rate=22050, n_mels=80,
                n_fft=1024, hop_samples=256, residual_layers=30, residual_channels=64,
                inference_noise_schedule=[0.0001, 0.001, 0.01, 0.05, 0.2, 0.5],
            )
        """),
        "argument_parser.py": "import argparse\n\ndef parser():\n    p = argparse.ArgumentParser()\n"
                              + options + "\n    return p.parse_args()\n",
        "model.py": "from params import params\nfrom argument_parser import parser\n",
    })
    assert files["params.py"].role == "config"
    assert files["argument_parser.py"].role == "config"
    assert any("10 command-line options" in s for s in files["argument_parser.py"].signals)


def test_a_preprocessing_script_under_no_grad_without_a_model_is_data(make_project):
    files = _files(make_project, {
        "preprocess.py": textwrap.dedent("""
            import argparse
            import torch
            import torchaudio
            import torchaudio.transforms as TT

            def transform(filename):
                audio, sr = torchaudio.load(filename)
                mel = TT.MelSpectrogram(sample_rate=sr, n_fft=1024, n_mels=80)
                with torch.no_grad():
                    spectrogram = mel(audio)
                    torch.save(spectrogram, f"{filename}.spec.pt")

            if __name__ == "__main__":
                parser = argparse.ArgumentParser()
                parser.add_argument("dir")
                transform(parser.parse_args().dir)
        """),
    })
    assert files["preprocess.py"].role == "data"


def test_a_utils_py_that_holds_a_batch_iterator_is_data(make_project):
    files = _files(make_project, {
        "utils.py": textwrap.dedent("""
            import torch

            def build_dataset(path, vocab, pad_size=32):
                contents = []
                with open(path) as f:
                    for line in f:
                        text, label = line.strip().split("\\t")
                        ids = [vocab.get(w, 0) for w in text][:pad_size]
                        contents.append((ids + [0] * (pad_size - len(ids)), int(label)))
                return contents

            class DatasetIterater(object):
                def __init__(self, batches, batch_size, device):
                    self.batches, self.batch_size, self.device = batches, batch_size, device
                    self.n_batches = len(batches) // batch_size
                    self.index = 0

                def __next__(self):
                    if self.index >= self.n_batches:
                        self.index = 0
                        raise StopIteration
                    batch = self.batches[self.index * self.batch_size:(self.index + 1) * self.batch_size]
                    self.index += 1
                    x = torch.LongTensor([b[0] for b in batch]).to(self.device)
                    y = torch.LongTensor([b[1] for b in batch]).to(self.device)
                    return x, y

                def __iter__(self):
                    return self

                def __len__(self):
                    return self.n_batches

            def get_time_dif(start_time):
                import time
                return time.time() - start_time
        """),
    })
    assert files["utils.py"].role == "data"


def test_hubconf_runner_and_flops_scripts_of_a_detection_and_classification_repository(make_project):
    # PVT: a hubconf.py copied from DeiT whose star import names a module that is gone, and a
    # FLOPs-counting script. (Its copy of mmcv's epoch-based runner, labelled train, stays utils:
    # "runner" as a training word was tried and withdrawn, it also names inference runners.)
    files = _files(make_project, {
        "classification/hubconf.py": "from models import *\n\ndependencies = ['torch', 'torchvision', 'timm']\n",
        "classification/pvt.py": "import torch.nn as nn\n\n\nclass PVT(nn.Module):\n"
                                 "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 8)\n",
        "detection/mmcv_custom/runner/epoch_based_runner.py": textwrap.dedent("""
            import mmcv
            from mmcv.runner import EpochBasedRunner

            class EpochBasedRunnerAmp(EpochBasedRunner):
                def save_checkpoint(self, out_dir, filename_tmpl='epoch_{}.pth'):
                    mmcv.mkdir_or_exist(out_dir)

                def resume(self, checkpoint, resume_optimizer=True):
                    self.load_checkpoint(checkpoint)
        """),
        "classification/get_flops.py": textwrap.dedent("""
            import argparse
            import torch
            from fvcore.nn import FlopCountAnalysis
            import pvt

            if __name__ == '__main__':
                parser = argparse.ArgumentParser()
                parser.add_argument('model')
                model = getattr(pvt, parser.parse_args().model)()
                print(FlopCountAnalysis(model, torch.randn(1, 3, 224, 224)).total())
        """),
    })
    assert files["classification/hubconf.py"].role == "model"
    assert files["classification/get_flops.py"].role == "eval"
