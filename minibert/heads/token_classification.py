"""`BertForTokenClassification`: one label per token (named entities, part-of-speech tags).

    input_ids (B, T) ─BertModel─► (B, T, C) ─Dropout─► ─Linear─► logits (B, T, num_labels)

Each token's final vector already carries its context (that is what the encoder is for), so a linear
layer per position suffices (Devlin et al., 2019, §5.3, CoNLL-2003 NER). WordPiece splits words into
several tokens; usually only a word's first token gets a label and the rest, like padding and special
tokens, get -100, which the loss ignores.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import TokenClassifierOutput
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel
from minibert.heads.labels import check_class_labels


class BertForTokenClassification(BertPreTrainedModel):
    """BERT with a per-token classifier. Logits (B, T, num_labels); loss (scalar) with ``labels`` (B, T)."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)  # the pooled [CLS] is not used
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T)
        position_ids: torch.Tensor | None = None,  # (B, T)
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H)
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C)
        *,
        labels: torch.Tensor | None = None,  # (B, T) int64 in [0, num_labels), -100 = ignore this token
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ):
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                            output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                            return_dict=True)
        logits = self.classifier(self.dropout(outputs.last_hidden_state))  # (B, T, num_labels)

        loss = None
        if labels is not None:
            n = self.num_labels
            check_class_labels("labels", labels, n, logits.shape[:2].numel(), f"num_labels is {n}")
            loss = F.cross_entropy(logits.view(-1, n), labels.view(-1))

        out = TokenClassifierOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                                    attentions=outputs.attentions)
        return out if return_dict else out.to_tuple()
