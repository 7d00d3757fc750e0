r"""A probe: BERT's MLM head fitted on a *frozen* encoder, to ask what the encoder already knows about words.

    ids ─BERT's masking (15 %: 80 % [MASK], 10 % random, 10 % kept)─► frozen encoder, no_grad ─► h (B, T, C)
        h at the chosen positions ──► features (N, C), labels (N,)        computed once: the encoder never changes
    features ─transform: dense, GELU, LayerNorm─► (N, C) ─× Eᵀ + b─► logits (N, V)      only this part is trained

The head is `BertOnlyMLMHead`, as in pre-training (Devlin et al., 2019): with its decoder tied to the encoder's
word embeddings E (V, C), frozen with them, the trainable part is the transform (C² + 3C numbers) and the bias b
(V,): about 0.2M numbers for a 384-wide encoder, so the probe can only *read out* what the features already hold
(Alain & Bengio, 2016, "Understanding intermediate layers using linear classifier probes"; Hewitt & Liang, 2019,
on keeping probes weak enough that the score is the encoder's, not the probe's). ``tie=False`` frees the decoder
(a copy of E to start from, V·C more trainable numbers): a stronger probe, reported apart.

Why cache the features: the encoder is frozen, so its output for a masked segment never changes; one no-grad pass
per segment replaces one forward *and* backward pass per step, and only the masked positions (~15 %) are kept.

    fit:   masked_features(...) → fit_head(model, features, labels) → save_head(model, folder)
    use:   model = load_probe("checkpoints/minilm-pydocs-mlm-head", "path/to/all-MiniLM-L6-v2")   # a BertForMaskedLM
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from minibert.heads.masked_lm import BertForMaskedLM
from minibert.loading.atomic import atomic_write, atomic_write_bytes
from minibert.training.masking import IGNORE_INDEX, mask_tokens
from minibert.training.optim import parameter_groups
from minibert.training.schedules import get_linear_schedule_with_warmup

HEAD_FILE = "mlm_head.safetensors"  # the head's tensors, keys as in a BertForMaskedLM checkpoint (cls.*)
PROBE_FILE = "probe.json"  # which encoder the head was fitted on (its fingerprint), the recipe, the results


def probe_model(encoder: str | os.PathLike, *, tie: bool = True, seed: int = 0) -> BertForMaskedLM:
    """A BertForMaskedLM: the encoder's weights, frozen, and a new MLM head (BERT's initialisation, seeded).

    The checkpoint has no ``cls.*`` weights (a sentence encoder keeps none), so from_pretrained initialises the
    head; ``tie=False`` gives the decoder its own weight, starting as a copy of the word embeddings.
    """
    torch.manual_seed(seed)  # the head's initialisation
    quiet = logging.getLogger("minibert")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the missing cls.* (and unused pooler) weights are expected here
    try:
        model = BertForMaskedLM.from_pretrained(encoder, tie_word_embeddings=tie)
    finally:
        quiet.setLevel(level)
    if not tie:
        with torch.no_grad():
            model.cls.predictions.decoder.weight.copy_(model.bert.embeddings.word_embeddings.weight)
    model.bert.requires_grad_(False)  # frozen; a tied decoder weight *is* the embedding matrix, so it is frozen too
    return model


@torch.no_grad()
def masked_features(encoder, sequences: list[list[int]], *, mask_token_id: int, vocab_size: int,
                    special_ids: set[int], seed: int = 0, batch_size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask each sequence as in pre-training, run the frozen encoder, keep h at the chosen positions.

    ``sequences``: token ids with [CLS]/[SEP]; ``encoder``: a BertModel. Returns features (N, C) float32 and
    labels (N,) int64 (the original ids), rows in (sequence, position) order.
    """
    encoder.eval()  # no dropout: the features are the encoder's deterministic output
    g = torch.Generator().manual_seed(seed)
    features, labels = [], []
    for start in range(0, len(sequences), batch_size):
        rows = sequences[start:start + batch_size]
        ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)  # (B, T), padded with 0 = [PAD]
        attention = torch.zeros_like(ids)
        for b, row in enumerate(rows):
            ids[b, :len(row)], attention[b, :len(row)] = torch.tensor(row), 1
        special = torch.isin(ids, torch.tensor(sorted(special_ids)))
        masked, target = mask_tokens(ids, mask_token_id=mask_token_id, vocab_size=vocab_size,
                                     special_tokens_mask=special, attention_mask=attention, generator=g)
        h = encoder(input_ids=masked, attention_mask=attention).last_hidden_state  # (B, T, C)
        chosen = target != IGNORE_INDEX  # (B, T)
        features.append(h[chosen])
        labels.append(target[chosen])
    return torch.cat(features), torch.cat(labels)


