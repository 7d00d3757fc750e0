r"""`BertLayer`: one Transformer encoder block = attention sublayer, then feed-forward sublayer.

$$a = \operatorname{LayerNorm}\left(x + \operatorname{SelfAttention}(x)\right) \qquad \text{(BertAttention)}$$

$$y = \operatorname{LayerNorm}\left(a + \operatorname{FFN}(a)\right) \qquad \text{(BertIntermediate + BertOutput)}$$

Both sublayers keep the shape (B, T, C), so layers stack: BERT-base has 12 of these, identical in shape
and different in weights.

The same block is a Transformer *decoder* block (Vaswani et al., 2017, §3.1) with two changes made
elsewhere: its self-attention mask is causal (minibert/bert/masks.py: token i sees tokens 0..i only), and, with
``config.add_cross_attention``, a third sublayer sits between the two, attending from the decoder's tokens
to the encoder's output:

    c = LayerNorm(a + CrossAttention(a, encoder_hidden_states))      (crossattention)
    y = LayerNorm(c + FFN(c))
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.bert.attention import BertAttention
from minibert.bert.config import BertConfig
from minibert.bert.feed_forward import BertIntermediate, BertOutput, apply_in_chunks


class BertLayer(nn.Module):
    """(B, T, C) → ((B, T, C), self-attention probabilities (B, H, T, T_k) or None).

    With cross-attention the output also carries its probabilities (B, H, T, S) or None, third.
    """

    def __init__(self, config: BertConfig, layer_idx: int | None = None):
        super().__init__()
        self.chunk_size_feed_forward = config.chunk_size_feed_forward
        self.seq_len_dim = 1  # chunks are cut along the sequence: positions are independent in the FFN
        self.attention = BertAttention(config, layer_idx)
        if config.add_cross_attention:
            if not config.is_decoder:
                raise ValueError("add_cross_attention=True needs is_decoder=True: cross-attention reads an encoder's "
                                 "output from a decoder; set both (as EncoderDecoderModel's decoder does)")
            # Same shapes and parameter names as self-attention: ``crossattention.self.query`` etc.
            self.crossattention = BertAttention(config, layer_idx, is_cross_attention=True)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def feed_forward_chunk(self, attention_output: torch.Tensor) -> torch.Tensor:
        return self.output(self.intermediate(attention_output), attention_output)

    def forward(self, hidden_states, attention_mask=None, head_mask=None, output_attentions=False,
                encoder_hidden_states=None, encoder_attention_mask=None, past_key_values=None, *, layout=None):
        # layout: the unpadded rows' places (minibert/bert/unpadding.py), for self-attention only (an encoder path)
        attention_output, probs = self.attention(hidden_states, attention_mask, head_mask, output_attentions,
                                                 past_key_values=past_key_values, layout=layout)
        outputs = (probs,)
        if encoder_hidden_states is not None:
            if not hasattr(self, "crossattention"):
                raise ValueError("encoder_hidden_states were passed, but this model has no cross-attention layers: "
                                 "build it with config.is_decoder=True and config.add_cross_attention=True")
            # The decoder's tokens (queries) read the encoder's (keys, values); the same head mask applies.
            attention_output, cross_probs = self.crossattention(
                attention_output, encoder_attention_mask, head_mask, output_attentions, encoder_hidden_states,
                past_key_values)
            outputs += (cross_probs,)
        layer_output = apply_in_chunks(self.feed_forward_chunk, self.chunk_size_feed_forward, self.seq_len_dim,
                                       attention_output)
        return (layer_output,) + outputs
