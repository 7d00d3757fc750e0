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
* ``"eager"`` writes the formula out, step by step: the lesson, and the only path that can return the
  attention probabilities, apply a head mask or add relative-position scores;
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
from minibert.bert.unpadding import padding_layout


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
        # Cross-attention has no relative positions: query i and encoder token j are not in one sequence.
        self.position_embedding_type = "absolute" if is_cross_attention else config.position_embedding_type
        if self.position_embedding_type != "absolute":
            # Relative positions (Shaw et al., 2018; Huang et al., 2020, "Improve Transformer Models with
            # Better Relative Position Embeddings", method 3/4): one learned d-vector per distance
            # i - j in [-(P-1), P-1], looked up at index i - j + P - 1.
            self.max_position_embeddings = config.max_position_embeddings
            self.distance_embedding = nn.Embedding(2 * config.max_position_embeddings - 1,
                                                   self.attention_head_size)

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
            cross = getattr(past_key_values, "cross_attention_cache", None)
            if cross is not None and past_key_values.is_updated.get(self.layer_idx):
                # The encoder states do not change while decoding: their K and V were computed at the first step.
                return cross[self.layer_idx]
            k = self.split_heads(self.key(encoder_hidden_states))  # (B, H, S, d)
            v = self.split_heads(self.value(encoder_hidden_states))
            if cross is not None:
                cross.update(k, v, self.layer_idx)
                past_key_values.is_updated[self.layer_idx] = True
            return k, v
        k = self.split_heads(pad(self.key(hidden_states)))  # (B, H, T, d)
        v = self.split_heads(pad(self.value(hidden_states)))
        if past_key_values is not None:
            # Append this step's K, V to the earlier tokens' (the cache grows in place): (B, H, T_past + T, d).
            cache = getattr(past_key_values, "self_attention_cache", past_key_values)
            k, v = cache.update(k, v, self.layer_idx)
        return k, v

    def relative_position_scores(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Extra scores from the distance between query i and key j, (B, H, T, T_k)."""
        T, T_k, P = q.shape[2], k.shape[2], self.max_position_embeddings
        if T_k > P:
            # The table holds distances -(P-1) .. P-1 only; a longer sequence would index past it.
            raise ValueError(f"sequence length {T_k} is longer than max_position_embeddings={P}: relative position "
                             f"embeddings cover distances up to {P - 1} only; truncate the input to {P} tokens")
        # With a cache the T queries are the *last* T of the T_k positions: query i stands at T_k - T + i.
        pos_q = torch.arange(T_k - T, T_k, device=q.device)
        pos_k = torch.arange(T_k, device=q.device)
        distance = pos_q[:, None] - pos_k[None, :]  # (T, T_k): i - j
        r = self.distance_embedding(distance + self.max_position_embeddings - 1).to(q.dtype)  # (T, T_k, d)
        # relative_key: the query looks at "how far away": q_i · r_ij.
        scores = torch.einsum("bhid,ijd->bhij", q, r)
        if self.position_embedding_type == "relative_key_query":
            # ... and the key looks back at the same distance: k_j · r_ij.
            scores = scores + torch.einsum("bhjd,ijd->bhij", k, r)
        return scores

    def forward(
        self,
        hidden_states: torch.Tensor,  # (B, T, C)
        attention_mask: torch.Tensor | None = None,  # additive, broadcastable to (B, H, T, T_k)
        head_mask: torch.Tensor | None = None,  # (1, H, 1, 1) or broadcastable to (B, H, T, T_k)
        output_attentions: bool = False,
        encoder_hidden_states: torch.Tensor | None = None,  # (B, S, C), cross-attention only
        past_key_values=None,  # a cache (minibert/bert/cache.py), updated in place
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        # With unpadded inputs (minibert/bert/unpadding.py) hidden states come as (1, N, C) real rows: pad puts the
        # projected rows back in their (B, T) places for attention, unpad takes the context rows out again.
        pad, unpad, attention_mask = padding_layout(attention_mask)
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

        needs_eager = output_attentions or head_mask is not None or self.position_embedding_type != "absolute"
        if self.attn_implementation == "sdpa" and not needs_eager:
            # The fused kernel: same formula, no (B, H, T, T) probabilities kept for us to look at.
            context = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attention_mask, dropout_p=self.dropout.p if self.training else 0.0)
            return unpad(self.merge_heads(context)), None

        scores = torch.matmul(q, k.transpose(-1, -2))  # (B, H, T, T_k): how much query i matches key j
        if self.position_embedding_type != "absolute":
            scores = scores + self.relative_position_scores(q, k)  # added before the scaling
        scores = scores / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            scores = scores + attention_mask  # padding (and, in a decoder, future) keys get the dtype's minimum
            if scores.dtype == torch.float16:
                # fp16 tops out at 65504: a negative score plus min(fp16) overflows to -inf, and a row of
                # -inf is NaN after softmax. Clamp back to the finite minimum (bf16/fp32 have the range).
                scores = scores.clamp(min=torch.finfo(scores.dtype).min)
        probs = torch.softmax(scores, dim=-1)  # (B, H, T, T_k), each row sums to 1
        # Dropout on the probabilities drops whole keys at random for a query (as in the Transformer).
        probs = self.dropout(probs)
        if head_mask is not None:
            probs = probs * head_mask  # a 0 silences that head entirely
        context = torch.matmul(probs, v)  # (B, H, T, d): weighted average of the values
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
                encoder_hidden_states=None, past_key_values=None):
        context, probs = self.self(hidden_states, attention_mask, head_mask, output_attentions,
                                   encoder_hidden_states, past_key_values)
        return self.output(context, hidden_states), probs
