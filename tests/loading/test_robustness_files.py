"""Hostile or broken checkpoint files are refused with a clear error, before large allocations.

* ``pytorch_model.bin`` is read with ``weights_only=True`` only: a pickle whose unpickling would run a command
  is refused and the command never runs.
* Truncated / corrupted ``model.safetensors``, a header claiming absurd sizes, a ``config.json`` that is not
  JSON or describes an absurdly large model: rejected with the file named.
* Shard indexes naming files outside the checkpoint (``..``, absolute paths, symlinks) are refused.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import sys

import pytest
import torch

from minibert import BertConfig, BertModel

TINY = dict(vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=24,
            max_position_embeddings=16)


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = BertModel(BertConfig(**TINY))
    model.save_pretrained(tmp_path / "ok")
    return tmp_path / "ok", model


class _RunsACommand:
    """Unpickling this object would call os.system: the classic malicious-pickle payload."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"{sys.executable} -c \"open(r'{self.marker}', 'w').write('pwned')\"",))


def test_malicious_pickle_is_refused_and_nothing_runs(saved, tmp_path):
    folder, model = saved
    marker = tmp_path / "payload-ran"
    state = dict(model.state_dict())
    state["evil"] = _RunsACommand(marker)
    (folder / "model.safetensors").unlink()
    with open(folder / "pytorch_model.bin", "wb") as f:
        pickle.dump(state, f)
    with pytest.raises(ValueError, match="weights_only=True"):
        BertModel.from_pretrained(folder)
    assert not marker.exists(), "the pickle payload ran"
    # The payload is real: a plain, unsafe unpickle would have run it.
    with open(folder / "pytorch_model.bin", "rb") as f:
        pickle.load(f)
    assert marker.exists()


def test_bin_checkpoint_of_plain_tensors_loads(saved, tmp_path):
    folder, model = saved
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    loaded = BertModel.from_pretrained(folder)
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), k


@pytest.mark.parametrize("keep_fraction", [0.0, 0.3, 0.97])
def test_truncated_safetensors_is_rejected(saved, keep_fraction):
    folder, _ = saved
    path = folder / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])
    with pytest.raises(ValueError, match="model.safetensors"):
        BertModel.from_pretrained(folder)


def test_safetensors_header_claiming_absurd_sizes_is_rejected(saved):
    folder, _ = saved
    path = folder / "model.safetensors"
    # A header length of 2**60 bytes: a naive reader would try to allocate it.
    path.write_bytes(struct.pack("<Q", 2**60) + b"{}")
    with pytest.raises(ValueError, match="model.safetensors"):
        BertModel.from_pretrained(folder)
    # A well-formed header whose tensor claims 10^12 elements beyond the end of the file.
    header = json.dumps({"embeddings.word_embeddings.weight": {"dtype": "F32", "shape": [1_000_000, 1_000_000],
                                                               "data_offsets": [0, 4 * 10**12]}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 64)
    with pytest.raises(ValueError, match="model.safetensors"):
        BertModel.from_pretrained(folder)


def test_config_that_is_not_json_is_rejected(saved):
    folder, _ = saved
    (folder / "config.json").write_text("{ this is not json", encoding="utf-8")
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        BertModel.from_pretrained(folder)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hidden_size", 10**9, "more than"),
        ("vocab_size", 10**12, "more than"),
        ("num_hidden_layers", -1, "num_hidden_layers must be a positive integer"),
        ("num_attention_heads", 0, "num_attention_heads must be a positive integer"),
        ("hidden_size", "768", "hidden_size must be a positive integer"),
    ],
)
def test_config_with_absurd_sizes_is_rejected_before_allocating(saved, field, value, message):
    folder, _ = saved
    config = json.loads((folder / "config.json").read_text())
    config[field] = value
    if field == "hidden_size" and isinstance(value, int):
        config["num_attention_heads"] = 1
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=message):
        BertModel.from_pretrained(folder)


def _write_sharded(folder, model, names):
    from safetensors.torch import save_file

    state = model.state_dict()
    keys = list(state)
    half = len(keys) // 2
    save_file({k: state[k].contiguous() for k in keys[:half]}, str(folder / "model-00001-of-00002.safetensors"))
    save_file({k: state[k].contiguous() for k in keys[half:]}, str(folder / "model-00002-of-00002.safetensors"))
    weight_map = {k: names[0] for k in keys[:half]} | {k: names[1] for k in keys[half:]}
    (folder / "model.safetensors").unlink()
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))


def test_sharded_checkpoint_loads(saved):
    folder, model = saved
    _write_sharded(folder, model, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
    loaded = BertModel.from_pretrained(folder)
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), k


@pytest.mark.parametrize("bad_name", ["../outside.safetensors", "/etc/passwd", "sub/model.safetensors", "..",
                                      "..\\x.safetensors"])
def test_shard_names_with_paths_are_refused(saved, bad_name):
    folder, model = saved
    _write_sharded(folder, model, ["model-00001-of-00002.safetensors", bad_name])
    with pytest.raises(ValueError, match="not a plain file name"):
        BertModel.from_pretrained(folder)


def test_shard_symlink_pointing_outside_is_refused(saved, tmp_path):
    folder, model = saved
    _write_sharded(folder, model, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
    outside = tmp_path / "elsewhere.safetensors"
    (folder / "model-00002-of-00002.safetensors").rename(outside)
    (folder / "model-00002-of-00002.safetensors").symlink_to(outside)
    with pytest.raises(ValueError, match="points outside the checkpoint"):
        BertModel.from_pretrained(folder)
