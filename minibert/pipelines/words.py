"""From WordPiece tokens back to words: the glue the token-level pipelines need.

``"Unaffable Ed"`` is tokenized ``["un", "##aff", "##able", "ed"]`` with character offsets
``[(0, 2), (2, 5), (5, 9), (10, 12)]``. A piece starting with ``##`` continues the word before it, so the
word ids are ``[0, 0, 0, 1]`` and word 0 spans characters 0..9 of the text.
"""

from __future__ import annotations

PREFIX = "##"  # WordPiece's mark for "this piece continues the previous one"
# Spaces the reference's fast-tokenizer decoder removes inside each decoded piece (" ." -> ".", ...).
_CLEANUP = ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
            (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"))


def join_pieces(tokens: list[str]) -> str:
    """Tokens -> readable text, as the reference's pipelines print words and entities.

    ``["new", "york", "##er", ","]`` -> ``"new yorker,"``: a ``##`` piece is glued on, any other piece gets a
    space, and a space before punctuation is dropped. (The tokenizer's own ``convert_tokens_to_string`` keeps
    ``"new yorker ,"``; the reference's pipelines use its fast tokenizer's decoder, which drops it.)
    """
    parts = []
    for i, token in enumerate(tokens):
        if i > 0:
            token = token[len(PREFIX):] if token.startswith(PREFIX) else " " + token
        for dirty, clean in _CLEANUP:
            token = token.replace(dirty, clean)
        parts.append(token)
    return "".join(parts)


def word_ids(tokens: list[str], special: list[bool]) -> list[int | None]:
    """Word index of each token (``None`` for special tokens): a new word starts at every non-``##`` token."""
    ids: list[int | None] = []
    word = -1
    for token, is_special in zip(tokens, special):
        if is_special:
            ids.append(None)
            continue
        if not token.startswith(PREFIX) or word < 0:
            word += 1
        ids.append(word)
    return ids
