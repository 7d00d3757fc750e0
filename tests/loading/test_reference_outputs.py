"""minibert vs the outputs the reference stored in checkpoints/ (no transformers needed).

scripts/make_reference_checkpoints.py saved each tiny checkpoint with transformers' own save_pretrained and
stored the reference's outputs on a fixed batch (a padded row and a fully padded row included). Loading
those files with minibert and running the same inputs must give the same numbers, on both attention paths.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from minibert import BertModel
from minibert.loading.reference_outputs import stored_module_outputs
from minibert.parity.table import capture

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"
NAMES = sorted(p.parent.name for p in CHECKPOINTS.glob("*/reference_outputs.safetensors"))
TOL = 1e-5


def load_reference(name: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    with safe_open(str(CHECKPOINTS / name / "reference_outputs.safetensors"), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float((a.double() - b.double()).abs().max())


# The project's own pre-trained checkpoints: made by scripts/pretrain_pydocs.py or scripts/ship_speedrun.py (their
# versions are in their eval.json and model card), not by scripts/make_reference_checkpoints.py, which makes and
# records the random set.
TRAINED = {p.parent.name for p in CHECKPOINTS.glob("*/eval.json")
           if (p.parent / "reference_outputs.safetensors").is_file()}


def test_the_reference_set_is_there_and_small():
    assert set(NAMES) >= {"tiny-bert", "tiny-bert-gelu-new-relative-key", "tiny-bert-relu-relative-key-query",
                          "tiny-bert-silu-8-heads"}
    sizes = {p: p.stat().st_size for p in CHECKPOINTS.rglob("*") if p.is_file()}
    assert "minibert-pydocs" in TRAINED
    trained = {name: sum(n for p, n in sizes.items() if p.relative_to(CHECKPOINTS).parts[0] == name)
               for name in TRAINED}
    total = sum(sizes.values()) - sum(trained.values())
    assert total < 15e6, f"checkpoints/ without the trained checkpoints is {total / 1e6:.1f} MB"
    for name, size in trained.items():
        assert size < 25e6, f"the trained checkpoint {name} is {size / 1e6:.1f} MB, over its 25 MB budget"


def test_versions_file_records_the_reference_and_matches_the_files():
    versions = json.loads((CHECKPOINTS / "VERSIONS.json").read_text())
    assert versions["transformers"] == "4.57.6"
    for key in ("torch", "safetensors", "python", "seed"):
        assert versions[key], key
    assert set(versions["checkpoints"]) == set(NAMES) - TRAINED
    for name in TRAINED:  # its reference outputs were written by the same reference version
        with safe_open(str(CHECKPOINTS / name / "reference_outputs.safetensors"), framework="pt") as f:
            assert f.metadata()["transformers_version"] == versions["transformers"], name
        assert json.loads((CHECKPOINTS / name / "eval.json").read_text())["versions"]["torch"], name
    for name, entry in versions["checkpoints"].items():
        # config.json / vocab files: byte hashes. A file edited by hand without regenerating shows up here.
        for filename, digest in entry["sha256"].items():
            path = CHECKPOINTS / name / filename
            assert path.is_file(), path
            if path.suffix != ".safetensors":
                assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{path} changed since regeneration"


def test_default_checkpoint_is_a_pretraining_checkpoint_with_tokenizer_files():
    folder = CHECKPOINTS / "tiny-bert"
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["BertForPreTraining"] and config["transformers_version"] == "4.57.6"
    for filename in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors"):
        assert (folder / filename).is_file(), filename
    vocab = (CHECKPOINTS / "vocab" / "bert-base-uncased-vocab.txt").read_bytes()
    assert (folder / "vocab.txt").read_bytes() == vocab
    tensors, meta = load_reference("tiny-bert")
    assert json.loads(meta["texts"])[0] == "The quick brown fox jumps over the lazy dog."


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("name", NAMES)
def test_outputs_match_the_stored_reference(name, impl):
    ref, meta = load_reference(name)
    model = BertModel.from_pretrained(CHECKPOINTS / name, attn_implementation=impl)
    inputs = {k.removeprefix("inputs."): v for k, v in ref.items() if k.startswith("inputs.")}
    assert not bool(inputs["attention_mask"][-1].any()), "the batch must contain a fully padded row"
    assert not bool(inputs["attention_mask"].all()), "the batch must contain padding"
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, output_attentions=(impl == "eager"))
    L = model.config.num_hidden_layers
    assert len(out.hidden_states) == L + 1
    for i in range(L + 1):
        assert max_diff(out.hidden_states[i], ref[f"hidden_states.{i}"]) <= TOL, f"hidden_states[{i}]"
    if impl == "eager":
        assert len(out.attentions) == L
        for i in range(L):
            assert max_diff(out.attentions[i], ref[f"attentions.{i}"]) <= TOL, f"attentions[{i}]"
    assert max_diff(out.last_hidden_state, ref["last_hidden_state"]) <= TOL
    assert max_diff(out.pooler_output, ref["pooler_output"]) <= TOL
    assert all(bool(torch.isfinite(h).all()) for h in out.hidden_states)


@pytest.mark.parametrize("name", NAMES)
def test_every_module_matches_the_stored_reference(name):
    ref, _ = load_reference(name)
    model = BertModel.from_pretrained(CHECKPOINTS / name, attn_implementation="eager")
    inputs = {k.removeprefix("inputs."): v for k, v in ref.items() if k.startswith("inputs.")}
    ours, theirs = capture(model, inputs), stored_module_outputs(ref)
    assert set(ours) == set(theirs)
    for module, tensor in ours.items():
        assert max_diff(tensor, theirs[module]) <= TOL, module


def test_stored_attention_is_far_from_uniform():
    """The reference weights were drawn on a large scale on purpose: with near-uniform attention or all-zero
    biases, a wrong mask or a dropped bias could still match. Real rows must attend selectively."""
    ref, _ = load_reference("tiny-bert")
    probs = ref["attentions.0"][0]  # (H, T, T), first row is unpadded
    assert float(probs.max()) > 3.0 / probs.shape[-1]
    mask = ref["inputs.attention_mask"]
    b = next(b for b in range(mask.shape[0]) if 0 < int(mask[b].sum()) < mask.shape[1])  # a padded row
    # padding keys get exactly zero probability in every real row
    assert float(ref["attentions.0"][b][..., mask[b] == 0].abs().max()) == 0.0
