"""``fill-mask``: BERT's pre-training task, run forwards. Which words fit in place of ``[MASK]``?

    "paris is the [MASK] of france."  ─BertForMaskedLM─►  logits (T, V) at the mask  ─softmax─►
    [{"score": 0.93, "token": 3007, "token_str": "capital", "sequence": "paris is the capital of france."}, ...]

The masked-LM head scores every vocabulary entry at every position (Devlin et al., 2019, §3.1); the
pipeline only reads the row at each ``[MASK]``. With several masks, each gets its own independent top-k
(the probabilities are per position, not joint), as in the reference.
"""

from __future__ import annotations

import logging

import torch

from minibert.heads.masked_lm import BertForMaskedLM
from minibert.pipelines.base import Pipeline, PipelineError, as_batch

logger = logging.getLogger("minibert.pipelines")


class FillMaskPipeline(Pipeline):
    """``pipe("text with [MASK]", top_k=5, targets=None)`` -> list of dicts (a list of such lists per mask
    when the text has several masks, and per text for a list of texts). ``tokenizer_kwargs`` (e.g.
    ``{"truncation": True, "max_length": 64}``) go to the tokenizer, as in the reference."""

    task = "fill-mask"
    model_class = BertForMaskedLM
    head_prefix = "cls.predictions"
    head_name = "masked-LM head (cls.predictions.*)"

    def __call__(self, inputs, top_k: int = 5, targets=None, truncation: bool = False,
                 tokenizer_kwargs: dict | None = None):
        texts, batched = as_batch(inputs)
        if top_k < 1:
            raise PipelineError(f"top_k must be >= 1, got {top_k}")
        target_ids = None if targets is None else self.target_ids(targets)
        rows = []
        for text in texts:
            row = self.encode(text, **{"truncation": truncation, **(tokenizer_kwargs or {})})
            if self.tokenizer.mask_token_id not in row["input_ids"]:
                raise PipelineError(f"no {self.tokenizer.mask_token} token in the input {text!r:.80}; "
                                    f"put {self.tokenizer.mask_token} where a word should be predicted")
            rows.append(row)
        results = [self.postprocess(row, out["logits"], top_k, target_ids)
                   for row, out in zip(rows, self.run_rows(rows))]
        if batched and len(results) > 1:
            return results
        return results[0]  # like the reference, a one-element list gives the bare result

    def target_ids(self, targets) -> torch.Tensor:
        """Vocabulary ids of the ``targets`` words; a word outside the vocabulary stands for its first piece."""
        targets = [targets] if isinstance(targets, str) else list(targets)
        vocab = self.tokenizer.get_vocab()
        ids = []
        for target in targets:
            if target in vocab:
                ids.append(vocab[target])
                continue
            pieces = self.tokenizer(target, add_special_tokens=False)["input_ids"]
            if not pieces:
                logger.warning("target %r has no tokens at all; ignoring it", target)
                continue
            logger.warning("target %r is not in the vocabulary; using its first piece %r instead", target,
                           self.tokenizer.convert_ids_to_tokens(pieces[0]))
            ids.append(pieces[0])
        if not ids:
            raise PipelineError(f"none of the targets {targets!r} can be scored: give at least one word")
        return torch.tensor(sorted(set(ids)))  # (K,) int64

    def postprocess(self, row: dict, logits: torch.Tensor, top_k: int, target_ids) -> list:
        """logits (T, V) of one text -> a list of top-k dicts per ``[MASK]`` (one list if a single mask)."""
        ids = torch.tensor(row["input_ids"])  # (T,)
        masks = (ids == self.tokenizer.mask_token_id).nonzero().flatten()  # (M,) positions of the masks
        probs = logits[masks].softmax(dim=-1)  # (M, V): a distribution over the vocabulary per mask
        if target_ids is not None:
            probs = probs[:, target_ids]  # (M, K): only the targets' probabilities (not renormalised)
        values, choices = probs.topk(min(top_k, probs.shape[-1]))  # (M, k) each
        single = len(masks) == 1
        per_mask = []
        for position, scores, picks in zip(masks.tolist(), values.tolist(), choices.tolist()):
            rows = []
            for score, pick in zip(scores, picks):
                token = int(target_ids[pick]) if target_ids is not None else pick
                filled = ids.clone()
                filled[position] = token
                # With one mask the special tokens are dropped for readability; with several, the other
                # [MASK]s must stay visible, so nothing is dropped.
                kept = [t for t in filled.tolist() if t != self.tokenizer.pad_token_id]
                sequence = self.tokenizer.decode(kept, skip_special_tokens=single)
                rows.append({"score": score, "token": token, "token_str": self.tokenizer.decode([token]),
                             "sequence": sequence})
            per_mask.append(rows)
        return per_mask[0] if single else per_mask
