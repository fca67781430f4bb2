import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.knowledge.dataloader import DATALOADER, dataloader_arg, worker_setting
from repolens.lint.roles import TRAIN, dataloader_role, dataset_class_name, is_synthetic_dataset
from repolens.lint.trainflow import is_test_path
from repolens.project.inputsizes import DATASET_SIDES

# A project whose own dataset opens an image per sample: a dataset the file does not show is taken
# for one like it.
_READS = {"datasets.py": "from PIL import Image\nclass Pairs(Dataset):\n    def __getitem__(self, i):\n"
                         "        return Image.open(self.files[i])\n"}
# A file that moves its batches to a GPU (the rule's premise: a GPU waits while the main process loads).
_CUDA = "import torch\ndevice = torch.device('cuda')\n"
# In-memory datasets: indexing is a tensor slice, worker processes only add start-up and IPC cost.
# `range`: `for perm in DataLoader(range(n), batch_size, shuffle=True)` batches indices only (the
# OGB / PyG link-prediction examples index tensors already on the GPU with them).
# A tensor itself (`DataLoader(torch.LongTensor(range(20)))`: GCNII's PPI graph indices) is indexed in memory too.
IN_MEMORY_DATASETS = frozenset({"TensorDataset", "StackDataset", "list", "tuple", "range", "tensor", "as_tensor",
                                "from_numpy", "arange", "randperm", "Tensor", "LongTensor", "FloatTensor",
                                "IntTensor"})


# torchvision / torchaudio datasets that open and decode a file per sample (what workers parallelise).
FILE_DATASETS = frozenset({
    "ImageFolder", "DatasetFolder", "ImageNet", "CocoDetection", "CocoCaptions", "VOCDetection", "VOCSegmentation",
    "SBDataset", "CelebA", "Cityscapes", "LSUN", "LSUNClass", "Places365", "Flowers102", "Food101", "StanfordCars",
    "OxfordIIITPet", "Caltech101", "Caltech256", "Kitti", "WIDERFace", "LFWPeople", "LFWPairs", "DTD",
    "FGVCAircraft", "SUN397", "INaturalist", "Country211", "GTSRB", "EuroSAT", "PCAM", "Kinetics", "UCF101",
    "HMDB51", "ImageList", "LIBRISPEECH", "LJSPEECH", "VCTK_092", "SPEECHCOMMANDS", "YESNO", "GTZAN",
    "COMMONVOICE", "LIBRITTS", "TEDLIUM"})


