"""The same loop written with two mistakes: an unscaled accumulated loss, a scheduler stepped first."""

import torch


def train(model, loader, optimizer, lr_scheduler, cfg):
    model.train()
    for step, batch in enumerate(loader):
        # ruleid: scheduler-before-optimizer
        lr_scheduler.step()
        outputs = model(**batch)
        loss = outputs.loss
        # ruleid: grad-accumulation-unscaled
        loss.backward()
        if (step + 1) % cfg.accum_steps == 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()


def train_with_accelerate(model, loader, optimizer, accelerator, accum):
    for step, batch in enumerate(loader):
        loss = model(**batch).loss
        # ok: grad-accumulation-unscaled
        accelerator.backward(loss)
        if step % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
