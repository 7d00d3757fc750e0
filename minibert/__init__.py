"""minibert: an educational, from-scratch BERT that computes what the reference computes.

Names are imported lazily (PEP 562 ``__getattr__``): ``import minibert`` costs almost nothing,
and ``from minibert import BertModel`` loads only the modules that class needs. Each entry below
maps a public name to the module that defines it; the modules themselves follow the data flow
text -> tokens -> embeddings -> attention -> feed-forward -> layer -> encoder -> pooler -> heads.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    # tokenization: text -> token ids
    "BertTokenizer": "minibert.tokenization",
    "BertTokenizerFast": "minibert.tokenization",
    "AddedToken": "minibert.tokenization",
    "BasicTokenizer": "minibert.tokenization",
    "WordpieceTokenizer": "minibert.tokenization",
    "BatchEncoding": "minibert.tokenization",
    # configuration
    "BertConfig": "minibert.compat.config",
    # the encoder, one module per concept
    "BertEmbeddings": "minibert.bert.embeddings",
    "BertSelfAttention": "minibert.bert.attention",
    "BertSelfOutput": "minibert.bert.attention",
    "BertAttention": "minibert.bert.attention",
    "BertIntermediate": "minibert.bert.feed_forward",
    "BertOutput": "minibert.bert.feed_forward",
    "BertLayer": "minibert.bert.layer",
    "BertEncoder": "minibert.bert.encoder",
    "selective_recompute": "minibert.bert.checkpointing",
    "BertPooler": "minibert.bert.pooler",
    "BertPreTrainedModel": "minibert.compat.pretrained_model",
    "BertModel": "minibert.compat.model",
    # the decoder's key/value cache and greedy decoding
    "DynamicCache": "minibert.bert.cache",
    "EncoderDecoderCache": "minibert.bert.cache",
    "greedy_generate": "minibert.heads.generation",
    # task heads (minibert/heads/)
    "BertPredictionHeadTransform": "minibert.heads.lm_head",
    "BertLMPredictionHead": "minibert.heads.lm_head",
    "BertOnlyMLMHead": "minibert.heads.lm_head",
    "BertOnlyNSPHead": "minibert.heads.next_sentence",
    "BertPreTrainingHeads": "minibert.heads.pretraining",
    "BertForPreTraining": "minibert.heads.pretraining",
    "BertForMaskedLM": "minibert.heads.masked_lm",
    "BertForNextSentencePrediction": "minibert.heads.next_sentence",
    "BertForSequenceClassification": "minibert.heads.sequence_classification",
    "BertForMultipleChoice": "minibert.heads.multiple_choice",
    "BertForTokenClassification": "minibert.heads.token_classification",
    "BertForQuestionAnswering": "minibert.heads.question_answering",
    "BertLMHeadModel": "minibert.heads.causal_lm",
    # outputs
    "ModelOutput": "minibert.bert.outputs",
    "BaseModelOutput": "minibert.bert.outputs",
    "BaseModelOutputWithPooling": "minibert.bert.outputs",
    "BertForPreTrainingOutput": "minibert.bert.outputs",
    "MaskedLMOutput": "minibert.bert.outputs",
    "NextSentencePredictorOutput": "minibert.bert.outputs",
    "SequenceClassifierOutput": "minibert.bert.outputs",
    "MultipleChoiceModelOutput": "minibert.bert.outputs",
    "TokenClassifierOutput": "minibert.bert.outputs",
    "QuestionAnsweringModelOutput": "minibert.bert.outputs",
    "BaseModelOutputWithPastAndCrossAttentions": "minibert.bert.outputs",
    "BaseModelOutputWithPoolingAndCrossAttentions": "minibert.bert.outputs",
    "CausalLMOutputWithCrossAttentions": "minibert.bert.outputs",
    # one-line task pipelines (minibert/pipelines/)
    "pipeline": "minibert.pipelines",
    # the Auto classes, for BERT checkpoints (minibert/compat/auto.py)
    "AutoConfig": "minibert.compat.auto",
    "AutoTokenizer": "minibert.compat.auto",
    "AutoModel": "minibert.compat.auto",
    "AutoModelForCausalLM": "minibert.compat.auto",
    "AutoModelForPreTraining": "minibert.compat.auto",
    "AutoModelForMaskedLM": "minibert.compat.auto",
    "AutoModelForNextSentencePrediction": "minibert.compat.auto",
    "AutoModelForSequenceClassification": "minibert.compat.auto",
    "AutoModelForMultipleChoice": "minibert.compat.auto",
    "AutoModelForTokenClassification": "minibert.compat.auto",
    "AutoModelForQuestionAnswering": "minibert.compat.auto",
    # learning-rate schedules under the reference's names (minibert/training/schedules.py)
    "get_constant_schedule": "minibert.training.schedules",
    "get_constant_schedule_with_warmup": "minibert.training.schedules",
    "get_linear_schedule_with_warmup": "minibert.training.schedules",
    "get_cosine_schedule_with_warmup": "minibert.training.schedules",
    "get_cosine_with_hard_restarts_schedule_with_warmup": "minibert.training.schedules",
    "get_polynomial_decay_schedule_with_warmup": "minibert.training.schedules",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'minibert' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: the next lookup is a plain attribute access
    return value


def __dir__():
    return __all__
