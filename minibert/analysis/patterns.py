"""What the heads look at (Clark et al., 2019, "What Does BERT Look At? An Analysis of BERT's Attention",
BlackboxNLP).

Two kinds of measurement over a batch of sentences, one number per layer and head:

* the **share of attention on a class of tokens**: for each query i, the total weight Σ_{j ∈ class} α_ij,
  averaged over the real (not padding) queries. In BERT-base, half of the attention of the middle layers goes
  to [SEP] and a lot of the rest to [CLS] and punctuation: tokens that are in every sentence, used (the
  paper argues) as a place to put attention when a head has nothing to do;
* **attention at a fixed offset**: the weight α_{i,i+k} on the token k positions away (k = -1 the previous
  token, +1 the next), averaged over the queries that have such a neighbour. Heads whose mean is above ½
  follow the neighbour almost always: Clark et al. find such heads in the early layers.
"""

from __future__ import annotations

import torch

from minibert.tokenization.chars import is_punctuation


def token_class_masks(tokenizer, input_ids: torch.Tensor) -> dict[str, torch.Tensor]:
    """Where the [CLS], [SEP] and punctuation tokens are: (B, T) ids → {name: (B, T) bool}.

    Punctuation is a token made only of punctuation characters ("." "," "##)"), as the BasicTokenizer
    splits them.
    """
    tokens = [tokenizer.convert_ids_to_tokens(row) for row in input_ids.tolist()]
    punct = [[bool(t.removeprefix("##")) and all(is_punctuation(c) for c in t.removeprefix("##")) and
              t not in tokenizer.all_special_tokens for t in row] for row in tokens]
    return {"[CLS]": input_ids == tokenizer.cls_token_id, "[SEP]": input_ids == tokenizer.sep_token_id,
            "punctuation": torch.tensor(punct, dtype=torch.bool, device=input_ids.device)}


def token_class_shares(attentions, keys: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean share of each head's attention on the keys marked in ``keys``.

    ``attentions``: L × (B, H, T, T) (or one (L, B, H, T, T) tensor); ``keys`` (B, T) bool, the class;
    ``attention_mask`` (B, T), 1 = real token. Returns (L, H): per query Σ_{j in class} α_ij, averaged over
    every real query of the batch.
    """
    real = attention_mask.to(torch.bool)
    shares = []
    for probs in attentions:
        on_class = (probs * keys[:, None, None, :]).sum(-1)  # (B, H, T): each query's weight on the class
        shares.append(on_class.transpose(0, 1)[:, real].mean(-1))  # (H,): over all real queries
    return _stack_layers(shares)


def offset_attention(attentions, attention_mask: torch.Tensor, offset: int) -> torch.Tensor:
    """Mean weight α_{i, i+offset} per layer and head, (L, H), over the real queries whose key i+offset is real."""
    if offset == 0:
        raise ValueError("offset must be non-zero: -1 is the previous token, +1 the next")
    real = attention_mask.to(torch.bool)
    T = real.shape[1]
    i = torch.arange(max(0, -offset), min(T, T - offset), device=real.device)  # queries that have a key i+offset
    valid = real[:, i] & real[:, i + offset]  # (B, n)
    out = []
    for probs in attentions:
        w = probs[:, :, i, i + offset]  # (B, H, n): the weight from each query to its neighbour
        out.append(w.transpose(0, 1)[:, valid].mean(-1))  # (H,)
    return _stack_layers(out)


def _stack_layers(rows: list[torch.Tensor]) -> torch.Tensor:
    """L × (H_l,) → (L, max H_l): a layer with pruned heads is padded with NaN (no such head)."""
    width = max((len(r) for r in rows), default=0)
    out = torch.full((len(rows), width), float("nan"), dtype=torch.float32)
    for layer, r in enumerate(rows):
        out[layer, : len(r)] = r.float().cpu()
    return out


def find_heads(scores: torch.Tensor, threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """The heads whose score is above ``threshold``: (L, H) → [(layer, head, score)], highest first."""
    hits = (scores > threshold).nonzero().tolist()  # NaN (a pruned head) is never above
    return sorted(((layer, head, scores[layer, head].item()) for layer, head in hits), key=lambda t: -t[2])
