"""How well does a masked-LM fill blanks? Held-out masked-token accuracy, against a frequency baseline.

    sequences ─hide ~15 % of the non-special tokens behind [MASK] (seeded)─► model ─► top-k ids per blank

Every chosen position becomes ``[MASK]`` (no 80/10/10 here: that is a training device), all blanks of a
sequence are filled in one forward pass, as in pre-training, and a prediction is right when its top-1 (or
any of its top-k) ids is the hidden token. The baseline is the best context-free guess: always the most
frequent token(s) of the training text. A model above it has learned something from the context.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch

from minibert.heads.labels import IGNORE_INDEX
from minibert.tokenization.chars import is_cjk, is_punctuation

# Chinese: how many of the training text's most frequent characters make the "frequent characters" kind.
ZH_FREQUENT = 50


@dataclass
class Blanks:
    """The hidden tokens and the model's guesses: ``labels`` (N,), ``topk`` (N, k) ids, best first."""

    labels: torch.Tensor
    topk: torch.Tensor

    def accuracy(self, k: int = 1, where: torch.Tensor | None = None) -> float:
        """Share of blanks (or of those selected by the bool mask ``where`` (N,)) whose top-k holds the label."""
        hit = (self.topk[:, :k] == self.labels[:, None]).any(-1)
        hit = hit if where is None else hit[where]
        return float(hit.float().mean()) if hit.numel() else float("nan")


@torch.no_grad()
def fill_blanks(model, sequences: list[list[int]], *, mask_token_id: int, special_ids: set[int],
                probability: float = 0.15, seed: int = 0, k: int = 5, batch_size: int = 32,
                words: list[list[bool]] | None = None) -> Blanks:
    """Hide ``probability`` of each sequence's non-special tokens (at least one), predict them, keep the top-k.

    ``sequences``: token ids with their [CLS]/[SEP]; ``model``: a BertForMaskedLM. ``words``: each sequence's
    ``is_continuation`` flags (True where a token continues the word before it): then ``probability`` of its
    *words* are hidden, every token of a chosen word (whole-word blanks, scored per token).
    """
    g = torch.Generator().manual_seed(seed)
    model.eval()
    device = next(model.parameters()).device
    labels, topk = [], []
    for start in range(0, len(sequences), batch_size):
        rows = sequences[start:start + batch_size]
        T = max(len(r) for r in rows)
        ids = torch.zeros(len(rows), T, dtype=torch.long)
        attention = torch.zeros_like(ids)
        chosen = torch.zeros(len(rows), T, dtype=torch.bool)
        for b, row in enumerate(rows):
            ids[b, :len(row)], attention[b, :len(row)] = torch.tensor(row), 1
            candidates = torch.tensor([i for i, t in enumerate(row) if t not in special_ids])
            if words is None:
                n = max(1, round(probability * len(candidates)))
                chosen[b, candidates[torch.randperm(len(candidates), generator=g)[:n]]] = True
            else:
                _choose_words(chosen[b], row, words[start + b], special_ids, probability, g)
        masked = ids.masked_fill(chosen, mask_token_id)
        # The decoder at the blanks only (masked_positions_only): the same logits there as the full (B, T, V)
        # product, at ~15 % of its cost; rows come in the (b, t) order of ids[chosen].
        targets = ids.masked_fill(~chosen, IGNORE_INDEX)
        logits = model(input_ids=masked.to(device), attention_mask=attention.to(device), labels=targets.to(device),
                       masked_positions_only=True).logits  # (n, V)
        labels.append(ids[chosen])
        topk.append(logits.topk(k, dim=-1).indices.cpu())  # (n, k)
    return Blanks(torch.cat(labels), torch.cat(topk))


def _choose_words(chosen: torch.Tensor, row: list[int], flags: list[bool], special_ids: set[int],
                  probability: float, g: torch.Generator) -> None:
    """Mark (in ``chosen``, (T,)) every token of ``probability`` of the row's words, at least one word."""
    usable = [t not in special_ids for t in row]
    starts = [i for i in range(len(row)) if usable[i] and not (flags[i] and i > 0 and usable[i - 1])]
    n = max(1, round(probability * len(starts)))
    for s in torch.tensor(starts)[torch.randperm(len(starts), generator=g)[:n]].tolist():
        chosen[s], i = True, s + 1
        while i < len(row) and usable[i] and flags[i]:
            chosen[i], i = True, i + 1


def frequency_baseline(train_sequences: list[list[int]], labels: torch.Tensor, special_ids: set[int],
                       k: int = 5) -> dict[str, float]:
    """Top-1 / top-k accuracy of always guessing the training text's most frequent token(s)."""
    counts = Counter(t for row in train_sequences for t in row if t not in special_ids)
    common = torch.tensor([t for t, _ in counts.most_common(k)])
    return {"top1": float((labels == common[0]).float().mean()),
            f"top{k}": float((labels[:, None] == common[None]).any(-1).float().mean()),
            "most_frequent_ids": common.tolist()}


