"""Every slow/fast disagreement listed in docs/tokenizer.md really happens with the installed reference,
and minibert follows the slow tokenizer on each (offsets aside, which only the fast one has)."""

from __future__ import annotations

import logging

import pytest

transformers = pytest.importorskip("transformers")

from minibert.tokenization import BertTokenizer  # noqa: E402


@pytest.fixture(scope="module")
def trio(vocab_file):
    return (
        transformers.BertTokenizer(str(vocab_file)),
        transformers.BertTokenizerFast(str(vocab_file)),
        BertTokenizer(vocab_file),
    )


@pytest.mark.parametrize("text", ["a\U000e0080b", "a\u0378b", "x\u08dby"], ids=["unassigned", "u0378", "u08db"])
def test_rows_1_2_unicode_tables(trio, text):
    slow, fast, ours = trio
    assert slow.tokenize(text) != fast.tokenize(text)
    assert ours.tokenize(text) == slow.tokenize(text)


def test_row_3_lone_surrogate(trio):
    slow, fast, ours = trio
    with pytest.raises(TypeError):
        fast.tokenize("a\ud800b")
    assert ours.tokenize("a\ud800b") == slow.tokenize("a\ud800b") == ["ab"]


def test_row_4_overflowing_tokens(trio):
    slow, fast, ours = trio
    text = "one two three four five six seven"
    kwargs = dict(truncation=True, max_length=5, stride=1, return_overflowing_tokens=True)
    expected, other = slow(text, **kwargs), fast(text, **kwargs)
    assert "overflowing_tokens" in expected and "overflow_to_sample_mapping" not in expected
    assert "overflow_to_sample_mapping" in other and len(other["input_ids"]) > 1
    assert dict(ours(text, **kwargs)) == dict(expected)


def test_row_5_offsets(trio):
    slow, fast, ours = trio
    with pytest.raises(NotImplementedError):
        slow("hello world", return_offsets_mapping=True)
    expected = fast("hello world", return_offsets_mapping=True)["offset_mapping"]
    assert ours("hello world", return_offsets_mapping=True)["offset_mapping"] == expected


def test_row_6_impossible_truncation(trio, caplog):
    slow, fast, ours = trio
    args = ("a much longer first sequence of words", "short")
    kwargs = dict(truncation="only_second", max_length=6)
    with caplog.at_level(logging.ERROR):
        expected = slow(*args, **kwargs)
    assert len(expected["input_ids"]) > 6  # returned untruncated
    assert any("We need to remove" in record.getMessage() for record in caplog.records)
    with pytest.raises(Exception):  # noqa: B017 - the Rust error type is not exported
        fast(*args, **kwargs)
    with pytest.raises(ValueError, match="cannot truncate"):
        ours(*args, **kwargs)
