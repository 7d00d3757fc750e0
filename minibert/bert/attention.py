r"""Multi-head self-attention: `BertSelfAttention`, `BertSelfOutput`, `BertAttention`.

Scaled dot-product attention (Vaswani et al., 2017, "Attention Is All You Need", §3.2.1):

$$\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\left(\frac{Q K^\top}{\sqrt{d}} + M\right) V$$

with Q, K, V linear projections of the same hidden states (hence *self*-attention), d the per-head size
and M the additive mask (minibert/bert/masks.py): padding for an encoder, padding and the future for a decoder.
The √d keeps the dot products' variance near 1 as d
grows, so the softmax does not saturate. H heads each attend in their own d = C / H dimensional
subspace; their outputs are concatenated back to C and mixed by one more linear layer (`BertSelfOutput`).

The same module serves a decoder in two more ways (Vaswani et al., §3.2.3): as *cross*-attention, the queries
come from the decoder and K, V from the encoder's output, so each target token reads the source sentence;
and with a key/value cache (minibert/bert/cache.py), K and V of tokens decoded earlier are kept, not recomputed,
and the new queries attend over them too. Only where K and V come from changes; the formula is the same.

Two ways to compute it, chosen by ``config.attn_implementation``:
* ``"eager"`` writes the formula out, step by step, in `attention` below: the lesson, and the only path that
  can return the attention probabilities, apply a head mask or add relative-position scores;
* ``"sdpa"`` calls ``torch.nn.functional.scaled_dot_product_attention``, one fused kernel. When a call
  needs what only eager can do, that call takes the eager path: both give the same numbers.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.config import BertConfig
from minibert.bert.pruning import heads_to_keep_index, prune_linear_layer
from minibert.bert.relative_positions import RelativePositionScores
from minibert.bert.unpadding import pad_and_unpad


def attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, mask: torch.Tensor | None = None,
              dropout: nn.Module | None = None, head_mask: torch.Tensor | None = None,
              score_bias: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q Kᵀ / √d + M) V, step by step. Q (B, H, T, d); K, V (B, H, T_k, d); ``mask`` M additive,
    broadcastable to (B, H, T, T_k); ``head_mask`` (1, H, 1, 1), 0 silences a head; ``score_bias`` (B, H, T, T_k)
    added to the raw scores (relative positions, minibert/bert/relative_positions.py).
    Returns the context (B, H, T, d) and the probabilities (B, H, T, T_k)."""
    scores = torch.matmul(query, key.transpose(-1, -2))  # (B, H, T, T_k): how much query i matches key j
    if score_bias is not None:
        scores = scores + score_bias  # before the scaling, as the reference adds it
    scores = scores / math.sqrt(query.shape[-1])  # keeps the scores' variance near 1 whatever d is
    if mask is not None:
        scores = scores + mask  # padding (and, in a decoder, future) keys get the dtype's minimum
        if scores.dtype == torch.float16:
            # fp16 tops out at 65504: a negative score plus min(fp16) overflows to -inf, and a row of
            # -inf is NaN after softmax. Clamp back to the finite minimum (bf16/fp32 have the range).
            scores = scores.clamp(min=torch.finfo(scores.dtype).min)
    probs = torch.softmax(scores, dim=-1)  # (B, H, T, T_k), each row sums to 1
    if dropout is not None:
        probs = dropout(probs)  # drops whole keys at random for a query (as in the Transformer)
    if head_mask is not None:
        probs = probs * head_mask  # a 0 silences that head entirely
    return torch.matmul(probs, value), probs  # (B, H, T, d): a weighted average of the values


