r"""`BertLayer`: one Transformer encoder block = attention sublayer, then feed-forward sublayer.

$$a = \operatorname{LayerNorm}\left(x + \operatorname{SelfAttention}(x)\right) \qquad \text{(BertAttention)}$$

$$y = \operatorname{LayerNorm}\left(a + \operatorname{FFN}(a)\right) \qquad \text{(BertIntermediate + BertOutput)}$$

Both sublayers keep the shape (B, T, C), so layers stack: BERT-base has 12 of these, identical in shape
and different in weights.
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.attention import BertAttention
from minibert.config import BertConfig
from minibert.feed_forward import BertIntermediate, BertOutput, apply_in_chunks


class BertLayer(nn.Module):
    """(B, T, C) → ((B, T, C), attention probabilities (B, H, T, T) or None)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.chunk_size_feed_forward = config.chunk_size_feed_forward
        self.seq_len_dim = 1  # chunks are cut along the sequence: positions are independent in the FFN
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def feed_forward_chunk(self, attention_output: torch.Tensor) -> torch.Tensor:
        return self.output(self.intermediate(attention_output), attention_output)

    def forward(self, hidden_states, attention_mask=None, head_mask=None, output_attentions=False):
        attention_output, probs = self.attention(hidden_states, attention_mask, head_mask, output_attentions)
        layer_output = apply_in_chunks(self.feed_forward_chunk, self.chunk_size_feed_forward, self.seq_len_dim,
                                       attention_output)
        return layer_output, probs
