"""``from minibert import BertTokenizerFast``: the same calls on minibert and on the reference's Rust tokenizer.

Every comparison is the whole answer: the dict (keys in order), and for each row the tokens, word ids, sequence
ids and what each character, token and word maps to. What minibert's fast tokenizer does not do raises (the
refusals at the end); where the reference raises, it raises too.
"""

from __future__ import annotations

import json
import pickle
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

transformers = pytest.importorskip("transformers")

import minibert  # noqa: E402
from minibert.tokenization import fast_unicode  # noqa: E402

# The settings fast_unicode.json was made under (scripts/make_fast_unicode_table.py), and two that fast ignores.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from make_fast_unicode_table import SETTINGS as TABLE_SETTINGS  # noqa: E402

SETTINGS = {**TABLE_SETTINGS, "ignored_by_fast": {"do_basic_tokenize": False, "never_split": ["hello", "[foo]"]}}
TEXT = "Hello, world! [MASK] unaffable 你好 naïve Ça [CLS][SEP]x ##y don't"


@pytest.fixture(scope="module")
def pairs(vocab_file):
    made = {}

    def get(name="uncased"):
        if name not in made:
            kwargs = SETTINGS[name]
            made[name] = (minibert.BertTokenizerFast(str(vocab_file), **kwargs),
                          transformers.BertTokenizerFast(str(vocab_file), **kwargs))
        return made[name]

    return get


def plain(encoding) -> dict:
    return {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in encoding.items()}


def assert_same_maps(ours, theirs) -> None:
    """Every row's tokens, words, sequences and the character/token/word lookups, both ways."""
    for row in range(len(theirs.encodings)):
        for method in ("tokens", "word_ids", "sequence_ids"):
            assert getattr(ours, method)(row) == getattr(theirs, method)(row), (method, row)
        for token in range(len(theirs.tokens(row))):
            for method in ("token_to_chars", "token_to_word", "token_to_sequence"):
                assert getattr(ours, method)(row, token) == getattr(theirs, method)(row, token), (method, row, token)
        for sequence in (0, 1):
            for char in range(70):
                for method in ("char_to_token", "char_to_word"):
                    assert getattr(ours, method)(row, char, sequence) == getattr(theirs, method)(row, char, sequence)
            for word in range(25):
                span = theirs.word_to_tokens(row, word, sequence)
                assert ours.word_to_tokens(row, word, sequence) == span, (row, word, sequence)
                if span is not None:
                    assert ours.word_to_chars(row, word, sequence) == theirs.word_to_chars(row, word, sequence)


def same_call(ours, theirs, *args, **kwargs) -> None:
    """The call gives the same answer on both, or raises on both."""
    try:
        expected = theirs(*args, **kwargs)
    except BaseException as error:  # noqa: B036 - the Rust tokenizer's panics are BaseExceptions
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        with pytest.raises((ValueError, TypeError)):
            ours(*args, **kwargs)
        return
    got = ours(*args, **kwargs)
    assert plain(got) == plain(expected) and list(got) == list(expected), (args, kwargs)
    assert got.is_fast is expected.is_fast is True and got.n_sequences == expected.n_sequences
    assert_same_maps(got, expected)


def test_exported_where_bert_tokenizer_is(vocab_file):
    from minibert import BertTokenizerFast

    assert BertTokenizerFast is minibert.tokenization.BertTokenizerFast and "BertTokenizerFast" in minibert.__all__
    ours = BertTokenizerFast(str(vocab_file))
    assert ours.is_fast is transformers.BertTokenizerFast(str(vocab_file)).is_fast is True
    assert isinstance(ours, minibert.BertTokenizer)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_texts_pairs_and_batches(pairs, name):
    ours, theirs = pairs(name)
    same_call(ours, theirs, TEXT, "second one, two", return_offsets_mapping=True, return_special_tokens_mask=True)
    same_call(ours, theirs, [TEXT, "x y"], ["p", "q r s"], return_offsets_mapping=True, padding=True,
              pad_to_multiple_of=8, return_length=True)
    same_call(ours, theirs, TEXT, "", padding="max_length", max_length=40, padding_side="left")
    same_call(ours, theirs, [["Hello", "un##aff", "wörld!"], ["a", "b"]], is_split_into_words=True,
              return_offsets_mapping=True, padding=True)
    same_call(ours, theirs, ["Hello", "world!"], ["x y", "z"], return_attention_mask=False,
              return_token_type_ids=False, return_tensors="np")
    same_call(ours, theirs, "a b c", "d e", add_special_tokens=False, return_special_tokens_mask=True,
              return_length=True, return_tensors="pt")
    for text in ("", " ", "a" * 120 + " b", "[MASK][MASK]", "x ## y"):
        same_call(ours, theirs, text, return_offsets_mapping=True)
    assert ours.tokenize(TEXT) == theirs.tokenize(TEXT) and ours.encode(TEXT, "x") == theirs.encode(TEXT, "x")
    assert ours.tokenize(TEXT, "x", add_special_tokens=True) == theirs.tokenize(TEXT, "x", add_special_tokens=True)
    assert dict(ours.encode_plus(TEXT, "x")) == dict(theirs.encode_plus(TEXT, "x"))
    assert plain(ours.batch_encode_plus([TEXT, ("x", "y")])) == plain(theirs.batch_encode_plus([TEXT, ("x", "y")]))


