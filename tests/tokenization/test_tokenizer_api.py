"""The tokenizer's loading/saving, errors, warnings and BatchEncoding behaviour."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil

import pytest

from minibert.tokenization import BatchEncoding, BertTokenizer


@pytest.fixture(scope="module")
def tok(vocab_file):
    return BertTokenizer(vocab_file)


def test_lazy_top_level_exports():
    import minibert

    for name in ("BertTokenizer", "BasicTokenizer", "WordpieceTokenizer", "BatchEncoding"):
        assert getattr(minibert, name).__name__ == name


def test_readme_round_trip(tok):
    tokens = tok.tokenize("Héllo, wörld!")
    assert tokens == ["hello", ",", "world", "!"]
    ids = tok.convert_tokens_to_ids(tokens)
    assert tok.convert_ids_to_tokens(ids) == tokens
    assert tok.decode(ids) == "hello, world!"


def test_bad_inputs_raise_clear_errors(tok, tmp_path):
    with pytest.raises(TypeError, match="must be a str"):
        tok.tokenize(123)
    with pytest.raises(ValueError, match="text must be"):
        tok(123)
    with pytest.raises(ValueError, match="input must be"):
        tok.encode(3.5)
    with pytest.raises(FileNotFoundError, match="no vocabulary file"):
        BertTokenizer(tmp_path / "missing.txt")
    no_unk = tmp_path / "vocab.txt"
    no_unk.write_text("[PAD]\nhello\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"no unknown token '\[UNK\]'"):
        BertTokenizer(no_unk)
    with pytest.raises(IndexError, match="outside the vocabulary"):
        tok.decode([101, len(tok)])
    with pytest.raises(IndexError, match="outside the vocabulary"):
        tok.convert_ids_to_tokens(-1)
    with pytest.raises(ValueError, match="smaller than the 3 special tokens"):
        tok("hello", "world", truncation=True, max_length=2)
    with pytest.raises(ValueError, match="cannot truncate"):
        tok("hello world", truncation=True, max_length=2)
    with pytest.raises(ValueError, match="padding must be"):
        tok("hello", padding="sideways")
    with pytest.raises(ValueError, match="truncation must be"):
        tok("hello", truncation="middle")
    with pytest.raises(ValueError, match="different lengths"):
        tok(["a", "a b c"], return_tensors="pt")


def test_long_text_warns_once_like_the_reference(vocab_file, caplog):
    short = BertTokenizer(vocab_file, model_max_length=8)
    with caplog.at_level(logging.WARNING, logger="minibert.tokenization"):
        short("one two three four five six seven eight nine")
        short("one two three four five six seven eight nine")
    messages = [r.getMessage() for r in caplog.records if "longer than the specified maximum" in r.getMessage()]
    assert len(messages) == 1 and "(11 > 8)" in messages[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="minibert.tokenization"):
        fresh = BertTokenizer(vocab_file, model_max_length=8)
        fresh("one two three four five six seven eight nine", truncation=True)
    assert not caplog.records


def test_batch_encoding_behaves_like_a_dict_with_attributes(tok):
    import numpy as np
    import torch

    enc = tok(["hello world", "hi"], padding=True, return_tensors="pt")
    assert isinstance(enc, BatchEncoding)
    assert enc.input_ids is enc["input_ids"]
    assert set(enc.keys()) == {"input_ids", "token_type_ids", "attention_mask"}
    assert enc.attention_mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    assert enc.to("cpu") is enc and enc.input_ids.device == torch.device("cpu")
    assert enc[:1]["input_ids"].shape == (1, 4)
    with pytest.raises(AttributeError):
        _ = enc.not_a_key
    assert isinstance(tok("hello", return_tensors="np")["input_ids"], np.ndarray)
    assert tok("hello", return_tensors="np")["input_ids"].shape == (1, 3)
    assert tok.encode("hello world") == [101, 7592, 2088, 102]


def test_save_pretrained_keeps_the_old_files_whole_when_the_disk_fills(vocab_file, tmp_path, monkeypatch):
    # A crash while the vocabulary is being written must not leave a truncated vocab.txt: that file would still
    # load, and silently map text to other ids.
    import os

    BertTokenizer(vocab_file).save_pretrained(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    bigger = BertTokenizer(vocab_file)
    bigger.add_tokens(["<new>"])  # a different vocab.txt, so a half-written one would be noticed
    real_fsync = os.fsync

    def disk_full(fd):
        os.ftruncate(fd, 10)  # half the bytes reached the disk
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="disk full"):
        bigger.save_pretrained(tmp_path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before, "a file was changed, or a temporary file was left behind"


def test_save_and_load_round_trip_and_reference_reads_our_files(vocab_file, tmp_path):
    tok = BertTokenizer(vocab_file, do_lower_case=False, model_max_length=128)
    tok.add_tokens(["<new>"])
    tok.add_special_tokens({"additional_special_tokens": ["<sp>"]})
    tok.save_pretrained(tmp_path)
    again = BertTokenizer.from_pretrained(tmp_path)
    text = "Hello <new> world <sp> Ünïcode"
    assert again.tokenize(text) == tok.tokenize(text)
    assert again.encode(text) == tok.encode(text)
    assert again.model_max_length == 128 and again.do_lower_case is False
    assert again.get_vocab() == tok.get_vocab()
    transformers = pytest.importorskip("transformers")
    ref = transformers.BertTokenizer.from_pretrained(str(tmp_path))
    assert ref.tokenize(text) == tok.tokenize(text)
    assert ref.encode(text) == tok.encode(text)
    assert len(ref) == len(tok)


def test_from_pretrained_overrides_and_vocab_file(vocab_file):
    tok = BertTokenizer.from_pretrained(vocab_file, do_lower_case=False)
    assert tok.tokenize("Hello") == ["[UNK]"]  # not lowercased, and the uncased vocab has no "Hello"


def test_from_pretrained_official_checkpoint_matches_reference(official_checkpoint):
    transformers = pytest.importorskip("transformers")
    ours = BertTokenizer.from_pretrained(official_checkpoint)
    ref = transformers.BertTokenizer.from_pretrained(str(official_checkpoint))
    text = "A sentence-transformers test: Héllo [MASK] wörld! " * 100
    assert ours.model_max_length == ref.model_max_length == 512
    assert dict(ours(text, truncation=True, padding="max_length")) == dict(
        ref(text, truncation=True, padding="max_length")
    )


def _fake_hub_cache(root, repo_id, files):
    """The huggingface_hub cache layout: models--ORG--NAME/{blobs/<sha>, refs/main, snapshots/<commit>/...}."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "blobs").mkdir()
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name, data in files.items():
        sha = hashlib.sha256(data).hexdigest()
        (repo / "blobs" / sha).write_bytes(data)
        (snapshot / name).symlink_to(repo / "blobs" / sha)