class DataLoaderNumWorkers(BindingTracker, Rule):
    """
    ## What it does
    Flags a training `DataLoader(...)` with no `num_workers` (the default is 0) or a literal
    `num_workers=0`.

    A loader counts as a training loader when the evidence says so: the name it is bound to
    (`train_loader`, `trainloader`, `loaders["train"]`, returned from `train_dataloader()`), the
    dataset it loads (`train_set`, `CIFAR10(..., train=True)`, `load_dataset(..., split="train")`),
    the loader factory it sits in (`get_train_loader`), a training loop (a `backward` and an
    optimizer `step`) over the name it is bound to, in its own function (a notebook's `test_acc()`
    that reuses a training cell's `data_loader` name is not one; nor a Fisher estimate, whose
    backward steps no optimizer: continual-learning, three judged wrong), or a literal
    `shuffle=True`, unless the loader never leaves a file that trains nothing (iterated there or
    handed only to that file's own functions: outlier-exposure's `test.py` scores a shuffled
    sample of each OOD set, four judged wrong; `roles.scored_in_this_script`). Loaders with no such evidence, or evidence of evaluation, or that the code only
    takes one batch from or only counts (`len(loader_for_count)` sizing a schedule: minimind, judged
    wrong; `roles.trains_nothing`), only summarises (a loop of `torch.mean` / `append` / `print`:
    AST's normalisation statistics), only saves to files (an extraction pass) or never reads while
    the scope iterates another loader (Medical-Transformer's `test.py` builds a training loader and
    loops only over `valloader`: judged wrong), or that its factory returns to callers that never
    read it (`roles.returned_unread`), are not checked.

    A call that passes `**name` is judged through that dict when the project model read it whole
    (`loader_args = dict(batch_size=bs, pin_memory=True)` then `DataLoader(train_set, **loader_args)`):
    flagged when no binding of the dict sets `num_workers` (or sets a literal 0).

    It stays silent for any non-literal `num_workers` (`args.workers`), for calls that pass
    `*args` or a `**kwargs` the model could not read (a parameter, a computed dict), for synthetic
    data (`RandomDataset`, `FakeData`, demo classes), and for datasets that hold their samples in
    memory: `TensorDataset`, a Python list (a list display or comprehension: dlwpt's
    `cifar2 = [(img, label) for img, label in cifar10 if label in [0, 2]]`, three judged findings,
    none worth a change), a `range` of indices (`for perm in DataLoader(range(n), batch_size,
    shuffle=True)`, the OGB link-prediction examples' batching of edges already on the GPU: 15
    findings in tuning batch 42), a tensor (GCNII's `DataLoader(dataset=torch.LongTensor(range(20)),
    batch_size=1, shuffle=True)` draws one of 20 PPI graph ids a step: judged wrong), torchvision's MNIST family, CIFAR, SVHN and STL10, and a project class
    whose `__getitem__` reads no file (no `open`, `Image.open`, `cv2.imread`, `np.load`,
    `read_image`, `self.loader(path)`, `load_...`/`read_...` call, in it or in a method of the
    class it calls; a subclass without a `__getitem__` of its own counts as its base). The dataset
    is followed through the names a project factory's tuple is unpacked into (`labeled, unlabeled,
    val, test = dataset.get_cifar10(...)`: the class each returned item was built with, MixMatch's
    `CIFAR10_labeled`). What workers parallelise is per-sample reading and decoding; a slice and a
    transform of a small in-memory image cost tens of microseconds. A dataset that is a parameter of
    a module-level function, or a `self` attribute an `__init__` set from its parameter, is what
    every call (construction) in the project passes there, when they all agree
    (`ProjectModel.argument_builder`: BERT-NER's `train(args, train_dataset, ...)` over
    `load_and_cache_examples()`'s TensorDataset, JointBERT's `Trainer(args, train_dataset)`: 3
    judged findings, none worth a change). A notebook's own factory counts as its own even beside a
    `from helpers import *` (PyTorchStepByStep's `preprocessed_dataset()` and `tokenize_dataset()`
    return TensorDatasets: two judged findings, not worth a change).

    The rule speaks only where the code shows that a sample costs a file read: a torchvision or
    torchaudio dataset that decodes one (`ImageFolder`, `CocoDetection`, `LIBRISPEECH` ...) or a
    project class whose `__getitem__` reads one. A dataset it cannot see (a parameter no call is
    seen for, a factory it cannot follow, another library's class, a Hugging Face dataset) is taken
    for one of the project's own when every dataset class of the project reads files (DANet's
    `get_dataset("ade20k")` over its image datasets), and is left alone otherwise. On the tuned
    repositories every RL102 finding judged worth a change was a loader that decodes images or
    loads feature files per sample (ImageFolder, cv2/PIL/np.load in a project class); the ones
    judged not worth it were mostly datasets the code did not show: tokenised features cached in
    a TensorDataset, DGL graphs held in memory, a tutorial's tensors (tuned: 10 of 24 findings
    worth acting on before this change). What is lost: a library dataset that does read files
    per sample (a Hugging Face image dataset, a DGL dataset of files) is not reported.

    Judged on real code (issue #8): of 32 judged findings on in-memory data in the tuned set (GAN
    demos on MNIST/MNIST-M, tutorials on CIFAR), none was worth a change; the planted mistakes are
    all on datasets that open an image per sample (UNet, DiT's ImageFolder, SSD's VOC). What is
    lost: a CIFAR run with heavy augmentation on a fast GPU can still wait on the main process; this
    rule no longer says so.

    Nor in a file with no GPU evidence in it or within two imports of it (`ProjectModel.gpu_near`,
    as RL101 asks): no GPU waits for a CPU-only tutorial's batches (continual-learning's
    InvictaSpringSchool notebook, six findings, and Udacity's "Loading Image Data" notebooks, two:
    judged not worth a change; the message's premise, "the GPU waits", was false there).

    A loader in a unit test (`tests/`, `test_*.py` that reads like a test: `trainflow.is_test_path`)
    is left alone: no GPU waits on it (DANet's `tests/unit_test/test_dataset.py`, judged not worth).

    Such a loader gets no RL101 finding (pin_memory) as long as it has no workers: the main thread
    would pin each batch itself, so this rule's fix comes first (`worker_setting`, shared by both).

    ## Why is this bad?
    With `num_workers=0` the main process loads and augments every batch between training steps,
    so the GPU idles while images are decoded. The seed notes: "`num_workers` = 4 x number of GPUs".

    ## Example
    ```python
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    ```

    ## Use instead
    ```python
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True,
                              num_workers=4 * max(1, torch.cuda.device_count()))
    ```

    No fix: the right number depends on the machine's cores and memory.
    """

    code = "RL102"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "dataloader-num-workers"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'a training loader that decodes in the main process starves the GPU: a clear performance win'
    source = "seed notes, Tuning experience: 'num_workers = 4 x number of GPUs'; PyTorch Performance Tuning Guide"
    message = "training DataLoader loads batches in the main process (num_workers=0): the GPU waits for data (seed: 4 x number of GPUs)"
    needles = ("DataLoader",)
    valid = (
        Example("from torch.utils.data import DataLoader\n"
                "train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=8)\n"),
        Example("from torch.utils.data import DataLoader as DL\n"
                "train_loader = DL(train_set, shuffle=True, num_workers=args.workers)\n"),
        # In-memory CIFAR: a sample is a slice and a transform of a 32 px image.
        Example("import torch\nfrom torchvision import datasets\n"
                "cifar = datasets.CIFAR10('data', train=True, download=True)\n"
                "train_loader = torch.utils.data.DataLoader(dataset=cifar, batch_size=128, shuffle=True)\n"),
        # A project dataset of arrays already in memory (MNIST-M from a .pt file), transformed per sample.
        Example("from torch.utils.data import DataLoader\nfrom PIL import Image\n"
                "class MNISTM(Dataset):\n    def __getitem__(self, i):\n"
                "        img = Image.fromarray(self.data[i].numpy(), mode='RGB')\n        return self.transform(img)\n"
                "train_loader = DataLoader(MNISTM(), batch_size=64, shuffle=True)\n"),
        # MNIST-sized data: workers would save seconds per run.
        Example("import torch\nfrom torchvision import datasets\n"
                "mnist = datasets.MNIST('data', train=True, download=True)\n"
                "train_loader = torch.utils.data.DataLoader(dataset=mnist, batch_size=100, shuffle=True)\n"),
        # An evaluation loader: not this rule's business.
        Example("import torch\nval_loader = torch.utils.data.DataLoader(val_set, batch_size=64)\n"),
        # No evidence that it is a training loader.
        Example("from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=64)\n"),
        Example("from torch.utils.data import DataLoader\ndef make(train_set, **kw):\n"
                "    train_loader = DataLoader(train_set, **kw)\n"),
        Example("import torch.utils.data as tud\n"
                "train_loader = tud.DataLoader(tud.TensorDataset(x, y), shuffle=True)\n"),
        # Batches of indices into tensors already on the GPU (the OGB link-prediction examples).
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "for perm in DataLoader(range(pos_train_edge.size(0)), batch_size, shuffle=True):\n"
                "    edge = pos_train_edge[perm].t()\n    loss = -torch.log(predictor(h[edge[0]], h[edge[1]])).mean()\n"
                "    loss.backward()\n    optimizer.step()\n"),
        # A dataset the code does not show, in a project with no dataset of its own that reads files
        # (token ids cached in a TensorDataset, a graph library's in-memory dataset): nothing says a
        # sample costs a file read.
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "train_loader = DataLoader(train_set, batch_size=64, shuffle=True)\n"),
        # A tensor of graph ids: each step picks one of the 20 PPI graphs already in memory (GCNII's ppi.py).
        Example(_CUDA + "import torch.utils.data as Data\nidx = torch.LongTensor(range(20))\n"
                "loader = Data.DataLoader(dataset=idx, batch_size=1, shuffle=True, num_workers=0)\n"
                "for epoch in range(100):\n    for batch in loader:\n        loss = model(feats[batch]).sum()\n"
                "        loss.backward()\n        optimizer.step()\n"),
        Example("from torch.utils.data import DataLoader\n"
                "def train_dataloader(self):\n    return DataLoader(Blocks(self.tokens), batch_size=8)\n",
                files={"blocks.py": "class Blocks(Dataset):\n    def __getitem__(self, i):\n"
                                    "        return self.data[i * 8:(i + 1) * 8]\n"}),
        # An evaluation script scores a shuffled sample of an OOD set through its own function and
        # trains nothing (outlier-exposure's test.py): shuffle=True is no training evidence there.
        Example(_CUDA + """import torchvision.datasets as dset
from torch.utils.data import DataLoader


def get_ood_scores(loader):
    scores = []
    with torch.no_grad():
        for data, _ in loader:
            scores.append(net(data.to(device)).max(1)[0])
    return scores


ood_data = dset.ImageFolder("data/places365")
ood_loader = DataLoader(ood_data, batch_size=200, shuffle=True)
print(get_ood_scores(ood_loader))
"""),
    )
    invalid = (
        # The same loader handed to a training function of another file: a training loader.
        Example(_CUDA + """import torchvision.datasets as dset
from torch.utils.data import DataLoader
from engine import fit

data = dset.ImageFolder("data/places365")
loader = DataLoader(data, batch_size=200, shuffle=True)
fit(net, loader)
"""),
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "train_loader = DataLoader(train_set, batch_size=64, shuffle=True)\n", files=_READS),
        Example(_CUDA + "import torch as t\nfrom torchvision import datasets\n"
                "train_set = datasets.ImageFolder('data/train')\nloader = t.utils.data.DataLoader(train_set, num_workers=0)\n"),
        # A project dataset that opens an image per sample, in a helper method of the class.
        Example(_CUDA + "from torch.utils.data import DataLoader\nfrom PIL import Image\n"
                "class Pairs(Dataset):\n    def _load(self, path):\n        return Image.open(path).convert('RGB')\n"
                "    def __getitem__(self, i):\n        return self.tf(self._load(self.files[i]))\n"
                "train_loader = DataLoader(Pairs(), batch_size=8, shuffle=True)\n"),
        Example(_CUDA + "from torch.utils.data import DataLoader as DL\n"
                "class Data:\n    def train_dataloader(self):\n        return DL(self.ds, batch_size=8)\n", files=_READS),
        Example(_CUDA + "from torch.utils.data import DataLoader\n"
                "loader_args = dict(batch_size=64, pin_memory=True)\n"
                "train_loader = DataLoader(train_set, shuffle=True, **loader_args)\n", files=_READS),
    )

    def _reads_per_sample(self, cls: str | None) -> bool:
        """The dataset opens a file per sample, as the code shows: a torchvision / torchaudio dataset
        that decodes one, or a class of the project whose `__getitem__` reads one. Unknown datasets
        (a parameter no call is seen for, another library's class) are not taken to."""
        facts = self.facts
        name = cls.rsplit(".", 1)[-1] if cls else None
        if name in IN_MEMORY_DATASETS or name in DATASET_SIDES:
            return False
        if name in FILE_DATASETS or name in facts.reading_dataset_classes:
            return True
        if name in facts.memory_dataset_classes:
            return False
        # unseen (a parameter, a factory the model cannot follow, another library's class): the
        # project's own datasets speak for it when they all read files (DANet's `get_dataset(name)`)
        return bool(facts.reading_dataset_classes) and not facts.memory_dataset_classes - facts.reading_dataset_classes

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, *DATALOADER) or not self.facts.uses_cuda_at(self.context.path):
            return
        setting = worker_setting(self, node)
        if setting is None or not setting[0]:
            return  # workers set (in a dict, on some path at least), or the keyword may travel in an unread dict
        star = setting[1]
        if dataloader_role(self, node, shuffle_says_train=True) != TRAIN:
            return
        if is_test_path(self.context.path, self.context.source):
            return  # a unit test's loader (DANet's `tests/unit_test/test_dataset.py` checks label ranges): no GPU waits on it
        if is_synthetic_dataset(node, self) or not self._reads_per_sample(dataset_class_name(node, self)):
            return
        if star is not None:
            said = "num_workers=0" if "num_workers" in dict(star.keys) else "no num_workers"
            self.report(node, f"training DataLoader(**{star.name}): the dict `{star.name}` (line {star.line}) sets "
                              f"{said}, so batches load in the main process and the GPU waits for data "
                              "(seed: 4 x number of GPUs)")
            return
        arg = dataloader_arg(node, "num_workers")
        self.report(node if arg is None else arg)

