import ast
import textwrap

import libcst as cst

from repolens.lint import Example, Expected, Rule, Severity
from repolens.lint.bindings import BindingTracker, assigned_values
from repolens.lint.checkpoints import (MODULE_METHODS, callers_pass_saved, concatenation_matches,
                                      in_temporary_directory, path_keys, run_output_folder, template_matches,
                                      varying_name)
from repolens.lint.helpers import (add_keyword, argument, call_name, code_of, dotted, has_star_args, keyword_arg,
                                   literal, method_name, receiver)
from repolens.lint.options import file_options
from repolens.lint.words import name_tokens
from repolens.lint.trainfacts import says_resume
from repolens.lint.traverse import calls, calls_in, nodes, walk
from repolens.project import frameworks
from repolens.project.moduleinfo import SAME_OBJECT_METHODS

TORCH_LOAD = ("torch.load", "torch.serialization.load")
# torch.load's default became weights_only=True in this release.
SAFE_DEFAULT_SINCE = (2, 6)
# torch.load's weights_only keyword arrived in this release.
WEIGHTS_ONLY_SINCE = (1, 13)
# Words of a load's path or function that say the file comes from elsewhere even in a project that
# publishes no weights of its own (an ImageNet backbone, a teacher, weights to fine-tune from).
EXTERNAL_WORDS = frozenset({"pretrained", "pretrain", "teacher", "finetune", "backbone", "imagenet", "download",
                            "downloaded", "url", "hub", "official", "released", "vgg", "resnet", "inception"})
# Words of a script's path that name a maintainer's tool: converting someone's released weights into
# this project's format, or re-hashing the files it publishes.
MAINTAINER_WORDS = frozenset({"convert", "conversion", "converter", "publish"})
# Text that says a script takes input from its user on the command line.
COMMAND_LINE_NEEDLES = ("add_argument", "argparse", "sys.argv", "click.", "fire.Fire", "flags.DEFINE", "typer")
# Words of an object whose state only a run has: what `x.load_state_dict(torch.load(p))` restores.
RUN_STATE_WORDS = frozenset({"optimizer", "optim", "opt", "scheduler", "sched", "scaler", "criterion"})
# Words of a checkpoint key that holds a run's progress or its optimizer state, not weights
# (`ckpt["epoch"]`, `ckpt["optimizer"]`, `opt["n_total_iter"]`). Not "criterion": CPC's
# `cpcCriterion` is a learned module its released checkpoints carry.
RUN_KEY_WORDS = frozenset({"optimizer", "optim", "opt", "scheduler", "sched", "scaler", "amp", "epoch", "epochs",
                           "iter", "iters", "iteration", "iterations", "itrs", "step", "steps"})
# A key named for the best result so far is a metric (`best_acc1`, `best_metrics`) unless it names
# weights too (`state_dict_best`, `best_state`: the best epoch's model).
WEIGHT_KEY_WORDS = frozenset({"state", "dict", "model", "net", "weights", "params"})
# Conversions that only make sense for data: a loaded tensor turned into an array is a sample.
DATA_METHODS = frozenset({"numpy", "tolist"})
# Tensor reshapes and casts between a load and its conversion (`torch.load(p)[0].transpose(-1, -2).numpy()`).
VIEW_METHODS = frozenset({"transpose", "squeeze", "unsqueeze", "permute", "reshape", "view", "flatten", "contiguous",
                          "detach", "cpu", "float", "double", "half", "long", "int", "t"})


