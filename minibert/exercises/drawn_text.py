"""Fresh cases for the exercises on text: words, WordPiece and its vocabulary, and the ids a text becomes.

The drawers of basic_tokenize, wordpiece, wordpiece_trainer, qa_windows and pair_inputs, each
``(r, g) -> inputs`` (minibert/exercises/drawn.py says how they are called). Their inputs are strings, word
counts and lists of ids, drawn from ``r`` alone: ``g`` is unused here.
"""

from __future__ import annotations

_WORDS = ["hello", "World", "BERT", "don", "t", "100", "x1", "naïve", "über", "code", "a"]
_PUNCT = list(",.!?;:'\"-()[]{}<>/\\@#$%^&*_~`|+=") + list("¿¡«»…—‘’“”・、。！？")
_CJK = list("中文处理很好我们喜欢它漢字𠀀𠀁")
_OTHER = list("🙂👍©±€°") + ["ひらがな", "カタカナ", "한국어", "ＡＢＣ"]
_SPACE = [" ", " ", "  ", "\t", "\n", "\u3000", "\xa0", ""]


def basic_tokenize(r, g):
    pools = [_WORDS, _WORDS, _PUNCT, _CJK, _OTHER]
    return {"text": "".join(r.choice(r.choice(pools)) + r.choice(_SPACE) for _ in range(r.randint(3, 14)))}


_VOCAB = ["[UNK]", "un", "##aff", "##able", "aff", "able", "play", "##ing", "##ed", "##s", "p", "##l", "##a",
          "##i", "##n", "re", "##play", "a", "b", "##b", "##bb", "bbb", "我", "##们", "hello", "##hello", "##"]


def wordpiece(r, g):
    heads = [p for p in _VOCAB if not p.startswith("##") and p != "[UNK]"]
    tails = [p[2:] for p in _VOCAB if p.startswith("##") and len(p) > 2]
    word = r.choice(heads) + "".join(r.choice(tails + ["b", "a"]) for _ in range(r.randint(0, 4)))
    if r.random() < 0.3:  # a character no piece covers, somewhere
        i = r.randint(0, len(word))
        word = word[:i] + r.choice("xzq") + word[i:]
    limit = r.choice([100, len(word), len(word) - 1, max(1, len(word) - 2)])
    return {"word": word, "vocab": _VOCAB, "unk_token": r.choice(["[UNK]", "[UNK]", "<unk>"]),
            "max_input_chars_per_word": limit}


_SYLLABLES = ["un", "re", "ing", "ed", "s", "a", "an", "th", "e", "er", "hug", "p", "b", "o", "ö", "ß"]


def wordpiece_trainer(r, g):
    words, n = {}, r.randint(3, 40)
    while len(words) < n:
        word = "".join(r.choice(_SYLLABLES) for _ in range(r.randint(1, 4)))
        words[word] = r.choice([1, 1, 2, 3, 5, 8, r.randint(1, 60)])
    alphabet = len({c for w in words for c in w}) + len({c for w in words for c in w[1:]})
    specials = r.choice([[], ["[UNK]"], ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]])
    return {"word_counts": words, "vocab_size": len(specials) + alphabet + r.randint(0, 60),
            "special_tokens": specials}


def qa_windows(r, g):
    question, budget = r.randint(1, 24), r.randint(2, 48)
    stride = r.randint(0, budget - 1)
    return {"question_tokens": question, "context_tokens": r.randint(1, 4 * budget),
            "max_length": question + 3 + budget, "stride": stride}


def pair_inputs(r, g):
    cls_id, sep_id = r.choice([(101, 102), (2, 3), (0, 2)])

    def text():
        return [r.randint(5, 30521) for _ in range(r.randint(0, 8))]

    return {"ids_a": text(), "ids_b": None if r.random() < 0.25 else text(), "cls_id": cls_id, "sep_id": sep_id}
