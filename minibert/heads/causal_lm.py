"""`BertLMHeadModel`: BERT as a left-to-right language model, the decoder of a bert2bert encoder-decoder.

    input_ids (B, T) ─BertModel (is_decoder: causal mask)─► (B, T, C) ─LM head─► logits (B, T, V)
    loss = mean over t of −log softmax(logits[:, t])[input_ids[:, t + 1]]        (labels = input_ids)

The model predicts the *next* token: position t's logits are scored against label t + 1, so ``labels`` are
the input ids themselves (-100 where nothing should be learned, e.g. padding) and the shift happens in the
loss, as in the reference. The causal mask is what makes this honest: position t cannot read token t + 1.

The head is the masked-LM head (`BertOnlyMLMHead`, checkpoint keys ``cls.predictions.*``), tied to the word
embeddings in the same way, so an MLM checkpoint loads into it whole. Rothe et al. (2020, "Leveraging
Pre-trained Checkpoints for Sequence Generation Tasks") warm-start both halves of an encoder-decoder from
BERT this way; only the cross-attention layers start from scratch. ``generate`` decodes greedily
(minibert/heads/generation.py).
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import nn

from minibert.bert.outputs import CausalLMOutputWithCrossAttentions
from minibert.compat.config import BertConfig
from minibert.compat.model import BertModel
from minibert.compat.pretrained_model import BertPreTrainedModel
from minibert.heads.generation import greedy_generate
from minibert.heads.labels import IGNORE_INDEX, check_class_labels
from minibert.heads.lm_head import BertOnlyMLMHead

logger = logging.getLogger("minibert")


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor, num_items_in_batch=None,
                   ignore_index: int = IGNORE_INDEX, shift_labels: torch.Tensor | None = None) -> torch.Tensor:
    """Next-token cross-entropy: logits (B, T, V) at t against labels (B, T) at t + 1 → scalar.

    The last position has no next token: the labels are padded with ``ignore_index`` on the right and shifted
    left by one, so the shapes stay (B, T). ``shift_labels`` (B, T) gives already shifted labels instead. The
    loss is the mean over counted positions, or their sum divided by ``num_items_in_batch`` (what a trainer
    with gradient accumulation passes, so that every token counts once across the accumulated batches).
    """
    logits = logits.float()  # the softmax over V in fp32 even for a half-precision model
    if shift_labels is None:
        shift_labels = F.pad(labels, (0, 1), value=ignore_index)[..., 1:]
    reduction = "mean" if num_items_in_batch is None else "sum"
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), shift_labels.reshape(-1).to(logits.device),
                           ignore_index=ignore_index, reduction=reduction)
    if num_items_in_batch is not None:
        loss = loss / (num_items_in_batch.to(loss.device) if torch.is_tensor(num_items_in_batch)
                       else num_items_in_batch)
    return loss


class BertLMHeadModel(BertPreTrainedModel):
    """BERT decoder with the LM head. Logits (B, T, V); next-token loss (scalar) when ``labels`` (B, T) are given."""

    # The decoder's weight and bias are other names for the word embeddings and ``cls.predictions.bias``.
    _tied_weights_keys = ["cls.predictions.decoder.weight", "cls.predictions.decoder.bias"]
    main_input_name = "input_ids"

    def __init__(self, config: BertConfig):
        super().__init__(config)
        if not config.is_decoder:
            # Without the causal mask every position sees the token it is asked to predict (as the reference,
            # we warn and build it anyway: the same weights also serve as an MLM).
            logger.warning("If you want to use `BertLMHeadModel` as a standalone, add `is_decoder=True.`")
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    def lm_prediction_head(self) -> nn.Module:
        # Tying, resizing and saving the shared decoder are handled by BertPreTrainedModel through this head.
        return self.cls.predictions

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T_past + T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T)
        position_ids: torch.Tensor | None = None,  # (B, T), default T_past .. T_past + T - 1
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H)
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C)
        encoder_hidden_states: torch.Tensor | None = None,  # (B, S, C), with config.add_cross_attention
        encoder_attention_mask: torch.Tensor | None = None,  # (B, S)
        labels: torch.Tensor | None = None,  # (B, T) int64: usually input_ids, -100 where not to learn
        past_key_values=None,  # the cache of an earlier call (minibert/bert/cache.py)
        use_cache: bool | None = None,
        *,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        num_items_in_batch: torch.Tensor | int | None = None,
        ignore_index: int = IGNORE_INDEX,
        shift_labels: torch.Tensor | None = None,
    ):
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        if labels is not None:
            use_cache = False  # training: nothing will be decoded after this call
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                            encoder_hidden_states, encoder_attention_mask, past_key_values, use_cache,
                            output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                            return_dict=True)
        logits = self.cls(outputs.last_hidden_state)  # (B, T, V)

        loss = None
        if labels is not None or shift_labels is not None:
            V, given = self.config.vocab_size, labels if shift_labels is None else shift_labels
            if not isinstance(given, torch.Tensor) or tuple(given.shape) != tuple(logits.shape[:2]):
                got = tuple(given.shape) if isinstance(given, torch.Tensor) else type(given).__name__
                raise ValueError(f"labels must have shape {tuple(logits.shape[:2])}, one per input token (usually "
                                 f"labels = input_ids), got {got}")
            if ignore_index != IGNORE_INDEX and not given.dtype.is_floating_point:
                given = given.masked_fill(given == ignore_index, IGNORE_INDEX)  # the id the check skips
            check_class_labels("labels", given, V, given.numel(), f"vocab_size is {V}")
            loss = causal_lm_loss(logits, labels, num_items_in_batch, ignore_index, shift_labels)

        out = CausalLMOutputWithCrossAttentions(
            loss=loss, logits=logits, past_key_values=outputs.past_key_values, hidden_states=outputs.hidden_states,
            attentions=outputs.attentions, cross_attentions=outputs.cross_attentions)
        if return_dict:
            return out
        # The reference's tuple: loss first when there is one, then logits, cache, hidden states, attentions.
        return out.to_tuple()

    generate = greedy_generate