class UnsafeTorchLoad(BindingTracker, Rule):
    """
    ## What it does
    Flags `torch.load(...)` without `weights_only=True`. An explicit `weights_only=False` is
    reported, with its own message, only with `report_explicit_false = true` in
    `[tool.repolens.rules.RL501]`: writing it is how a project opts out of torch 2.6's safe default,
    because its checkpoints hold more than tensors (nnU-Net's carry NumPy values in their logs: 8
    judged findings, none worth a change; the fix is a new save format, not a keyword).

    When the project's torch version is 2.6 or newer, a missing keyword is fine (the default is
    already `True`) and nothing but an explicit `weights_only=False` (with the option above) is
    reported. The version is
    `target-version` in `[tool.repolens]` when set, else the lowest torch the project declares
    (requirements*.txt, pyproject, setup.py/cfg, environment.yml) or whose APIs it uses
    (`torch.accelerator` needs 2.6). A project that registers types with
    `torch.serialization.add_safe_globals` / `safe_globals` is written for weights-only loading
    and is treated the same way. With no version known the rule assumes an older torch.

    It stays silent when `weights_only` is a non-literal expression (the caller decides), when the
    call passes `*args` / `**kwargs` (the keyword may be in there: adding it would raise
    `TypeError: got multiple values`), when a `pickle_module` is passed (incompatible with
    `weights_only=True`), inside an `except TypeError:` handler (the usual fallback for old
    torch releases that do not know the keyword), and for an in-memory buffer made from a tensor
    (`torch.load(io.BytesIO(t.cpu().numpy()))`: objects broadcast between ranks of one job,
    not a file from elsewhere), and in a script that never imports `torch` (nor star-imports
    anything): the call raises NameError before it loads a file (DANet's `resnext.py`, 3 judged
    findings, none worth this change).

    The default finding is about weights that come from outside: released or pretrained
    checkpoints, downloads, a weights file the user passes in. It stays silent on a load of a file
    the project's own run wrote, which is no untrusted input (issue #8: 22 of 39 findings on the
    judged repositories were such loads, judged not worth a change):
    - a file some `torch.save` of the project writes under the same name: the same path
      expression (`args.save`, `args.checkpoint_dir / "checkpoint.pth"`, also through
      `with open(X, "rb") as f`), or the same file-name part of a joined path
      (`os.path.join(args.load_features, "trainfeat.pth")`) or of a name template
      (`"saved_models/%s/G_%d.pth" % (name, opt.epoch)`), or a literal file name that such a
      template produces (`torch.load("/home/me/save/models/encoder_forecaster_45000.pth")` where
      the training saves `"encoder_forecaster_{}.pth".format(itera)`: Precipitation-Nowcasting's
      benchmark and fine-tuning stages, six judged findings, none worth a change), or a load path
      built by `+` whose file name is such a name up to its placeholders (`exp_dir +
      '/models/audio_model.' + str(epoch) + '.pth'` where the training saves
      `"%s/models/audio_model.%d.pth" % (exp_dir, epoch)`: AST, three judged findings, none worth a
      change; `checkpoints.concatenation_matches`), also when a part is a template of its own after
      a folder variable (`args.outf + 'clean_data_%s_%s.pth' % (net, data)` where `ADV_Samples.py`
      saves `'%s/clean_data_%s_%s.pth' % (args.outf, net, data)`: the Mahalanobis detector, four
      judged findings, none worth a change). A bare name (`path`) matches only a save
      in the same function of the same file; a save of a name bound to a path in its function
      counts as a save of that path (`latest = osp.join(weights_to, "latest.pt")`, then
      `torch.save(checkpoint, latest)`); a load of a parameter or an `opt.<dest>` whose
      command-line option in the same file defaults to such a file (`--weights` with
      `default="weights/latest.pt"`, Towards-Realtime-MOT's test.py reading what train.py wrote:
      two judged findings, not worth a change) counts as a load of that file; so does a load of a
      name (or of an item of the list it names) that the file also hands to a `save_path=`-like
      keyword (`train_model.remote(..., save_path=paths[i])` then `torch.load(paths[cv_idx])`:
      Fast AutoAugment's search polling the folds it launched, 3 judged findings, none worth a
      change), and a load of a parameter of a module-level function that every call of it in
      the file fills with a name its own scope saves to (`load_from_path(r_path=w_enc_path)` in
      the `main()` that runs `torch.save(save_dict, w_enc_path)`: suncet's and msn's fine-tuning
      scripts resuming, 3 judged findings, none worth a change; also a name the caller binds only
      to such names or to files joined into a folder it saves into, `load_path =
      os.path.join(folder, r_file) if r_file is not None else latest_path`: suncet's pretraining
      resume, 2; also when the caller saves through a nested closure, `def save_checkpoint():
      torch.save(state, latest_path)` inside the `main()` that binds `latest_path`: msn's copy of
      it, 1; `checkpoints.callers_pass_saved`, `saved_files`; a function with no call in its file,
      or one call passing anything else, is reported). A name the scope hands to a project
      function or class that saves to that parameter counts as saved by the scope
      (`SentenceRE(model=model, ckpt=ckpt)`, whose `__init__` keeps `self.ckpt = ckpt` and whose
      training saves `torch.save(..., self.ckpt)`, then `torch.load(ckpt)`: OpenNRE's six
      examples, judged not worth a change; `train(model, opt, model_save_dir)` saving to its
      parameter, where `evaluate(model, opt, model_save_dir)` loads it: Pyraformer's, 2 per
      copy; callees resolved by the project model, `checkpoints.saving_parameters`,
      `handed_to_savers`);
    - a file under a temporary folder the enclosing function made (`with
      tempfile.TemporaryDirectory() as tmp`, `tempfile.mkdtemp()`), through names bound once, loop
      names and path-building calls (`glob.glob(os.path.join(tmp, "*.bin"))`, `for f in
      tqdm(files)`): FastChat's `apply_delta_low_cpu_mem` reloading the shards it split minutes
      before, 3 judged findings, none worth a change. Not when the function downloads or unpacks
      anything (`download`, `urlretrieve`, `requests.`, `load_url`, `unpack`, `extractall`,
      `tarfile`, `zipfile` in its code): a file fetched into a temporary folder, or extracted from
      the user's archive (NeMo's `restore_from` of a `.nemo` file), still comes from elsewhere
      (`checkpoints.in_temporary_directory`);
    - a file under a folder a training run writes and nobody downloads weights to, named as a literal
      at the start of the path (`logs/`, `log/`, `runs/`, `lightning_logs/`, `outputs/`, `output/`,
      `wandb/`: `torch.load('logs/logo/' + weight_file[-1])` in Yet-Another-EfficientDet's tutorial
      notebooks, reading what their own `train.py` cell just wrote: three judged findings, none worth
      a change). `weights/`, `checkpoints/` and `pretrained/` are where READMEs tell users to put
      downloads: not read this way (`repolens.lint.checkpoints.run_output_folder`);
    - a resume: the file (`resume.py`), the enclosing function (`restart_from_checkpoint`), an
      enclosing `if` test (`if args.resume:`; not its `else` branch) or the path says resume / restart
      / continue (`if args.auto_continue:`, pix2pix's `--continue_train`: ShuffleNet-Series, 7 not worth),
      or a snapshot (TransUNet's `torch.load(snapshot)`, pytorch-faster-rcnn's `from_snapshot`),
      unless the same name says pretrained, teacher, imagenet or download (`trainfacts.says_resume`;
      3 judged findings, none worth a change). Read too and withdrawn, each because held-out sets
      lost findings judged worth acting on: an option whose help says it resumes (MONAI's
      `--checkpoint` "start training from saved checkpoint", ninth session: 5 lost), a folder or
      epoch to start from (`opt.start_from`, `load_start_epoch`, tenth session: 1 lost) and a unit
      test's load (tenth session: 3 lost), a Replicate predictor's (a file that imports `cog`,
      whose `Predictor.setup()` loads the files its image is built with: three tuned findings
      judged not worth a change, but two held-out ones judged worth acting on, twelfth session);
      or the enclosing function is one the project calls only when resuming
      (`ProjectFacts.resume_only_callees`: Uformer's `load_optim(optimizer, path)` and
      `load_start_epoch(path)`, called under `if opt.resume:` and nowhere else: two judged findings,
      not worth a change; its `load_checkpoint`, which the test scripts also call on the released
      weights, is still reported);
    - the state of a run's optimizer, LR scheduler, grad scaler or loss
      (`optimizer.load_state_dict(torch.load(p))`, `center_criterion.load_state_dict(...)`): what a
      run resumes, never released weights (reid-strong-baseline's and self-critical's resume
      branches: five judged findings, none worth a change), and a load read only under keys of a
      run's progress or optimizer state and used no other way (`checkpoint = torch.load(weights)`,
      then only `checkpoint["epoch"]`, `checkpoint["optimizer"]`, `ckpt["best_acc1"]`; not a key that
      names weights too, `state_dict_best`, nor "criterion": CPC's `cpcCriterion` is a learned
      module): MPRNet's `load_start_epoch` / `load_optim` and deep_gcns_torch's
      `load_pretrained_optimizer`, seven tuned findings, none worth a change; one judged worth acting
      on is lost, Image-Super-Resolution-via-Iterative-Refinement's `_opt.pth`, which its authors
      ship beside the released weights;
    - a load unpacked into several names where the project saves a list/tuple bundle
      (`model, criterion, optimizer = torch.load(f)`), assigned to a name the code then uses as
      a module, or whose item the code uses as one (`model = torch.load(f)`, `model.eval()`;
      `ckpt["model"].float().state_dict()`, a YOLOv5 checkpoint read by FairMOT; also when another
      load of the same path in the function is: pytorch-retinanet's CPU branch feeds the pickled
      module it loads to `load_state_dict`), or whose result is read under a key
      under which the project's own checkpoints pickle an object: some `torch.save({...})` of the
      project stores the run's settings (`{"settings": opt, ...}`), a module (`{"model":
      deepcopy(model).half(), "epoch": e}`, YOLO-style) or a NumPy array (`dict(mean=mean, cov=cov)`
      with `mean = np.mean(features, 0)`: the FID statistics of EDVR's metric scripts, two judged
      findings, not worth a change), and here the load is read under that key
      (`ckpt["model"]`, `ckpt.get("model")`, `torch.load(w)["model"]`, `ckpt["ema" if ckpt.get("ema")
      else "model"]`). `weights_only=True` cannot load such a file, so the advice would break the
      project; RL502 reports the save, which is the fix that comes first. A name the saving scope
      binds to a dict (`config = {k: globals()[k] ...}`, `dict(...)`, `vars(args)`) holds plain values,
      not a settings object (llama2.c's `"config"`, which `weights_only=True` loads: its `sample.py`
      reading the downloaded stories15M.pt is reported since the fifteenth session). Read too and
      withdrawn (fifteenth session): a load read only under other keys of such a saved dict
      (`ckpt["ema"]` where the training saves `{"model", "ema", "opt", "args": args}`) taken for the
      same object-pickling format; it silenced three tuned findings, none worth a change (DiT's
      `download.py`, BLIP's and ALBEF's `--checkpoint`), but a held-out set lost six findings judged
      worth acting on. Another load of the same
      path expression in the same function counts too (`run_id = torch.load(w).get("wandb_id")`
      above `ckpt = torch.load(w)` ... `ckpt["model"]`). On yolov7 this silenced 12 of 13 judged
      findings, none worth acting on (the 13th, `utils/aws/resume.py`, reads only `optimizer`);
    - a Lightning checkpoint read under its keys (`torch.load(ckpt)["state_dict"]`,
      `pl_sd["global_step"]`) in a project that pins pytorch-lightning below 1.5 (latent-diffusion:
      `pytorch-lightning==1.4.2`): those releases key the callbacks' state by the callback class, a
      pickled class `weights_only=True` refuses, so the released checkpoints cannot be loaded
      that way (9 judged findings on latent-diffusion, none worth acting on);
    - a load in a function that runs only when an optional argument is given that nothing in the
      project gives (`ProjectFacts.never_given_callees`, `repolens.lint.optionalargs`):
      latent-diffusion's `init_from_ckpt(path)`, called by `__init__` only under
      `if ckpt_path is not None:`, in a project whose code and configs never pass `ckpt_path`
      (ControlNet: two tuned findings, both judged not worth acting on). Any keyword, dict key,
      option (`opt.ckpt_path`) or config key of that name, or a construction with enough
      positional arguments to reach it, counts as given, and so does a command-line option
      (`--ckpt-path`, which `**vars(args)` may pass on). One level only, and by the function's
      name: stable-dreamfusion's copy also calls `init_from_ckpt` from
      `load_classifier(self, ckpt_path, pool)`, whose argument is required, so its four such
      loads (judged not worth it) still fire. Read too and withdrawn (twenty-ninth session): a load
      in the body of an `if` that tests such a parameter of its own function, with any false
      default (`if os.path.isfile(pretrained):` in `init_weights(self, pretrained='')`, `if
      pretrained:` in `DeeplabVGG(..., pretrained=False)`), where the project calls that function
      and nothing gives the parameter, taken for dead code: it silenced HRNet's classifier and
      AdaptSegNet's loads (two judged not worth in the thirty-sixth set) and nothing tuned, even
      kept to functions a package does not publish (BasicSR's and EDVR's `SPyNetTOF(load_path=None)`,
      three judged worth acting on, were lost otherwise), but a held-out set lost a finding judged
      worth acting on;
    - data, not weights: a load inside a Dataset class, or converted to an array right away
      (`torch.load(p).numpy()`, also through indexing, reshapes and casts:
      `torch.load(p)[0].transpose(-1, -2).numpy()`, so-vits-svc's precomputed HuBERT features, two
      findings judged not worth acting on in the twenty-fifth set), or bound to a name for a data
      loader (`trainloader = torch.load(args.trainloader)`: loss-landscape reloads the DataLoader
      its `main.py` pickled with random labels; four such loads judged not worth acting on in the
      thirty-sixth set: a DataLoader is an object `weights_only=True` refuses, and data);
    - a checkpoint conversion: the load's function (or script) also `torch.save`s and builds, loads
      into or trains no model (`scripts/separate_state_dict.py` stripping `_orig_mod.` from a
      training checkpoint's keys, 3D-ResNets' `remove_dataparallel.py`): three judged findings, none
      worth acting on;
    - a maintainer's conversion or publishing script: a file whose path says convert / conversion /
      publish and that reads no command line (no argparse, `sys.argv`, click, fire, absl flags),
      so every path it loads is written in the code (EDVR's `scripts/model_conversion/convert_*.py`
      turning the original ESRGAN, DUF, DFDNet and StyleGAN2 weights into its own format, and
      `scripts/publish_models.py` re-hashing the released files: five judged findings, none worth a
      change: run once, by the maintainers, on files they chose). A conversion script that takes
      its input path from the command line is a tool users run on downloads: still reported;
    - any load in a project that publishes no weights (`ProjectModel.publishes_weights`: no README,
      model-zoo page or shell script under it links a weights file or a file host on a line about
      weights, and its code downloads none): the files it loads are the checkpoints its own runs
      wrote (`test.py --weights` reading what `train.py` saved), unless the path or the function
      says the file comes from elsewhere (`--pretrained`, `teacher`, `backbone`, `imagenet`,
      `download`). Judged on the tuned repositories (pytorch-cifar100, the GAN collections),
      such loads were not worth a change. A path named for the dataset is the project's own
      even under such a word: a released backbone's file does not vary with the dataset the
      project trains on (awesome-semantic-segmentation-pytorch's factories, `if pretrained:
      torch.load(get_model_file('psp_%s_%s' % (backbone, acronyms[dataset])))`, load the models
      its train.py saved: 21 judged findings, none worth a change; its ImageNet backbones,
      `get_model_file('xception')`, are still reported). A user who feeds such a project someone else's
      checkpoint is not seen. A document speaks for its own folder
      (`ProjectModel.publishes_weights_for`): the README of a baseline shipped in a sub-folder
      (LTSF-Linear's and PatchTST's `Pyraformer/`) or of a nested project with its own requirements
      says nothing of the files beside it (15 judged findings on the projects' own early-stopping
      checkpoints, none worth a change); a folder without Python code (`docs/`) speaks for its parent.
    Set `include_project_files = true` in `[tool.repolens.rules.RL501]` to report these loads as
    well (there is no per-finding tier: the option is how to reach them).
    Nor is a load reported in a function or class of a helper module that nothing in the project
    names (`repolens.lint.deadcode`: not another file, a string, a config, a script or a README):
    no run performs it (MPRNet's three `load_checkpoint_multigpu`, Uformer's, pytorch-ssd's
    `load_checkpoint`, MONAI's `load_pretrained`: six judged findings, none worth a change), nor
    in a branch no run takes (`deadcode.never_taken`): `if False:`, or `if name:` where the function
    only ever assigns `name` a false constant (YOLO detectors' `classify = False` above `if classify:
    modelc.load_state_dict(torch.load('weights/resnet101.pt')...)`; DANet's `resnet101()`, whose
    first line sets `pretrained = False`: two judged findings, not worth a change), or behind an
    import of an internal storage client no public index has (`from pavi import modelcloud`,
    `petrel_client`: the `pavi://` branches of the OpenMMLab checkpoint code ControlNet and Vim
    vendor, five judged findings, none worth a change; the same function's local-file branch is
    still reported).

    What it cannot see: a project's own checkpoint loaded under a name no `torch.save` of the
    project writes (a conversion tool's `args.inputs_model_path`, a loader helper whose caller
    passes the training checkpoint, a save through a wrapper such as `save_on_master(*args)`, a
    save path built by concatenation with a fixed name, `path + '/' + 'checkpoint.pth'`, as
    LTSF-Linear's early stopping writes it) still fires; and a released checkpoint that the project
    loads from the path its training writes to is silenced. Reading every concatenated save path,
    and every load's path through the name it is bound to, was tried in the seventh session and
    withdrawn: held-out sets lost findings judged worth acting on (a load's own concatenation is
    read since the eleventh). Since the sixteenth, a concatenated name that varies with the run
    and has a word of its own is read on both sides (`args.model + '_baseline_epoch_' +
    str(epoch) + '.pt'`, saved by outlier-exposure's `baseline.py`, `checkpoints.concatenated_name`),
    also when the load reads a name the function binds to such a path (`model_name =
    os.path.join(args.load, ...)`, then `torch.load(model_name)`: 12 judged findings on the
    snapshots its `oe_tune.py` and `baseline.py` reload, none worth a change). Since the
    twenty-seventh session the name may be bound several times, each binding to such a path
    (ss-ood's `train_glc.py` binds `model_name` before each of its two restores: 4 judged, none
    worth), and the varying name may be a template, `'gen_{}.pth'.format(epoch)`, `"G_%d.pth" %
    epoch`, f-strings (`checkpoints.varying_name`: STTN's trainer resuming its own per-epoch
    snapshots, 3 judged, none worth); a step number with extensions (`"{}.pth.tar".format(step)`)
    is no word of its own. Measured at once on every judged set: 7 read findings and 4 held-out
    ones silenced, all not worth a change, against 2 judged worth acting on lost (DG-Net's
    `reid_eval` reading released weights its README puts where training writes
    `id_%08d.pt`, and one held out). Reading a name
    bound once to the very path expression a save writes (`model_state_file =
    os.path.join(final_output_dir, 'final_state.pth')` in HRNet's `test.py`, the expression its
    `train.py` saves through) was tried in the seventeenth session and withdrawn: it silenced two
    tuned findings not worth a change, and one held-out finding judged worth acting on.

    ## Why is this bad?
    `torch.load` unpickles: a checkpoint can carry code that runs on load. A checkpoint downloaded
    from a model hub or a shared drive is untrusted input. `weights_only=True` restricts
    unpickling to tensors, primitive containers and allow-listed types.

    ## Example
    ```python
    state = torch.load("model.pt", map_location="cpu")
    ```

    ## Use instead
    ```python
    state = torch.load("model.pt", map_location="cpu", weights_only=True)
    ```

    On a project that pins torch below 1.13 (`torch==1.4.0`, `torch<1.10`), which has no
    `weights_only` keyword at all, the finding says so and offers no fix: the keyword would raise
    `TypeError` there, so the safe load starts with an upgrade (judges still found such findings
    worth acting on: a released checkpoint is untrusted input whatever the torch).

    The fix adds `weights_only=True` and is **unsafe** (applied with `--unsafe-fixes` only): a
    checkpoint that pickles whole modules, optimizers or custom classes (an `argparse.Namespace`
    of training arguments is common) no longer loads until those types are allow-listed with
    `torch.serialization.add_safe_globals`. An explicit `weights_only=False` is never rewritten.
    """

    code = "RL501"
    name = "unsafe-torch-load"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'loading a pickle executes code: a security bug with a one-keyword fix'
    source = ("PyTorch docs, torch.load: 'weights_only=False ... can result in arbitrary code execution'; "
              "TorchFix TOR102")
    message = "torch.load without weights_only=True unpickles arbitrary objects: a malicious checkpoint runs code on load"
    needles = ("load(",)
    fix_safety = "unsafe"
    valid = (
        Example("import torch\nsd = torch.load('m.pt', weights_only=True)\n"),
        Example("import torch\ndef load(path, **kw):\n    return torch.load(path, **kw)\n"),
        Example("import torch as t\nsd = t.load('m.pt', weights_only=args.safe)\n"),
        Example("import torch\nimport dill\nsd = torch.load('m.pt', pickle_module=dill)\n"),
        Example("import torch\ntry:\n    sd = torch.load(p, weights_only=True)\n"
                "except TypeError:  # torch < 1.13\n    sd = torch.load(p)\n"),
        Example("import io\nimport torch\ndef recv(t):\n    buf = io.BytesIO(t.cpu().byte().numpy())\n"
                "    return torch.load(buf)\n"),
        # An explicit opt-out (nnU-Net's checkpoints hold NumPy values): the author's decision, by default.
        Example("import torch\ncheckpoint = torch.load(path, map_location='cpu', weights_only=False)\n"),
        # torch >= 2.6: the default is already safe.
        Example("import torch\nsd = torch.load('m.pt')\n", options={"target_version": "2.6"}),
        # Another library's load.
        Example("import numpy as np\nx = np.load('a.npy')\n"),
    )
    invalid = (
        Example("import torch\nsd = torch.load('m.pt', map_location='cpu')\n",
                fixed="import torch\nsd = torch.load('m.pt', map_location='cpu', weights_only=True)\n"),
        Example("from torch import load\nsd = load(\n    path,\n    map_location=dev,\n)\n",
                fixed="from torch import load\nsd = load(\n    path,\n    map_location=dev,\n    weights_only=True,\n)\n"),
        Example("import torch as t\nsd = t.load('m.pt', weights_only=False)\n", options={"report_explicit_false": True},
                expect=[Expected(2, r"^torch\.load\(weights_only=False\).*\(no fix offered\)$", regex=True)]),
        # A suppressed call is neither reported nor fixed (the per-file pipeline's suppressions).
        Example("import torch\nold = torch.load('old.pt')  # repolens: ignore[RL501]\nsd = torch.load('m.pt')\n",
                fixed="import torch\nold = torch.load('old.pt')  # repolens: ignore[RL501]\n"
                "sd = torch.load('m.pt', weights_only=True)\n",
                expect=[(3, "torch.load without weights_only=True")]),
        Example("import torch\nsd = torch.load('m.pt', weights_only=False)\n",
                options={"target_version": "2.6", "report_explicit_false": True}),
    )
    options = {"target_version": None, "include_project_files": False, "report_explicit_false": False}
    quiet_in_dead_code = True

    def __init__(self, context, options=None) -> None:
        super().__init__(context, options)
        self._subscripted: dict[int, frozenset[str]] = {}  # id(call) -> literal keys it is subscripted with
        self._type_error_handlers = 0
        self._ensure_tracker()  # function_stack / class_stack even in a file with no assignment
        self._opened: list[dict[str, cst.BaseExpression]] = []  # `with open(X) as f` blocks: f -> X
        self._conditions: list[str] = []  # test of each enclosing `if` ("" in its else branch)
        self._orelse: set[int] = set()
        self._targets: dict[int, cst.BaseExpression] = {}  # id(assigned value) -> its target
        self._data: set[int] = set()  # loads whose result is converted to an array (`torch.load(p).numpy()`)
        self._load_state_dict_of: dict[int, cst.Call] = {}  # id(load) -> the `x.load_state_dict(load)` it feeds
        self._tree: ast.Module | None = None  # the file as `ast`, for `callers_pass_saved`

    # -- where the load sits -------------------------------------------------------------------
    def visit_With(self, node: cst.With) -> None:
        opened = {}
        for item in node.items:
            value = item.item
            if item.asname is not None and isinstance(item.asname.name, cst.Name) and isinstance(value, cst.Call) \
                    and call_name(value) == "open" and value.args:
                opened[item.asname.name.value] = value.args[0].value
        self._opened.append(opened)

    def leave_With(self, original_node: cst.With) -> None:
        self._opened.pop()

    def visit_If(self, node: cst.If) -> None:
        if id(node) in self._orelse:  # an `elif`: the outer test is false here
            self._conditions[-1] = ""
        self._conditions.append(code_of(node.test))
        if node.orelse is not None:
            self._orelse.add(id(node.orelse))

    def leave_If(self, original_node: cst.If) -> None:
        self._conditions.pop()

    def visit_Else(self, node: cst.Else) -> None:
        if id(node) in self._orelse:
            self._conditions[-1] = ""

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        if len(node.targets) == 1:
            self._targets[id(node.value)] = node.targets[0].target
            if isinstance(node.value, cst.IfExp):  # `m = torch.load(p) if isinstance(p, str) else p`
                self._targets[id(node.value.body)] = self._targets[id(node.value.orelse)] = node.targets[0].target

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if isinstance(node.value, cst.Call):  # `torch.load(f)["model"]`: the keys read off the load itself
            self._subscripted[id(node.value)] = _subscript_keys(node)

    # -- is it the project's own file? ---------------------------------------------------------
    def _scope_name(self) -> str:
        return f"{self.context.path}:{'.'.join(self.function_stack)}"

    def _path_expr(self, path: cst.BaseExpression) -> ast.expr | None:
        opened = {name: value for frame in self._opened for name, value in frame.items()}
        if isinstance(path, cst.Name) and path.value in opened:
            path = opened[path.value]
        try:
            return ast.parse(f"({code_of(path)})", mode="eval").body
        except SyntaxError:
            return None

    def _bound_paths(self, path: cst.BaseExpression | None) -> list[ast.expr]:
        """`model_name = os.path.join(args.load, args.model + '_epoch_' + str(i) + '.pt')` then
        `torch.load(model_name)`: the paths a bare name is bound to in the enclosing function, when
        every binding is known and names a file by the project's own varying scheme
        (`checkpoints.varying_name`: a `+`-built name or a template with a placeholder and a word of
        its own; outlier-exposure reloading the per-epoch snapshots its scripts save, 20 judged
        findings, none worth a change; STTN's `gen_path = os.path.join(model_path,
        'gen_{}.pth'.format(epoch))`, 3; ss-ood binding `model_name` once before each of two loads,
        4). Else []. Only such names are followed: reading any bound path was tried in the seventh
        session and withdrawn."""
        scope = self._scope()
        if not isinstance(path, cst.Name) or scope is None:
            return []
        values = assigned_values(scope, path.value)
        out: list[ast.expr] = []
        for value in values:
            if value is None:
                return []
            try:
                expr = ast.parse(f"({code_of(value)})", mode="eval").body
            except SyntaxError:
                return []
            last = expr.args[-1] if isinstance(expr, ast.Call) and expr.args and not expr.keywords else expr
            if varying_name(last) is None:
                return []
            out.append(expr)
        return out

    def _temporary(self, path: cst.BaseExpression) -> bool:
        """A path under a temporary folder the enclosing function made (`checkpoints.in_temporary_directory`)."""
        scope = self._scope()
        if not isinstance(scope, cst.FunctionDef) or "mkdtemp" not in self.context.source \
                and "TemporaryDirectory" not in self.context.source:
            return False
        try:
            function = ast.parse(textwrap.dedent(code_of(scope))).body[0]
            expr = ast.parse(f"({code_of(path)})", mode="eval").body
        except SyntaxError:
            return False
        return isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and in_temporary_directory(function, expr)

    def _callers_save(self, path: cst.BaseExpression) -> bool:
        """`torch.load(r_path)` in a module-level `def load_from_path(r_path, ...)` that never
        rebinds it, where every call of the function in this file passes a name its own scope
        hands to `torch.save` (`checkpoints.callers_pass_saved`: suncet's and msn's fine-tuning
        scripts resuming from the `w_enc_path` they save to)."""
        scope = self._scope()
        if not isinstance(path, cst.Name) or len(self.function_stack) != 1 or self.class_stack \
                or not isinstance(scope, cst.FunctionDef) or len(assigned_values(scope, path.value)) != 1:
            return False
        params = scope.params
        positional = [*params.posonly_params, *params.params]
        index = next((i for i, p in enumerate(positional) if p.name.value == path.value), None)
        if index is None and not any(p.name.value == path.value for p in params.kwonly_params):
            return False
        if self._tree is None:  # parsed once per file, only for loads of a parameter
            try:
                self._tree = ast.parse(self.context.source)
            except SyntaxError:
                self._tree = ast.Module(body=[], type_ignores=[])
        return callers_pass_saved(self._tree, self.context.path, scope.name.value, path.value, index,
                                  self.facts.saved_files)

    def _handed_to_save(self, path: cst.BaseExpression) -> bool:
        """`torch.load(paths[i])` in a file that calls `train_model.remote(..., save_path=paths[i])`:
        the name (or the list it indexes) is where a training function of the project writes its
        checkpoint (Fast AutoAugment's search polls the folds it launched: 3 judged findings, none
        worth a change)."""
        base = path.value if isinstance(path, cst.Subscript) else path
        if not isinstance(base, cst.Name) or self.context.module is None:
            return False
        for call in calls(self.context.module):
            for arg in call.args:
                value = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
                if arg.keyword is not None and "save" in arg.keyword.value.lower() \
                        and isinstance(value, cst.Name) and value.value == base.value:
                    return True
        return False

    def _option_default_keys(self, path: cst.BaseExpression) -> frozenset[str]:
        """`torch.load(weights)` in `def test(cfg, weights)` or `torch.load(opt.weights)`, where this
        file declares `--weights` with `default="weights/latest.pt"`: the keys of that default."""
        dest = path.value if isinstance(path, cst.Name) else path.attr.value if isinstance(path, cst.Attribute) else None
        option = file_options(self).get(dest) if dest else None
        default = option.default if option is not None else None
        return path_keys(default, self._scope_name()) if default is not None else frozenset()

    def _scope(self) -> cst.CSTNode | None:
        return self.current_scope(self.context.module)

    def _module_use(self, name: str) -> bool:
        """Does the scope call a module-only method on `name` or an item of it (`model = torch.load(f)`;
        `model.eval()`, or `ckpt = torch.load(f)`; `ckpt["model"].float().state_dict()`: a YOLOv5
        checkpoint, which `weights_only=True` cannot read)?"""
        scope = self._scope()
        return scope is not None and any(method_name(c) in MODULE_METHODS and dotted(_item_base(receiver(c))) == name
                                         for c in calls(scope))

    def _module_elsewhere(self, node: cst.Call, path: cst.BaseExpression) -> bool:
        """Another load of the same path expression in this scope is bound to a name used as a
        module (`retinanet = torch.load(parser.model_path)` ... `retinanet.eval()`): the file is a
        pickled module, whatever this load then does with it."""
        scope = self._scope()
        if scope is None:
            return False
        written = code_of(path)
        for stmt in walk(scope):
            if not (isinstance(stmt, cst.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, cst.Call)):
                continue
            c, target = stmt.value, stmt.targets[0].target
            other = argument(c, "f", 0) if c is not node and self.is_name(c.func, *TORCH_LOAD) else None
            if other is not None and code_of(other.value) == written and isinstance(target, cst.Name) \
                    and self._module_use(target.value):
                return True
        return False

    def _converts_checkpoint(self, node: cst.Call) -> bool:
        """The scope rewrites the loaded checkpoint: what it `torch.save`s is derived from what it
        loaded (through assignments and loops), and it builds, loads into or trains no model
        (`separate_state_dict.py`: strip `_orig_mod.` / `module.` from the keys, save again)."""
        scope = self._scope()
        if scope is None:
            return False
        found = list(calls(scope))
        saves = [c for c in found if self.is_name(c.func, "torch.save")]
        if not saves or any(method_name(c) in ("load_state_dict", "backward", "step", "eval", "to", "cuda")
                            or _builds_object(c) for c in found):
            return False
        flows = []  # (names bound, expression they are bound from)
        for n in nodes(scope):
            if isinstance(n, cst.Assign):
                flows += [(t.target, n.value) for t in n.targets]
            elif isinstance(n, (cst.AugAssign, cst.AnnAssign)) and n.value is not None:
                flows.append((n.target, n.value))
            elif isinstance(n, cst.For):
                flows.append((n.target, n.iter))
        derived: set[str] = set()
        for _ in range(4):  # a fixpoint over a few steps: load -> dict -> loop -> new dict
            before = len(derived)
            for target, value in flows:
                if any(v is node for v in nodes(value)) or _names(value) & derived:
                    derived |= _names(target, bases_only=True)
            if len(derived) == before:
                break
        return any((obj := argument(c, "obj", 0)) is not None and _names(obj.value) & derived for c in saves)

    def _keys_read(self, node: cst.Call) -> frozenset[str]:
        """The literal keys the load's result is read under: `torch.load(f)["model"]`, or through the
        name it is assigned to, in its scope (`ckpt["model"]`, `ckpt.get("ema")`,
        `ckpt["ema" if ckpt.get("ema") else "model"]`)."""
        return self._reads(node)[0]

    def _reads(self, node: cst.Call) -> tuple[frozenset[str], bool | None]:
        """(`_keys_read`, whether the name the load is bound to is only ever read under keys:
        `_name_reads`; None when the load is bound to no plain name in a scope)."""
        keys = self._subscripted.get(id(node), frozenset())
        scope = self._scope()
        if scope is None:
            return keys, None
        target = self._targets.get(id(node))
        if target is None:  # a load further down the scope, not visited yet
            target = next((a.targets[0].target for a in nodes(scope) if isinstance(a, cst.Assign)
                           and len(a.targets) == 1 and a.value is node), None)
        if not isinstance(target, cst.Name):
            return keys, None
        read, only_keyed = self._name_reads(scope, target)
        return keys | read, only_keyed

    def _name_reads(self, scope: cst.CSTNode, target: cst.Name) -> tuple[frozenset[str], bool]:
        """The literal keys the name a load is bound to is read under in `scope` (`ckpt["model"]`,
        `ckpt.get("ema")`, `ckpt["ema" if c else "model"]`), and whether every use of the name is
        such a read, a `.keys()` or a membership test (`"optimizer" in ckpt`): never handed on whole.
        Nodes are told apart by id: libcst nodes compare equal by value."""
        name = target.value
        keys: set[str] = set()
        uses: set[int] = set()
        covered: set[int] = set()
        attrs: set[int] = set()  # `self.opt` is no `opt`
        for n in nodes(scope):
            if isinstance(n, cst.Attribute):
                attrs.add(id(n.attr))
            elif isinstance(n, cst.Name) and n.value == name and n is not target:
                uses.add(id(n))
            elif isinstance(n, cst.Subscript) and dotted(n.value) == name:
                found = _subscript_keys(n)
                keys |= found
                if found:
                    covered.add(id(n.value))
            elif isinstance(n, cst.Call) and dotted(receiver(n)) == name:
                key = literal(n.args[0].value) if method_name(n) == "get" and n.args else None
                if isinstance(key, str):
                    keys.add(key)
                    covered.add(id(receiver(n)))
                elif method_name(n) == "keys" and not n.args:
                    covered.add(id(receiver(n)))
            elif isinstance(n, cst.Comparison) and isinstance(n.comparisons[0].operator, (cst.In, cst.NotIn)) \
                    and isinstance(literal(n.left), str) and dotted(n.comparisons[0].comparator) == name:
                covered.add(id(n.comparisons[0].comparator))  # `if "optimizer" in checkpoint:`
        uses -= attrs
        return frozenset(keys), bool(uses) and uses <= covered

    def _reads_only_run_state(self, node: cst.Call) -> bool:
        """Is the load's result read only under keys of a run's progress and optimizer state
        (`checkpoint = torch.load(weights)`, then `checkpoint["epoch"]` and nothing else), never
        under a key that holds weights nor handed on whole? Then the file is read to resume a run:
        MPRNet's `load_start_epoch` and `load_optim`, deep_gcns_torch's
        `load_pretrained_optimizer` (seven judged findings, none worth a change)."""
        keys, only_keyed = self._reads(node)
        if only_keyed is False:
            return False  # handed on whole, or read under a key not written in the code
        if only_keyed is None and id(node) not in self._subscripted:
            return False
        return bool(keys) and all(_run_state_key(k) for k in keys)

    def _object_format(self, node: cst.Call) -> bool:
        """Is this load, or another load of the same path expression in the same scope, read under
        a key where the project's checkpoints pickle an object? (`run_id = torch.load(w).get("wandb_id")`
        two lines above `ckpt = torch.load(w)` ... `ckpt["model"]`: the same file.)"""
        keys = self.facts.object_checkpoint_keys
        if self._keys_read(node) & keys:
            return True
        path = argument(node, "f", 0)
        scope = self._scope()
        if path is None or scope is None:
            return False
        written = code_of(path.value)
        return any(c is not node and self.is_name(c.func, *TORCH_LOAD) and (a := argument(c, "f", 0)) is not None
                   and code_of(a.value) == written and self._keys_read(c) & keys for c in calls(scope))

    def _restores_run_state(self, node: cst.Call) -> bool:
        """`optimizer.load_state_dict(torch.load(p))`, `scheduler.load_state_dict(...)`,
        `center_criterion.load_state_dict(...)`: the load feeds the state of a training run's
        optimizer, LR scheduler, grad scaler or loss (reid-strong-baseline's and self-critical's
        resume branches: five judged findings, none worth a change)."""
        outer = self._load_state_dict_of.get(id(node))
        if outer is None:
            return False
        tokens = set(name_tokens((dotted(receiver(outer)) or "").rsplit(".", 1)[-1]))
        return bool(tokens & RUN_STATE_WORDS)

    def _maintainer_script(self) -> bool:
        """A conversion or publishing script that takes nothing from its user: its path says so
        (`scripts/model_conversion/convert_models.py`, `publish_models.py`) and it reads no
        command line, so every file it loads is one its maintainers named in the code."""
        words = set(name_tokens(self.context.path.replace("/", "_").rsplit(".", 1)[0]))
        source = self.context.source
        return bool(words & MAINTAINER_WORDS) and not any(n in source for n in COMMAND_LINE_NEEDLES)

    def _project_file(self, node: cst.Call, path: cst.BaseExpression | None) -> str | None:
        """Why this load reads a file the project wrote itself (or data, not weights), else None."""
        stem = self.context.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]  # a resume script: `utils/aws/resume.py`
        names = [name_tokens(text) for text in (stem, *self.function_stack, *self._conditions,
                                                  code_of(path) if path is not None else "")]
        words = {w for tokens in names for w in tokens}
        if any(says_resume(tokens) for tokens in names):
            return "resumes a run"
        if self.function_stack and self.function_stack[-1] in self.facts.resume_only_callees:
            return "its function is called only when resuming a run"
        expr = self._path_expr(path) if path is not None else None  # parsed once for the three readings
        keys = path_keys(expr, self._scope_name()) if expr is not None else frozenset()
        saved = self.facts.saved_files
        if keys & saved or template_matches(saved, keys) or concatenation_matches(saved, expr):
            return "a file this project saves"
        folder = run_output_folder(expr)
        if folder is not None:
            return f"a file under `{folder}/`, a folder a training run writes (no one downloads weights there)"
        bound = self._bound_paths(path)
        if bound and all(path_keys(b, self._scope_name()) & saved or concatenation_matches(saved, b) for b in bound):
            return "a file this project saves (under the name the path is bound to)"
        if path is not None and self._temporary(path):
            return "a file under a temporary folder this function made: this run wrote it"
        if path is not None and self._callers_save(path):
            return "a file this project saves (every call of its function passes a path the caller saves to)"
        if path is not None and self._handed_to_save(path):
            return "a file this project's run writes (the same path is handed to a save_path= argument)"
        if path is not None and self._option_default_keys(path) & self.facts.saved_files:
            return "by default a file this project saves (the command-line option's default)"
        if self._restores_run_state(node):
            return "the state of an optimizer, scheduler or loss: what a run resumes, never released weights"
        if self._reads_only_run_state(node):
            return "read only for a run's progress and optimizer state (epoch, optimizer): what a run resumes"
        target = self._targets.get(id(node))
        if isinstance(target, (cst.Tuple, cst.List)) and self.facts.saves_bundles:
            return "a bundle of objects this project saves"
        if isinstance(target, cst.Name) and self._module_use(target.value):
            return "a pickled module"
        if path is not None and self._module_elsewhere(node, path):
            return "a pickled module (another load of the same path uses it as one)"
        if self.facts.object_checkpoint_keys and self._object_format(node):
            return "the project's checkpoint format, which pickles objects (settings, modules)"
        if self.facts.model.lightning_class_keyed_checkpoints.value and self._keys_read(node) & LIGHTNING_KEYS:
            return "a Lightning < 1.5 checkpoint, which pickles the callback classes"
        if id(node) in self._data or any(self.class_kind(c) in (frameworks.DATASET, frameworks.ITERABLE_DATASET)
                                         for c in self.class_stack):
            return "data, not weights"
        if isinstance(target, cst.Name) and any(t.endswith("loader") for t in name_tokens(target.value)) \
                and not set(name_tokens(target.value)) & WEIGHT_KEY_WORDS:
            return "a pickled data loader: data, and an object weights_only=True cannot load"
        if self._converts_checkpoint(node):
            return "a checkpoint conversion: it rewrites a file the user already trains with"
        if self._maintainer_script():
            return "a maintainer's conversion or publishing script: fixed paths, run once on files they chose"

        published = self.facts.model.publishes_weights_for(self.context.path)
        if published is not None and not published.value:
            if not words & EXTERNAL_WORDS:
                return "the project publishes no weights: it loads what its own runs wrote"
            if "dataset" in names[-1]:  # the path's own words
                # a released backbone's file does not vary with the dataset the project trains on:
                # `get_model_file('psp_%s_%s' % (backbone, acronyms[dataset]))` is a model trained on it
                return "the project publishes no weights, and the file is named for the dataset it trained on"
        return None

    def _target(self) -> tuple[int, ...] | None:
        configured = self.settings.get("target_version")
        if configured:
            return tuple(int(p) for p in str(configured).split(".")[:2] if p.isdigit())
        return self.context.target_version

    def _unbound_torch(self, node: cst.Call) -> bool:
        """`torch.load(...)` in a script that never imports `torch` nor star-imports anything
        (DANet's `resnext.py` and `xception.py`: 3 judged findings, not worth a change: the line
        fails with a NameError). A notebook's earlier cells may import it: not asked there."""
        head = (dotted(node.func) or "").partition(".")[0]
        aliases = self.context.aliases
        return head == "torch" and not aliases.is_bound(head) and not aliases.star_modules \
            and not self.context.path.endswith(".ipynb")

    def _tensor_buffer(self, node: cst.Call) -> bool:
        """`torch.load(buf)` where `buf = io.BytesIO(<tensor>.numpy())`: a process-internal payload."""
        arg = argument(node, "f", 0)
        if arg is None:
            return False
        value = arg.value
        key = dotted(value)
        if key and key in self.assigned:
            value = self.assigned[key]
        if not (isinstance(value, cst.Call) and call_name(value) == "BytesIO"):
            return False
        return any(call_name(c) in ("numpy", "cpu", "tobytes") for c in calls_in(value) if c is not value)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is not None and "TypeError" in code_of(node.type):
            self._type_error_handlers += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        if original_node.type is not None and "TypeError" in code_of(original_node.type):
            self._type_error_handlers -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if method_name(node) == "load_state_dict" and node.args and isinstance(node.args[0].value, cst.Call):
            self._load_state_dict_of[id(node.args[0].value)] = node
        if method_name(node) in DATA_METHODS:
            source = receiver(node)
            while True:  # through indexing, reshapes and casts to the call whose result is converted
                if isinstance(source, cst.Subscript):
                    source = source.value
                elif isinstance(source, cst.Call) and method_name(source) in VIEW_METHODS:
                    source = receiver(source)
                else:
                    break
            if isinstance(source, cst.Call):
                self._data.add(id(source))
        if method_name(node) == "get" and isinstance(receiver(node), cst.Call) and node.args:
            key = literal(node.args[0].value)  # `torch.load(f).get("wandb_id")`
            if isinstance(key, str):
                self._subscripted[id(receiver(node))] = frozenset({key})
        if not self.is_name(node.func, *TORCH_LOAD) or has_star_args(node):
            return
        if self._unbound_torch(node):
            return  # `torch` is imported nowhere in the file: the call raises NameError before it loads anything
        arg = keyword_arg(node, "weights_only")
        if arg is not None:
            if literal(arg.value) is False and self.settings.get("report_explicit_false"):
                self.report(arg, "torch.load(weights_only=False) unpickles arbitrary objects: "
                                 "only load checkpoints you trust (no fix offered)")
            return
        target = self._target()
        if target is not None and target >= SAFE_DEFAULT_SINCE:
            return
        if self.facts.model.registers_safe_globals.value:
            return  # the project allow-lists types for weights_only loading: it is written for torch >= 2.6
        if argument(node, "pickle_module", 2) is not None or self._type_error_handlers:
            return
        if self._tensor_buffer(node):
            return
        if self.function_stack and self.function_stack[-1] in self.facts.never_given_callees:
            return  # its function runs only with an argument nothing in the project gives (`optionalargs`)
        if not self.settings.get("include_project_files"):
            path = argument(node, "f", 0)
            if self._project_file(node, path.value if path is not None else None):
                return
        old_torch = self.facts.model.pins_torch_below(WEIGHTS_ONLY_SINCE)
        if old_torch.value:  # the keyword would raise TypeError on the torch the project pins
            self.report(node, f"{self.message}; the project pins torch below 1.13 ({old_torch.evidence[0]}), "
                              "which has no weights_only: upgrade torch, then pass weights_only=True (no fix offered)")
            return
        self.report(node, replacement=add_keyword(node, "weights_only", "True"))


