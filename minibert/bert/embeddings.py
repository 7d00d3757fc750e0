r"""`BertEmbeddings`: token ids → vectors.

BERT (Devlin et al., 2019, §3.1, Figure 2) represents token t at position p in segment s as

$$E = \operatorname{LayerNorm}\left(W_\text{word}[t] + W_\text{pos}[p] + W_\text{type}[s]\right)$$

then applies dropout. There is no sin/cos formula: all three tables are learned. The sum lets one
vector carry *what* the token is, *where* it stands and *which sentence* it belongs to; LayerNorm puts
the sum back on a common scale before the first attention layer.
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.bert.config import BertConfig


class BertEmbeddings(nn.Module):
    """Word + position + token-type embeddings, then LayerNorm and dropout.

    Shapes: ``input_ids`` (B, T) int64 → output (B, T, C) in the parameters' dtype, C = hidden_size.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        C = config.hidden_size
        # padding_idx only keeps the gradient of the [PAD] row at zero; it does not change the lookup.
        self.word_embeddings = nn.Embedding(config.vocab_size, C, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, C)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, C)
        # "LayerNorm", not "layer_norm": the name is part of the checkpoint keys since the TF original.
        self.LayerNorm = nn.LayerNorm(C, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        # With relative position embeddings (Shaw et al.) positions enter inside attention instead,
        # and the absolute table is kept only so that checkpoints keep the same keys.
        self.position_embedding_type = config.position_embedding_type
        # 0, 1, 2, ... reused by every forward pass; not saved (old checkpoints have it, we skip it).
        self.register_buffer("position_ids", torch.arange(config.max_position_embeddings).unsqueeze(0),
                             persistent=False)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        token_type_ids: torch.Tensor | None = None,  # (B, T) int64, 0 = sentence A, 1 = sentence B
        position_ids: torch.Tensor | None = None,  # (B, T) or (1, T) int64
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C): bring your own word vectors
    ) -> torch.Tensor:  # (B, T, C)
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)  # (B, T, C)
        B, T = inputs_embeds.shape[:2]
        if token_type_ids is None:
            # A single sentence: everything is segment A (id 0).
            token_type_ids = torch.zeros((B, T), dtype=torch.long, device=inputs_embeds.device)
        embeddings = inputs_embeds + self.token_type_embeddings(token_type_ids)
        if self.position_embedding_type == "absolute":
            if position_ids is None:
                position_ids = self.position_ids[:, :T]  # (1, T), broadcast over the batch
            embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)
