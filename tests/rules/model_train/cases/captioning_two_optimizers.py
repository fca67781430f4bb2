"""A show-attend-tell style captioning script: a decoder optimizer and an optional encoder
optimizer, a BLEU-4 "is_best" flag handed to save_checkpoint, and a language-model epoch loop
whose running best is `stored_loss`. RL324 and RL326 must see through that structure."""
import time

import torch
from torch.utils.data import DataLoader

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
best_bleu4 = 0.0


def main(encoder, decoder, data_folder, data_name, normalize, fine_tune_encoder=False):
    global best_bleu4
    decoder_optimizer = torch.optim.Adam(decoder.parameters(), lr=4e-4)
    encoder_optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-4) if fine_tune_encoder else None
    criterion = torch.nn.CrossEntropyLoss().to(device)
    train_loader = DataLoader(CaptionDataset(data_folder, data_name, "TRAIN", transform=normalize),
                              batch_size=32, shuffle=True, num_workers=1, pin_memory=True)
    val_loader = DataLoader(CaptionDataset(data_folder, data_name, "TEST", transform=normalize),
                            batch_size=32, shuffle=True, num_workers=1, pin_memory=True)
    dev_loader = DataLoader(CaptionDataset(data_folder, data_name, "VAL", transform=normalize),
                            batch_size=32, num_workers=1, pin_memory=True)
    for epoch in range(120):
        train(train_loader, encoder, decoder, criterion, encoder_optimizer, decoder_optimizer)
        recent_bleu4 = validate(val_loader=val_loader, encoder=encoder, decoder=decoder, criterion=criterion)
        # ruleid: checkpoint-selected-on-test
        is_best = recent_bleu4 > best_bleu4
        best_bleu4 = max(recent_bleu4, best_bleu4)
        save_checkpoint(data_name, epoch, encoder, decoder, recent_bleu4, is_best)
        dev_bleu4 = validate(val_loader=dev_loader, encoder=encoder, decoder=decoder, criterion=criterion)
        # ok: checkpoint-selected-on-test
        improved = dev_bleu4 > best_bleu4
        if improved:
            save_checkpoint(data_name, epoch, encoder, decoder, dev_bleu4, True)


def train(train_loader, encoder, decoder, criterion, encoder_optimizer, decoder_optimizer):
    decoder.train()
    encoder.train()
    start = time.time()
    for i, (imgs, caps, caplens) in enumerate(train_loader):
        imgs = imgs.to(device)
        caps = caps.to(device)
        scores = decoder(encoder(imgs), caps, caplens)
        loss = criterion(scores, caps[:, 1:])
        decoder_optimizer.zero_grad()
        if encoder_optimizer is not None:
            encoder_optimizer.zero_grad()
        # ruleid: step-before-backward
        decoder_optimizer.step()
        loss.backward()
        if encoder_optimizer is not None:
            # ok: step-before-backward
            encoder_optimizer.step()
        start = time.time()


def fine_tune(loader, model, criterion, optimizer, aux_optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        aux_optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        # ok: step-before-backward
        optimizer.step()
        # ok: step-before-backward
        aux_optimizer.step()


def lm_epochs(args, model_save, evaluate, train_one, val_data, test_data):
    stored_loss = 1e8
    for epoch in range(1, args.epochs + 1):
        train_one()
        val_loss = evaluate(test_data, 10)
        # ruleid: checkpoint-selected-on-test
        if val_loss < stored_loss:
            model_save(args.save)
            stored_loss = val_loss
        dev_loss = evaluate(val_data, 10)
        # ok: checkpoint-selected-on-test
        if dev_loss < stored_loss:
            model_save(args.save)
            stored_loss = dev_loss
