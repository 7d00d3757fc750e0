"""Paths found inside a checkpoint's own files are never followed out of the folder the user named: a shard index
naming its shards, a tokenizer config naming its files, a Hub cache snapshot's links to its blobs. (TensorFlow's
``checkpoint`` file: tests/loading/test_tf_run_folders.py.)
"""

from __future__ import annotations

import builtins
import io
import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from test_loading import BARE, add_revision, folder_files

from minibert import BertConfig, BertModel, BertTokenizer

TINY = dict(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=20,
            max_position_embeddings=16)
COMMIT = "0123456789abcdef0123456789abcdef01234567"
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world"]


def sharded(folder: Path, names: list[str], safetensors: bool = True) -> tuple[BertModel, Path]:
    """A tiny BertModel saved as two shards and an index whose entries name the shards ``names``."""
    torch.manual_seed(0)
    model = BertModel(BertConfig(**TINY))
    model.save_pretrained(folder)
    (folder / "model.safetensors").unlink()
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    keys = list(state)
    halves = keys[: len(keys) // 2], keys[len(keys) // 2:]
    suffix = "safetensors" if safetensors else "bin"
    for k, part in enumerate(halves, 1):
        shard = folder / f"model-0000{k}-of-00002.{suffix}"
        save_file({n: state[n] for n in part}, shard) if safetensors else torch.save({n: state[n] for n in part}, shard)
    index = folder / ("model.safetensors.index.json" if safetensors else "pytorch_model.bin.index.json")
    weight_map = {n: names[k] for k, part in enumerate(halves) for n in part}
    index.write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return model, index


@pytest.mark.parametrize("safetensors", [True, False], ids=["safetensors", "bin"])
@pytest.mark.parametrize("bad", ["../outside.safetensors", "/tmp/outside.safetensors", "sub/x.safetensors", "..",
                                 "..\\x.safetensors"])
def test_a_shard_name_that_is_a_path_is_refused_naming_the_index_and_the_entry(tmp_path, safetensors, bad):
    (tmp_path / "ck").mkdir()
    model, index = sharded(tmp_path / "ck", ["model-00001-of-00002.safetensors", bad], safetensors)
    entry = list(model.state_dict())[-1]  # json keeps the order: the first entry of the second half is named
    first_bad = next(k for k, v in json.loads(index.read_text())["weight_map"].items() if v == bad)
    with pytest.raises(ValueError) as err:
        BertModel.from_pretrained(tmp_path / "ck")
    assert str(err.value) == (f"{index}: the entry {first_bad!r} names the shard {bad!r}, which is not a plain file "
                              "name; expected the name of a file next to the index (like "
                              "'model-00001-of-00002.safetensors'), as a path could lead outside the checkpoint")
    assert entry in model.state_dict()


def hub_repo(cache: Path, files: dict[str, bytes], subfolder: str = "") -> Path:
    """org/tiny-bert in a huggingface_hub cache; returns the snapshot folder (``subfolder`` inside it)."""
    add_revision(cache, "org/tiny-bert", COMMIT, {f"{subfolder}{n}" if subfolder else n: d for n, d in files.items()}
                 ) if not subfolder else None
    if subfolder:  # add_revision lays out a flat snapshot; a subfolder needs its own links, one level deeper
        repo = cache / "models--org--tiny-bert"
        (repo / "blobs").mkdir(parents=True)
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text(COMMIT)
        (repo / "snapshots" / COMMIT / subfolder).mkdir(parents=True)
        for name, data in files.items():
            blob = repo / "blobs" / f"blob-{name}"
            blob.write_bytes(data)
            (repo / "snapshots" / COMMIT / subfolder / name).symlink_to(Path("..", "..", "..", "blobs", blob.name))
    return cache / "models--org--tiny-bert" / "snapshots" / COMMIT / subfolder


def test_a_sharded_checkpoint_in_a_hub_repo_subfolder_loads_from_its_blobs(tmp_path):
    (tmp_path / "ck").mkdir()
    model, index = sharded(tmp_path / "ck", ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
    files = {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()}
    hub_repo(tmp_path / "hub", files, subfolder="0_Transformer")
    loaded = BertModel.from_pretrained("org/tiny-bert", subfolder="0_Transformer", cache_dir=tmp_path / "hub",
                                       local_files_only=True)
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), k


@pytest.mark.parametrize("name", ["config.json", "model.safetensors"])
def test_a_hub_cache_link_leading_out_of_its_repo_is_refused(tmp_path, name):
    snapshot = hub_repo(tmp_path / "hub", folder_files(BARE))
    outside = tmp_path / "elsewhere"
    shutil.copytree(BARE, outside)
    (snapshot / name).unlink()
    (snapshot / name).symlink_to(outside / name)  # a valid file: refused for where it is, not for what it holds
    expected = (f"{snapshot / name} is a Hugging Face cache link that points outside its repo's folder "
                f"{snapshot.parent.parent} (to {outside / name}); refused")
    for source in ("org/tiny-bert", snapshot):  # by repo id, and the snapshot folder named as a path
        with pytest.raises(ValueError) as err:
            BertModel.from_pretrained(source, cache_dir=tmp_path / "hub", local_files_only=True)
        assert str(err.value).startswith(expected), source
    assert BertModel.from_pretrained(outside) is not None  # named by the user: read


def test_a_hub_cache_link_to_a_tokenizer_file_outside_its_repo_is_refused(tmp_path):
    snapshot = hub_repo(tmp_path / "hub", {"vocab.txt": "\n".join(WORDS).encode() + b"\n"})
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS[::-1]) + "\n")
    assert BertTokenizer.from_pretrained("org/tiny-bert", cache_dir=tmp_path / "hub", local_files_only=True)
    (snapshot / "vocab.txt").unlink()
    (snapshot / "vocab.txt").symlink_to(Path("..", "..", "..", "..", "vocab.txt"))  # relative, out of the cache
    with pytest.raises(ValueError, match="is a Hugging Face cache link that points outside its repo's folder"):
        BertTokenizer.from_pretrained("org/tiny-bert", cache_dir=tmp_path / "hub", local_files_only=True)