def accuracy_by_kind(blanks: Blanks, train_sequences: list[list[int]], pieces: list[str], special_ids: set[int],
                     n_common: int = 100) -> dict[str, dict]:
    """Top-1 / top-5 per kind of hidden token: the training text's ``n_common`` most frequent tokens (mostly
    function words, which a model learns first), other whole words (the content words that need the context),
    and word pieces (``##...``). ``pieces``: the labels' tokens (N,), as ``convert_ids_to_tokens`` gives them.

    Why split: one accuracy hides *what* was learned; a model that fills only "the" and "of" can still beat
    the frequency baseline.
    """
    counts = Counter(t for row in train_sequences for t in row if t not in special_ids)
    common = {t for t, _ in counts.most_common(n_common)}
    is_common = torch.tensor([int(t) in common for t in blanks.labels], dtype=torch.bool)
    is_piece = torch.tensor([p.startswith("##") for p in pieces], dtype=torch.bool)
    kinds = {f"the {n_common} most frequent tokens (mostly function words)": is_common,
             "other whole words": ~is_common & ~is_piece, "word pieces (##...)": is_piece}
    return {kind: {"blanks": int(where.sum()), "top1": blanks.accuracy(1, where), "top5": blanks.accuracy(5, where)}
            for kind, where in kinds.items()}


def frequent_characters(train_sequences: list[list[int]], tokens: list[str], n: int = ZH_FREQUENT) -> list[int]:
    """The ids of the ``n`` most frequent one-CJK-character tokens of the training text, most frequent first
    (ties by id). ``tokens``: the vocabulary, id order. In Chinese prose these are mostly function characters
    (的, 是, 在, 了, ...): the set is read off the corpus, not typed."""
    counts = Counter(t for row in train_sequences for t in row)
    chars = [t for t in counts if len(tokens[t]) == 1 and is_cjk(tokens[t])]
    return sorted(chars, key=lambda t: (-counts[t], t))[:n]


def accuracy_by_kind_zh(blanks: Blanks, train_sequences: list[list[int]], tokens: list[str],
                        n_frequent: int = ZH_FREQUENT) -> dict[str, dict]:
    """Top-1 / top-5 per kind of hidden token, for a Chinese vocabulary of characters: the training text's
    ``n_frequent`` most frequent characters (named in the kind, the first eight of them), the other Chinese
    characters (content characters, which need the context), punctuation (，。、: mostly guessable from the
    position) and everything else (Latin words and their pieces, digits). ``tokens``: the vocabulary, id order.
    """
    frequent = frequent_characters(train_sequences, tokens, n_frequent)
    labels = [tokens[int(t)] for t in blanks.labels]
    chosen = set(frequent)
    is_frequent = torch.tensor([int(t) in chosen for t in blanks.labels], dtype=torch.bool)
    is_char = torch.tensor([len(p) == 1 and is_cjk(p) for p in labels], dtype=torch.bool)
    is_punct = torch.tensor([all(map(is_punctuation, p)) for p in labels], dtype=torch.bool)
    names = ", ".join(tokens[t] for t in frequent[:8])
    kinds = {f"the {len(frequent)} most frequent characters ({names}, ...)": is_frequent,
             "other Chinese characters": is_char & ~is_frequent, "punctuation": is_punct,
             "other tokens (Latin words, ## pieces, digits, [UNK])": ~is_char & ~is_punct}
    return {kind: {"blanks": int(where.sum()), "top1": blanks.accuracy(1, where), "top5": blanks.accuracy(5, where)}
            for kind, where in kinds.items()}


def mlm_report(model, tokenizer, held_out: list[list[int]], train_sequences: list[list[int]],
               language: str = "en") -> dict:
    """A model card's figures: held-out top-1 / top-5 (15 % blanks, seed 0), the frequency baseline, by kind
    (``language="zh"``: the kinds of a Chinese vocabulary of characters, ``accuracy_by_kind_zh``).

    ``held_out`` and ``train_sequences``: token ids with [CLS]/[SEP], in ``tokenizer``'s vocabulary.
    """
    special = set(tokenizer.all_special_ids)
    blanks = fill_blanks(model, held_out, mask_token_id=tokenizer.mask_token_id, special_ids=special, seed=0)
    base = frequency_baseline(train_sequences, blanks.labels, special)
    pieces = tokenizer.convert_ids_to_tokens(blanks.labels.tolist())
    return {"held_out_segments": len(held_out), "blanks": len(blanks.labels),
            "top1": blanks.accuracy(1), "top5": blanks.accuracy(5),
            "baseline_most_frequent": {"top1": base["top1"], "top5": base["top5"],
                                       "tokens": tokenizer.convert_ids_to_tokens(base["most_frequent_ids"])},
            "per_kind": accuracy_by_kind_zh(blanks, train_sequences, tokenizer.convert_ids_to_tokens(
                range(tokenizer.vocab_size))) if language == "zh" else
            accuracy_by_kind(blanks, train_sequences, pieces, special)}
