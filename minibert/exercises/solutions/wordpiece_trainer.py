"""Exercise 17, reference solution: WordPiece vocabulary training, tokenizers' rule with a fixed tie-break."""

from __future__ import annotations

PREFIX = "##"


def wordpiece_trainer(word_counts: dict[str, int], vocab_size: int, special_tokens: list[str]) -> list[str]:
    """Alphabet first, then merge the most frequent adjacent pair (ties: smallest ids) until vocab_size."""
    vocab = list(special_tokens)
    starts = sorted({c for word in word_counts for c in word})
    inside = sorted({c for word in word_counts for c in word[1:]})
    for piece in starts + [PREFIX + c for c in inside]:
        if piece not in vocab:
            vocab.append(piece)
    ids = {piece: i for i, piece in enumerate(vocab)}
    words = [[word[0]] + [PREFIX + c for c in word[1:]] for word in word_counts]
    counts = list(word_counts.values())
    while len(vocab) < vocab_size:
        pair_counts: dict[tuple[str, str], int] = {}
        for pieces, n in zip(words, counts):
            for pair in zip(pieces, pieces[1:]):
                pair_counts[pair] = pair_counts.get(pair, 0) + n
        if not pair_counts:
            break
        a, b = min(pair_counts, key=lambda ab: (-pair_counts[ab], ids[ab[0]], ids[ab[1]]))
        merged = a + b[len(PREFIX):]
        if merged not in ids:
            ids[merged] = len(vocab)
            vocab.append(merged)
        for pieces in words:
            i = 0
            while i < len(pieces) - 1:
                if pieces[i] == a and pieces[i + 1] == b:
                    pieces[i:i + 2] = [merged]
                i += 1
    return vocab