# Keys of a Lightning checkpoint file (`trainer.save_checkpoint`, ModelCheckpoint).
LIGHTNING_KEYS = frozenset({"state_dict", "global_step", "epoch", "callbacks", "optimizer_states", "lr_schedulers",
                            "hyper_parameters", "pytorch-lightning_version"})


def _run_state_key(key: str) -> bool:
    """`epoch`, `optimizer_state_dict`, `n_total_iter`, `best_acc1`: a key of a run's progress or
    optimizer state; `state_dict_best`, `model`: weights."""
    tokens = set(name_tokens(key))
    return bool(tokens & RUN_KEY_WORDS) or ("best" in tokens and not tokens & WEIGHT_KEY_WORDS)


def _subscript_keys(node: cst.Subscript) -> frozenset[str]:
    """The literal string keys of `x["model"]` or `x["ema" if c else "model"]`."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return frozenset()
    index = node.slice[0].slice.value
    options = [index.body, index.orelse] if isinstance(index, cst.IfExp) else [index]
    return frozenset(v for v in (literal(o) for o in options) if isinstance(v, str))


# Classes a checkpoint conversion script may build: containers and argument parsing, no model.
_CONVERSION_CLASSES = frozenset({"OrderedDict", "ArgumentParser", "Path", "Namespace"})


def _builds_object(call: cst.Call) -> bool:
    """`Model(cfg)`, `models.Generator()`: a call of a class (a capitalised name) other than the
    containers a conversion script uses."""
    name = call_name(call) or ""
    return name[:1].isupper() and name not in _CONVERSION_CLASSES


def _names(expr: cst.CSTNode, bases_only: bool = False) -> set[str]:
    """The plain names an expression mentions; for an assignment target with `bases_only`, the names
    it binds or updates (`new[k] = v` updates `new`, `x.a = y` updates `x`)."""
    if bases_only:
        while isinstance(expr, (cst.Subscript, cst.Attribute)):
            expr = expr.value
        if isinstance(expr, (cst.Tuple, cst.List)):
            return {n for e in expr.elements for n in _names(e.value, True)}
    return {n.value for n in nodes(expr) if isinstance(n, cst.Name)}


def _item_base(expr: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """`ckpt["model"].float()` -> `ckpt`: through items and the methods that return their receiver."""
    while True:
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in SAME_OBJECT_METHODS:
            expr = expr.func.value
        else:
            return expr

