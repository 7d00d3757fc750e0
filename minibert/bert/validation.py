"""Input checks for the model's forward pass: a clear error naming the value, before any kernel runs."""

from __future__ import annotations

import torch

from minibert.bert.config import BertConfig


def _check_int_range(name: str, t: torch.Tensor, upper: int, what: str) -> None:
    if t.dtype.is_floating_point or t.dtype.is_complex or t.dtype == torch.bool:
        raise TypeError(f"{name} must be an integer tensor (torch.long), got dtype {t.dtype}")
    if t.numel() == 0:
        return
    lo, hi = int(t.min()), int(t.max())
    if lo < 0 or hi >= upper:
        bad = lo if lo < 0 else hi
        raise ValueError(f"{name} contains {bad}, outside [0, {upper}) ({what})")


def check_model_inputs(config: BertConfig, input_ids, attention_mask, token_type_ids, position_ids,
                       inputs_embeds, past_length: int = 0) -> tuple[int, int]:
    """Validate the forward arguments of a BERT model; return the batch size B and sequence length T.

    ``past_length``: tokens a decoder's cache already holds; the new ones come after them, and the attention
    mask covers both, (B, past_length + T).
    """
    if (input_ids is None) == (inputs_embeds is None):
        raise ValueError("pass exactly one of input_ids or inputs_embeds (got "
                         f"{'both' if input_ids is not None else 'neither'})")
    if input_ids is not None:
        if not isinstance(input_ids, torch.Tensor):
            raise TypeError(f"input_ids must be a torch.Tensor of shape (batch, seq), got {type(input_ids).__name__}")
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must have shape (batch, seq), got {tuple(input_ids.shape)}")
        shape = tuple(input_ids.shape)
        _check_int_range("input_ids", input_ids, config.vocab_size, f"vocab_size is {config.vocab_size}")
    else:
        if inputs_embeds.dim() != 3 or inputs_embeds.shape[-1] != config.hidden_size:
            raise ValueError(f"inputs_embeds must have shape (batch, seq, {config.hidden_size}), got "
                             f"{tuple(inputs_embeds.shape)}")
        shape = tuple(inputs_embeds.shape[:2])
    B, T = shape
    if B == 0 or T == 0:
        raise ValueError(f"empty input: shape {shape}; need at least one sequence of at least one token")
    if position_ids is None and config.position_embedding_type == "absolute" and (
            past_length + T > config.max_position_embeddings):
        if past_length:
            raise ValueError(f"{past_length} cached tokens + {T} new ones exceed max_position_embeddings="
                             f"{config.max_position_embeddings}: the model has no position beyond that")
        raise ValueError(f"sequence length {T} exceeds max_position_embeddings={config.max_position_embeddings}; "
                         "truncate the input (tokenizer truncation=True)")
    if position_ids is not None:
        if position_ids.shape[-1] != T or position_ids.dim() not in (1, 2):
            raise ValueError(f"position_ids shape {tuple(position_ids.shape)} does not match input shape {shape}")
        _check_int_range("position_ids", position_ids, config.max_position_embeddings,
                         f"max_position_embeddings is {config.max_position_embeddings}")
    if token_type_ids is not None:
        if tuple(token_type_ids.shape) != shape:
            raise ValueError(f"token_type_ids shape {tuple(token_type_ids.shape)} does not match input shape {shape}")
        _check_int_range("token_type_ids", token_type_ids, config.type_vocab_size,
                         f"type_vocab_size is {config.type_vocab_size}")
    if attention_mask is not None:
        if not isinstance(attention_mask, torch.Tensor):
            raise TypeError(f"attention_mask must be a torch.Tensor, got {type(attention_mask).__name__}")
        T_k = past_length + T  # keys: the cached tokens, then the new ones
        ok = (attention_mask.dim() == 2 and tuple(attention_mask.shape) == (B, T_k)) or (
            attention_mask.dim() == 3 and tuple(attention_mask.shape) == (B, T, T_k))
        if not ok:
            cached = f" ({past_length} cached + {T} new tokens)" if past_length else ""
            raise ValueError(f"attention_mask shape {tuple(attention_mask.shape)} does not match input shape "
                             f"{shape}{cached}; expected {(B, T_k)} or {(B, T, T_k)}")
        if attention_mask.dtype.is_floating_point and attention_mask.numel():
            if not bool(((attention_mask == 0) | (attention_mask == 1)).all()):
                raise ValueError("attention_mask must hold only 0 (padding) and 1 (real token); got other values")
    return B, T


def check_encoder_inputs(config: BertConfig, B: int, T: int, encoder_hidden_states, encoder_attention_mask) -> None:
    """What cross-attention reads: ``encoder_hidden_states`` (B, S, C) and a mask (B, S) or (B, T, S)."""
    if not isinstance(encoder_hidden_states, torch.Tensor) or encoder_hidden_states.dim() != 3 or (
            encoder_hidden_states.shape[0] != B or encoder_hidden_states.shape[2] != config.hidden_size):
        got = tuple(encoder_hidden_states.shape) if isinstance(encoder_hidden_states, torch.Tensor) else type(
            encoder_hidden_states).__name__
        raise ValueError(f"encoder_hidden_states must have shape (batch={B}, encoder_seq, hidden_size="
                         f"{config.hidden_size}), got {got}")
    if encoder_attention_mask is not None:
        S = encoder_hidden_states.shape[1]
        if tuple(encoder_attention_mask.shape) not in ((B, S), (B, T, S)):
            raise ValueError(f"encoder_attention_mask shape {tuple(encoder_attention_mask.shape)} does not match "
                             f"encoder_hidden_states {tuple(encoder_hidden_states.shape)}; expected {(B, S)} or "
                             f"{(B, T, S)}")
