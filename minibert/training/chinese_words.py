"""Chinese whole-word masking: which tokens continue a word, from a word segmenter (Cui et al., 2019/2021).

A Chinese BERT's vocabulary stays characters (one token per CJK character, see
``minibert.tokenization.char_vocab``), so "##" never marks where a Chinese word goes on: ``自然语言处理`` is six
tokens with nothing joining them. HFL's Chinese-BERT-wwm takes the words from a segmenter instead and masks all
the characters of a chosen word together. Here the segmenter is ``jieba`` (an optional dependency:
``pip install 'minibert[zh]'``), in its dictionary-only mode (``HMM=False``: no guessed new words), which is a
pure function of the text and jieba's bundled dictionary.

The rule, per token (it works on token ids and the tokenizer's offset mapping into the text):

* a token that is one CJK character continues a word when the token before it is also one CJK character and
  jieba put both characters in the same word: ``自然语言`` -> ``自`` starts, ``然 语 言`` continue;
* every other token keeps today's rule: a ``##`` piece continues, anything else starts a word (so Latin words
  and their pieces, digits and punctuation are masked as in English BERT).

The result is the ``is_continuation`` that ``minibert.training.masking.mask_tokens(whole_word_mask=True)``
takes: the coin for a word is thrown at its first character and copied to the rest.
"""

from __future__ import annotations

import logging

import torch

from minibert.tokenization.chars import is_cjk

_SEGMENTER = None


def segmenter():
    """jieba's segmenter, loaded once and quietly (jieba logs its dictionary loading to stderr by default)."""
    global _SEGMENTER
    if _SEGMENTER is None:
        try:
            import jieba
        except ImportError as e:
            raise ImportError("Chinese whole-word masking needs jieba: pip install 'minibert[zh]' "
                              "(or pip install 'jieba>=0.42')") from e
        logging.getLogger("jieba").setLevel(logging.WARNING)  # "Building prefix dict ..." is debug chatter
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        _SEGMENTER = tokenizer
    return _SEGMENTER


def words(text: str) -> list[tuple[str, int, int]]:
    """jieba's words of ``text`` as ``(word, start, end)`` character spans, in order, covering the text."""
    return list(segmenter().tokenize(text, HMM=False))


def chinese_continuation(text: str, input_ids: list[int], offsets: list[tuple[int, int]],
                         piece_continuation: torch.Tensor) -> list[bool]:
    """``is_continuation`` for one tokenized text, Chinese words taken from jieba.

    Args:
        text: the text that was tokenized.
        input_ids: its ``T`` token ids (special tokens included).
        offsets: the tokenizer's offset mapping, ``T`` ``(start, end)`` character spans into ``text``;
            special tokens have ``(0, 0)``.
        piece_continuation: bool ``(V,)``, True for ``##`` pieces (``masking.continuation_table``).

    Returns:
        ``T`` bools: True where the token continues the word of the token before it.
    """
    if len(input_ids) != len(offsets):
        raise ValueError(f"{len(input_ids)} token ids but {len(offsets)} offsets; expected one offset per token")
    word_of = [0] * (len(text) + 1)  # the index of the jieba word each character belongs to
    for n, (_, start, end) in enumerate(words(text)):
        word_of[start:end] = [n] * (end - start)

    def one_character(start: int, end: int) -> bool:
        return end - start == 1 and is_cjk(text[start])

    result = []
    for i, (token_id, (start, end)) in enumerate(zip(input_ids, offsets)):
        if one_character(start, end):
            prev_start, prev_end = offsets[i - 1] if i else (0, 0)
            result.append(one_character(prev_start, prev_end) and word_of[prev_start] == word_of[start])
        else:
            result.append(bool(piece_continuation[token_id]))
    return result
