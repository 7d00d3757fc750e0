"""`BertForMaskedLM`: fill in the blanks.

    input_ids (B, T) with [MASK]s ─BertModel─► (B, T, C) ─MLM head─► logits (B, T, V)
    loss = mean over labelled positions of −log softmax(logits)[label]      (labels -100 elsewhere)

Used for MLM pre-training without NSP (as RoBERTa showed NSP can be dropped) and for fill-mask
predictions. There is no pooler: nothing reads the pooled [CLS], so it is not built (and a checkpoint's
``bert.pooler.*`` weights are reported as unused, as the reference does).

Training can ask for the decoder at the masked positions only (``masked_positions_only=True``, as Google's
``run_pretraining.py`` gathers ``masked_lm_positions`` before the output layer): the loss reads the logits
of the labelled positions alone, so dropping the others changes neither the loss nor any gradient, and
saves ~85 % of the (N, C) × (C, V) decoder product, most of a small model's step. Logits are then (N, V),
one row per labelled position in row-major (b, t) order. The default computes every position, as the
reference does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import MaskedLMOutput
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel
from minibert.heads.labels import IGNORE_INDEX, check_class_labels
from minibert.heads.lm_head import BertOnlyMLMHead


class BertForMaskedLM(BertPreTrainedModel):
    """BERT with the MLM head. Logits (B, T, V); loss (scalar) when ``labels`` (B, T) are given."""

    # The decoder's weight and bias are other names for the word embeddings and ``cls.predictions.bias``:
    # save_pretrained writes each shared tensor once, under the other name (the reference's file layout).
    _tied_weights_keys = ["cls.predictions.decoder.weight", "cls.predictions.decoder.bias"]

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    def lm_prediction_head(self) -> nn.Module:
        # Tying, resizing and saving the shared decoder are handled by BertPreTrainedModel through this head.
        return self.cls.predictions

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T)
        position_ids: torch.Tensor | None = None,  # (B, T)
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H)
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C)
        encoder_hidden_states: torch.Tensor | None = None,  # (B, S, C), with config.add_cross_attention
        encoder_attention_mask: torch.Tensor | None = None,  # (B, S): 1 = real encoder token
        *,
        labels: torch.Tensor | None = None,  # (B, T) int64: original token id at masked positions, -100 elsewhere
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        masked_positions_only: bool = False,  # training: decode only where labels != -100; logits (N, V)
    ):
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                            encoder_hidden_states, encoder_attention_mask, use_cache=False,
                            output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                            return_dict=True)
        sequence = outputs.last_hidden_state  # (B, T, C)
        if masked_positions_only:
            logits, loss = masked_lm_at_labels(self.cls, sequence, labels, self.config.vocab_size)  # (N, V)
        else:
            logits = self.cls(sequence)  # (B, T, V)
            loss = None
            if labels is not None:
                V = self.config.vocab_size
                check_class_labels("labels", labels, V, logits.shape[:2].numel(), f"vocab_size is {V}")
                loss = F.cross_entropy(logits.view(-1, V), labels.view(-1))  # -100 positions are ignored

        out = MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                             attentions=outputs.attentions)
        return out if return_dict else out.to_tuple()


def masked_lm_at_labels(head: nn.Module, sequence: torch.Tensor, labels: torch.Tensor | None, vocab_size: int):
    """The MLM head on the labelled positions only: sequence (B, T, C), labels (B, T) → logits (N, V), loss.

    N = the number of labels != -100. The cross-entropy's mean over those N rows is the full decoder's
    loss (which ignores the -100 positions), and the positions left out get no gradient in either case.
    """
    if labels is None:
        raise ValueError("masked_positions_only=True needs labels: they say which positions to decode")
    check_class_labels("labels", labels, vocab_size, sequence.shape[:2].numel(), f"vocab_size is {vocab_size}")
    keep = labels != IGNORE_INDEX  # (B, T) bool
    logits = head(sequence[keep])  # (N, C) -> (N, V)
    return logits, F.cross_entropy(logits, labels[keep])
