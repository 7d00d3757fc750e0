"""Chinese whole-word masking (minibert.training.chinese_words): word boundaries from jieba, through the offsets.

Seeded draws; counts are checked within 5 SD of Binomial expectations (as tests/training/test_training_masking.py does).
"""

from __future__ import annotations

import math

import pytest
import torch

pytest.importorskip("jieba")

from minibert.heads.labels import IGNORE_INDEX  # noqa: E402
from minibert.tokenization import BertTokenizer  # noqa: E402
from minibert.training.chinese_words import chinese_continuation, words  # noqa: E402
from minibert.training.masking import continuation_table, mask_tokens  # noqa: E402

SENTENCE = "我爱自然语言处理，running很好用。"
CHARS = sorted(set("我爱自然语言处理很好用今天气不错我们去公园散步吧北京是中国的首都"))
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "，", "。", "run", "##ning", "##ner", "bert", "12"] + CHARS


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    path = tmp_path_factory.mktemp("zh") / "vocab.txt"
    path.write_text("".join(t + "\n" for t in VOCAB), encoding="utf-8")
    return BertTokenizer(str(path))


@pytest.fixture(scope="module")
def pieces():
    return continuation_table(VOCAB)


def _continuation(tokenizer, pieces, text):
    enc = tokenizer(text, return_offsets_mapping=True)
    return enc["input_ids"], chinese_continuation(text, enc["input_ids"], enc["offset_mapping"], pieces)


def test_segmenter_is_quiet_and_deterministic(capfd):
    first = words(SENTENCE)
    assert words(SENTENCE) == first
    assert "".join(w for w, _, _ in first) == SENTENCE
    assert capfd.readouterr().err == ""  # jieba's "Building prefix dict ..." is silenced


def test_characters_of_a_word_continue_it(tokenizer, pieces):
    ids, cont = _continuation(tokenizer, pieces, SENTENCE)
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokens == ["[CLS]", "我", "爱", "自", "然", "语", "言", "处", "理", "，", "run", "##ning", "很", "好", "用",
                      "。", "[SEP]"]
    # jieba (dictionary only): 我 | 爱 | 自然语言 | 处理 | ， | running | 很 | 好 | 用 | 。
    assert [w for w, _, _ in words(SENTENCE)] == ["我", "爱", "自然语言", "处理", "，", "running", "很", "好", "用",
                                                 "。"]
    continued = [t for t, c in zip(tokens, cont) if c]
    assert continued == ["然", "语", "言", "理", "##ning"]


def test_latin_words_and_pieces_keep_todays_rule(tokenizer, pieces):
    text = "bert running runner 12 北京"
    ids, cont = _continuation(tokenizer, pieces, text)
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokens == ["[CLS]", "bert", "run", "##ning", "run", "##ner", "12", "北", "京", "[SEP]"]
    table = pieces[torch.tensor(ids)].tolist()
    assert cont[:7] == table[:7]  # everything but the Chinese characters: exactly the "##" table's answer
    assert cont[7:] == [False, True, False]  # 北京 is one jieba word


def test_mismatched_offsets_are_refused(pieces):
    with pytest.raises(ValueError, match="one offset per token"):
        chinese_continuation("我爱", [2, 10, 11, 3], [(0, 0), (0, 1)], pieces)


def _within(observed, n, p, sigmas=5.0):
    sd = math.sqrt(n * p * (1 - p))
    assert abs(observed - n * p) <= sigmas * sd, f"{observed} vs expected {n * p:.1f} (n={n}, p={p}, sd={sd:.1f})"


TEXTS = ["我爱自然语言处理，running很好用。", "今天天气不错，我们去公园散步吧。", "北京是中国的首都。"]


