"""Parity of minibert's BertTokenizer with the reference transformers==4.57.6 tokenizers, computed live.

The slow ``BertTokenizer`` defines every token, id, type id and mask; the Rust ``BertTokenizerFast`` defines
offsets (the slow one has none), compared wherever slow and fast agree on the tokens.
"""

from __future__ import annotations

import pytest

transformers = pytest.importorskip("transformers")

from minibert.tokenization import BertTokenizer  # noqa: E402

CONFIGS = {
    "uncased": {},
    "cased": {"do_lower_case": False},
    "cased_strip": {"do_lower_case": False, "strip_accents": True},
    "uncased_keep_accents": {"strip_accents": False},
    "no_cjk": {"tokenize_chinese_chars": False},
    "no_basic": {"do_basic_tokenize": False},
    "never_split": {"never_split": ["Hello", "don't", "[foo]"]},
}

HARD_CASES = [
    "",
    " ",
    "   \t\n\r  ",
    "\u3000\u00a0\u2009",
    "Hello, world!",
    "Héllo, wörld! Ça va? Ñandú, façade, naïve, Zoë, Øresund, ǅemal",
    "e\u0301 vs \u00e9 and m\u0301 and K\u0301\u0301-",
    "a\u0301\u0323\u0302 stacked marks \u0301 leading mark",
    "你好，世界！这是一个测试。",
    "中文English混合Text",
    "한국어 텍스트입니다. 안녕하세요",
    "日本語のテキスト、カタカナ、ひらがな。ｶﾀｶﾅ",
    "emoji 😀👍🏽 and ZWJ 👩\u200d👩\u200d👧\u200d👦 flags 🇫🇷",
    "control\x00chars\x07here\x1bnow\ufffd\u200bzero\u200cwidth\u200d\ufeffbom",
    "glue\x0bvertical\x0cform\x1cfile\x1dgroup\x1erecord\x1funit\x85nel",
    "line\u2028separator\u2029paragraph",
    "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３！",
    "ligatures: ﬁﬂ ﬀ Ǆ ǆ ß ẞ",
    "Greek ΟΔΟΣ ΣΊΣΥΦΟΣ σς and İstanbul I İ ı",
    "x" * 99 + " " + "y" * 100 + " " + "z" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "literal [CLS] and [SEP] and [MASK] and [PAD] and [UNK] in text",
    "[CLS][MASK][SEP]glued[MASK]ends[SEP]",
    "lower [cls] [mask] and spaced [ MASK ] and broken [C\u200bLS]",
    "Numbers 3.14159, 1,000,000, 2024-01-01, $5.00, 50% #hashtag @user",
    "Punctuation: ¿¡«»‹›„“”‘’—–…·•¶§†‡※‼⁇⁈",
    "ASCII symbols ^ ` ~ | \\ $ + < = > are punctuation to BERT",
    "math ∑∫√∞≈≠≤≥ and arrows ←→↔ and box ┌─┐",
    "Arabic العربية and Hebrew עברית and Thai ภาษาไทย and Devanagari हिन्दी",
    "Cyrillic Привет, мир! and Armenian Բարեւ",
    "CJK ext B 𠀀𠀁 and compat 豈更 and radicals ⺀⺁",
    "private use \ue000\U000f0000 and unassigned \U000e0080 \U0003e535",
    "don't won't can't it's I'm you're they've",
    "Hello hello HELLO hElLo",
]


@pytest.fixture(scope="module")
def tokenizers(vocab_file):
    cache = {}

    def get(name):
        if name not in cache:
            kwargs = CONFIGS[name]
            cache[name] = (
                transformers.BertTokenizer(str(vocab_file), **kwargs),
                transformers.BertTokenizerFast(str(vocab_file), **kwargs),
                BertTokenizer(vocab_file, **kwargs),
            )
        return cache[name]

    return get


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("text", HARD_CASES, ids=range(len(HARD_CASES)))
def test_hard_cases_match_slow_reference(tokenizers, config, text):
    slow, _, ours = tokenizers(config)
    assert ours.tokenize(text) == slow.tokenize(text)
    assert ours.encode(text) == slow.encode(text)
    assert dict(ours(text, return_special_tokens_mask=True)) == dict(slow(text, return_special_tokens_mask=True))
    ids = slow.encode(text)
    assert ours.decode(ids) == slow.decode(ids)
    assert ours.decode(ids, skip_special_tokens=True) == slow.decode(ids, skip_special_tokens=True)


@pytest.mark.parametrize("config", ["uncased", "cased", "cased_strip", "no_cjk"])
@pytest.mark.parametrize("text", HARD_CASES, ids=range(len(HARD_CASES)))
def test_hard_case_offsets_match_fast_reference(tokenizers, config, text):
    slow, fast, ours = tokenizers(config)
    if slow.tokenize(text) != fast.tokenize(text):
        pytest.skip("slow and fast disagree on the tokens here (see docs/tokenizer.md)")
    got = ours(text, return_offsets_mapping=True)["offset_mapping"]
    assert got == fast(text, return_offsets_mapping=True)["offset_mapping"]


