"""The transfer experiment's classifier: a linear layer on the *mean* of the encoder's last layer.

    input_ids (B, T) ─BertModel─► last_hidden_state (B, T, C) ─mean over real tokens─► (B, C) ─Dropout─► ─Linear─►
    logits (B, num_labels)

``BertForSequenceClassification`` reads the pooler over [CLS] instead: a dense layer and tanh on the first
position, which BERT trains by next-sentence prediction (Devlin et al. 2019, §3.1). The speedrun pre-trains
with masked-LM only (no NSP, as RoBERTa), and [CLS] is never masked and never predicted: neither the pooler nor
the last layer's [CLS] vector ever gets a gradient in pre-training. A classifier on them starts from features
pre-training did not shape. The mean of the last layer (what sentence-transformers pool, Reimers & Gurevych
2019) is made of the positions masked-LM did train. docs/pretraining.md has the measurements.

The encoder is a standard ``BertModel`` without pooler (``transformers.BertModel(config,
add_pooling_layer=False)`` has the same parameters and gives the same numbers); the pooling and the linear
layer are sentence-transformers' Pooling (mean) and a Dense layer without activation. The speedrun measures
these classifiers and drops them: nothing here is saved, and DIR/model/ stays the pre-trained masked-LM.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import SequenceClassifierOutput
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T, C), (B, T) 1 = real token → (B, C): the mean over each sequence's real tokens ([CLS], [SEP] too)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class MeanPooledClassifier(BertPreTrainedModel):
    """BertModel (no pooler), mean pooling, dropout, linear. Logits (B, num_labels); cross-entropy with labels."""

    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, *, labels: torch.Tensor | None = None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.bert(input_ids, attention_mask, token_type_ids, return_dict=True).last_hidden_state
        logits = self.classifier(self.dropout(mean_pool(hidden, attention_mask)))
        loss = None if labels is None else F.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)
