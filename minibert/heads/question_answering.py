"""`BertForQuestionAnswering`: extractive QA (SQuAD) — find the answer span in the passage.

    [CLS] question [SEP] passage [SEP] (B, T) ─BertModel─► (B, T, C) ─Linear(C→2)─► start, end logits (B, T)

Two learned vectors S and E score every token as the answer's first and last token; the predicted
span maximises S·h_i + E·h_j with i ≤ j (Devlin et al., 2019, §4.2). Training loss = mean of the
cross-entropies of the true start and end positions over the T positions.

Long passages are cut into windows, and a window may not contain the answer. Such positions are
clamped to T, one past the last index, and T is the loss's ``ignore_index``: those windows add
nothing to the loss (the reference's convention; SQuAD 2.0 pipelines instead point them at [CLS] = 0).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import QuestionAnsweringModelOutput
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel


def _positions(name: str, positions: torch.Tensor, B: int, T: int) -> torch.Tensor:
    """(B,) or (B, 1) integer positions → (B,), clamped into [0, T] (T = "not in this window", ignored)."""
    if positions.dtype.is_floating_point or positions.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer token positions (torch.long), got dtype {positions.dtype}")
    if positions.numel() != B:
        raise ValueError(f"{name} has shape {tuple(positions.shape)}; expected ({B},): one position per sequence")
    return positions.reshape(B).clamp(0, T)


class BertForQuestionAnswering(BertPreTrainedModel):
    """BERT with a span head. ``start_logits``, ``end_logits`` (B, T); loss (scalar) given both positions (B,)."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        if config.num_labels != 2:
            raise ValueError(f"BertForQuestionAnswering needs config.num_labels == 2 (start and end), got "
                             f"{config.num_labels}")
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(config.hidden_size, config.num_labels)  # rows: S (start) and E (end)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T): 0 = question, 1 = passage
        position_ids: torch.Tensor | None = None,  # (B, T)
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H)
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C)
        *,
        start_positions: torch.Tensor | None = None,  # (B,) int64 index of the answer's first token
        end_positions: torch.Tensor | None = None,  # (B,) int64 index of the answer's last token
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ):
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                            output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                            return_dict=True)
        logits = self.qa_outputs(outputs.last_hidden_state)  # (B, T, 2)
        start_logits = logits[..., 0].contiguous()  # (B, T)
        end_logits = logits[..., 1].contiguous()  # (B, T)

        loss = None
        if start_positions is not None and end_positions is not None:
            B, T = start_logits.shape
            start = _positions("start_positions", start_positions, B, T)
            end = _positions("end_positions", end_positions, B, T)
            start_loss = F.cross_entropy(start_logits, start, ignore_index=T)
            end_loss = F.cross_entropy(end_logits, end, ignore_index=T)
            loss = (start_loss + end_loss) / 2

        out = QuestionAnsweringModelOutput(loss=loss, start_logits=start_logits, end_logits=end_logits,
                                           hidden_states=outputs.hidden_states, attentions=outputs.attentions)
        return out if return_dict else out.to_tuple()
