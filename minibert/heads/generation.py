"""Greedy decoding: `generate` writes a continuation one token at a time, each the model's most likely next token.

    prompt (B, T) ─model─► logits (B, T, V) ─argmax of the last position─► token T+1 ─append─► (B, T+1) ─► ...

With the key/value cache (minibert/bert/cache.py) the prompt is read once; every later step feeds only the token
just chosen, and attends over the kept keys and values. Without it (``use_cache=False``) every step reads
the whole sequence again: same tokens, T times the work.

Batched prompts of different lengths are padded on the *left*, so every row's next token comes at the same
place, the end. Their positions then count real tokens only (``cumsum(attention_mask) - 1``), so a row's
first real token stands at position 0 whatever its padding, as in the reference's ``generate``. A row that
produces ``eos_token_id`` is finished: it gets ``pad_token_id`` from then on, and decoding stops when every
row has finished or ``max_new_tokens`` are written.
"""

from __future__ import annotations

import torch


@torch.no_grad()
def greedy_generate(model, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, *,
                    max_new_tokens: int | None = None, max_length: int | None = None, do_sample: bool = False,
                    num_beams: int = 1, eos_token_id: int | list[int] | None = None, pad_token_id: int | None = None,
                    use_cache: bool = True, token_type_ids: torch.Tensor | None = None,
                    **model_kwargs) -> torch.Tensor:
    """Prompt ids (B, T) → (B, T + N) ids, N <= ``max_new_tokens`` (default: up to ``max_length`` = 20 in all).

    ``model_kwargs`` go to every forward call, e.g. ``encoder_hidden_states`` and ``encoder_attention_mask``
    for a decoder with cross-attention. The reference's ``generate(do_sample=False)`` gives the same tokens.
    """
    if do_sample or num_beams != 1:
        raise ValueError("minibert's generate decodes greedily: do_sample=False, num_beams=1 "
                         f"(got do_sample={do_sample}, num_beams={num_beams})")
    config = model.config
    B, T = input_ids.shape
    if max_new_tokens is None:
        max_new_tokens = (20 if max_length is None else max_length) - T  # the reference's default length
    eos = getattr(config, "eos_token_id", None) if eos_token_id is None else eos_token_id
    eos = None if eos is None else torch.tensor(eos, device=input_ids.device).flatten()
    pad = config.pad_token_id if pad_token_id is None else pad_token_id
    if pad is None and eos is not None:
        pad = int(eos[0])  # finished rows need some filler; the reference uses the (first) end token
    if attention_mask is None:
        # As the reference: when the prompt holds the pad id (and it is not also the end token), that is padding.
        infer = pad is not None and bool((input_ids == pad).any()) and (eos is None or pad not in eos.tolist())
        attention_mask = input_ids.ne(pad).long() if infer else torch.ones_like(input_ids)

    tokens, step_ids, cache = input_ids, input_ids, None
    unfinished = torch.ones(B, dtype=torch.bool, device=input_ids.device)
    for _ in range(max(max_new_tokens, 0)):
        position_ids = attention_mask.long().cumsum(-1) - 1  # count real tokens only (left padding)
        position_ids = position_ids.masked_fill(attention_mask == 0, 1)
        n = step_ids.shape[1]  # the whole prompt first, then one token per step with the cache
        out = model(step_ids, attention_mask, None if token_type_ids is None else token_type_ids[:, -n:],
                    position_ids[:, -n:], past_key_values=cache, use_cache=use_cache, return_dict=True,
                    **model_kwargs)
        next_tokens = out.logits[:, -1].argmax(dim=-1)  # (B,): the most likely next token of each row
        if eos is not None:
            next_tokens = torch.where(unfinished, next_tokens, torch.full_like(next_tokens, pad))
        tokens = torch.cat([tokens, next_tokens[:, None]], dim=1)
        attention_mask = torch.cat([attention_mask, attention_mask.new_ones(B, 1)], dim=1)
        if token_type_ids is not None:
            token_type_ids = torch.cat([token_type_ids, token_type_ids[:, -1:]], dim=1)  # same segment as before
        cache = out.past_key_values  # None without a cache (use_cache=False, or a model that is no decoder)
        step_ids = tokens if cache is None else next_tokens[:, None]
        if eos is not None:
            unfinished &= ~torch.isin(next_tokens, eos)
            if not unfinished.any():
                break
    return tokens
