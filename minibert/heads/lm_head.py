r"""The masked-language-model (MLM) head: a hidden vector (B, T, C) → vocabulary scores (B, T, V).

BERT is pre-trained on two tasks at once (Devlin et al., 2019, §3.1); this is the first (the second, next-sentence
prediction, is in next_sentence.py; both together in pretraining.py):

* MLM: predict the original token at each masked position. Each final hidden vector goes through one
  more dense + activation + LayerNorm (the "transform"; the original TensorFlow code adds it before the
  output layer), then a linear map to vocabulary scores:

  $$\text{logits} = \operatorname{LayerNorm}\left(\operatorname{act}(h W_t + b_t)\right) E^\top + b$$

  with E the word-embedding matrix (V, C).

The module names (``predictions.transform.dense``, ``predictions.decoder``, ...)
are the checkpoint keys under ``cls.`` since the TensorFlow original, so they are kept as they are.
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.bert.activations import get_activation
from minibert.compat.config import BertConfig


class BertPredictionHeadTransform(nn.Module):
    """(B, T, C) → (B, T, C): dense, activation (``config.hidden_act``), LayerNorm."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = get_activation(config.hidden_act)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class BertLMPredictionHead(nn.Module):
    """(B, T, C) → (B, T, V) vocabulary scores.

    The decoder's weight (V, C) is *the same tensor* as the word-embedding matrix once the model ties
    them (``BertPreTrainedModel.tie_weights``). Why tie (Press & Wolf, 2017, "Using the Output Embedding
    to Improve Language Models"): reading a token in and predicting it out are two uses of one notion of
    what the token means, and sharing the matrix gives every row a gradient from both ends while saving
    V·C parameters (23M of bert-base's 110M).

    The bias (V,) is not shared: it is the output side's own per-token prior (frequent tokens score
    higher). It is registered twice, as ``bias`` and as ``decoder.bias``, so checkpoints that store either
    name load, and so resizing the vocabulary has one tensor to replace. Being the decoder's bias, it is
    zeroed by the ordinary ``nn.Linear`` initialisation of a new head.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.tie_bias()

    def tie_bias(self) -> None:
        """Make ``decoder.bias`` the ``bias`` parameter itself (again: moving or re-allocating a model may
        give each module its own copy)."""
        self.decoder.bias = self.bias

    def resize(self, new_num_tokens: int) -> None:
        """Keep the first min(old, new) vocabulary entries of the bias; new tokens start at 0, like a fresh head.

        The tied decoder weight is replaced by the model's (resized) word embeddings afterwards; an untied one is
        resized by the model (minibert/compat/resizing.py).
        """
        n = min(self.bias.numel(), new_num_tokens)
        bias = torch.zeros(new_num_tokens, device=self.bias.device, dtype=self.bias.dtype)
        with torch.no_grad():
            bias[:n] = self.bias[:n]
        self.bias = nn.Parameter(bias)
        self.decoder.out_features = new_num_tokens  # metadata only (shown by print(model))
        self.tie_bias()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        hidden_states = self.transform(hidden_states)  # (B, T, C)
        return self.decoder(hidden_states)  # (B, T, V)


class BertOnlyMLMHead(nn.Module):
    """`BertForMaskedLM`'s head: sequence output (B, T, C) → MLM logits (B, T, V)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, sequence_output: torch.Tensor) -> torch.Tensor:
        return self.predictions(sequence_output)