def test_words_are_masked_together_with_the_split_and_the_share(tokenizer, pieces):
    rows = [_continuation(tokenizer, pieces, t) for t in TEXTS] * 400
    T = max(len(ids) for ids, _ in rows)
    ids = torch.tensor([r[0] + [0] * (T - len(r[0])) for r in rows])
    cont = torch.tensor([r[1] + [False] * (T - len(r[1])) for r in rows])
    attention = (ids != 0).long()
    special = ((ids == 2) | (ids == 3)).long()
    masked, labels = mask_tokens(ids, mask_token_id=4, vocab_size=len(VOCAB), special_tokens_mask=special,
                                 attention_mask=attention, whole_word_mask=True, is_continuation=cont,
                                 generator=torch.Generator().manual_seed(3))
    chosen = labels != IGNORE_INDEX
    eligible = (special == 0) & (attention == 1)
    n_words = picked_words = 0
    for b in range(len(rows)):
        starts = [t for t in range(T) if eligible[b, t] and not cont[b, t]] + [int(attention[b].sum()) - 1]
        for start, end in zip(starts, starts[1:]):
            span = chosen[b, start:end]
            assert span.all() or not span.any(), f"row {b}: word {start}..{end - 1} partly chosen"
            n_words += 1
            picked_words += int(span.all())
    _within(picked_words, n_words, 0.15)  # one coin per word
    # The share of masked tokens: each token is chosen with its word, so 15% of the tokens are expected too (not
    # a Binomial count, since a word's tokens go together: a plain band).
    N, C = int(eligible.sum()), int(chosen.sum())
    assert 0.12 < C / N < 0.18, C / N
    # 80/10/10 among the chosen tokens of the chosen words, decided per token as the original script does.
    n_mask = int((chosen & (masked == 4)).sum())
    n_same = int((chosen & (masked == ids)).sum())
    _within(n_mask, C, 0.8)
    _within(n_same, C, 0.1 + 0.1 / len(VOCAB))  # unchanged, or replaced by itself by chance
    assert not chosen[special == 1].any() and not chosen[attention == 0].any()


def test_pretrain_option(tmp_path, tokenizer, capsys, monkeypatch):
    from minibert.__main__ import main
    from minibert.training import data

    corpus = tmp_path / "zh.txt"
    corpus.write_text("\n".join(TEXTS * 4) + "\n", encoding="utf-8")
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(t + "\n" for t in VOCAB), encoding="utf-8")
    seen = []  # the per-example word boundaries the dataset masks with
    real_init = data.MaskedLMDataset.__init__

    def spy(self, examples, **kw):
        seen.extend(ex.get("is_continuation") for ex in examples)
        real_init(self, examples, **kw)

    monkeypatch.setattr(data.MaskedLMDataset, "__init__", spy)
    tiny = ["--hidden-size", "16", "--layers", "1", "--heads", "2", "--intermediate-size", "32", "--no-progress",
            "--steps", "2", "--batch-size", "4"]
    rc = main(["pretrain", "--data", str(corpus), "--vocab", str(vocab), "--whole-word-mask", "zh",
               "--output", str(tmp_path / "run"), *tiny])
    assert rc == 0, capsys.readouterr()
    expected = {tuple(_continuation(tokenizer, continuation_table(VOCAB), t)[1]) for t in TEXTS}
    assert seen and {tuple(c) for c in seen} == expected
    rc = main(["pretrain", "--data", str(corpus), "--vocab", str(vocab), "--whole-word-mask", "zh", "--nsp",
               "--output", str(tmp_path / "nsp"), *tiny])
    assert rc == 1 and "--whole-word-mask zh works with masked-LM examples only" in capsys.readouterr().err


def test_without_jieba_the_error_says_what_to_install(monkeypatch):
    import sys

    from minibert.training import chinese_words

    monkeypatch.setattr(chinese_words, "_SEGMENTER", None)
    monkeypatch.setitem(sys.modules, "jieba", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'minibert\[zh\]'"):
        words("我爱自然语言处理")


def test_dataset_masks_with_each_examples_own_word_boundaries(tokenizer):
    from minibert.training.data import MaskedLMDataset

    enc = tokenizer(TEXTS[0], return_offsets_mapping=True, return_special_tokens_mask=True)
    cont = chinese_continuation(TEXTS[0], enc["input_ids"], enc["offset_mapping"], continuation_table(VOCAB))
    example = {"input_ids": enc["input_ids"], "special_tokens_mask": enc["special_tokens_mask"],
               "is_continuation": cont}
    ds = MaskedLMDataset([example] * 300, mask_token_id=4, vocab_size=len(VOCAB), seed=0, whole_word_mask=True,
                         mlm_probability=0.5)  # no "##" table: each example brings its own boundaries
    word = [i for i, t in enumerate(tokenizer.convert_ids_to_tokens(enc["input_ids"])) if t in "自然语言"]
    together = 0
    for i in range(len(ds)):
        item = ds[i]
        assert "is_continuation" not in item  # not a model input
        chosen = [item["labels"][j] != IGNORE_INDEX for j in word]
        assert all(chosen) or not any(chosen), chosen
        together += all(chosen)
    assert 100 < together < 200  # the word 自然语言 is chosen about half of the time (p = 0.5), always whole