def test_from_pretrained_hub_id_from_local_cache(vocab_file, tmp_path):
    config = {"do_lower_case": False, "model_max_length": 64}
    _fake_hub_cache(
        tmp_path,
        "someorg/tiny-bert",
        {"vocab.txt": vocab_file.read_bytes(), "tokenizer_config.json": json.dumps(config).encode()},
    )
    tok = BertTokenizer.from_pretrained("someorg/tiny-bert", cache_dir=tmp_path, local_files_only=True)
    assert tok.model_max_length == 64 and tok.tokenize("Hello") == ["[UNK]"]


def test_hub_id_missing_offline_names_the_repo(tmp_path):
    with pytest.raises(OSError, match="someorg/absent") as info:
        BertTokenizer.from_pretrained("someorg/absent", cache_dir=tmp_path, local_files_only=True)
    assert "local_files_only=True" in str(info.value) or "local folder" in str(info.value)


def test_from_pretrained_folder_with_only_vocab(vocab_file, tmp_path):
    shutil.copy(vocab_file, tmp_path / "vocab.txt")
    assert BertTokenizer.from_pretrained(tmp_path).encode("hello") == [101, 7592, 102]


def test_cache_is_invalidated_by_added_tokens(vocab_file):
    tok = BertTokenizer(vocab_file)
    assert tok.tokenize("helloworld") == ["hello", "##world"]
    tok.add_tokens(["helloworld"])
    assert tok.tokenize("helloworld") == ["helloworld"]
