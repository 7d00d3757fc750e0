"""Checkpoints in and out: every file layout and key spelling real BERT checkpoints use, and the Hub cache.

The weights come from checkpoints/ (saved by the reference, with its outputs stored next to them), so a load
is judged by the numbers it produces: the reference's outputs within 1e-5, the stored ones under the kernels that
computed them, else the reference's computed now on the same weights and inputs (tests/helpers/_stored_reference.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import pytest
import torch
from _stored_reference import stored_or_live
from safetensors.torch import load_file, save_file

from minibert import BertForPreTraining, BertModel
from minibert.loading.reference_outputs import load_stored_reference

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"
PRETRAINING = CHECKPOINTS / "tiny-bert-relu-relative-key-query"  # BertForPreTraining: bert.* and cls.* keys
BARE = CHECKPOINTS / "tiny-bert-silu-8-heads"  # BertModel: no prefix, no heads
TOL = 1e-5


def reference(folder: Path) -> dict[str, torch.Tensor]:
    """The reference's outputs on ``folder``'s stored inputs, under the kernels this process runs."""
    return stored_or_live(folder)


def inputs_of(folder: Path) -> dict[str, torch.Tensor]:
    stored = load_stored_reference(folder)[0]
    return {k.removeprefix("inputs."): v for k, v in stored.items() if k.startswith("inputs.")}


def max_diff(a, b) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float((a.double() - b.double()).abs().max())


def assert_reference_outputs(model: BertModel, folder: Path) -> None:
    """``model`` reproduces the outputs the reference stored for ``folder``'s weights."""
    ref = reference(folder)
    with torch.no_grad():
        out = model.float()(**inputs_of(folder))
    assert max_diff(out.last_hidden_state, ref["last_hidden_state"]) <= TOL
    assert max_diff(out.pooler_output, ref["pooler_output"]) <= TOL


def new_checkpoint(tmp_path: Path, source: Path, state: dict[str, torch.Tensor], filename="model.safetensors",
                   name="ckpt") -> Path:
    """A folder with ``source``'s config.json and ``state`` written as ``filename``."""
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(source / "config.json", folder / "config.json")
    if filename.endswith(".safetensors"):
        save_file({k: v.contiguous() for k, v in state.items()}, str(folder / filename), metadata={"format": "pt"})
    else:
        torch.save(state, folder / filename)
    return folder


def pretraining_state() -> dict[str, torch.Tensor]:
    return load_file(str(PRETRAINING / "model.safetensors"))


# -- file formats ------------------------------------------------------------------------------------------
def test_folder_and_single_file(tmp_path):
    assert_reference_outputs(BertModel.from_pretrained(BARE), BARE)
    assert_reference_outputs(BertModel.from_pretrained(BARE / "model.safetensors"), BARE)


def test_sharded_safetensors_index(tmp_path):
    state = pretraining_state()
    folder = tmp_path / "sharded"
    folder.mkdir()
    shutil.copy(PRETRAINING / "config.json", folder)
    names = sorted(state)
    shards = [names[i::3] for i in range(3)]  # interleaved: every shard holds part of every layer
    weight_map = {}
    for i, keys in enumerate(shards, start=1):
        shard = f"model-{i:05d}-of-00003.safetensors"
        save_file({k: state[k] for k in keys}, str(folder / shard), metadata={"format": "pt"})
        weight_map.update({k: shard for k in keys})
    total = sum(t.numel() * t.element_size() for t in state.values())
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}))
    model, info = BertModel.from_pretrained(folder, output_loading_info=True)
    assert_reference_outputs(model, PRETRAINING)
    assert info["missing_keys"] == []
    # a shard that the index names but that is gone: an error naming it, not a half-loaded model
    (folder / "model-00002-of-00003.safetensors").unlink()
    with pytest.raises((FileNotFoundError, ValueError), match="model-00002-of-00003"):
        BertModel.from_pretrained(folder)


def test_pytorch_bin_is_read_with_weights_only(tmp_path, monkeypatch):
    folder = new_checkpoint(tmp_path, PRETRAINING, pretraining_state(), filename="pytorch_model.bin")
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    assert_reference_outputs(BertModel.from_pretrained(folder), PRETRAINING)
    assert calls == [True]


def test_safetensors_preferred_over_bin(tmp_path):
    folder = new_checkpoint(tmp_path, BARE, load_file(str(BARE / "model.safetensors")))
    torch.save({"garbage": torch.zeros(1)}, folder / "pytorch_model.bin")
    assert_reference_outputs(BertModel.from_pretrained(folder), BARE)


