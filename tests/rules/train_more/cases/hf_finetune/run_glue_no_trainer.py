"""HF-style fine-tuning loop with gradient accumulation and AMP (accelerate-free variant)."""

import argparse
import logging
import math

import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, get_scheduler, set_seed

logger = logging.getLogger(__name__)


def evaluate(model, loader, device):
    # ok: missing-eval-mode
    model.eval()
    correct = 0
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.no_grad():
            # ok: eval-without-no-grad
            logits = model(**batch).logits
        correct += (logits.argmax(-1) == batch["labels"]).sum().item()
    return correct


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradient_accumulation_steps", type=int, default=4)
    parser.add_argument("--weight_decay", type=float, default=0.0)
    args = parser.parse_args()
    set_seed(42)
    device = torch.device("cuda")
    model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased").to(device)
    no_decay = ["bias", "LayerNorm.weight"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": args.weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    # ok: no-weight-decay
    optimizer = torch.optim.AdamW(groups, lr=5e-5)
    train_loader = DataLoader(train_ds, shuffle=True, batch_size=8)
    eval_loader = DataLoader(eval_ds, batch_size=8)
    steps = math.ceil(len(train_loader) / args.gradient_accumulation_steps) * 3
    lr_scheduler = get_scheduler("linear", optimizer=optimizer, num_warmup_steps=100, num_training_steps=steps)
    scaler = torch.cuda.amp.GradScaler()

    # ruleid: no-early-stopping
    for epoch in range(3):
        model.train()
        total_loss = torch.zeros((), device=device)
        for step, batch in enumerate(train_loader):
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            with torch.autocast("cuda", dtype=torch.float16):
                outputs = model(**batch)
                loss = outputs.loss
                loss = loss / args.gradient_accumulation_steps
            # ok: grad-accumulation-unscaled
            scaler.scale(loss).backward()
            total_loss += loss.detach()
            if step % args.gradient_accumulation_steps == 0 or step == len(train_loader) - 1:
                scaler.step(optimizer)
                scaler.update()
                # ok: scheduler-before-optimizer
                lr_scheduler.step()
                optimizer.zero_grad()
        evaluate(model, eval_loader, device)
        logger.info("epoch %d: %s", epoch, total_loss.item())


# ok: no-experiment-logging, no-seed, no-lr-scheduler
if __name__ == "__main__":
    main()
