"""Configs and shell scripts in the map, with who reads or runs them and where."""

from __future__ import annotations

from repolens.mapper import build_map


def _support(root):
    return {f.path: f for f in build_map(str(root)).support_files}


def test_configs_are_linked_to_the_code_and_commands_that_read_them(make_project):
    root = make_project({
        "README.md": "# P\n\n```bash\nbash scripts/train.sh\npython tools/train.py --cfg configs/big.yaml\n```\n",
        "tools/train.py": """
            import argparse
            import hydra

            parser = argparse.ArgumentParser()
            parser.add_argument("--cfg", default="configs/base.yaml")

            @hydra.main(config_path="../conf", config_name="train")
            def main(cfg):
                pass
            """,
        "configs/base.yaml": "lr: 0.1\n",
        "configs/big.yaml": "lr: 0.4\n",
        "configs/unused.yaml": "lr: 1\n",  # where configs live: listed, with no reader
        "conf/train.yaml": "epochs: 3\n",
        "scripts/train.sh": "#!/bin/bash\ncd \"$(dirname \"$0\")/..\"\npython tools/train.py --cfg=configs/big.yaml\n",
        "data/labels.json": "[1, 2]\n",  # data nobody names, outside a config folder: not listed
        ".github/workflows/ci.yml": "on: push\n",  # tooling
        "pyproject.toml": "[project]\nname = 'p'\n",
    })
    sf = _support(root)
    assert set(sf) == {"configs/base.yaml", "configs/big.yaml", "configs/unused.yaml", "conf/train.yaml",
                       "scripts/train.sh"}
    assert [(u.path, u.line, u.how) for u in sf["configs/base.yaml"].used_by] == [
        ("tools/train.py", 5, "argparse default")]
    assert [(u.path, u.line, u.how) for u in sf["conf/train.yaml"].used_by] == [
        ("tools/train.py", 7, "hydra config")]
    assert [(u.path, u.line, u.how) for u in sf["configs/big.yaml"].used_by] == [
        ("README.md", 5, "argument of tools/train.py"), ("scripts/train.sh", 3, "argument of tools/train.py")]
    assert sf["configs/unused.yaml"].used_by == () and sf["configs/unused.yaml"].role == "config"
    script = sf["scripts/train.sh"]
    assert (script.role, script.format, script.lines) == ("script", "shell", 3)
    assert [(u.path, u.line) for u in script.used_by] == [("README.md", 4)]
    assert [(u.path, u.line) for u in script.runs] == [("tools/train.py", 3)]


def test_a_bare_config_name_links_only_when_one_file_has_it(make_project):
    root = make_project({
        "a/config.json": "{}\n",
        "b/config.json": "{}\n",
        "models/hyp.scratch.yaml": "lr0: 0.01\n",
        "train.py": 'CONFIG_NAME = "config.json"\nHYP = "hyp.scratch.yaml"\n',
    })
    sf = _support(root)
    assert sf["a/config.json"].used_by == () and sf["b/config.json"].used_by == ()
    assert [u.path for u in sf["models/hyp.scratch.yaml"].used_by] == ["train.py"]


def test_a_script_run_by_another_script_and_a_commented_out_mention(make_project):
    root = make_project({
        "run_all.sh": "bash scripts/a.sh\n# bash scripts/b.sh\n",
        "scripts/a.sh": "echo a\n",
        "scripts/b.sh": "echo b\n",
    })
    sf = _support(root)
    assert [(u.path, u.line, u.how) for u in sf["scripts/a.sh"].used_by] == [("run_all.sh", 1, "run by a shell script")]
    assert sf["scripts/b.sh"].used_by == ()


def test_a_project_template_is_listed_but_not_analysed_as_code(tmp_path):
    from repolens.discover.files import discover

    folder = tmp_path / "templates" / "{{cookiecutter.directory_name}}"
    folder.mkdir(parents=True)
    (folder / "run_{{cookiecutter.example_shortcut}}.py").write_text("{{cookiecutter.model_class}},\n")
    (tmp_path / "train.py").write_text("import torch\n")
    found = discover(tmp_path, include_others=True)
    assert [f.rel for f in found.python_files] == ["train.py"]
    assert "templates/{{cookiecutter.directory_name}}/run_{{cookiecutter.example_shortcut}}.py" in {
        f.rel for f in found.others}
