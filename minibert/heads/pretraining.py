"""`BertForPreTraining`: the encoder with both pre-training heads, as BERT was trained.

    input_ids (B, T) ─BertModel─► sequence (B, T, C) ─MLM head─► prediction_logits (B, T, V)
                                └► pooled [CLS] (B, C) ─NSP head─► seq_relationship_logits (B, 2)

    loss = CE(MLM logits at the labelled positions) + CE(NSP logits)        (Devlin et al., 2019, §A.2)

The two losses are simply added, unweighted, as in the original. MLM labels are -100 everywhere except
the ~15% positions that were masked, so the MLM term averages over those positions only. Training may ask
for the decoder at those positions alone (``masked_positions_only=True``, see masked_lm.py): the same loss and
gradients, prediction_logits (N, V).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import BertForPreTrainingOutput
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel
from minibert.heads.labels import check_class_labels
from minibert.heads.lm_head import BertLMPredictionHead
from minibert.heads.masked_lm import masked_lm_at_labels


class BertPreTrainingHeads(nn.Module):
    """Both pre-training heads: (B, T, C) and (B, C) → MLM logits (B, T, V) and NSP logits (B, 2).

    NSP reads the *pooled* [CLS] vector, not raw h[:, 0]: the pooler (dense + tanh) exists for this task
    and is trained by it, which is why sentence classifiers later start from the same pooled vector.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output: torch.Tensor, pooled_output: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.predictions(sequence_output), self.seq_relationship(pooled_output)


class BertForPreTraining(BertPreTrainedModel):
    """BERT with the MLM and NSP heads. Logits (B, T, V) and (B, 2); loss (scalar) when both label sets are given."""

    # The decoder's weight and bias are other names for the word embeddings and ``cls.predictions.bias``:
    # save_pretrained writes each shared tensor once, under the other name (the reference's file layout).
    _tied_weights_keys = ["cls.predictions.decoder.weight", "cls.predictions.decoder.bias"]

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config)
        self.cls = BertPreTrainingHeads(config)
        self.post_init()

    def lm_prediction_head(self) -> nn.Module:
        # Tying, resizing and saving the shared decoder are handled by BertPreTrainedModel through this head.
        return self.cls.predictions

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T): 0 = sentence A, 1 = sentence B
        position_ids: torch.Tensor | None = None,  # (B, T)
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H)
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C)
        *,
        labels: torch.Tensor | None = None,  # (B, T) int64: original token id at masked positions, -100 elsewhere
        next_sentence_label: torch.Tensor | None = None,  # (B,) int64: 0 = B follows A, 1 = B is random
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        masked_positions_only: bool = False,  # training: decode only where labels != -100; logits (N, V)
    ):
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                            output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                            return_dict=True)
        sequence, pooled = outputs.last_hidden_state, outputs.pooler_output  # (B, T, C), (B, C)
        V = self.config.vocab_size
        if masked_positions_only:
            prediction_logits, mlm_loss = masked_lm_at_labels(self.cls.predictions, sequence, labels, V)  # (N, V)
            seq_relationship_logits = self.cls.seq_relationship(pooled)  # (B, 2)
        else:
            prediction_logits, seq_relationship_logits = self.cls(sequence, pooled)  # (B, T, V), (B, 2)

        loss = None
        if labels is not None and next_sentence_label is not None:  # the reference needs both, too
            if not masked_positions_only:  # else masked_lm_at_labels has checked the labels and made mlm_loss
                check_class_labels("labels", labels, V, sequence.shape[:2].numel(), f"vocab_size is {V}")
                mlm_loss = F.cross_entropy(prediction_logits.view(-1, V), labels.view(-1))  # -100 ignored
            check_class_labels("next_sentence_label", next_sentence_label, 2, sequence.shape[0],
                               "0 = is next, 1 = random")
            nsp_loss = F.cross_entropy(seq_relationship_logits.view(-1, 2), next_sentence_label.view(-1))
            loss = mlm_loss + nsp_loss

        out = BertForPreTrainingOutput(
            loss=loss,
            prediction_logits=prediction_logits,
            seq_relationship_logits=seq_relationship_logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return out if return_dict else out.to_tuple()
