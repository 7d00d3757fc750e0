"""Property test: on arbitrary Unicode text minibert gives the reference's tokens, ids, types and masks
(slow BertTokenizer), and the Rust fast tokenizer's offsets wherever slow and fast agree on the tokens."""

from __future__ import annotations

import unicodedata

import pytest

transformers = pytest.importorskip("transformers")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from minibert.tokenization import BertTokenizer  # noqa: E402

# Text drawn from everything, with extra weight on the characters that make tokenization hard.
_TRICKY = list(" \t\n\u00a0\u3000\u200b\u200d\x00\ufffd\x1f\x85\u2028\u0301\u0308\u0323ΣσςİıßﬁÅé你好한국カ😀[]!,.'-#")
_text = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(_TRICKY), st.characters(max_codepoint=0x7F)),
    max_size=40,
) | st.lists(st.sampled_from(["[CLS]", "[MASK]", "hello", "Héllo", " ", "unaffable", "ΟΔΟΣ", "İ"]), max_size=6).map(
    "".join
)


def _stable(text: str) -> bool:
    """Characters whose Unicode category has not changed since Unicode 3.2 (the Rust tokenizer's character
    tables are older than Python's unicodedata, so newer characters are classified differently there)."""
    old = unicodedata.ucd_3_2_0
    return all(old.category(c) == unicodedata.category(c) and old.category(c) != "Cn" for c in text)


def _rust_can_take(text: str) -> bool:
    """The Rust tokenizer receives its input as UTF-8 and raises a TypeError on text that has none: a lone
    surrogate ('\\ud800', which Python strings may hold). The slow reference and minibert take such text (the
    comparison with them still runs); only the offsets comparison with the fast tokenizer is skipped."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.fixture(scope="module")
def tokenizers(vocab_file):
    made = {}
    for name, kwargs in {"uncased": {}, "cased": {"do_lower_case": False}}.items():
        made[name] = (
            transformers.BertTokenizer(str(vocab_file), **kwargs),
            transformers.BertTokenizerFast(str(vocab_file), **kwargs),
            BertTokenizer(vocab_file, **kwargs),
        )
    return made


@pytest.mark.parametrize("config", ["uncased", "cased"])
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_text, pair=_text)
@example(text="a\ud800b", pair="\udfff")  # lone surrogates: the Rust tokenizer cannot encode them
def test_arbitrary_text_matches_reference(tokenizers, config, text, pair):
    slow, fast, ours = tokenizers[config]
    tokens = slow.tokenize(text)
    assert ours.tokenize(text) == tokens
    expected = slow(text, pair, return_special_tokens_mask=True)
    got = ours(text, pair, return_special_tokens_mask=True, return_offsets_mapping=True)
    offsets = got.pop("offset_mapping")
    assert dict(got) == dict(expected)
    assert ours.decode(expected["input_ids"]) == slow.decode(expected["input_ids"])
    if _rust_can_take(text) and _stable(text) and fast.tokenize(text) == tokens:
        assert (
            ours(text, return_offsets_mapping=True)["offset_mapping"]
            == (fast(text, return_offsets_mapping=True)["offset_mapping"])
        )
    assert len(offsets) == len(got["input_ids"])
    for start, end in offsets:  # offsets always point inside the text they came from
        assert 0 <= start <= end <= max(len(text), len(pair))
