"""The MLM decoder at the masked positions only (training's opt-in): the same loss and the same gradient of every
parameter as the full decoder, for BertForMaskedLM and BertForPreTraining, through the trainer too."""

from __future__ import annotations

import json

import pytest
import torch
from _numerics import forward_depth, rounding_bound, widest_sum

from minibert import BertConfig, BertForMaskedLM, BertForPreTraining
from minibert.training.data import Collator, MaskedLMDataset
from minibert.training.trainer import Trainer, TrainingArguments

CONFIG = dict(vocab_size=97, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
              max_position_embeddings=32, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def _batch(B=4, T=12, seed=0, p=0.3):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, CONFIG["vocab_size"], (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    mask[1, T - 4:] = 0  # a padded row: its padding is never labelled
    labels = torch.full((B, T), -100)
    chosen = (torch.rand(B, T, generator=g) < p) & mask.bool()
    chosen[0, 3] = True  # at least one target
    labels[chosen] = ids[chosen]
    return ids, mask, labels


def _loss_and_grads(model, **kwargs):
    model.zero_grad(set_to_none=True)
    out = model(**kwargs)
    out.loss.backward()
    return out, {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("cls", [BertForMaskedLM, BertForPreTraining])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_and_every_gradient_equal_the_full_decoder(cls, seed):
    torch.manual_seed(seed)
    model = cls(BertConfig(**CONFIG))
    ids, mask, labels = _batch(seed=seed)
    kwargs = dict(input_ids=ids, attention_mask=mask, labels=labels)
    if cls is BertForPreTraining:
        kwargs["next_sentence_label"] = torch.tensor([0, 1, 1, 0])
    full, g_full = _loss_and_grads(model, **kwargs)
    part, g_part = _loss_and_grads(model, **kwargs, masked_positions_only=True)

    # The same math on fewer rows: the decoder's matrix product (and the gradients' sums over rows) run in
    # another order, so they agree within the derived rounding bound (tests/helpers/_numerics.py), relative to the
    # values' size: logits through the encoder and the MLM head (transform + decoder); the loss, a mean of
    # -log p, moves by at most twice the logits' bound; gradients run the chain back, over all B·T rows.
    logits_full = full.logits if cls is BertForMaskedLM else full.prediction_logits
    logits_part = part.logits if cls is BertForMaskedLM else part.prediction_logits
    config, rows = model.config, ids.numel()
    logit_bound = rounding_bound(logits_full, forward_depth(config, head=2), widest_sum(config, rows))
    assert (part.loss - full.loss).abs().item() <= 2 * logit_bound, (part.loss, full.loss)
    assert g_part.keys() == g_full.keys() and len(g_full) == len(list(model.parameters()))
    grad_bound = rounding_bound(list(g_full.values()), forward_depth(config, 2, backward=True),
                                widest_sum(config, rows))
    for name in g_full:
        diff = (g_part[name] - g_full[name]).abs().max().item()
        assert diff <= grad_bound, f"{name}: max |Δ grad| = {diff:.2e} > {grad_bound:.2e}"
    # The logits are the full ones' rows at the labelled positions, in (b, t) order.
    keep = labels != -100
    assert logits_part.shape == (int(keep.sum()), CONFIG["vocab_size"])
    assert (logits_part - logits_full[keep]).abs().max().item() <= logit_bound


def test_default_forward_is_unchanged_and_the_option_needs_labels():
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(**CONFIG)).eval()
    ids, mask, _ = _batch()
    assert model(input_ids=ids, attention_mask=mask).logits.shape == (*ids.shape, CONFIG["vocab_size"])
    with pytest.raises(ValueError, match="needs labels"):
        model(input_ids=ids, masked_positions_only=True)


def _train(tmp_path, forward_kwargs):
    g = torch.Generator().manual_seed(3)
    examples = [{"input_ids": [2, *torch.randint(5, 97, (10,), generator=g).tolist(), 3],
                 "special_tokens_mask": [1] + [0] * 10 + [1]} for _ in range(16)]
    ds = MaskedLMDataset(examples, mask_token_id=4, vocab_size=97, seed=0)
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(**CONFIG))
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=4, batch_size=4, lr=1e-2, progress=False)
    Trainer(model, args, ds, Collator(), eval_dataset=ds, forward_kwargs=forward_kwargs).train()
    log = [json.loads(ln) for ln in (tmp_path / "log.jsonl").read_text().splitlines()]
    return model, log


def test_trainer_with_masked_positions_only_follows_the_same_trajectory(tmp_path):
    full, log_full = _train(tmp_path / "full", None)
    part, log_part = _train(tmp_path / "part", {"masked_positions_only": True})
    for a, b in zip(log_full, log_part):
        for key in ("loss", "eval_loss"):
            if key in a:
                assert abs(a[key] - b[key]) <= 1e-5, (key, a, b)
    for (name, p), q in zip(full.named_parameters(), part.parameters()):
        assert torch.allclose(p, q, atol=1e-5, rtol=0), name
