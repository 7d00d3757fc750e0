"""Grader for exercise 17, ``wordpiece_trainer``."""

from minibert.exercises.graders.common import assert_list, call, diagnose
from minibert.exercises.mistakes.wordpiece_trainer import MISTAKES

# Exact: the vocabulary is a list of strings, and the tie-break leaves one right answer.


def test_wordpiece_trainer(impl, case):
    i = case["inputs"]
    given = {**i, "word_counts": dict(i["word_counts"]), "special_tokens": list(i["special_tokens"])}
    vocab = call(impl("wordpiece_trainer"), **given)
    words = ", ".join(f"{w}: {n}" for w, n in list(i["word_counts"].items())[:8])
    more = f", ... ({len(i['word_counts'])} words)" if len(i["word_counts"]) > 8 else ""
    what = (f"{case['name']}: wordpiece_trainer({{{words}{more}}}, vocab_size={i['vocab_size']}, "
            f"special_tokens={i['special_tokens']})")
    with diagnose(vocab, MISTAKES, i):
        assert_list(what, vocab, case["expected"]["vocab"])