def fit_head(model: BertForMaskedLM, features: torch.Tensor, labels: torch.Tensor, *, epochs: int = 1,
             batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 0.01, warmup: float = 0.05,
             seed: int = 0, log=None) -> list[float]:
    """Train the head's trainable parameters on cached features (N, C) → labels (N,); returns the loss per step.

    AdamW with a linear warm-up and decay, as in pre-training; weight decay on the dense matrix (and a free
    decoder), not on biases and LayerNorm (BERT's rule). ``log(step, steps, loss)`` is called every 50 steps.
    """
    head = model.cls
    head.train()  # the head has no dropout; train() only for symmetry with pre-training
    optimizer = torch.optim.AdamW(parameter_groups(head, weight_decay), lr=lr)  # frozen (tied) decoder left out
    steps = epochs * -(-len(labels) // batch_size)
    schedule = get_linear_schedule_with_warmup(optimizer, int(warmup * steps), steps)
    g = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=g)
        for start in range(0, len(labels), batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(head(features[batch]), labels[batch])  # (n, V) logits against (n,) ids
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            if log is not None and len(losses) % 50 == 0:
                log(len(losses), steps, sum(losses[-50:]) / 50)
    head.eval()
    return losses


def encoder_fingerprint(model: BertForMaskedLM) -> str:
    """sha256 of the encoder's weights (fp32 bytes, sorted names): the head fits this encoder and no other."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.bert.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def save_head(model: BertForMaskedLM, folder: str | os.PathLike, record: dict) -> None:
    """Write the head alone (``cls.*``, fp32; a tied decoder weight is the encoder's, so it is left out) and
    ``probe.json``: ``record`` plus the encoder's fingerprint and whether the decoder is tied."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tied = model.config.tie_word_embeddings
    tensors = {f"cls.{k}": v.detach().contiguous() for k, v in model.cls.state_dict().items()
               if k != "predictions.decoder.bias" and not (tied and k == "predictions.decoder.weight")}
    atomic_write(folder / HEAD_FILE, lambda tmp: save_file(tensors, tmp))  # never a half-written head
    record = {**record, "tie_word_embeddings": tied, "encoder_sha256": encoder_fingerprint(model)}
    atomic_write_bytes(folder / PROBE_FILE, (json.dumps(record, indent=2) + "\n").encode("utf-8"))


def load_probe(head: str | os.PathLike, encoder: str | os.PathLike) -> BertForMaskedLM:
    """The encoder (a folder or Hub id) with the head fitted on it: a BertForMaskedLM, ready for fill-mask.

    Refuses an encoder whose weights are not the ones the head was fitted on (the head would load, and predict
    nonsense): ``probe.json`` records their sha256.
    """
    head = Path(head)
    record = json.loads((head / PROBE_FILE).read_text(encoding="utf-8"))
    model = probe_model(encoder, tie=record["tie_word_embeddings"])
    found = encoder_fingerprint(model)
    if found != record["encoder_sha256"]:
        raise ValueError(f"{head} was fitted on the encoder {record.get('encoder', '?')} (weights sha256 "
                         f"{record['encoder_sha256'][:16]}...), but {encoder} holds other weights "
                         f"(sha256 {found[:16]}...): pass the encoder the head was fitted on")
    tensors = load_file(str(head / HEAD_FILE))
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if k.startswith("cls.") and k != "cls.predictions.decoder.bias"
               and not (record["tie_word_embeddings"] and k == "cls.predictions.decoder.weight")]
    if missing or unexpected:
        raise ValueError(f"{head / HEAD_FILE} does not fit {encoder}'s BertForMaskedLM: missing {missing}, "
                         f"unexpected {unexpected}")
    model.tie_weights()  # the bias (and a tied decoder) are shared tensors again after load_state_dict
    return model.eval()
