"""From a padding mask to the additive mask attention adds to its scores, and the head mask.

A batch pads short sentences to a common length T. ``attention_mask`` marks real tokens with 1 and
padding with 0, shape (B, T). Attention must give padding keys zero weight, and it does so by adding a
huge negative number to their scores before the softmax: exp(score + min) underflows to 0.

    additive[b, 0, 0, j] = 0        if attention_mask[b, j] == 1
                         = min_f    otherwise          (min_f = most negative finite value of the dtype)

The most negative *finite* value rather than -inf: a row with no real key at all (an all-padding
sequence) then gets equal scores everywhere and a uniform softmax instead of NaN (-inf - -inf). And not
the -1e4 of older code: -1e4 is not small enough in fp32 to silence large scores, and it differs per dtype.

A decoder (``config.is_decoder``) also hides the future: token i may read tokens 0..i only, so that what
it predicts (token i + 1) is not in its input. Combined with padding (· = allowed, x = masked), for the
batch row [a b c PAD]:

    bidirectional (encoder)      causal (decoder)
        a b c P                      a b c P
    a   · · · x                  a   · x x x
    b   · · · x                  b   · · x x
    c   · · · x                  c   · · · x
    P   · · · x                  P   · · · x

With a cache of T_past earlier tokens, the T new queries stand at positions T_past .. T_past + T - 1 and the
mask is (T, T_past + T): every kept token is in the past of every new one.
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


def causal_attention_mask(attention_mask: torch.Tensor | None, batch_size: int, seq_len: int, past_len: int,
                          dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A decoder's self-attention mask: padding mask (B, T_past + T) or None → additive (B, 1, T, T_past + T).

    Query i (at position T_past + i) may attend to key j when j <= T_past + i and key j is not padding.
    """
    keys = torch.arange(past_len + seq_len, device=device)
    queries = keys[past_len:]
    visible = keys[None, :] <= queries[:, None]  # (T, T_k): the lower triangle, shifted right by T_past
    visible = visible.expand(batch_size, -1, -1)  # (B, T, T_k)
    if attention_mask is not None:
        visible = visible & attention_mask[:, None, :].bool()  # and not padding
    return extended_attention_mask(visible, dtype)


def self_attention_mask(attention_mask: torch.Tensor | None, is_decoder: bool, batch_size: int, seq_len: int,
                        past_len: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor | None:
    """The additive mask `BertModel` gives every self-attention layer, or None when nothing is hidden.

    ``attention_mask``: the caller's 0/1 mask, (B, T_past + T) or (B, T, T_past + T), or None. An encoder hides
    padding, (B, 1, 1, T_k); a decoder hides padding and the future, (B, 1, T, T_k). A 3-D mask is the caller's
    own picture of who sees whom and is used as given, also in a decoder (as in the reference).
    """
    if is_decoder and (attention_mask is None or attention_mask.dim() == 2):
        # One new query without padding sees every kept token: nothing to hide. Otherwise hide the future.
        if seq_len > 1 or (attention_mask is not None and not bool(attention_mask.all())):
            return causal_attention_mask(attention_mask, batch_size, seq_len, past_len, dtype, device)
        return None
    if attention_mask is None or (attention_mask.dim() == 2 and bool(attention_mask.all())):
        return None  # no padding: nothing to add, and SDPA may then pick a faster kernel
    return extended_attention_mask(attention_mask, dtype)  # (B, 1, 1, T) or (B, 1, T, T)


def cross_attention_mask(encoder_attention_mask: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor | None:
    """A decoder's mask over the encoder's S tokens, (B, S) or (B, T, S) 0/1 → additive (B, 1, 1 or T, S), or None
    when there is none or it hides nothing."""
    if encoder_attention_mask is None or bool(encoder_attention_mask.all()):
        return None
    return extended_attention_mask(encoder_attention_mask, dtype)


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
