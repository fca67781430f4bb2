"""The repo card (Papers-with-Code checklist) and the declared environment."""

from __future__ import annotations

from repolens.mapper import build_map

TRAIN = "import torch\nfor x in []:\n    x.backward()\n    optimizer.step()\nprint(1)\nprint(2)\nprint(3)\n"


def test_environment_from_requirements_environment_yml_and_pyproject(make_project):
    root = make_project({
        "requirements.txt": "numpy\ntorch>=2.0,<2.5\n--extra-index-url https://download.pytorch.org/whl/cu118\n",
        "environment.yml": "name: x\ndependencies:\n  - python=3.10\n  - pytorch::torchvision=0.16\n",
        "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9"\n',
        "train.py": TRAIN,
    })
    env = build_map(str(root)).environment
    assert env == {"python": ">=3.9", "torch": ">=2.0,<2.5", "torchvision": "==0.16", "cuda": "cu118",
                   "torch_min": ">=2.0 (requirements.txt:2: torch>=2.0,<2.5)"}


def test_environment_from_a_replicate_cog_yaml(make_project):
    # CLIP_prefix_caption declares its torch only in the Replicate image's cog.yaml
    root = make_project({
        "cog.yaml": 'build:\n  gpu: true\n  python_version: "3.8"\n  python_packages:\n    - "torch==1.9.1"\n'
                    '    - "ftfy==6.0.3"\npredict: "predict.py:Predictor"\n',
        "train.py": TRAIN,
    })
    env = build_map(str(root)).environment
    assert env["python"] == "==3.8" and env["torch"] == "==1.9.1"
    assert env["torch_min"] == ">=1.9 (cog.yaml:5: torch==1.9.1)"


def test_torch_min_is_implied_by_the_apis_the_project_uses(make_project):
    # requirements say torch>=2.0, but torch.accelerator exists only from 2.6: the code says 2.6
    root = make_project({
        "requirements.txt": "torch>=2.0\n",
        "train.py": "import torch\ndevice = torch.accelerator.current_accelerator()\n" + TRAIN,
    })
    env = build_map(str(root)).environment
    assert env["torch"] == ">=2.0"
    assert env["torch_min"] == ">=2.6 (train.py:2: torch.accelerator needs torch>=2.6)"


def test_plain_folder_without_declarations_gives_nulls_and_missing_card_items(make_project):
    root = make_project({"model.py": "import torch.nn as nn\nclass N(nn.Module):\n    pass\n"})
    m = build_map(str(root))
    assert m.environment == {"python": None, "torch": None, "torchvision": None, "cuda": None, "torch_min": None}
    assert m.card["dependencies"].ok is False
    assert m.card["training_code"].ok is False
    assert m.card["results"].evidence == "no results table in the README"


def test_card_finds_weights_results_table_and_reproducing_command(make_project):
    root = make_project({
        "README.md": """
            # Net
            Weights: [download](https://github.com/a/b/releases/download/v1/net.pth)

            | model | top-1 |
            |-------|-------|
            | Net   | 76.1  |

            Reproduce:
            ```
            python train.py --epochs 90
            ```
        """,
        "requirements.txt": "torch\n",
        "train.py": TRAIN,
        "eval.py": "import torch\nmodel.eval()\nwith torch.no_grad():\n    pass\nprint(1)\nprint(2)\n",
    })
    card = build_map(str(root)).card
    assert card["dependencies"].ok and card["dependencies"].evidence == "requirements.txt"
    assert card["training_code"].ok and card["training_code"].evidence.startswith("train.py")
    assert card["evaluation_code"].ok and card["evaluation_code"].evidence.startswith("eval.py")
    assert card["pretrained_weights"].ok and "README.md:2" in card["pretrained_weights"].evidence
    assert card["results"].ok and "python train.py --epochs 90" in card["results"].evidence


def test_json_contract_keys(make_project):
    root = make_project({"README.md": "python train.py\n", "train.py": TRAIN})
    j = build_map(str(root)).to_json()
    assert set(j) >= {"root", "files", "entrypoints", "reading_order", "calls", "environment", "card", "git"}
    assert set(j["card"]) == {"dependencies", "training_code", "evaluation_code", "pretrained_weights", "results"}
    assert set(j["files"][0]) >= {"path", "role", "secondary", "confidence", "signals", "lines"}
    assert j["entrypoints"][0] == {"path": "train.py", "kind": "readme-command", "command": "python train.py",
                                   "evidence": "README.md:1"}