def test_basic_and_wordpiece_match_reference(vocab_file):
    from transformers.models.bert import tokenization_bert as ref

    from minibert.tokenization import BasicTokenizer, WordpieceTokenizer, load_vocab

    vocab = load_vocab(vocab_file)
    assert vocab == dict(ref.load_vocab(str(vocab_file)))
    for kwargs in ({}, {"do_lower_case": False}, {"strip_accents": True}, {"do_split_on_punc": False}):
        theirs, mine = ref.BasicTokenizer(**kwargs), BasicTokenizer(**kwargs)
        for text in HARD_CASES:
            assert mine.tokenize(text) == theirs.tokenize(text), (kwargs, text)
            assert mine.tokenize(text, never_split=["[CLS]"]) == theirs.tokenize(text, never_split=["[CLS]"])
    theirs, mine = ref.WordpieceTokenizer(vocab, "[UNK]"), WordpieceTokenizer(vocab, "[UNK]")
    for text in ["unaffable", "x" * 100, "x" * 101, "##", "hello world", "ñ", "abc123def", "", "  "]:
        assert mine.tokenize(text) == theirs.tokenize(text)


def test_character_classes_match_reference_on_every_code_point():
    from transformers import tokenization_utils as ref

    from minibert.tokenization import chars

    for code in range(0x110000):
        char = chr(code)
        assert chars.is_whitespace(char) == ref._is_whitespace(char), hex(code)
        assert chars.is_control(char) == ref._is_control(char), hex(code)
        assert chars.is_punctuation(char) == ref._is_punctuation(char), hex(code)


def test_glue_characters_are_exactly_python_whitespace_that_bert_deletes():
    # minibert cuts text with str.split() on its fast path; this holds only if every character str.split()
    # separates on is either BERT whitespace, one of the "glue" controls BERT deletes, or U+2028/U+2029.
    from minibert.tokenization import chars, fast_paths

    for code in range(0x110000):
        char = chr(code)
        if char.isspace() and not chars.is_whitespace(char):
            assert char in fast_paths._GLUE_CHARS or char in "\u2028\u2029", hex(code)
            if char in fast_paths._GLUE_CHARS:
                assert chars.char_class(char) == chars.DROP
        if chars.is_whitespace(char):
            assert char.isspace(), hex(code)


CALL_OPTIONS = [
    {},
    {"add_special_tokens": False},
    {"padding": True},
    {"padding": "longest"},
    {"padding": "max_length", "max_length": 24},
    {"padding": "max_length", "max_length": 24, "pad_to_multiple_of": 8},
    {"padding": True, "pad_to_multiple_of": 8},
    {"truncation": True, "max_length": 8},
    {"truncation": "longest_first", "max_length": 9},
    {"truncation": "only_first", "max_length": 10},
    {"truncation": "only_second", "max_length": 10},
    {"max_length": 7},
    {"truncation": True, "max_length": 8, "padding": "max_length"},
    {"truncation": "only_first", "max_length": 8, "stride": 2, "return_overflowing_tokens": True},
    {"truncation": "only_second", "max_length": 9, "stride": 3, "return_overflowing_tokens": True},
    {"return_token_type_ids": False},
    {"return_attention_mask": False},
    {"return_special_tokens_mask": True},
    {"return_length": True},
    {"return_length": True, "padding": True},
    {"padding_side": "left", "padding": True},
    {"add_special_tokens": False, "return_special_tokens_mask": True, "padding": True},
]
FIRSTS = ["Hello, world! This is a long sentence with many words.", "Short one.", "", "Ça va? 你好 😀"]
SECONDS = ["And the second sequence of the pair.", "Another pair text that is rather long too", "x", "ok"]


def _as_lists(encoding):
    return {key: (value.tolist() if hasattr(value, "tolist") else value) for key, value in encoding.items()}


