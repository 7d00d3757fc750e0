"""`BertForNextSentencePrediction`: does sentence B follow sentence A?

    [CLS] A [SEP] B [SEP] (B, T) ─BertModel─► pooled [CLS] (B, C) ─Linear─► logits (B, 2)

Class 0 = "B is the real next sentence", class 1 = "B is a random sentence" (Devlin et al., 2019,
§3.1, Task #2). The [CLS] vector is the one that can attend to both sentences from a fixed position,
so it is where the model learns to summarise the pair.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import NextSentencePredictorOutput
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel
from minibert.heads.labels import check_class_labels


class BertOnlyNSPHead(nn.Module):
    """The NSP head (checkpoint key ``cls.seq_relationship``): pooled [CLS] (B, C) → NSP logits (B, 2)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, pooled_output: torch.Tensor) -> torch.Tensor:
        return self.seq_relationship(pooled_output)


class BertForNextSentencePrediction(BertPreTrainedModel):
    """BERT with the NSP head. Logits (B, 2); loss (scalar) when ``labels`` (B,) are given."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config)
        self.cls = BertOnlyNSPHead(config)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T): 0 = sentence A, 1 = sentence B
        position_ids: torch.Tensor | None = None,  # (B, T)
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H)
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C)
        *,
        labels: torch.Tensor | None = None,  # (B,) int64: 0 = B follows A, 1 = B is random
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        next_sentence_label: torch.Tensor | None = None,  # the reference's old name for ``labels``
    ):
        if next_sentence_label is not None:
            warnings.warn("next_sentence_label is deprecated (as in the reference); pass labels instead",
                          FutureWarning, stacklevel=2)
            labels = next_sentence_label
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                            output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                            return_dict=True)
        logits = self.cls(outputs.pooler_output)  # (B, 2)

        loss = None
        if labels is not None:
            check_class_labels("labels", labels, 2, logits.shape[0], "0 = is next, 1 = random")
            loss = F.cross_entropy(logits.view(-1, 2), labels.view(-1))

        out = NextSentencePredictorOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                                          attentions=outputs.attentions)
        return out if return_dict else out.to_tuple()
