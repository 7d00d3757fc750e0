"""The tokenizer's construction and special-token API as the reference's: unknown keywords kept in
``init_kwargs`` and saved, ``is_fast`` / ``init_inputs``, settable special-token ids,
``add_special_tokens(..., replace_additional_special_tokens=...)``, and the reference's own ``AddedToken``
objects accepted. Each call is made on both libraries.
"""

from __future__ import annotations

import inspect
import json

import pytest
import tokenizers
import transformers

import minibert

TEXT = "Hello <a> world <b>, and <c> then <d>!"


def both(vocab_file, **kwargs):
    return minibert.BertTokenizer(str(vocab_file), **kwargs), transformers.BertTokenizer(str(vocab_file), **kwargs)


def test_unknown_keywords_are_kept_saved_and_read_back(vocab_file, tmp_path):
    ours, theirs = both(vocab_file, some_unknown_kwarg=5, verbose=False)
    # the reference's keys and values; ours has in addition the keywords its own signature names (test below)
    assert {k: ours.init_kwargs[k] for k in theirs.init_kwargs} == theirs.init_kwargs
    assert ours.init_kwargs["some_unknown_kwarg"] == 5 and ours.verbose is theirs.verbose is False
    assert ours.is_fast is theirs.is_fast is False and ours.init_inputs == theirs.init_inputs == ()
    for tok, name in ((ours, "ours"), (theirs, "theirs")):
        tok.save_pretrained(tmp_path / name)
        saved = json.loads((tmp_path / name / "tokenizer_config.json").read_text())
        assert saved["some_unknown_kwarg"] == 5 and saved["verbose"] is False, name
    # each library reads the other's folder and keeps the keyword
    for lib, name in ((minibert, "theirs"), (transformers, "ours"), (minibert, "ours")):
        again = lib.BertTokenizer.from_pretrained(tmp_path / name)
        assert again.init_kwargs["some_unknown_kwarg"] == 5, (lib.__name__, name)
        assert again("Hello world")["input_ids"] == theirs("Hello world")["input_ids"]


def test_a_keyword_named_like_a_method_is_refused_as_by_the_reference(vocab_file):
    messages = []
    for lib in (minibert, transformers):
        with pytest.raises(AttributeError) as err:
            lib.BertTokenizer(str(vocab_file), encode=3)
        messages.append(str(err.value))
    assert messages[0] == messages[1] == "encode conflicts with the method encode in BertTokenizer"


def test_special_token_ids_are_settable(vocab_file, tmp_path):
    ours, theirs = both(vocab_file)
    for tok in (ours, theirs):
        tok.bos_token_id = 5
        tok.eos_token = "[SEP]"
        tok.add_special_tokens({"additional_special_tokens": ["<a>", "<b>"]})
    assert ours.bos_token == theirs.bos_token == "[unused4]" and ours.bos_token_id == theirs.bos_token_id == 5
    assert ours.eos_token_id == theirs.eos_token_id == 102
    assert ours.additional_special_tokens_ids == theirs.additional_special_tokens_ids == [30522, 30523]
    for tok in (ours, theirs):
        tok.additional_special_tokens_ids = [100, 101]
        tok.mask_token_id = None
    assert ours.additional_special_tokens == theirs.additional_special_tokens == ["[UNK]", "[CLS]"]
    assert ours.mask_token is theirs.mask_token is None
    for tok, name in ((ours, "ours"), (theirs, "theirs")):
        tok.save_pretrained(tmp_path / name)
    for name in ("ours", "theirs"):
        assert minibert.BertTokenizer.from_pretrained(tmp_path / name).bos_token == "[unused4]", name
        assert transformers.BertTokenizer.from_pretrained(tmp_path / name).bos_token == "[unused4]", name


@pytest.mark.parametrize("replace", [True, False, None])
def test_add_special_tokens_replace_or_extend(vocab_file, replace):
    ours, theirs = both(vocab_file)
    kwargs = {} if replace is None else {"replace_additional_special_tokens": replace}
    for step in (["<a>", "<b>"], ["<c>", "<a>"], ["<d>"]):
        counts = [tok.add_special_tokens({"additional_special_tokens": step}, **kwargs) for tok in (ours, theirs)]
        assert counts[0] == counts[1], step
        assert ours.additional_special_tokens == theirs.additional_special_tokens, step
        assert ours.additional_special_tokens_ids == theirs.additional_special_tokens_ids, step
        assert ours.tokenize(TEXT) == theirs.tokenize(TEXT), step  # replaced tokens still are never split
        assert ours(TEXT)["input_ids"] == theirs(TEXT)["input_ids"]
        assert ours.decode(ours(TEXT)["input_ids"], skip_special_tokens=True) == \
            theirs.decode(theirs(TEXT)["input_ids"], skip_special_tokens=True), step


