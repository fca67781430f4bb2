"""The vocabulary of training code: optimizer, scheduler, loss, logger, checkpoint and transform
names, and the variable names that mean epochs, iterations, accumulation, warm-up (batch size:
`repolens.project.inputsizes.BATCH_NAME`, shared with the lint rules)."""

from __future__ import annotations

import re

OPTIMIZERS = frozenset({
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS", "SparseAdam",
    "ASGD", "Rprop", "Lion", "LAMB", "Lamb", "LARS", "Lars", "Adafactor", "FusedAdam", "FusedLAMB", "FusedSGD",
    "AdamW8bit", "Adam8bit", "PagedAdamW", "PagedAdamW8bit", "SophiaG", "Adan", "AdaBelief", "Muon", "Shampoo",
    "AdamWScheduleFree", "SGDScheduleFree", "Prodigy", "DAdaptAdam",
})
# torch.optim defaults, for the hyperparameters a call leaves out (torch 2.x signatures).
TORCH_OPTIM_DEFAULTS: dict[str, dict[str, str]] = {
    "SGD": {"lr": "0.001", "momentum": "0", "weight_decay": "0"},
    "Adam": {"lr": "0.001", "betas": "(0.9, 0.999)", "weight_decay": "0"},
    "AdamW": {"lr": "0.001", "betas": "(0.9, 0.999)", "weight_decay": "0.01"},
    "RMSprop": {"lr": "0.01", "momentum": "0", "weight_decay": "0"},
    "Adagrad": {"lr": "0.01", "weight_decay": "0"},
}
OPTIM_PARAMS = ("lr", "weight_decay", "betas", "momentum")
POSITIONAL: dict[str, tuple[str, ...]] = {
    "SGD": ("params", "lr", "momentum", "dampening", "weight_decay"),
    "Adam": ("params", "lr", "betas", "eps", "weight_decay"),
    "AdamW": ("params", "lr", "betas", "eps", "weight_decay"),
    "RMSprop": ("params", "lr", "alpha", "eps", "weight_decay", "momentum"),
    "Adagrad": ("params", "lr", "lr_decay", "weight_decay"),
}
SCHEDULERS = frozenset({
    "StepLR", "MultiStepLR", "CosineAnnealingLR", "OneCycleLR", "LambdaLR", "ReduceLROnPlateau", "SequentialLR",
    "LinearLR", "ExponentialLR", "CosineAnnealingWarmRestarts", "PolynomialLR", "CyclicLR", "ConstantLR",
    "ChainedScheduler", "MultiplicativeLR", "CosineLRScheduler", "StepLRScheduler", "MultiStepLRScheduler",
    "PlateauLRScheduler", "PolyLRScheduler", "TanhLRScheduler", "WarmupCosineSchedule", "WarmupLinearSchedule",
    "LinearWarmupCosineAnnealingLR", "CosineAnnealingWarmupRestarts", "WarmupMultiStepLR", "WarmupCosineLR",
})
SCHEDULE_FUNC = re.compile(r"^(?:get_\w*schedul\w*|create_scheduler(?:_v2)?|cosine_scheduler|adjust_learning_rate|"
                            r"adjust_lr|lr_schedule\w*|build_lr_scheduler|build_scheduler|make_scheduler|"
                            r"warmup_cosine\w*|poly_lr\w*|get_lr|cosine_lr)$")
# A project's own scheduler classes: WarmUpLR, PolyLR, CosineWarmupScheduler.
SCHEDULER_CLASS = re.compile(r"^[A-Z]\w*[a-z](?:LR|LRScheduler|LrScheduler|Scheduler)$")
LOSS_F = frozenset({
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "huber_loss", "cosine_embedding_loss", "margin_ranking_loss",
    "triplet_margin_loss", "ctc_loss", "poisson_nll_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "hinge_embedding_loss", "sigmoid_focal_loss", "gaussian_nll_loss",
})
SEED_QUALIFIED = frozenset({
    "torch.manual_seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all", "random.seed", "numpy.random.seed",
    "torch.random.manual_seed", "tensorflow.random.set_seed",
})
SEED_FUNC = re.compile(r"^(?:set_|setup_|fix_|init_|make_|seed_)?(?:random_|global_|all_)?seeds?(?:_everything|_all|_torch)?$")
LOGGERS: dict[str, str] = {  # qualified-name prefix -> what a reader calls it
    "torch.utils.tensorboard": "TensorBoard", "tensorboardX": "TensorBoard", "wandb": "wandb", "mlflow": "mlflow",
    "visdom": "visdom", "comet_ml": "Comet", "neptune": "Neptune", "clearml": "ClearML", "aim": "Aim",
    "swanlab": "SwanLab", "dvclive": "DVCLive",
}
LIGHTNING_LOGGERS = {"TensorBoardLogger": "TensorBoard", "WandbLogger": "wandb", "CSVLogger": "CSV",
                      "MLFlowLogger": "mlflow", "CometLogger": "Comet", "NeptuneLogger": "Neptune"}
SAVE_FUNCS = frozenset({
    "save_checkpoint", "save_pretrained", "save_model", "save_state", "save_weights", "save_on_master",
    "save_networks", "save_ckpt", "save_model_checkpoint", "save_file", "save_checkpoints", "save_state_dict",
})
TRANSFORM_PREFIXES = ("torchvision.transforms", "albumentations", "kornia.augmentation", "monai.transforms",
                       "timm.data", "torchaudio.transforms")
RANDOM_AUG = re.compile(r"Random|Flip|Jitter|Augment|Mixup|CutMix|Erasing|Cutout|Crop|Rotate|Affine|Blur|Solarize|Noise")
# Functions whose findings are not the training recipe (evaluation, sampling, lr range tests).
NON_TRAIN_SCOPE = re.compile(r"^(?:test|eval|evaluat|valid|val_|val$|infer|predict|bench|find_lr|lr_find|"
                              r"visuali|sampl|generat|demo|export|inspect|debug)", re.I)
EPOCHS_NAME = re.compile(r"^(?:n|num|max|total|train|nb|number_of)_?epochs$|^epochs$|^n_epochs(?:_decay)?$|^nepochs?$")
ITERS_NAME = re.compile(r"^(?:max|num|n|total|train|nb)_?(?:iters?|iterations|steps|train_steps|training_steps|updates)$"
                         r"|^max_iter$|^iterations$|^niter(?:_decay)?$|^total_iters$")
ACCUM_NAME = re.compile(r"^(?:grad(?:ient)?_?acc\w*|accum\w*|accumulat\w*|update_freq|accumulate_grad_batches)$")
WARMUP_NAME = re.compile(r"warm_?up|^warm(?:_epochs?|_iters?|_steps)?$", re.I)
LR_NAME = re.compile(r"^(?:lr|learning_rate|base_lr|blr|lr0|init_lr|max_lr|peak_lr)$", re.I)
ACCUM_KWARGS = ("accumulate_grad_batches", "gradient_accumulation_steps", "grad_accum_steps", "accum_iter",
                 "update_freq", "accumulation_steps")


# Two text helpers every detector uses.
def short_name(q: str) -> str:
    return q.rsplit(".", 1)[-1]


def unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text
