"""`BertForSequenceClassification`: one label (or score) per sequence or sentence pair.

    input_ids (B, T) ─BertModel─► pooled [CLS] (B, C) ─Dropout─► ─Linear─► logits (B, num_labels)

Fine-tuning adds only this one linear layer; everything else starts from the pre-trained encoder
(Devlin et al., 2019, §4.1). The loss depends on ``config.problem_type``, which, when unset, is
inferred from the first labels seen, as the reference does (and then stored in the config):

    num_labels == 1                         → "regression"                  MSE(logits, labels)
    integer labels (int64/int32)            → "single_label_classification" cross-entropy
    anything else (e.g. float multi-hot)    → "multi_label_classification"  BCE-with-logits per label
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import SequenceClassifierOutput
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel
from minibert.heads.labels import check_class_labels


def infer_problem_type(num_labels: int, labels: torch.Tensor) -> str:
    """The reference's rule for an unset ``config.problem_type`` (see the module docstring)."""
    if num_labels == 1:
        return "regression"
    if labels.dtype in (torch.long, torch.int):
        return "single_label_classification"
    return "multi_label_classification"


class BertForSequenceClassification(BertPreTrainedModel):
    """BERT with a linear classifier on the pooled [CLS]. Logits (B, num_labels); loss (scalar) with ``labels``.

    ``labels``: (B,) int64 class ids for single-label classification, (B,) float targets for regression
    (``num_labels=1``), (B, num_labels) float 0/1 for multi-label classification.
    """

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        # Fine-tuning sets are small; dropout on the one new layer's input is the main regulariser.
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
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
        labels: torch.Tensor | None = None,  # (B,) or (B, num_labels), see the class docstring
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ):
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                            output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                            return_dict=True)
        logits = self.classifier(self.dropout(outputs.pooler_output))  # (B, num_labels)

        loss = None
        if labels is not None:
            loss = self._loss(logits, labels)
        out = SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                                       attentions=outputs.attentions)
        return out if return_dict else out.to_tuple()

    def _loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Scalar loss for logits (B, num_labels) under ``config.problem_type`` (inferred once if unset)."""
        n = self.num_labels
        if self.config.problem_type is None:
            self.config.problem_type = infer_problem_type(n, labels)
        problem = self.config.problem_type
        if problem == "single_label_classification":
            check_class_labels("labels", labels, n, logits.shape[0], f"num_labels is {n}")
            # int32 ids count as class ids (the reference's rule) but the kernel wants int64: convert.
            return F.cross_entropy(logits.view(-1, n), labels.view(-1).long())
        if labels.numel() != logits.numel():
            raise ValueError(f"{problem} needs one target per logit: logits have shape {tuple(logits.shape)}, "
                             f"labels have shape {tuple(labels.shape)}")
        labels = labels.to(logits.dtype)  # MSE and BCE want float targets; int 0/1 targets are fine too
        if problem == "regression":
            # One score per sequence: compare (B,) with (B,), not (B, 1) with (B,) (which would broadcast).
            if n == 1:
                return F.mse_loss(logits.squeeze(), labels.squeeze())
            return F.mse_loss(logits, labels.view_as(logits))
        return F.binary_cross_entropy_with_logits(logits, labels.view_as(logits))  # multi-label: sigmoid per label