# -- key spellings -----------------------------------------------------------------------------------------
def test_with_and_without_bert_prefix(tmp_path):
    state = pretraining_state()
    bare = {k.removeprefix("bert."): v for k, v in state.items() if k.startswith("bert.")}
    folder = new_checkpoint(tmp_path, PRETRAINING, bare, name="bare")
    model, info = BertModel.from_pretrained(folder, output_loading_info=True)
    assert info == {**info, "missing_keys": [], "unexpected_keys": []}
    assert_reference_outputs(model, PRETRAINING)
    # the same bare encoder under a head: loaded into .bert, only the head is reported missing
    head, info = BertForPreTraining.from_pretrained(folder, output_loading_info=True)
    assert info["missing_keys"] and all(k.startswith("cls.") for k in info["missing_keys"])
    assert info["unexpected_keys"] == []
    assert_reference_outputs(head.bert, PRETRAINING)


def test_legacy_gamma_beta_names(tmp_path):
    state = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
             for k, v in pretraining_state().items()}
    assert sum(".gamma" in k for k in state) >= 5
    model, info = BertModel.from_pretrained(new_checkpoint(tmp_path, PRETRAINING, state), output_loading_info=True)
    assert info["missing_keys"] == []
    assert not any("gamma" in k or "beta" in k for k in info["unexpected_keys"])
    assert_reference_outputs(model, PRETRAINING)


def test_stale_position_ids_buffer_is_ignored(tmp_path):
    state = pretraining_state()
    state["bert.embeddings.position_ids"] = torch.arange(40)[None]  # what older versions saved
    model, info = BertModel.from_pretrained(new_checkpoint(tmp_path, PRETRAINING, state), output_loading_info=True)
    assert "embeddings.position_ids" not in info["unexpected_keys"]
    assert not any("position_ids" in k for k in info["unexpected_keys"])
    assert_reference_outputs(model, PRETRAINING)


def test_pretraining_checkpoint_into_bert_model_reports_dropped_heads(caplog):
    with caplog.at_level(logging.WARNING, logger="minibert"):
        model, info = BertModel.from_pretrained(PRETRAINING, output_loading_info=True)
    head_keys = sorted(k for k in pretraining_state() if k.startswith("cls."))
    assert head_keys and sorted(info["unexpected_keys"]) == head_keys
    assert info["missing_keys"] == []
    assert "cls.seq_relationship.weight" in caplog.text  # the warning names them
    assert_reference_outputs(model, PRETRAINING)


