"""A WordPiece vocabulary trained on the training text, with BERT's uncased normalisation; for Chinese, the
``bert-base-chinese`` way (``train_char_vocab``: every CJK character above a frequency floor its own token).

The trainer is the ``tokenizers`` library's (Hugging Face's Rust tokenizers): counting and merging pieces
over millions of words is its job, and the vocabulary it writes is a plain ``vocab.txt`` that minibert's
``BertTokenizer`` (and the reference's) read. Only the vocabulary comes from it; minibert tokenizes itself.
"""

from __future__ import annotations

from pathlib import Path

from minibert.loading.atomic import atomic_write_bytes

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece(text_file: str | Path, vocab_file: str | Path, vocab_size: int) -> int:
    """Train on ``text_file`` (UTF-8, any lines), write ``vocab_file`` (one piece a line, ids in order).

    Returns the number of pieces (at most ``vocab_size``: a small text may have fewer pieces worth keeping).
    """
    try:
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    except ImportError:
        raise ImportError("training a vocabulary needs the `tokenizers` package: pip install tokenizers") from None

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    # The same normalisation and pre-splitting as BertTokenizer(do_lower_case=True): the vocabulary's pieces
    # are then exactly the ones the reference tokenizer will look up.
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=None, clean_text=True,
                                                handle_chinese_chars=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                        special_tokens=SPECIAL_TOKENS, continuing_subword_prefix="##")
    tok.train([str(text_file)], trainer)
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    atomic_write_bytes(vocab_file, "".join(piece + "\n" for piece, _ in vocab).encode("utf-8"))
    return len(vocab)


# A CJK character seen fewer times than this in the training split is [UNK] (scripts/make_zh_corpus.py's default).
MIN_CHAR_COUNT = 3


def train_char_vocab(text_file: str | Path, vocab_file: str | Path, vocab_size: int) -> tuple[int, int]:
    """The Chinese vocabulary (minibert/tokenization/char_vocab.py) of ``text_file``, written to ``vocab_file``.

    Returns ``(tokens, CJK characters among them)``: the special tokens, every CJK character seen at least
    ``MIN_CHAR_COUNT`` times (one token each, most frequent first), WordPiece pieces for the rest of the text.
    """
    from minibert.tokenization.char_vocab import SPECIAL_TOKENS as CHAR_SPECIALS
    from minibert.tokenization.char_vocab import build_char_vocab
    from minibert.tokenization.chars import is_cjk

    assert CHAR_SPECIALS == SPECIAL_TOKENS  # the same ids 0-4 in both vocabularies
    lines = Path(text_file).read_text(encoding="utf-8").splitlines()
    tokens = build_char_vocab([ln for ln in lines if ln.strip()], vocab_size=vocab_size, min_char_count=MIN_CHAR_COUNT)
    atomic_write_bytes(vocab_file, "".join(t + "\n" for t in tokens).encode("utf-8"))
    return len(tokens), sum(len(t) == 1 and is_cjk(t) for t in tokens)