@pytest.mark.parametrize("options", CALL_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "none")
@pytest.mark.parametrize("shape", ["single", "pair", "batch", "batch_pairs"])
@pytest.mark.parametrize("tensors", [None, "pt", "np"])
def test_call_options_match_slow_reference(tokenizers, caplog, options, shape, tensors):
    slow, _, ours = tokenizers("uncased")
    pair = shape in ("pair", "batch_pairs")
    batched = shape.startswith("batch")
    args = {
        "single": (FIRSTS[0],),
        "pair": (FIRSTS[0], SECONDS[0]),
        "batch": (FIRSTS,),
        "batch_pairs": (FIRSTS, SECONDS),
    }[shape]
    if tensors and ((batched and not options.get("padding")) or options.get("return_overflowing_tokens")):
        tensors = None  # ragged rows cannot become tensors (tested separately)
    kwargs = dict(options, return_tensors=tensors)
    if options.get("return_overflowing_tokens") and pair and options.get("truncation") in (True, "longest_first"):
        with pytest.raises(ValueError):
            slow(*args, **kwargs)
        with pytest.raises(ValueError):
            ours(*args, **kwargs)
        return
    caplog.clear()
    expected = slow(*args, **kwargs)
    if any("We need to remove" in r.getMessage() for r in caplog.records):
        # The reference logs an error and returns an over-long sequence; minibert raises (docs/tokenizer.md).
        with pytest.raises(ValueError, match="cannot truncate"):
            ours(*args, **kwargs)
        return
    got = ours(*args, **kwargs)
    assert type(got).__name__ == "BatchEncoding"
    assert _as_lists(got) == _as_lists(expected)
    if tensors:
        for key in expected:
            assert type(got[key]) is type(expected[key]), key
            assert tuple(got[key].shape) == tuple(expected[key].shape), key


def test_encode_plus_batch_encode_plus_and_encode_match(tokenizers):
    slow, _, ours = tokenizers("cased")
    assert ours.encode("Hello World", "Pair Text") == slow.encode("Hello World", "Pair Text")
    assert dict(ours.encode_plus("Hello", "World")) == dict(slow.encode_plus("Hello", "World"))
    batch = [("Hello", "World"), ("Good", "Day to you")]
    assert dict(ours.batch_encode_plus(batch, padding=True)) == dict(slow.batch_encode_plus(batch, padding=True))
    words = [["Hello", "wörld"], ["Ça", "va", "?"]]
    assert dict(ours(words, is_split_into_words=True, padding=True)) == dict(
        slow(words, is_split_into_words=True, padding=True)
    )
    tokens = slow.tokenize("Hello World")
    assert ours.encode(tokens) == slow.encode(tokens)
    assert ours.encode([7592, 2088]) == slow.encode([7592, 2088])
    assert dict(ours.prepare_for_model([7592], [2088])) == dict(slow.prepare_for_model([7592], [2088]))


def test_special_token_helpers_match(tokenizers):
    slow, _, ours = tokenizers("uncased")
    a, b = [7592, 2088], [2204]
    for name in ("build_inputs_with_special_tokens", "create_token_type_ids_from_sequences", "get_special_tokens_mask"):
        assert getattr(ours, name)(a) == getattr(slow, name)(a)
        assert getattr(ours, name)(a, b) == getattr(slow, name)(a, b)
    with_special = slow.encode("hello [MASK]")
    assert ours.get_special_tokens_mask(with_special, already_has_special_tokens=True) == slow.get_special_tokens_mask(
        with_special, already_has_special_tokens=True
    )
    for attribute in ("all_special_tokens", "all_special_ids", "special_tokens_map", "vocab_size"):
        assert getattr(ours, attribute) == getattr(slow, attribute), attribute
    for name in ("unk", "sep", "pad", "cls", "mask"):
        assert getattr(ours, f"{name}_token") == getattr(slow, f"{name}_token")
        assert getattr(ours, f"{name}_token_id") == getattr(slow, f"{name}_token_id")
    assert len(ours) == len(slow)
    assert ours.get_vocab() == slow.get_vocab()
    assert ours.num_special_tokens_to_add(True) == slow.num_special_tokens_to_add(True)


def test_added_tokens_match(vocab_file):
    for kwargs in ({}, {"do_lower_case": False}):
        slow = transformers.BertTokenizer(str(vocab_file), **kwargs)
        ours = BertTokenizer(vocab_file, **kwargs)
        assert ours.add_tokens(["NewWord", "hello", "<custom>"]) == slow.add_tokens(["NewWord", "hello", "<custom>"])
        assert len(ours) == len(slow)
        assert ours.add_special_tokens({"additional_special_tokens": ["<special>"]}) == slow.add_special_tokens(
            {"additional_special_tokens": ["<special>"]}
        )
        text = "A NewWord, helloworld and <custom><special> NEWWORD Hello"
        assert ours.tokenize(text) == slow.tokenize(text)
        ids = slow.encode(text)
        assert ours.encode(text) == ids
        assert ours.decode(ids) == slow.decode(ids)
        assert ours.decode(ids, skip_special_tokens=True) == slow.decode(ids, skip_special_tokens=True)
        assert ours.all_special_tokens == slow.all_special_tokens
        assert ours.get_vocab() == slow.get_vocab()


