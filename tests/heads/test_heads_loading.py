"""Task heads and checkpoints: files move both ways between minibert and `transformers` 4.57.6, the MLM
decoder stays tied to the word embeddings (resize, save, load), loading reports what was newly initialised
or left unused exactly as the reference does, and legacy checkpoints still load.
"""

from __future__ import annotations

import logging

import pytest
import torch
import transformers
from _heads_pair import HEAD_NAMES, TINY, assert_outputs_close, configs, perturb, random_inputs
from _numerics import forward_depth, rounding_bound, widest_sum
from safetensors.torch import load_file

import minibert

MLM_HEADS = ["BertForPreTraining", "BertForMaskedLM"]


def _inputs(name: str, vocab: int = TINY["vocab_size"]) -> dict:
    inputs = random_inputs(3, 9, choices=4 if name == "BertForMultipleChoice" else None)
    inputs["input_ids"] %= vocab
    return inputs


def _ours(name: str, seed: int = 0, **overrides) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = getattr(minibert, name)(configs(**overrides)[0])
    perturb(model, seed + 100)
    return model.eval()


def assert_same_logits(grown: torch.Tensor, before: torch.Tensor, what: str) -> None:
    """The old vocabulary's logits after growing it: the same dot products, but the decoder's matrix product
    has more columns and may block its sums otherwise, so they agree within the derived rounding bound
    (tests/helpers/_numerics.py) for the logits' size, through the encoder and the MLM head's 2 sums."""
    config = minibert.BertConfig(**TINY)
    limit = rounding_bound(before, forward_depth(config, head=2), widest_sum(config, config.max_position_embeddings))
    diff = (grown - before).abs().max().item()
    assert diff <= limit, f"{what}: max abs diff {diff:.3g} > {limit:.3g}"


def _logits(out) -> list[torch.Tensor]:
    return [v for k, v in out.items() if k.endswith("logits")]


def _assert_tied(model) -> None:
    decoder, head = model.cls.predictions.decoder, model.cls.predictions
    assert decoder.weight is model.bert.embeddings.word_embeddings.weight  # one tensor, not a copy
    assert decoder.bias is head.bias
    assert decoder.weight.shape[0] == head.bias.shape[0] == model.config.vocab_size


