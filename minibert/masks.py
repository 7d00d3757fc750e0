"""From a padding mask to the additive mask attention adds to its scores, and the head mask.

A batch pads short sentences to a common length T. ``attention_mask`` marks real tokens with 1 and
padding with 0, shape (B, T). Attention must give padding keys zero weight, and it does so by adding a
huge negative number to their scores before the softmax: exp(score + min) underflows to 0.

    additive[b, 0, 0, j] = 0        if attention_mask[b, j] == 1
                         = min_f    otherwise          (min_f = most negative finite value of the dtype)

The most negative *finite* value rather than -inf: a row with no real key at all (an all-padding
sequence) then gets equal scores everywhere and a uniform softmax instead of NaN (-inf - -inf). And not
the -1e4 of older code: -1e4 is not small enough in fp32 to silence large scores, and it differs per dtype.
"""

from __future__ import annotations

import torch


def extended_attention_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(B, T) or (B, T_q, T_k) 0/1 mask → additive (B, 1, 1, T) or (B, 1, T_q, T_k) mask in ``dtype``.

    The singleton dimensions broadcast over heads (and over queries for a 2-D mask).
    """
    if attention_mask.dim() == 2:
        mask = attention_mask[:, None, None, :]  # (B, 1, 1, T_k)
    elif attention_mask.dim() == 3:
        mask = attention_mask[:, None, :, :]  # (B, 1, T_q, T_k)
    else:
        raise ValueError(f"attention_mask must have 2 dims (batch, seq) or 3 (batch, from_seq, to_seq), "
                         f"got shape {tuple(attention_mask.shape)}")
    mask = mask.to(dtype)
    return (1.0 - mask) * torch.finfo(dtype).min


def expand_head_mask(head_mask: torch.Tensor | None, num_layers: int, dtype: torch.dtype) -> list:
    """``head_mask`` (H,) or (L, H), 1 = keep a head, 0 = silence it → one (1, H, 1, 1) mask per layer.

    Each layer multiplies its attention probabilities (B, H, T, T) by its mask, so a 0 removes that head's
    contribution to the context vectors exactly as pruning it would (Michel et al., 2019, "Are Sixteen
    Heads Really Better than One?"). ``None`` gives ``[None] * L``.
    """
    if head_mask is None:
        return [None] * num_layers
    if head_mask.dim() == 1:
        head_mask = head_mask.unsqueeze(0).expand(num_layers, -1)  # the same mask for every layer
    elif head_mask.dim() != 2:
        raise ValueError(f"head_mask must have shape (num_heads,) or (num_layers, num_heads), got "
                         f"{tuple(head_mask.shape)}")
    if head_mask.shape[0] != num_layers:
        raise ValueError(f"head_mask has {head_mask.shape[0]} rows but the model has {num_layers} layers")
    head_mask = head_mask.to(dtype)
    return [head_mask[i][None, :, None, None] for i in range(num_layers)]  # each (1, H, 1, 1)
