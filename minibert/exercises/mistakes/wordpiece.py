"""Exercise 3, typical mistakes: the wrong greedy order, the [UNK] rules, the "##" prefix, the length limit."""

from minibert.exercises.diagnosis import Mistake


def pieces(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100, *, longest=True, prefix="##",
           keep_prefix=True, too_long=lambda n, limit: n > limit):
    """WordPiece with one rule swapped; None where a position matches nothing."""
    if too_long(len(word), max_input_chars_per_word):
        return [unk_token]
    out, start = [], 0
    while start < len(word):
        ends = range(len(word), start, -1) if longest else range(start + 1, len(word) + 1)
        for end in ends:
            piece = word[start:end] if start == 0 else prefix + word[start:end]
            if piece in vocab:
                out.append(piece if keep_prefix or start == 0 else word[start:end])
                start = end
                break
        else:
            return out + [None]
    return out


def variant(**rule):
    """WordPiece with ``rule`` swapped in; an unmatched position makes the whole word [unk_token], as it should."""
    def run(word, vocab, unk_token, max_input_chars_per_word):
        result = pieces(word, vocab, unk_token, max_input_chars_per_word, **rule)
        return [unk_token] if None in result else result
    return run


MISTAKES = [
    Mistake("greedy_shortest",
            "Probably greedy SHORTEST-match: WordPiece takes the LONGEST piece in the vocabulary at each "
            "position (try end = len(word) first, then shorter); look at the order of your inner loop.",
            variant(longest=False)),
    Mistake("pieces_kept_before_unk",
            "Probably the pieces found before an unknown part are kept: when a position matches nothing, the "
            "WHOLE word becomes [unk_token] and the pieces found so far are dropped.",
            test=lambda got, inputs: inputs["unk_token"] in got and len(got) > 1),
    Mistake("no_hash_prefix",
            "Probably the \"##\" prefix is missing: a piece that does not start the word is looked up, and "
            "returned, as \"##\" + word[start:end].",
            variant(prefix="")),
    Mistake("hash_prefix_dropped",
            "Probably the \"##\" is dropped from the pieces you return: look it up AND return it as "
            "\"##\" + word[start:end].",
            variant(keep_prefix=False)),
    Mistake("max_chars_off_by_one",
            "Probably len(word) >= max_input_chars_per_word: a word of exactly that many characters is still "
            "split; only LONGER words become [unk_token].",
            variant(too_long=lambda n, limit: n >= limit)),
    Mistake("max_chars_ignored",
            "Probably max_input_chars_per_word is not checked: a word longer than that becomes [unk_token] "
            "without looking further.",
            variant(too_long=lambda n, limit: False)),
    Mistake("unk_hard_coded",
            "Probably \"[UNK]\" written out: return the unk_token argument (this case passes \"<unk>\").",
            test=lambda got, inputs: inputs["unk_token"] != "[UNK]" and "[UNK]" in got),
]