# -- minibert files load in the reference, and the reference's in minibert ----------------------------------
@pytest.mark.parametrize("safe", [True, False], ids=["safetensors", "bin"])
@pytest.mark.parametrize("name", HEAD_NAMES)
def test_saved_head_loads_in_reference_with_identical_outputs(name, safe, tmp_path):
    ours = _ours(name, num_labels=3 if name in ("BertForSequenceClassification", "BertForTokenClassification") else 2)
    ours.save_pretrained(tmp_path, safe_serialization=safe)
    theirs, info = getattr(transformers, name).from_pretrained(tmp_path, attn_implementation="eager",
                                                               output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [], info
    assert theirs.config.num_labels == ours.config.num_labels
    with torch.no_grad():
        assert_outputs_close(ours(**_inputs(name)), theirs(**_inputs(name)))


@pytest.mark.parametrize("name", HEAD_NAMES)
def test_reference_bin_checkpoint_loads_in_minibert(name, tmp_path):
    torch.manual_seed(0)
    theirs = getattr(transformers, name)(configs()[1])
    perturb(theirs, 1)
    theirs.eval().save_pretrained(tmp_path, safe_serialization=False)  # .bin: stores decoder weight and bias too
    ours, info = getattr(minibert, name).from_pretrained(tmp_path, attn_implementation="eager",
                                                         output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [], info
    with torch.no_grad():
        assert_outputs_close(ours(**_inputs(name)), theirs(**_inputs(name)))
    if name in MLM_HEADS:
        _assert_tied(ours)


# -- the tied decoder ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MLM_HEADS)
def test_decoder_stays_tied_through_resize_save_and_load(name, tmp_path):
    ours = _ours(name)
    _assert_tied(ours)
    theirs = getattr(transformers, name)(configs()[1])
    assert ours.num_parameters() == theirs.num_parameters()  # the shared matrix counts once

    inputs = _inputs(name)
    with torch.no_grad():
        before = _logits(ours(**inputs))[0]  # (B, T, 99)
    ours.resize_token_embeddings(120)
    _assert_tied(ours)
    with torch.no_grad():
        after = _logits(ours(**inputs))[0]  # (B, T, 120)
    assert after.shape[-1] == 120
    assert_same_logits(after[..., :99], before, "old vocabulary's logits after growing the vocabulary")
    assert ours.cls.predictions.bias[99:].abs().max() == 0  # new tokens start with no bias

    ours.save_pretrained(tmp_path)
    saved = load_file(tmp_path / "model.safetensors")
    assert "cls.predictions.decoder.weight" not in saved and "cls.predictions.decoder.bias" not in saved
    assert saved["cls.predictions.bias"].shape == (120,)

    loaded, info = getattr(minibert, name).from_pretrained(tmp_path, output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [], info
    _assert_tied(loaded)
    inputs = _inputs(name, vocab=120)
    inputs["input_ids"][:, 1] = 110  # a new token
    with torch.no_grad():
        assert_outputs_close(loaded(**inputs), ours(**inputs))
        theirs = getattr(transformers, name).from_pretrained(tmp_path, attn_implementation="eager")
        assert theirs.cls.predictions.decoder.weight is theirs.bert.embeddings.word_embeddings.weight
        assert_outputs_close(loaded(**inputs), theirs(**inputs))

    # Shrinking keeps the first rows; training moves the shared matrix once, for both uses.
    loaded.resize_token_embeddings(60)
    _assert_tied(loaded)
    loaded.train()
    out = loaded(**_inputs(name, vocab=60))
    _logits(out)[0].square().mean().backward()
    torch.optim.SGD(loaded.parameters(), lr=0.1).step()
    _assert_tied(loaded)


@pytest.mark.parametrize("name", MLM_HEADS)
def test_untied_decoder_is_saved_loaded_and_resized(name, tmp_path):
    """With tie_word_embeddings=False the decoder is its own weight: it must be written, read back, and resized."""
    ours = _ours(name, tie_word_embeddings=False)
    decoder = ours.cls.predictions.decoder
    assert decoder.weight is not ours.bert.embeddings.word_embeddings.weight
    assert decoder.bias is ours.cls.predictions.bias
    ours.save_pretrained(tmp_path)
    assert "cls.predictions.decoder.weight" in load_file(tmp_path / "model.safetensors")
    loaded, info = getattr(minibert, name).from_pretrained(tmp_path, output_loading_info=True)
    assert info["missing_keys"] == [], info
    theirs = getattr(transformers, name).from_pretrained(tmp_path, attn_implementation="eager")
    with torch.no_grad():
        assert_outputs_close(loaded(**_inputs(name)), ours(**_inputs(name)))
        assert_outputs_close(loaded(**_inputs(name)), theirs(**_inputs(name)))
    loaded.resize_token_embeddings(110)
    assert loaded.cls.predictions.decoder.weight.shape == (110, TINY["hidden_size"])
    with torch.no_grad():
        grown = _logits(loaded(**_inputs(name)))[0]
        assert_same_logits(grown[..., :99], _logits(ours(**_inputs(name)))[0], "old vocabulary's logits, untied")


# -- what loading reports ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", HEAD_NAMES)
def test_head_on_base_checkpoint_initialises_and_reports_the_new_weights(name, tmp_path, caplog):
    base = _ours("BertModel")
    base.save_pretrained(tmp_path)  # keys without the "bert." prefix, with a pooler
    with caplog.at_level(logging.WARNING, logger="minibert"):
        ours, info = getattr(minibert, name).from_pretrained(tmp_path, output_loading_info=True)
    _, ref_info = getattr(transformers, name).from_pretrained(tmp_path, output_loading_info=True)
    assert sorted(info["missing_keys"]) == sorted(ref_info["missing_keys"])
    assert sorted(info["unexpected_keys"]) == sorted(ref_info["unexpected_keys"])  # the pooler, for no-pooler heads
    assert info["missing_keys"]
    assert "newly initialized" in caplog.text and all(k in caplog.text for k in info["missing_keys"])

    # The encoder is the checkpoint's, bit for bit...
    base_state = base.state_dict()
    for key, tensor in ours.bert.state_dict().items():
        assert torch.equal(tensor, base_state[key]), key
    # ... and the new weights are initialised as a fresh model's are (not left as uninitialised memory).
    std = ours.config.initializer_range
    for key in info["missing_keys"]:
        tensor = ours.get_parameter(key).detach()
        if key.endswith("LayerNorm.weight"):
            assert torch.equal(tensor, torch.ones_like(tensor)), key
        elif key.endswith("bias"):
            assert torch.equal(tensor, torch.zeros_like(tensor)), key
        else:
            assert 0.5 * std < tensor.std().item() < 1.5 * std and tensor.abs().max() < 10 * std, key
    if name in MLM_HEADS:
        _assert_tied(ours)
        assert torch.equal(ours.cls.predictions.decoder.weight, base_state["embeddings.word_embeddings.weight"])


@pytest.mark.parametrize("source", ["minibert", "transformers"])
def test_bert_model_from_pretraining_checkpoint_drops_the_heads(source, tmp_path, caplog):
    if source == "minibert":
        full = _ours("BertForPreTraining")
    else:
        torch.manual_seed(0)
        full = transformers.BertForPreTraining(configs()[1]).eval()
        perturb(full, 3)
    full.save_pretrained(tmp_path)
    with caplog.at_level(logging.WARNING, logger="minibert"):
        bare, info = minibert.BertModel.from_pretrained(tmp_path, attn_implementation="eager",
                                                        output_loading_info=True)
    _, ref_info = transformers.BertModel.from_pretrained(tmp_path, output_loading_info=True)
    assert info["missing_keys"] == [] == ref_info["missing_keys"]
    assert sorted(info["unexpected_keys"]) == sorted(ref_info["unexpected_keys"])
    assert {k.split(".")[0] for k in info["unexpected_keys"]} == {"cls"} and len(info["unexpected_keys"]) == 7
    assert "were not used" in caplog.text and "cls.seq_relationship.weight" in caplog.text
    inputs = _inputs("BertModel")
    with torch.no_grad():
        assert_outputs_close(bare(**inputs), full.bert(**inputs))


# -- legacy checkpoints --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dropped", ["cls.predictions.decoder.bias", "cls.predictions.bias"])
@pytest.mark.parametrize("name", MLM_HEADS)
def test_legacy_checkpoint_with_one_bias_name(name, dropped, tmp_path):
    """The original bert-base-uncased files: LayerNorm gamma/beta names, the decoder weight stored explicitly,
    the output bias only as ``cls.predictions.bias`` (no ``cls.predictions.decoder.bias``); and, the other way
    round, a file with only the decoder's name for it."""
    torch.manual_seed(0)
    theirs = getattr(transformers, name)(configs()[1])
    perturb(theirs, 4)
    theirs.eval()
    legacy = {}
    for key, tensor in theirs.state_dict().items():
        if key == dropped or key.endswith("_ids"):
            continue
        key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        legacy[key] = tensor.clone()
    assert "cls.predictions.decoder.weight" in legacy and dropped not in legacy
    torch.save(legacy, tmp_path / "pytorch_model.bin")
    theirs.config.save_pretrained(tmp_path)

    ours, info = getattr(minibert, name).from_pretrained(tmp_path, attn_implementation="eager",
                                                         output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [], info
    _assert_tied(ours)
    assert torch.equal(ours.cls.predictions.decoder.bias, theirs.cls.predictions.bias)  # perturbed: not zeros
    with torch.no_grad():
        assert_outputs_close(ours(**_inputs(name)), theirs(**_inputs(name)))


# -- real weights --------------------------------------------------------------------------------------------
@pytest.mark.official
@pytest.mark.parametrize("name", ["BertForMaskedLM", "BertForSequenceClassification"])
def test_head_on_official_checkpoint(name, official_checkpoint):
    """all-MiniLM-L6-v2 is a bare encoder: both libraries report the same new head weights; with the
    reference's freshly initialised head copied over, outputs and loss agree on real weights."""
    ours, info = getattr(minibert, name).from_pretrained(official_checkpoint, attn_implementation="eager",
                                                         output_loading_info=True)
    theirs, ref_info = getattr(transformers, name).from_pretrained(official_checkpoint, attn_implementation="eager",
                                                                   output_loading_info=True)
    assert sorted(info["missing_keys"]) == sorted(ref_info["missing_keys"]) != []
    assert sorted(info["unexpected_keys"]) == sorted(ref_info["unexpected_keys"])
    head = {k: v for k, v in theirs.state_dict().items() if not k.startswith("bert.")}
    ours.load_state_dict(head, strict=False)
    if name == "BertForMaskedLM":
        _assert_tied(ours)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30522, (2, 16), generator=g)
    labels = torch.randint(0, 30522, (2, 16), generator=g) if name == "BertForMaskedLM" else torch.tensor([1, 0])
    with torch.no_grad():
        assert_outputs_close(ours(input_ids=ids, labels=labels), theirs(input_ids=ids, labels=labels))
