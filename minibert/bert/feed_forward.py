r"""The position-wise feed-forward block: `BertIntermediate` and `BertOutput`.

$$\operatorname{FFN}(x) = \operatorname{LayerNorm}(x + \operatorname{Dropout}(W_2\,\sigma(W_1 x + b_1) + b_2))$$

applied to every position independently (Vaswani et al., 2017, §3.3), σ the activation. W₁ widens C to the
intermediate size (4·C in BERT), the activation (GELU) bends it, W₂ narrows it back. Attention mixes information
*between* positions; this block transforms each position on its own, and holds two thirds of a layer's
parameters.

Because positions are independent, the block can run over the sequence in chunks
(``config.chunk_size_feed_forward``, Kitaev et al., 2020, "Reformer", §3): same result, and the
(B, T, 4·C) intermediate activation only ever exists for one chunk at a time.
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.bert.activations import get_activation
from minibert.bert.config import BertConfig


class BertIntermediate(nn.Module):
    """(B, T, C) → (B, T, I): widen and apply the activation."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = get_activation(config.hidden_act)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    """(B, T, I) intermediate and (B, T, C) sublayer input → (B, T, C): narrow, dropout, residual, LayerNorm."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


def apply_in_chunks(fn, chunk_size: int, dim: int, x: torch.Tensor) -> torch.Tensor:
    """``fn(x)`` computed on slices of ``chunk_size`` along ``dim`` and concatenated; 0 = in one go.

    Only valid for position-wise ``fn`` (each slice's output depends only on that slice).
    """
    if chunk_size <= 0 or x.shape[dim] <= chunk_size:
        return fn(x)
    return torch.cat([fn(part) for part in x.split(chunk_size, dim=dim)], dim=dim)
