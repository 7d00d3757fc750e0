r"""`BertPooler`: one vector for the whole sequence.

BERT puts a [CLS] token first and trains it, through next-sentence prediction, to summarise the pair
(Devlin et al., 2019, §3.1). The pooler reads that first position and applies a dense layer and tanh:

$$\text{pooled} = \tanh\left(W h_{[:, 0]} + b\right)$$

Sentence classifiers sit on top of this vector. (Sentence-embedding models such as all-MiniLM-L6-v2
average all positions instead; see the pipelines.)
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.bert.config import BertConfig


class BertPooler(nn.Module):
    """(B, T, C) → (B, C)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        first_token = hidden_states[:, 0]  # (B, C): the [CLS] position
        return self.activation(self.dense(first_token))
