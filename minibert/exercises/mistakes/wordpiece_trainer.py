"""Exercise 17, typical mistakes: the "##" prefix, the score, stale counts, the tie-break."""

from fractions import Fraction

from minibert.exercises.diagnosis import Mistake


def train(word_counts, vocab_size, special_tokens, *, prefix="##", score="count", recount=True, ties="ids",
          strip=True):
    """The trainer with one rule changed; the defaults are right."""
    vocab = list(special_tokens)
    for piece in sorted({c for w in word_counts for c in w}) + [prefix + c for c in sorted({c for w in word_counts
                                                                                           for c in w[1:]})]:
        if piece not in vocab:
            vocab.append(piece)
    ids = {piece: i for i, piece in enumerate(vocab)}
    words = [[w[0]] + [prefix + c for c in w[1:]] for w in word_counts]
    counts = list(word_counts.values())
    frozen = None  # the pair counts of the first round, when they are never recounted
    while len(vocab) < vocab_size:
        pairs, freq = {}, {}
        for pieces, n in zip(words, counts):
            for pair in zip(pieces, pieces[1:]):
                pairs[pair] = pairs.get(pair, 0) + n
            for piece in pieces:
                freq[piece] = freq.get(piece, 0) + n
        if not recount:
            frozen = pairs if frozen is None else frozen
            pairs = {pair: c for pair, c in frozen.items() if pair[0] in ids and pair[1] in ids}
        if not pairs:
            break
        value = pairs if score == "count" else \
            {ab: Fraction(n, freq.get(ab[0], 1) * freq.get(ab[1], 1)) for ab, n in pairs.items()}
        if ties == "ids":
            a, b = min(value, key=lambda ab: (-value[ab], ids[ab[0]], ids[ab[1]]))
        elif ties == "strings":
            a, b = min(value, key=lambda ab: (-value[ab], ab))
        else:  # "first counted": Python's max keeps the first of equal keys, in the order the pairs were counted
            a, b = max(value, key=value.get)
        merged = a + (b[len(prefix):] if strip and b.startswith(prefix) else b)
        if not recount:
            frozen.pop((a, b))
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


def variant(**rule):
    return lambda word_counts, vocab_size, special_tokens: train(word_counts, vocab_size, special_tokens, **rule)


MISTAKES = [
    Mistake("no_continuation_prefix",
            "Probably no \"##\" on the pieces that continue a word (plain BPE): split \"hugs\" into h ##u ##g ##s, "
            "add \"##c\" for every character seen inside a word, and merge \"##u\" + \"##g\" into \"##ug\".",
            variant(prefix="")),
    Mistake("likelihood_score",
            "Probably the pairs were scored by freq(ab) / (freq(a)·freq(b)) (the classic WordPiece likelihood "
            "score): this trainer, like tokenizers' WordPieceTrainer, merges the pair with the highest count "
            "freq(ab).",
            variant(score="likelihood")),
    Mistake("counts_not_updated",
            "Probably the pair counts were counted once, before the first merge, and never again: recount the "
            "pairs after every merge (a merge makes new pairs with the new piece, and removes others), so "
            "pieces of three and more characters can appear.",
            variant(recount=False)),
    Mistake("ties_first_counted",
            "Probably a tie between pairs of equal count went to the pair counted first (Python's max over the "
            "counts): break it by the ids, the pair whose first piece has the smallest id, then the second "
            "piece's.",
            variant(ties="first_counted")),
    Mistake("ties_by_string",
            "Probably a tie between pairs of equal count went to the alphabetically first pair (sorted "
            "strings): break it by the ids, the pair whose first piece has the smallest id in the vocabulary "
            "(specials, characters, \"##\" characters, then merges in order), then the second piece's.",
            variant(ties="strings")),
    Mistake("prefix_kept_in_merge",
            "Probably the \"##\" of the second piece was kept in the merged piece (\"h\" + \"##u\" -> \"h##u\"): "
            "drop it, \"h\" + \"##u\" -> \"hu\", \"##u\" + \"##g\" -> \"##ug\".",
            variant(strip=False)),
]