def test_files_a_tokenizer_config_names_are_never_opened_nor_written_back(tmp_path, monkeypatch):
    outside, folder = tmp_path / "elsewhere", tmp_path / "tok"
    for where, words in ((outside, WORDS[::-1]), (folder, WORDS)):
        where.mkdir()
        (where / "vocab.txt").write_text("\n".join(words) + "\n")
    (outside / "special_tokens_map.json").write_text(json.dumps({"cls_token": "world"}))
    (outside / "added_tokens.json").write_text(json.dumps({"<far>": 7}))
    (outside / "tokenizer.json").write_text("{}")
    named = {"vocab_file": "vocab.txt", "special_tokens_map_file": "special_tokens_map.json",
             "added_tokens_file": "added_tokens.json", "tokenizer_file": "tokenizer.json"}
    config = {key: str(outside / name) for key, name in named.items()}
    (folder / "tokenizer_config.json").write_text(json.dumps({**config, "name_or_path": str(outside)}))
    opened = []
    real_open = io.open

    def recording_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(builtins, "open", recording_open)
    tok = BertTokenizer.from_pretrained(folder)
    tok.save_pretrained(tmp_path / "saved")
    monkeypatch.undo()
    assert opened and not [f for f in opened if f.startswith(str(outside))], opened
    assert tok.convert_tokens_to_ids(["hello", "world"]) == [5, 6] and tok.cls_token == "[CLS]"  # the folder's own
    assert len(tok) == len(WORDS)  # no <far> from the outside added_tokens.json
    saved = json.loads((tmp_path / "saved" / "tokenizer_config.json").read_text())
    assert not set(named) & set(saved), saved  # another machine's paths are not written into a new folder


@pytest.mark.parametrize("bad", ["../elsewhere", "/ABS/elsewhere", "1_Pooling/../../elsewhere", ""])
def test_a_sentence_transformers_module_folder_leading_out_of_the_checkpoint_is_refused(tmp_path, bad):
    from minibert.pipelines.pooling import read_pooling_config

    folder, outside = tmp_path / "model", tmp_path / "elsewhere"
    for where, mode in ((folder / "1_Pooling", "mean"), (outside, "max")):
        where.mkdir(parents=True)
        (where / "config.json").write_text(json.dumps({f"pooling_mode_{mode}_tokens": True}))
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    (folder / "modules.json").write_text(json.dumps(modules))
    assert read_pooling_config(folder).modes == ("mean",)
    modules[1]["path"] = bad.replace("/ABS", str(tmp_path))
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ValueError) as err:
        read_pooling_config(folder)  # never the outside folder's "max"
    assert str(err.value) == (f"{folder}/modules.json: the Pooling entry names the folder {modules[1]['path']!r}; "
                              "expected a folder inside the checkpoint, like '1_Pooling' (a path leading out of it "
                              "is not followed)")
