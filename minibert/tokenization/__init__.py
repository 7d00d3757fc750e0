"""Text -> token ids, the way BERT was trained to read it.

Read in this order: ``chars`` (character classes) -> ``basic`` (cleaning, splitting into words) ->
``wordpiece`` (words into sub-word pieces) -> ``added_tokens`` / ``special_tokens`` -> ``lowercase`` ->
``bert_tokenizer`` (the whole pipeline, the lesson) -> ``decoding`` (ids back to text) -> ``truncation`` /
``padding`` / ``encoding`` (model inputs) -> ``batch_encoding`` (the result object) -> ``files``
(from_pretrained / save_pretrained); ``windows`` cuts a text too long for the model into overlapping windows
(the pipelines and the QA training features use it). Then, apart from the lesson: ``fast_paths`` (the caches
and shortcuts that make it fast), ``options`` and ``call_api`` (the reference's ``tokenizer(...)`` /
``encode_plus`` / ``pad`` surface), and ``fast`` (``BertTokenizerFast``: the reference's Rust tokenizer's outputs,
with ``fast_encoding``, ``alignment``, ``fast_unicode`` and ``tokenizer_json``).
"""

from minibert.tokenization.added_tokens import AddedToken
from minibert.tokenization.basic import BasicTokenizer
from minibert.tokenization.batch_encoding import BatchEncoding
from minibert.tokenization.bert_tokenizer import BertTokenizer, load_vocab
from minibert.tokenization.fast import BertTokenizerFast
from minibert.tokenization.wordpiece import WordpieceTokenizer

__all__ = ["AddedToken", "BasicTokenizer", "BatchEncoding", "BertTokenizer", "BertTokenizerFast", "WordpieceTokenizer",
           "load_vocab"]