def test_add_tokens_counts_match(vocab_file):
    slow = transformers.BertTokenizer(str(vocab_file))
    ours = BertTokenizer(vocab_file)
    assert ours.add_tokens(["brandnewtoken", "hello", "Another"]) == slow.add_tokens(
        ["brandnewtoken", "hello", "Another"]
    )
    assert ours.add_tokens("brandnewtoken") == slow.add_tokens("brandnewtoken")
    assert ours.added_tokens_encoder == slow.added_tokens_encoder
    assert ours.convert_ids_to_tokens(len(slow) - 1) == slow.convert_ids_to_tokens(len(slow) - 1)


def test_decode_variants_match(tokenizers):
    slow, _, ours = tokenizers("uncased")
    ids = slow.encode("Hello , world ! I'm here, aren't you? It's 5 o'clock.")
    for kwargs in ({}, {"skip_special_tokens": True}, {"clean_up_tokenization_spaces": False}):
        assert ours.decode(ids, **kwargs) == slow.decode(ids, **kwargs)
    import torch

    batch = slow(["hello world", "a longer second text here"], padding=True, return_tensors="pt")["input_ids"]
    assert ours.batch_decode(batch) == slow.batch_decode(batch)
    assert ours.batch_decode(batch, skip_special_tokens=True) == slow.batch_decode(batch, skip_special_tokens=True)
    assert ours.decode(torch.tensor(ids)) == slow.decode(torch.tensor(ids))
    assert ours.decode(ids[1]) == slow.decode(ids[1])
    tokens = slow.convert_ids_to_tokens(ids)
    assert ours.convert_ids_to_tokens(ids) == tokens
    assert ours.convert_ids_to_tokens(ids, skip_special_tokens=True) == slow.convert_ids_to_tokens(
        ids, skip_special_tokens=True
    )
    assert ours.convert_tokens_to_string(tokens) == slow.convert_tokens_to_string(tokens)
    assert ours.convert_tokens_to_ids(tokens) == slow.convert_tokens_to_ids(tokens)
    assert ours.convert_tokens_to_ids("notavocabword") == slow.convert_tokens_to_ids("notavocabword")


def test_offsets_for_pairs_batches_padding_and_truncation_match_fast(tokenizers):
    slow, fast, ours = tokenizers("uncased")
    for args, kwargs in [
        ((FIRSTS[0], SECONDS[0]), {}),
        ((FIRSTS, SECONDS), {"padding": True}),
        ((FIRSTS,), {"padding": "max_length", "max_length": 20, "truncation": True}),
        ((FIRSTS[0],), {"truncation": True, "max_length": 6}),
        ((FIRSTS[0], SECONDS[0]), {"truncation": "only_second", "max_length": 20}),
        ((FIRSTS,), {"add_special_tokens": False, "padding": True}),
    ]:
        got = ours(*args, return_offsets_mapping=True, **kwargs)
        expected = fast(*args, return_offsets_mapping=True, **kwargs)
        assert got["offset_mapping"] == expected["offset_mapping"]
        assert got["input_ids"] == expected["input_ids"]


def test_single_word_added_tokens_match(vocab_file):
    """AddedToken(single_word=True): glued to text with no space between, the token is read as that text.

    Every sequence of up to 4 pieces from a small alphabet (tokens with single_word alone and with lstrip /
    rstrip, words, space, newline, punctuation) against the slow reference, tokens and ids; offsets must
    point at the characters each token was read from.
    """
    import itertools

    from minibert.tokenization.added_tokens import AddedToken as OurAddedToken

    specs = [("foo", {}), ("<x>", {"special": True}), ("bar", {"lstrip": True}), ("[q]", {"rstrip": True})]
    slow = transformers.BertTokenizer(str(vocab_file))
    ours = BertTokenizer(vocab_file)
    slow.add_tokens([transformers.AddedToken(t, single_word=True, **kw) for t, kw in specs])
    ours.add_tokens([OurAddedToken(t, single_word=True, **kw) for t, kw in specs])
    alphabet = ["foo", "<x>", "bar", "[q]", "ab", " ", "\n", "."]
    compared = merged = 0
    for n in range(1, 5):
        for parts in itertools.product(alphabet, repeat=n):
            text = "".join(parts)
            expected = slow.tokenize(text)
            assert ours.tokenize(text) == expected, f"{text!r}: {ours.tokenize(text)} != {expected}"
            assert ours.encode(text) == slow.encode(text), text
            enc = ours(text, add_special_tokens=False, return_offsets_mapping=True)
            for token, (start, end) in zip(ours.convert_ids_to_tokens(enc["input_ids"]), enc["offset_mapping"]):
                source = text[start:end].lower()
                assert source.startswith(token.removeprefix("##")[:1]) and not source[:1].isspace(), (text, token)
            compared += 1
            merged += any(t in text for t, _ in specs) and not any(t in expected for t, _ in specs)
    assert compared == sum(len(alphabet) ** n for n in range(1, 5))
    assert merged > 500, merged  # the merging rule really was exercised
