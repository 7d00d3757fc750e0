r"""Multi-head self-attention: `BertSelfAttention`, `BertSelfOutput`, `BertAttention`.

Scaled dot-product attention (Vaswani et al., 2017, "Attention Is All You Need", §3.2.1):

$$\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\left(\frac{Q K^\top}{\sqrt{d}} + M\right) V$$

with Q, K, V linear projections of the same hidden states (hence *self*-attention), d the per-head size
and M the additive padding mask (minibert/masks.py). The √d keeps the dot products' variance near 1 as d
grows, so the softmax does not saturate. H heads each attend in their own d = C / H dimensional
subspace; their outputs are concatenated back to C and mixed by one more linear layer (`BertSelfOutput`).

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

from minibert.config import BertConfig
from minibert.pruning import heads_to_keep_index, prune_linear_layer
from minibert.unpadding import padding_layout


class BertSelfAttention(nn.Module):
    """Q/K/V projections, per-head attention, heads merged back.

    Input (B, T, C) hidden states and an additive mask broadcastable to (B, H, T, T); output the context
    vectors (B, T, H·d) and, on the eager path, the attention probabilities (B, H, T, T).
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads  # H (shrinks when heads are pruned)
        self.attention_head_size = config.hidden_size // config.num_attention_heads  # d
        self.all_head_size = self.num_attention_heads * self.attention_head_size  # H·d
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)
        self.attn_implementation = config.attn_implementation
        self.position_embedding_type = config.position_embedding_type
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

    def relative_position_scores(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Extra scores from the distance between query i and key j, (B, H, T, T)."""
        T, P = q.shape[2], self.max_position_embeddings
        if T > P:
            # The table holds distances -(P-1) .. P-1 only; a longer sequence would index past it.
            raise ValueError(f"sequence length {T} is longer than max_position_embeddings={P}: relative position "
                             f"embeddings cover distances up to {P - 1} only; truncate the input to {P} tokens")
        pos = torch.arange(T, device=q.device)
        distance = pos[:, None] - pos[None, :]  # (T, T): i - j
        r = self.distance_embedding(distance + self.max_position_embeddings - 1).to(q.dtype)  # (T, T, d)
        # relative_key: the query looks at "how far away": q_i · r_ij.
        scores = torch.einsum("bhid,ijd->bhij", q, r)
        if self.position_embedding_type == "relative_key_query":
            # ... and the key looks back at the same distance: k_j · r_ij.
            scores = scores + torch.einsum("bhjd,ijd->bhij", k, r)
        return scores

    def forward(
        self,
        hidden_states: torch.Tensor,  # (B, T, C)
        attention_mask: torch.Tensor | None = None,  # additive, broadcastable to (B, H, T, T)
        head_mask: torch.Tensor | None = None,  # (1, H, 1, 1) or broadcastable to (B, H, T, T)
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        # With unpadded inputs (minibert/unpadding.py) hidden states come as (1, N, C) real rows: pad puts the
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
        k = self.split_heads(pad(self.key(hidden_states)))  # (B, H, T, d)
        v = self.split_heads(pad(self.value(hidden_states)))  # (B, H, T, d)

        needs_eager = output_attentions or head_mask is not None or self.position_embedding_type != "absolute"
        if self.attn_implementation == "sdpa" and not needs_eager:
            # The fused kernel: same formula, no (B, H, T, T) probabilities kept for us to look at.
            context = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attention_mask, dropout_p=self.dropout.p if self.training else 0.0)
            return unpad(self.merge_heads(context)), None

        scores = torch.matmul(q, k.transpose(-1, -2))  # (B, H, T, T): how much query i matches key j
        if self.position_embedding_type != "absolute":
            scores = scores + self.relative_position_scores(q, k)  # added before the scaling
        scores = scores / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            scores = scores + attention_mask  # padding keys get the dtype's minimum
            if scores.dtype == torch.float16:
                # fp16 tops out at 65504: a negative score plus min(fp16) overflows to -inf, and a row of
                # -inf is NaN after softmax. Clamp back to the finite minimum (bf16/fp32 have the range).
                scores = scores.clamp(min=torch.finfo(scores.dtype).min)
        probs = torch.softmax(scores, dim=-1)  # (B, H, T, T), each row sums to 1
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
    """Self-attention plus its output sublayer, and head pruning.

    (B, T, C) → ((B, T, C), probabilities (B, H, T, T) or None).
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
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

    def forward(self, hidden_states, attention_mask=None, head_mask=None, output_attentions=False):
        context, probs = self.self(hidden_states, attention_mask, head_mask, output_attentions)
        return self.output(context, hidden_states), probs
