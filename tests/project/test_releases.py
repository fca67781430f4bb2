"""Does a project publish weights? READMEs, model-zoo pages, download scripts and code (releases.py)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from repolens.cli import app
from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules
from repolens.project.releases import code_downloads, release_lines, released_weights_at, released_weights_in

RL501 = [r for r in load_builtin_rules() if r.code == "RL501"]


def test_a_link_to_a_weights_file_or_to_a_host_under_a_weights_heading_counts():
    readme = """# ResNet on CIFAR
Paper: [arXiv](https://arxiv.org/abs/1512.03385). Data: [CIFAR](https://www.cs.toronto.edu/~kriz/cifar.html)

## Pretrained weights

Download the checkpoints from the
[v1.0 release](https://github.com/lab/resnet/releases/tag/v1.0)

| model | top-1 | weights |
| r50 | 76.1 | [download](https://dl.fbaipublicfiles.com/x/r50.pth) |
"""
    found = release_lines(readme)
    assert [line for line, _ in found] == [7, 10]
    # a paper link, a dataset on a file host under a data heading: no weights
    data = "## Data\n[CelebA](https://drive.google.com/drive/folders/0B7E)\nPaper: https://arxiv.org/abs/1\n"
    assert release_lines(data) == []


def test_download_scripts_count_and_a_project_without_readme_is_unknown(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "download_weights.sh").write_text(
        'URL="https://huggingface.co/u/SRGAN/resolve/main/SRGAN_x4-ImageNet.pth.tar"\nwget $URL\n')
    assert released_weights_at(tmp_path) is None  # a shell script but no README: nothing is said
    (tmp_path / "README.md").write_text("# SRGAN\nbash ./scripts/download_weights.sh SRGAN_x4-ImageNet\n")
    assert released_weights_at(tmp_path) == ("scripts/download_weights.sh:1: links "
                                             "https://huggingface.co/u/SRGAN/resolve/main/SRGAN_x4-ImageNet.pth.tar",)
    (tmp_path / "scripts" / "download_weights.sh").write_text("wget https://data.org/celeba.zip\n")
    assert released_weights_at(tmp_path) == ()  # read, and nothing published


def test_code_that_downloads_weights_publishes_them():
    assert code_downloads("sd = load_state_dict_from_url(URLS[arch], progress=True)\n")
    assert code_downloads("URL = 'https://github.com/o/r/releases/download/v1/yolov7.pt'\n")
    assert code_downloads("data = torch.load('cache.pt')\nurl = 'https://example.org/data.csv'\n") == []
    # a pickled dataset is no weights file (PyTorch-GAN's MNIST-M download)
    assert code_downloads("url = 'https://github.com/v/k/releases/download/1.0/keras_mnistm.pkl.gz'\n") == []


TEST_SCRIPT = """import argparse
import torch
from models import get_network

parser = argparse.ArgumentParser()
parser.add_argument('-weights', type=str, required=True, help='the weights file you want to test')
args = parser.parse_args()
net = get_network(args)
net.load_state_dict(torch.load(args.weights))
net.eval()
"""


def test_rl501_is_silent_where_the_project_publishes_no_weights():
    def run(**others):
        return lint_text(TEST_SCRIPT, "test.py", RL501, collect_facts({"test.py": TEST_SCRIPT, **others}))[1]

    readme = "# pytorch-cifar100\nPractice on cifar100: `python train.py -net vgg16`, then `python test.py -weights path`\n"
    assert run(**{"README.md": readme}) == ()  # test.py reads what train.py saved
    released = readme + "## Weights\nDownload: https://github.com/u/cifar100/releases/download/v1/vgg16.pth\n"
    assert len(run(**{"README.md": released})) == 1
    assert len(run()) == 1  # no README: nothing known, the rule keeps speaking
    # a project that publishes nothing, loading a pretrained backbone it names as such
    pretrained = TEST_SCRIPT.replace("args.weights", "args.pretrained_backbone")
    facts = collect_facts({"test.py": pretrained, "README.md": readme})
    assert len(lint_text(pretrained, "test.py", RL501, facts)[1]) == 1


# awesome-semantic-segmentation-pytorch's model factories: `pretrained=True` loads the model its own
# train.py saved for that backbone and dataset (the README releases none); `pretrained_base` loads
# an ImageNet backbone, whose file does not vary with the dataset.
FACTORY = """
import torch
from .model_store import get_model_file

def get_psp(dataset='pascal_voc', backbone='resnet50', pretrained=False, root='~/.torch/models', **kwargs):
    model = PSPNet(datasets[dataset].NUM_CLASS, backbone=backbone, **kwargs)
    if pretrained:
        model.load_state_dict(torch.load(get_model_file('psp_%s_%s' % (backbone, acronyms[dataset]), root=root)))
    return model

def get_xception(pretrained=False, root='~/.torch/models', **kwargs):
    model = Xception65(**kwargs)
    if pretrained:
        model.load_state_dict(torch.load(get_model_file('xception', root=root)))
    return model
"""


def test_rl501_reads_a_file_named_for_the_dataset_as_the_projects_own_model_where_it_publishes_none():
    readme = "# Semantic segmentation zoo\nTrain: `python scripts/train.py --model psp --dataset pascal_voc`\n"
    facts = collect_facts({"core/models/psp.py": FACTORY, "README.md": readme})
    assert [r.position.start.line for r in lint_text(FACTORY, "core/models/psp.py", RL501, facts)[1]] == [14]
    # a project that publishes weights: the dataset-named file may be a released one
    released = readme + "## Weights\nDownload: https://github.com/u/zoo/releases/download/v1/psp_resnet50_voc.pth\n"
    facts = collect_facts({"core/models/psp.py": FACTORY, "README.md": released})
    assert len(lint_text(FACTORY, "core/models/psp.py", RL501, facts)[1]) == 2


def test_the_project_model_says_where_weights_are_published():
    facts = collect_facts({"hub.py": "from torch.hub import load_state_dict_from_url\n"
                                     "sd = load_state_dict_from_url('https://x.org/a.pth')\n"})
    assert facts.model.publishes_weights.value
    assert facts.model.publishes_weights.evidence[0].startswith("hub.py:2: downloads weights")
    assert released_weights_in({"train.py": "x = 1\n"}) is None
    assert collect_facts({"train.py": "x = 1\n"}).model.publishes_weights is None


def test_host_links_count_under_an_enclosing_weights_heading_or_next_to_a_weights_file_name():
    readme = """# Pytorch-YOLOv4
# 0. Weights Download

## 0.1 darknet
- baidu(https://pan.baidu.com/s/1dAGEW8cm     Extraction code:dm5b)

## 0.2 pytorch
- google
    - yolov4.pth(https://drive.google.com/open?id=1wv_LiFeCR)

# 1. Train
- dataset(https://drive.google.com/open?id=1Xyz)
"""
    assert [line for line, _ in release_lines(readme)] == [5, 9]


def test_pytorchs_own_model_zoo_is_not_the_project_publishing_weights():
    # a copied torchvision resnet.py: ImageNet backbones, not weights the project trained
    zoo = ("model_urls = {'resnet50': 'https://download.pytorch.org/models/resnet50-19c8e357.pth'}\n"
           "def resnet50(pretrained=False):\n    return model_zoo.load_url(model_urls['resnet50'])\n")
    assert code_downloads(zoo) == []
    ours = zoo + "URL = 'https://github.com/o/r/releases/download/v1/retinanet.pth'\n"
    assert [what.split(":")[0] for _, what in code_downloads(ours)] == ["downloads weights", "links"]


def test_a_readme_pointing_at_pytorchs_model_zoo_publishes_nothing():
    readme = "## Pretrained weights\nDownload the ImageNet backbone: https://download.pytorch.org/models/resnet50-19c8e357.pth\n"
    assert released_weights_in({"README.md": readme}) == ()


EARLY_STOPPING = """import torch

def train(model, path):
    best_model_path = path + '/' + 'checkpoint.pth'
    model.load_state_dict(torch.load(best_model_path))
"""
PYRAFORMER_README = """# Pyraformer
## Evaluate
We provide pretrained models [here](https://drive.google.com/drive/folders/15av5ZhHG8). The downloaded
models should be put in the 'models' directory.
"""


def test_a_sub_projects_readme_speaks_only_for_its_folder():
    """LTSF-Linear and PatchTST ship Pyraformer as a baseline whose README links its weights; the
    projects' own loaders reread the early-stopping checkpoint of the run (15 judged findings, none
    worth a change, silenced once the README spoke only for its folder)."""
    sources = {"exp/exp_main.py": EARLY_STOPPING, "Pyraformer/long_range_main.py": EARLY_STOPPING,
               "Pyraformer/README.md": PYRAFORMER_README, "README.md": "# LTSF-Linear\n`sh scripts/run.sh`\n",
               "docs/zoo/README.md": "# Zoo\n"}
    facts = collect_facts(sources)
    assert facts.model.publishes_weights.value  # the project as a whole publishes some
    assert not facts.model.publishes_weights_for("exp/exp_main.py").value
    assert facts.model.publishes_weights_for("Pyraformer/long_range_main.py").value
    assert lint_text(EARLY_STOPPING, "exp/exp_main.py", RL501, facts)[1] == ()
    assert len(lint_text(EARLY_STOPPING, "Pyraformer/long_range_main.py", RL501, facts)[1]) == 1
    # a folder without code (docs/, a folder of shell scripts) speaks for its parent: here the root
    sources["docs/zoo/README.md"] = PYRAFORMER_README.replace("Pyraformer", "Zoo")
    facts = collect_facts(sources)
    assert facts.model.publishes_weights_for("exp/exp_main.py").value
    assert len(lint_text(EARLY_STOPPING, "exp/exp_main.py", RL501, facts)[1]) == 1


def test_a_download_script_speaks_for_the_whole_project():
    """SRGAN-PyTorch's `scripts/download_weights.sh` sits beside Python tools, and the weights it
    fetches are what the root's `model.py` loads (judged worth a change)."""
    sources = {"model.py": EARLY_STOPPING, "scripts/split_images.py": "x = 1\n", "README.md": "# SRGAN\n",
               "scripts/download_weights.sh": "wget https://huggingface.co/u/SRGAN/resolve/main/SRGAN_x4.pth.tar\n"}
    facts = collect_facts(sources)
    assert facts.model.publishes_weights_for("model.py").value


def test_a_nested_projects_readme_is_not_the_outer_projects(tmp_path):
    """Through the command line: a baseline with its own requirements file is its own project, and
    its README's weights are not the outer project's."""
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "exp_main.py").write_text(EARLY_STOPPING)
    (tmp_path / "README.md").write_text("# LTSF-Linear\n")
    (tmp_path / "Pyraformer").mkdir()
    (tmp_path / "Pyraformer" / "requirements.txt").write_text("torch==1.8.0\n")
    (tmp_path / "Pyraformer" / "long_range_main.py").write_text(EARLY_STOPPING)
    (tmp_path / "Pyraformer" / "README.md").write_text(PYRAFORMER_README)
    result = CliRunner().invoke(app, ["lint", str(tmp_path), "--format", "json", "--no-cache", "--select", "RL501"])
    assert [f["path"] for f in json.loads(result.stdout)] == ["Pyraformer/long_range_main.py"]


def test_a_readme_in_org_mode_or_asciidoc_is_read(tmp_path):
    # poincare-embeddings documents itself in README.org: training writes the embeddings, none are released
    (tmp_path / "embed.py").write_text("import torch\n")
    assert released_weights_at(tmp_path) is None
    (tmp_path / "README.org").write_text("* Poincare Embeddings\n#+BEGIN_SRC sh\n./train-mammals.sh\n#+END_SRC\n")
    assert released_weights_at(tmp_path) == ()
    (tmp_path / "README.org").write_text("* Models\n[[https://dl.fbaipublicfiles.com/poincare/mammals.pth][mammals.pth]]\n")
    assert released_weights_at(tmp_path) == ("README.org:2: links https://dl.fbaipublicfiles.com/poincare/mammals.pth",)