@pytest.mark.parametrize("pair", [None, "h i j k l"], ids=["single", "pair"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_truncation_and_overflow_windows(pairs, pair, side):
    """Every max_length, stride, strategy: the same rows (a window each), or an error on both sides."""
    ours, theirs = pairs()
    for tok in (ours, theirs):
        tok.truncation_side = side
    try:
        for max_length in range(0, 11):
            for stride in range(0, 5):
                for truncation in (True, "only_first", "only_second"):
                    for add in (True, False):
                        same_call(ours, theirs, "a b c d e f g", pair, truncation=truncation, max_length=max_length,
                                  stride=stride, add_special_tokens=add, return_overflowing_tokens=True,
                                  return_offsets_mapping=True)
    finally:
        for tok in (ours, theirs):
            tok.truncation_side = "right"


def test_question_answering_windows(pairs):
    """The reference's question-answering recipe: the context cut into overlapping windows, the question kept."""
    ours, theirs = pairs()
    questions, contexts = ["Where does it sleep?", "Who?"], ["The cat sleeps on the mat. " * 8, "Nobody knows."]
    same_call(ours, theirs, questions, contexts, truncation="only_second", max_length=24, stride=6,
              return_overflowing_tokens=True, return_offsets_mapping=True, padding="max_length")


_ALPHABET = list("abcAB éñÅ你好ΣσİßﬁΟΔ!?,.'#-[]") + ["[MASK]", "[CLS]", "hello", "unaffable", "\u3000", "\t", "\u0301",
                                                    "\u200b", "\x00", "😀", "한국", "e\u0301"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(list(SETTINGS)), text=st.lists(st.sampled_from(_ALPHABET), max_size=14).map("".join),
       pair=st.none() | st.lists(st.sampled_from(_ALPHABET), max_size=8).map("".join),
       max_length=st.none() | st.integers(0, 12), stride=st.integers(0, 3))
def test_drawn_texts(pairs, name, text, pair, max_length, stride):
    ours, theirs = pairs(name)
    try:
        for part in (text, pair or ""):
            fast_unicode.check(part, fast_unicode.keeps_accents(ours))
    except ValueError:  # text this tokenizer refuses (NFC with accents kept): refused, not answered otherwise
        with pytest.raises(ValueError, match="NFC"):
            ours(text, pair)
        return
    same_call(ours, theirs, text, pair, truncation=max_length is not None, max_length=max_length, stride=stride,
              return_overflowing_tokens=True, return_offsets_mapping=True, return_special_tokens_mask=True)


def test_decode(pairs):
    ours, theirs = pairs()
    import random

    draw, pool = random.Random(0), ["'", "s", "t", "n", "do", "not", ".", ",", "?", "a", "##s", "[SEP]", "[PAD]", "i"]
    for _ in range(500):
        tokens = [draw.choice(pool) for _ in range(draw.randrange(0, 8))]
        ids = theirs.convert_tokens_to_ids(tokens)
        assert ours.convert_tokens_to_string(tokens) == theirs.convert_tokens_to_string(tokens), tokens
        for kwargs in ({}, {"skip_special_tokens": True}, {"clean_up_tokenization_spaces": False}):
            assert ours.decode(ids, **kwargs) == theirs.decode(ids, **kwargs), (tokens, kwargs)
    ids = theirs(["i don't know , he's here .", "x"], padding=True)["input_ids"]
    assert ours.batch_decode(ids) == theirs.batch_decode(ids)


def test_prepare_for_model_and_pad(pairs):
    ours, theirs = pairs()
    args = ([1037, 1038, 1039], [1040])
    assert dict(ours.prepare_for_model(*args, truncation=True, max_length=5)) == \
        dict(theirs.prepare_for_model(*args, truncation=True, max_length=5))
    padded, expected = (tok.pad([tok("a b c"), tok("d")], padding=True) for tok in (ours, theirs))
    assert plain(padded) == plain(expected) and padded.is_fast is expected.is_fast is False


def test_files(vocab_file, tmp_path):
    """tokenizer.json as the reference writes it; each library reads the other's folder, and a folder with only
    tokenizer.json."""
    for name in ("uncased", "cased_strip_accents", "no_chinese_chars"):
        # new ones: the reference writes the truncation of its last call into the file
        ours, theirs = (lib.BertTokenizerFast(str(vocab_file), **SETTINGS[name]) for lib in (minibert, transformers))
        ours.save_pretrained(tmp_path / name / "ours")
        theirs.save_pretrained(tmp_path / name / "theirs")
        written = [json.loads((tmp_path / name / who / "tokenizer.json").read_text()) for who in ("ours", "theirs")]
        assert written[0] == written[1], name
        for folder in ("ours", "theirs"):
            mine = minibert.BertTokenizerFast.from_pretrained(tmp_path / name / folder)
            reference = transformers.BertTokenizerFast.from_pretrained(tmp_path / name / folder)
            same_call(mine, reference, TEXT, "x y", return_offsets_mapping=True)
    only = tmp_path / "only_json"
    only.mkdir()
    shutil.copy(tmp_path / "cased_strip_accents" / "theirs" / "tokenizer.json", only)
    mine = minibert.BertTokenizerFast.from_pretrained(only)
    reference = transformers.BertTokenizerFast.from_pretrained(only)
    assert mine.do_lower_case is reference.do_lower_case is True  # the constructor's default replaces the file's
    same_call(mine, reference, TEXT, return_offsets_mapping=True)


def test_official_checkpoint_folder(official_checkpoint):
    ours = minibert.BertTokenizerFast.from_pretrained(official_checkpoint)
    theirs = transformers.BertTokenizerFast.from_pretrained(official_checkpoint)
    same_call(ours, theirs, [TEXT, "A sentence to embed."], padding=True, truncation=True, return_offsets_mapping=True)
    assert ours.model_max_length == theirs.model_max_length


def test_a_tokenizer_json_of_another_pipeline_is_refused(pairs, tmp_path):
    ours, _ = pairs()
    ours.save_pretrained(tmp_path)
    data = json.loads((tmp_path / "tokenizer.json").read_text())
    data["pre_tokenizer"] = {"type": "Whitespace"}
    (tmp_path / "tokenizer.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="pre_tokenizer is 'Whitespace'"):
        minibert.BertTokenizerFast.from_pretrained(tmp_path)


def test_what_it_refuses(pairs, tmp_path):
    ours, theirs = pairs()
    with pytest.raises(ValueError, match="U\\+0378"):  # unassigned: the slow reading deletes it, the Rust one keeps it
        ours("a\u0378b")
    assert theirs.tokenize("a\u0378b") != minibert.BertTokenizer(ours.vocab).tokenize("a\u0378b")
    # with accents kept, the slow reading composes "e" + U+0301 into "é", the Rust one does not
    (tmp_path / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "é", "e"]) + "\n")
    composed = minibert.BertTokenizer(str(tmp_path / "vocab.txt"), do_lower_case=False).tokenize("e\u0301")
    assert composed == ["é"] != transformers.BertTokenizerFast(str(tmp_path / "vocab.txt"), do_lower_case=False
                                                              ).tokenize("e\u0301")
    with pytest.raises(ValueError, match="NFC"):
        minibert.BertTokenizerFast(str(tmp_path / "vocab.txt"), do_lower_case=False)("e\u0301")
    with pytest.raises(NotImplementedError, match="added token '<x>'"):
        ours.add_tokens(["<x>"])
    with pytest.raises(NotImplementedError):
        ours.add_special_tokens({"additional_special_tokens": ["<y>"]})
    assert ours("a <x>")["input_ids"] == theirs("a <x>")["input_ids"]  # nothing was added
    with pytest.raises(AttributeError, match="no Rust tokenizers backend"):
        ours.backend_tokenizer  # noqa: B018
    assert not hasattr(ours, "backend_tokenizer")
    with pytest.raises(AttributeError, match="no Rust tokenizers.Encoding"):
        ours("a").encodings  # noqa: B018
    for call in (lambda tok: tok.encode_plus([7592, 2088]), lambda tok: tok([101, 2000])):
        with pytest.raises((TypeError, ValueError)):
            call(theirs)
        with pytest.raises((TypeError, ValueError)):
            call(ours)


def test_the_slow_encoding_has_no_maps_as_in_the_reference(vocab_file):
    for lib in (minibert, transformers):
        encoding = lib.BertTokenizer(str(vocab_file))("hello world")
        assert encoding.is_fast is False and encoding.encodings is None
        with pytest.raises(ValueError, match="word_ids\\(\\) is not available when using non-fast tokenizers"):
            encoding.word_ids()


def test_negative_indices_raise_on_both(pairs):
    encodings = [tok("hello world", "x y") for tok in pairs()]
    for method in ("token_to_chars", "token_to_word", "token_to_sequence", "char_to_token", "char_to_word",
                   "word_to_tokens", "word_to_chars"):
        for encoding in encodings:
            with pytest.raises((IndexError, AttributeError, OverflowError)):
                getattr(encoding, method)(-1)


def test_an_encoding_keeps_its_maps_through_pickle(pairs):
    ours, _ = pairs()
    encoding = ours(TEXT, "x")
    again = pickle.loads(pickle.dumps(encoding))
    assert again.word_ids() == encoding.word_ids() and again.char_to_token(8) == encoding.char_to_token(8)
