"""`BertForMultipleChoice`: pick one of C candidate continuations (SWAG, RACE, ...).

Each (context, choice_i) pair is encoded on its own, and one linear layer gives it a single score;
a softmax over the C scores of a question picks the answer (Devlin et al., 2019, §4.4):

    input_ids (B, C, T) ─flatten─► (B·C, T) ─BertModel─► pooled (B·C, Cₕ) ─Linear(Cₕ→1)─► (B·C, 1) ─► logits (B, C)

Scoring each pair with the *same* weights (instead of a C-way classifier) is what lets the model take
any number of choices.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import MultipleChoiceModelOutput
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel
from minibert.heads.labels import check_class_labels


def _flatten_choices(name: str, t: torch.Tensor | None, dims: int) -> torch.Tensor | None:
    """(B, C, T[, Cₕ]) → (B·C, T[, Cₕ]); ``dims`` is the expected number of dimensions."""
    if t is None:
        return None
    if t.dim() != dims:
        what = "(batch, num_choices, seq, hidden)" if dims == 4 else "(batch, num_choices, seq)"
        raise ValueError(f"BertForMultipleChoice expects {name} of shape {what}, got {tuple(t.shape)}")
    return t.reshape(-1, *t.shape[2:])


class BertForMultipleChoice(BertPreTrainedModel):
    """BERT scoring each choice. Inputs (B, C, T); logits (B, C); loss (scalar) with ``labels`` (B,) in [0, C)."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, 1)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, C, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, C, T)
        token_type_ids: torch.Tensor | None = None,  # (B, C, T)
        position_ids: torch.Tensor | None = None,  # (B, C, T)
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H)
        inputs_embeds: torch.Tensor | None = None,  # (B, C, T, Cₕ)
        *,
        labels: torch.Tensor | None = None,  # (B,) int64: index of the right choice
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ):
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("pass exactly one of input_ids (batch, num_choices, seq) or inputs_embeds")
        num_choices = (input_ids if input_ids is not None else inputs_embeds).shape[1]
        outputs = self.bert(
            _flatten_choices("input_ids", input_ids, 3),  # (B·C, T)
            _flatten_choices("attention_mask", attention_mask, 3),
            _flatten_choices("token_type_ids", token_type_ids, 3),
            _flatten_choices("position_ids", position_ids, 3),
            head_mask,
            _flatten_choices("inputs_embeds", inputs_embeds, 4),  # (B·C, T, Cₕ)
            output_attentions=output_attentions, output_hidden_states=output_hidden_states, return_dict=True)
        scores = self.classifier(self.dropout(outputs.pooler_output))  # (B·C, 1): one score per pair
        logits = scores.view(-1, num_choices)  # (B, C)

        loss = None
        if labels is not None:
            check_class_labels("labels", labels, num_choices, logits.shape[0], f"there are {num_choices} choices")
            loss = F.cross_entropy(logits, labels.view(-1))

        out = MultipleChoiceModelOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                                        attentions=outputs.attentions)
        return out if return_dict else out.to_tuple()