class BertSelfAttention(nn.Module):
    """Q/K/V projections, per-head attention, heads merged back.

    Input (B, T, C) hidden states and an additive mask broadcastable to (B, H, T, T_k); output the context
    vectors (B, T, H·d) and, on the eager path, the attention probabilities (B, H, T, T_k). T_k = T for an
    encoder; T_past + T with a cache; the encoder's length S for cross-attention.
    """

    def __init__(self, config: BertConfig, layer_idx: int | None = None, is_cross_attention: bool = False):
        super().__init__()
        config.check_head_size()  # as in the reference: a self-attention built on its own refuses it too
        self.layer_idx = layer_idx  # which entry of a key/value cache is this layer's
        self.is_cross_attention = is_cross_attention  # K, V from encoder_hidden_states instead
        self.num_attention_heads = config.num_attention_heads  # H (shrinks when heads are pruned)
        self.attention_head_size = config.hidden_size // config.num_attention_heads  # d
        self.all_head_size = self.num_attention_heads * self.attention_head_size  # H·d
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)
        self.attn_implementation = config.attn_implementation
        # Relative positions (minibert/bert/relative_positions.py): a bias on the scores, from the distance i - j.
        # Cross-attention has none: query i and encoder token j are not in one sequence.
        kind = "absolute" if is_cross_attention else config.position_embedding_type
        self.position_embedding_type = kind
        if kind != "absolute":
            self.distance_embedding = RelativePositionScores(config.max_position_embeddings, self.attention_head_size,
                                                             with_keys=kind == "relative_key_query")

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, H·d) → (B, H, T, d): each head becomes a batch of its own."""
        B, T, _ = x.shape
        return x.view(B, T, self.num_attention_heads, self.attention_head_size).transpose(1, 2)

    @staticmethod
    def merge_heads(x: torch.Tensor) -> torch.Tensor:
        """(B, H, T, d) → (B, T, H·d): the heads' outputs side by side."""
        B, H, T, d = x.shape
        return x.transpose(1, 2).reshape(B, T, H * d)

    def keys_and_values(self, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor | None,
                        past_key_values, pad) -> tuple[torch.Tensor, torch.Tensor]:
        """K and V, each (B, H, T_k, d): projected from this step's input, joined to what the cache kept.

        ``pad`` re-pads unpadded rows (minibert/bert/unpadding.py; an encoder-only path) and is the identity otherwise.
        """
        if self.is_cross_attention:
            def project():  # from the encoder's states: (B, H, S, d) each
                encoder = encoder_hidden_states
                return self.split_heads(self.key(encoder)), self.split_heads(self.value(encoder))

            # A decoder's cache projects them at the first step only: the encoder states do not change.
            return project() if past_key_values is None else past_key_values.cross_attention_keys_values(
                self.layer_idx, project)
        k = self.split_heads(pad(self.key(hidden_states)))  # (B, H, T, d)
        v = self.split_heads(pad(self.value(hidden_states)))
        if past_key_values is not None:
            # Append this step's K, V to the earlier tokens' (the cache grows in place): (B, H, T_past + T, d).
            k, v = past_key_values.self_attention_update(k, v, self.layer_idx)
        return k, v

    def forward(
        self,
        hidden_states: torch.Tensor,  # (B, T, C), or (1, N, C) real rows with a layout
        attention_mask: torch.Tensor | None = None,  # additive, broadcastable to (B, H, T, T_k)
        head_mask: torch.Tensor | None = None,  # (1, H, 1, 1) or broadcastable to (B, H, T, T_k)
        output_attentions: bool = False,
        encoder_hidden_states: torch.Tensor | None = None,  # (B, S, C), cross-attention only
        past_key_values=None,  # a cache (minibert/bert/cache.py), updated in place
        *,
        layout=None,  # an UnpaddedBatch (minibert/bert/unpadding.py): where the N rows sit in the (B, T) grid
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        # With a layout, pad puts the projected rows back in their (B, T) places for attention, unpad takes the
        # context rows out again; without one both are the identity.
        pad, unpad = pad_and_unpad(layout)
        if self.num_attention_heads == 0:
            # Every head was pruned: nothing to attend with. The context is empty; BertSelfOutput then adds
            # only its bias to the residual.
            B, T, _ = pad(hidden_states[..., :0]).shape
            return unpad(hidden_states.new_zeros(B, T, 0)), hidden_states.new_zeros(B, 0, T, T)
        if head_mask is not None and head_mask.dim() == 4 and head_mask.shape[1] not in (1, self.num_attention_heads):
            raise ValueError(f"head_mask gives {head_mask.shape[1]} heads but this layer has "
                             f"{self.num_attention_heads} (pruned heads are gone: mask only the remaining ones)")
        q = self.split_heads(pad(self.query(hidden_states)))  # (B, H, T, d)
        k, v = self.keys_and_values(hidden_states, encoder_hidden_states, past_key_values, pad)  # (B, H, T_k, d)
        # Relative positions (minibert/bert/relative_positions.py): a bias (B, H, T, T_k) from the distance i - j.
        score_bias = self.distance_embedding(q, k) if self.position_embedding_type != "absolute" else None

        if self.attn_implementation == "sdpa" and not (output_attentions or head_mask is not None or
                                                       score_bias is not None):
            # The fused kernel: same formula, no (B, H, T, T) probabilities kept for us to look at.
            context = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attention_mask, dropout_p=self.dropout.p if self.training else 0.0)
            return unpad(self.merge_heads(context)), None
        context, probs = attention(q, k, v, attention_mask, self.dropout, head_mask, score_bias)
        return unpad(self.merge_heads(context)), probs


class BertSelfOutput(nn.Module):
    """Mix the heads, then the residual sublayer: LayerNorm(x + Dropout(W·context + b)).

    (B, T, H·d) context and (B, T, C) sublayer input → (B, T, C). The residual connection (He et al.,
    2016) lets each layer learn a correction to its input; post-LayerNorm is the original BERT ordering.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertAttention(nn.Module):
    """Self-attention (or cross-attention) plus its output sublayer, and head pruning.

    (B, T, C) → ((B, T, C), probabilities (B, H, T, T_k) or None).
    """

    def __init__(self, config: BertConfig, layer_idx: int | None = None, is_cross_attention: bool = False):
        super().__init__()
        self.self = BertSelfAttention(config, layer_idx, is_cross_attention)
        self.output = BertSelfOutput(config)
        self.pruned_heads: set[int] = set()  # in the *original* numbering, across repeated calls

    def prune_heads(self, heads) -> None:
        """Remove heads (original indices) for good: Q/K/V lose their rows, the output dense its columns."""
        heads = set(heads) - self.pruned_heads
        if not heads:
            return
        attn = self.self
        index = heads_to_keep_index(heads, attn.num_attention_heads, attn.attention_head_size, self.pruned_heads)
        attn.query = prune_linear_layer(attn.query, index, dim=0)  # rows: output features of Q
        attn.key = prune_linear_layer(attn.key, index, dim=0)
        attn.value = prune_linear_layer(attn.value, index, dim=0)
        self.output.dense = prune_linear_layer(self.output.dense, index, dim=1)  # columns: its inputs
        attn.num_attention_heads -= len(heads)
        attn.all_head_size = attn.num_attention_heads * attn.attention_head_size
        self.pruned_heads |= heads

    def forward(self, hidden_states, attention_mask=None, head_mask=None, output_attentions=False,
                encoder_hidden_states=None, past_key_values=None, *, layout=None):
        context, probs = self.self(hidden_states, attention_mask, head_mask, output_attentions,
                                   encoder_hidden_states, past_key_values, layout=layout)
        return self.output(context, hidden_states), probs
