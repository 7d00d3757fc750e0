"""The word embeddings of every BERT model: the input and output embeddings, tying them, resizing the vocabulary.

``WordEmbeddingsMixin`` is the part of `BertPreTrainedModel` (pretrained_model.py) that deals with the vocabulary
side of a model: the word-embedding matrix (V, C) the encoder reads (``get_input_embeddings``), the LM head's
decoder (C -> V) that writes logits over the same vocabulary (``get_output_embeddings``, present only on models
whose ``lm_prediction_head()`` returns one), ``tie_weights`` (the decoder's weight is the embedding matrix itself
when ``config.tie_word_embeddings``, its bias the head's ``bias``), ``vocab_size`` and
``resize_token_embeddings`` (the matrices themselves are grown or shrunk in resizing.py).

It expects what `BertPreTrainedModel` provides: ``config``, ``base_model`` (the encoder, which owns the word
embeddings) and ``_init_weights`` (new rows' initialisation when ``mean_resizing=False``).
"""

from __future__ import annotations

from torch import nn

from minibert.bert.warn_once import warn_once
from minibert.compat import resizing


class WordEmbeddingsMixin:
    """Input and output embeddings, tying and resizing, for `BertPreTrainedModel` and so every model class."""

    def get_input_embeddings(self) -> nn.Embedding:
        return self.base_model.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.base_model.set_input_embeddings(value)

    @property
    def vocab_size(self) -> int:
        """int: the rows of the input (word) embeddings, so ``config.vocab_size`` after ``resize_token_embeddings``.

        The reference sets this attribute in ``resize_token_embeddings`` (and nowhere else); here it is read from
        the embeddings, so it exists from the start. A value assigned to it is kept, as the reference's plain
        attribute keeps one, until the next resize."""
        given = self.__dict__.get("_vocab_size_given")
        return self.get_input_embeddings().num_embeddings if given is None else given

    @vocab_size.setter
    def vocab_size(self, value: int) -> None:
        self.__dict__["_vocab_size_given"] = value

    def lm_prediction_head(self) -> nn.Module | None:
        """The model's `BertLMPredictionHead` (MLM models return ``self.cls.predictions``), or None."""
        return None

    def get_output_embeddings(self) -> nn.Linear | None:
        head = self.lm_prediction_head()
        return None if head is None else head.decoder

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        head = self.lm_prediction_head()
        if head is None:
            raise ValueError(f"{type(self).__name__} has no LM head, so no output embeddings to set")
        head.decoder = new_embeddings
        head.bias = new_embeddings.bias

    def tie_weights(self) -> None:
        """Make the LM decoder use the word-embedding matrix itself (one tensor, not a copy), and its bias the
        head's ``bias`` parameter (again: moving or re-allocating a model may give each module its own copy)."""
        head = self.lm_prediction_head()
        if head is None:
            return
        if self.config.tie_word_embeddings:
            head.decoder.weight = self.get_input_embeddings().weight
        head.tie_bias()

    def resize_token_embeddings(self, new_num_tokens: int | None = None, pad_to_multiple_of: int | None = None,
                                mean_resizing: bool = True) -> nn.Embedding:
        """Grow or shrink the vocabulary to ``new_num_tokens`` (rounded up to ``pad_to_multiple_of``): old rows are
        kept, new rows start near the old rows' mean (``mean_resizing``, the reference's default) or ~ N(0,
        initializer_range) (``mean_resizing=False``); see minibert/compat/resizing.py. Returns the word embeddings."""
        old = self.get_input_embeddings()
        if new_num_tokens is None and pad_to_multiple_of is None:
            return old
        self.__dict__.pop("_vocab_size_given", None)  # a resize sets vocab_size again, as the reference's does
        size = resizing.padded_size(new_num_tokens, old.num_embeddings, pad_to_multiple_of)
        if size == old.num_embeddings:
            return old
        if size > old.num_embeddings and mean_resizing:
            warn_once("mean_resizing", "The new embeddings are initialized from a multivariate normal distribution "
                      "with the old embeddings' mean and covariance "
                      "(https://nlp.stanford.edu/~johnhew/vocab-expansion.html). To disable this, use "
                      "`mean_resizing=False`", owner=self)
        new = resizing.resized_embedding(old, size, mean_resizing, self._init_weights)
        self.set_input_embeddings(new)
        head = self.lm_prediction_head()
        if head is not None and not self.config.tie_word_embeddings:  # an untied decoder is resized the same way
            self.set_output_embeddings(resizing.resized_linear(head.decoder, size, mean_resizing, self._init_weights))
        elif head is not None:
            head.resize(size)  # the bias; the decoder weight becomes the new embedding matrix in tie_weights
        self.config.vocab_size = size
        self.tie_weights()
        return new
