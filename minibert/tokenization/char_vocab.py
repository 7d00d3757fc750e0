"""A vocabulary the ``bert-base-chinese`` way: one token per Chinese character, WordPiece for the rest.

``bert-base-chinese``'s BasicTokenizer (lower-case, ``tokenize_chinese_chars=True``) puts spaces around every
CJK ideograph, so a Chinese character always reaches WordPiece as a word of one character: the vocabulary needs
each character as a token of its own, and nothing longer. Everything else (Latin words, digits, punctuation,
full-width forms) is split as in English BERT, so WordPiece pieces cover it.

The vocabulary is built in three parts, in this order (``vocab.txt`` is one token per line, line number = id):

1. the special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]``;
2. every CJK character (``minibert.tokenization.chars.is_cjk``) seen at least ``min_char_count`` times, the most
   frequent first (ties in code-point order, so the file is a pure function of the text);
3. a WordPiece vocabulary trained (``tokenizers``' trainer, a dev dependency) on the same text with the CJK
   characters taken out, up to ``vocab_size`` entries in all.

A character below the floor is ``[UNK]``: rare characters are what a bigger corpus would add.

Parts 1 and 2 are a pure function of the text. Part 3 is not quite: ``tokenizers``' trainer breaks ties between
equally frequent pairs in the order of its hash maps, which changes from run to run, so a few rare pieces (long
digit strings, word tails seen twice) can differ between two builds. A model is tied to the ``vocab.txt`` it was
trained with, so keep that file (and its sha256) with the model, never rebuild it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from minibert.tokenization.chars import is_cjk

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def cjk_character_counts(texts: Iterable[str]) -> Counter:
    """How often each CJK character occurs in ``texts``."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(ch for ch in text if is_cjk(ch))
    return counts


def build_char_vocab(texts: list[str], *, vocab_size: int, min_char_count: int = 2,
                     min_piece_count: int = 2) -> list[str]:
    """The tokens of the vocabulary, in id order (see the module docstring for the three parts).

    Args:
        texts: the training text (pages or paragraphs).
        vocab_size: the most tokens in all; the characters are kept first, WordPiece fills up the rest.
        min_char_count: the frequency floor for a CJK character to be a token.
        min_piece_count: ``min_frequency`` of the WordPiece trainer.
    """
    try:
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    except ImportError as e:  # a dev dependency, as for scripts/pretrain_pydocs.py
        raise ImportError("building a vocabulary needs the `tokenizers` package: pip install 'minibert[dev]'") from e
    if min_char_count < 1:
        raise ValueError(f"min_char_count must be at least 1, got {min_char_count}")
    counts = cjk_character_counts(texts)
    chars = [ch for ch, n in sorted(counts.items(), key=lambda kv: (-kv[1], ord(kv[0]))) if n >= min_char_count]
    room = vocab_size - len(SPECIAL_TOKENS) - len(chars)
    if room < 0:
        raise ValueError(f"vocab_size={vocab_size} leaves no room: {len(chars)} characters occur at least "
                         f"{min_char_count} times; raise vocab_size or min_char_count")

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    # bert-base-chinese's BasicTokenizer settings, so the pieces are the ones the tokenizer will look up.
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=None, clean_text=True,
                                                handle_chinese_chars=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # WordPiece sees the text without its Chinese characters: they are tokens already (part 2), and a "##中"
    # piece could never be used, since each character is a word of its own.
    rest = ["".join(" " if is_cjk(ch) else ch for ch in text) for text in texts]
    trainer = trainers.WordPieceTrainer(vocab_size=room + len(SPECIAL_TOKENS), min_frequency=min_piece_count,
                                        show_progress=False, special_tokens=SPECIAL_TOKENS,
                                        continuing_subword_prefix="##")
    tok.train_from_iterator(rest, trainer)
    taken = set(SPECIAL_TOKENS) | set(chars)
    pieces = [p for p, _ in sorted(tok.get_vocab().items(), key=lambda kv: kv[1]) if p not in taken]
    return SPECIAL_TOKENS + chars + pieces[:room]