def test_added_token_is_exported_and_the_reference_token_is_accepted(vocab_file):
    assert minibert.AddedToken is minibert.tokenization.AddedToken
    ours, theirs = both(vocab_file)
    for tok in (ours, theirs):
        assert tok.add_tokens(tokenizers.AddedToken("<x>", lstrip=True)) == 1
        assert tok.add_tokens([tokenizers.AddedToken("<y>", rstrip=True), "<z>"]) == 2
        tok.add_special_tokens({"cls_token": tokenizers.AddedToken("<cls>", special=True),
                                "additional_special_tokens": [tokenizers.AddedToken("<w>", single_word=True)]})
    text = "a   <x>  b <y>   c<w> <w> d <z> <cls>"
    assert ours.tokenize(text) == theirs.tokenize(text)
    assert ours(text)["input_ids"] == theirs(text)["input_ids"]
    assert ours.cls_token == theirs.cls_token == "<cls>"
    assert {i: str(t) for i, t in ours.added_tokens_decoder.items()} == \
        {i: str(t) for i, t in theirs.added_tokens_decoder.items()}
    original = tokenizers.AddedToken("<v>")
    ours.add_tokens(original, special_tokens=True)
    assert original.special is False  # copied, not changed behind its owner's back
    with pytest.raises(TypeError, match="is a builtins.int; expected a str or an AddedToken"):
        ours.add_tokens([3])


def test_additional_special_tokens_is_a_copy_and_an_appended_token_is_added(vocab_file, tmp_path):
    """The reference's own save/reload test: append to ``additional_special_tokens``, add the list back."""
    sample = " He is very happy, UNwant\u00e9d,running"
    for lib in (minibert, transformers):
        tok = lib.BertTokenizer(str(vocab_file), model_max_length=42)
        tok.add_tokens(["bim", "bambam"])
        tok.add_special_tokens({"additional_special_tokens": ["<extra>"]})
        extra = tok.additional_special_tokens
        assert extra is not tok.additional_special_tokens and tok.all_special_tokens is not tok.all_special_tokens
        extra.append("new_additional_special_token")
        assert "new_additional_special_token" not in tok.additional_special_tokens, lib.__name__  # a copy
        tok.add_special_tokens({"additional_special_tokens": extra}, replace_additional_special_tokens=False)
        before_ids, before_vocab = tok.encode(sample, add_special_tokens=False), tok.get_vocab()
        assert before_vocab["new_additional_special_token"] == len(tok) - 1, lib.__name__  # its id at once
        assert tok.special_tokens_map["additional_special_tokens"] == ["<extra>", "new_additional_special_token"]
        tok.special_tokens_map["additional_special_tokens"].append("<not-added>")  # a copy too
        assert tok.additional_special_tokens == ["<extra>", "new_additional_special_token"], lib.__name__
        tok.save_pretrained(tmp_path / lib.__name__)
        after = lib.BertTokenizer.from_pretrained(tmp_path / lib.__name__)
        assert after.encode(sample, add_special_tokens=False) == before_ids, lib.__name__
        assert after.get_vocab() == before_vocab, lib.__name__
        assert "new_additional_special_token" in after.additional_special_tokens, lib.__name__
        assert after.model_max_length == 42, lib.__name__
        assert lib.BertTokenizer.from_pretrained(tmp_path / lib.__name__, model_max_length=43).model_max_length == 43


def test_init_kwargs_holds_every_keyword_with_a_default(vocab_file, tmp_path):
    """The reference's rule, checked as its test suite checks it: against the class's own ``__init__``."""
    for lib in (minibert, transformers):
        signature = inspect.signature(lib.BertTokenizer.__init__)
        defaulted = [n for n, p in signature.parameters.items() if p.default is not inspect.Parameter.empty]
        tok = lib.BertTokenizer(str(vocab_file))
        tok.save_pretrained(tmp_path / lib.__name__)
        for loaded in (tok, lib.BertTokenizer.from_pretrained(tmp_path / lib.__name__)):
            missing = [n for n in defaulted if n not in loaded.init_kwargs]
            assert missing == [], (lib.__name__, missing)
    assert "model_max_length" in inspect.signature(minibert.BertTokenizer.__init__).parameters
    assert minibert.BertTokenizer(str(vocab_file)).init_kwargs["model_max_length"] is None


def test_pad_takes_a_list_of_encodings(vocab_file):
    """``tok.pad([tok(a), tok(b)])``: the encodings themselves, not only plain dicts, as the reference takes them."""
    padded = [lib.BertTokenizer(str(vocab_file)) for lib in (minibert, transformers)]
    padded = [tok.pad([tok("a b c"), tok("d")], padding=True, return_tensors="pt") for tok in padded]
    assert {k: v.tolist() for k, v in padded[0].items()} == {k: v.tolist() for k, v in padded[1].items()}