def test_pretraining_checkpoint_into_pretraining_model_uses_every_key():
    model, info = BertForPreTraining.from_pretrained(PRETRAINING, output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == []
    ref = reference(PRETRAINING)
    with torch.no_grad():
        out = model(**inputs_of(PRETRAINING))
    assert max_diff(out.seq_relationship_logits, ref["heads.seq_relationship_logits"]) <= TOL
    assert max_diff(out.prediction_logits, ref["heads.prediction_logits"]) <= TOL


def test_shape_mismatch_names_key_shapes_and_file(tmp_path):
    state = pretraining_state()
    state["bert.pooler.dense.weight"] = torch.zeros(16, 15)
    folder = new_checkpoint(tmp_path, PRETRAINING, state)
    with pytest.raises(RuntimeError) as err:  # the reference's type (torch's load_state_dict error)
        BertModel.from_pretrained(folder)
    message = str(err.value)
    for part in ("pooler.dense.weight", "(16, 15)", "(16, 16)", "model.safetensors", "ignore_mismatched_sizes=True"):
        assert part in message, (part, message)


# -- dtype -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.bfloat16, "float16", torch.float32])
def test_torch_dtype(dtype):
    model = BertModel.from_pretrained(BARE, torch_dtype=dtype)
    expected = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    assert {p.dtype for p in model.parameters()} == {expected}
    with torch.no_grad():
        out = model(**inputs_of(BARE)).last_hidden_state
    assert out.dtype == expected and bool(torch.isfinite(out).all())


def test_torch_dtype_auto_follows_the_saved_dtype(tmp_path):
    model = BertModel.from_pretrained(BARE, torch_dtype=torch.bfloat16)
    model.save_pretrained(tmp_path / "bf16")
    assert load_file(str(tmp_path / "bf16" / "model.safetensors"))["pooler.dense.weight"].dtype == torch.bfloat16
    assert BertModel.from_pretrained(tmp_path / "bf16", torch_dtype="auto").dtype == torch.bfloat16
    assert BertModel.from_pretrained(BARE, torch_dtype="auto").dtype == torch.float32


def test_torch_dtype_auto_reads_the_reference_dtype_field(tmp_path):
    """transformers 4.57 writes the saved dtype as "dtype" (older versions: "torch_dtype"); "auto" reads both."""
    folder = tmp_path / "ckpt"
    shutil.copytree(BARE, folder)
    config = json.loads((folder / "config.json").read_text())
    config.pop("torch_dtype", None)
    config["dtype"] = "bfloat16"
    (folder / "config.json").write_text(json.dumps(config))
    assert BertModel.from_pretrained(folder, torch_dtype="auto").dtype == torch.bfloat16


# -- saving ------------------------------------------------------------------------------------------------
def test_save_pretrained_round_trip(tmp_path):
    model = BertModel.from_pretrained(PRETRAINING)
    model.save_pretrained(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["config.json", "model.safetensors"]
    saved = load_file(str(tmp_path / "out" / "model.safetensors"))
    assert not any(k.startswith(("bert.", "cls.")) or "position_ids" in k for k in saved)
    assert_reference_outputs(BertModel.from_pretrained(tmp_path / "out"), PRETRAINING)
    model.save_pretrained(tmp_path / "bin", safe_serialization=False)
    assert_reference_outputs(BertModel.from_pretrained(tmp_path / "bin"), PRETRAINING)


def test_save_pretrained_loads_in_transformers_and_back(tmp_path):
    transformers = pytest.importorskip("transformers")
    inputs = inputs_of(PRETRAINING)
    ours = BertModel.from_pretrained(PRETRAINING)
    ours.save_pretrained(tmp_path / "ours")
    theirs, info = transformers.BertModel.from_pretrained(tmp_path / "ours", output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    with torch.no_grad():
        a, b = ours(**inputs, output_hidden_states=True), theirs.eval()(**inputs, output_hidden_states=True)
    for x, y in zip(a.hidden_states, b.hidden_states):
        assert max_diff(x, y) <= TOL
    assert max_diff(a.pooler_output, b.pooler_output) <= TOL
    # ... and the other way: the reference saves, minibert loads
    theirs.save_pretrained(tmp_path / "theirs")
    again, info = BertModel.from_pretrained(tmp_path / "theirs", output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == []
    with torch.no_grad():
        assert max_diff(again(**inputs).last_hidden_state, b.last_hidden_state) <= TOL


def test_pretraining_model_save_loads_in_transformers(tmp_path):
    transformers = pytest.importorskip("transformers")
    ours = BertForPreTraining.from_pretrained(PRETRAINING)
    ours.save_pretrained(tmp_path / "ours")
    theirs, info = transformers.BertForPreTraining.from_pretrained(tmp_path / "ours", output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    inputs = inputs_of(PRETRAINING)
    with torch.no_grad():
        a, b = ours(**inputs), theirs.eval()(**inputs)
    assert max_diff(a.prediction_logits, b.prediction_logits) <= TOL
    assert max_diff(a.seq_relationship_logits, b.seq_relationship_logits) <= TOL


def test_save_is_atomic_when_the_writer_crashes(tmp_path, monkeypatch):
    import safetensors.torch

    folder = tmp_path / "out"
    BertModel.from_pretrained(BARE).save_pretrained(folder)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    real_save = safetensors.torch.save_file

    def crash_half_way(tensors, filename, metadata=None):
        real_save(tensors, filename, metadata=metadata)
        with open(filename, "r+b") as f:  # leave a truncated file behind, as a crash mid-write would
            f.truncate(f.seek(0, 2) // 2)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(safetensors.torch, "save_file", crash_half_way)
    other = BertModel.from_pretrained(PRETRAINING, hidden_dropout_prob=0.0)
    assert other.config.hidden_size != BertModel.from_pretrained(BARE).config.hidden_size
    with pytest.raises(OSError, match="disk full"):
        other.save_pretrained(folder)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert after == before, "the previous checkpoint was modified, or temporary files were left behind"
    monkeypatch.undo()
    assert_reference_outputs(BertModel.from_pretrained(folder), BARE)


# -- the Hub cache, offline --------------------------------------------------------------------------------
def add_revision(cache: Path, repo_id: str, commit: str, files: dict[str, bytes], ref: str | None = "main") -> None:
    """Lay files out as huggingface_hub does: blobs named by content hash, a snapshot of relative symlinks."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name, data in files.items():
        blob = hashlib.sha256(data).hexdigest()  # the hub names LFS blobs by sha256, others by git sha1
        (repo / "blobs" / blob).write_bytes(data)
        (snapshot / name).symlink_to(Path("..", "..", "blobs", blob))
    if ref is not None:
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / ref).write_text(commit)


def folder_files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("config.json", "model.safetensors")}


@pytest.fixture
def hub_cache(tmp_path):
    """A cache with org/tiny-bert at two commits: OLD (the reference weights) and main (perturbed weights)."""
    cache = tmp_path / "hub"
    perturbed = tmp_path / "perturbed"
    model = BertModel.from_pretrained(BARE)
    with torch.no_grad():
        model.pooler.dense.bias.add_(1.0)
    model.save_pretrained(perturbed)
    add_revision(cache, "org/tiny-bert", OLD, folder_files(BARE), ref="v1")
    add_revision(cache, "org/tiny-bert", NEW, folder_files(perturbed), ref="main")
    return cache


OLD, NEW = "a" * 40, "0123456789abcdef0123456789abcdef01234567"


def test_hub_repo_id_resolves_from_the_cache(hub_cache):
    model = BertModel.from_pretrained("org/tiny-bert", cache_dir=hub_cache, local_files_only=True)
    # main = the perturbed revision: same encoder, pooler bias + 1
    ref = reference(BARE)
    with torch.no_grad():
        out = model(**inputs_of(BARE))
    assert max_diff(out.last_hidden_state, ref["last_hidden_state"]) <= TOL
    assert max_diff(out.pooler_output, ref["pooler_output"]) > 0.01
    # pinned revisions: by commit hash and by a named ref
    for revision in (OLD, "v1"):
        pinned = BertModel.from_pretrained("org/tiny-bert", revision=revision, cache_dir=hub_cache,
                                           local_files_only=True)
        assert_reference_outputs(pinned, BARE)


def test_hub_offline_mode_env(hub_cache, monkeypatch):
    import huggingface_hub
    from huggingface_hub.utils import reset_sessions

    # huggingface_hub reads HF_HUB_OFFLINE once, at import, into huggingface_hub.constants: set both.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    reset_sessions()  # sessions made before were built for online mode
    try:
        assert_reference_outputs(BertModel.from_pretrained("org/tiny-bert", revision=OLD, cache_dir=hub_cache),
                                 BARE)
        model = BertModel.from_pretrained("org/tiny-bert", cache_dir=hub_cache)
        assert model.config.hidden_size == 32
        with pytest.raises(OSError, match="org/absent"):
            BertModel.from_pretrained("org/absent", cache_dir=hub_cache)
    finally:
        monkeypatch.undo()
        reset_sessions()


def test_hub_repo_not_in_cache_error_names_repo_and_remedies(tmp_path):
    with pytest.raises(OSError) as err:
        BertModel.from_pretrained("nobody/not-cached", cache_dir=tmp_path, local_files_only=True)
    message = str(err.value)
    assert f"holds no repo 'nobody/not-cached' (looked for {tmp_path / 'models--nobody--not-cached'})" in message
    assert "local_files_only=True" in message and "not asked" in message and "local folder" in message
    # the repo is cached, but not the asked-for file: said so, with the folder
    (tmp_path / "models--nobody--not-cached").mkdir()
    with pytest.raises(OSError, match="holds 'nobody/not-cached' .* but not its 'config.json'"):
        BertModel.from_pretrained("nobody/not-cached", cache_dir=tmp_path, local_files_only=True)


def test_constructor_keywords_reach_the_model_not_the_config(tmp_path):
    """``BertModel.from_pretrained(path, add_pooling_layer=False)``, as with the reference: no pooler is built,
    its checkpoint weights are reported unused, and the flag does not leak into config.json."""
    model, info = BertModel.from_pretrained(PRETRAINING, add_pooling_layer=False, output_loading_info=True)
    assert model.pooler is None and info["missing_keys"] == []
    assert {"pooler.dense.weight", "pooler.dense.bias"} <= set(info["unexpected_keys"])
    model.save_pretrained(tmp_path / "out")
    assert "add_pooling_layer" not in json.loads((tmp_path / "out" / "config.json").read_text())
    with torch.no_grad():
        out = model(**inputs_of(PRETRAINING))
    assert out.pooler_output is None
    assert max_diff(out.last_hidden_state, reference(PRETRAINING)["last_hidden_state"]) <= TOL
