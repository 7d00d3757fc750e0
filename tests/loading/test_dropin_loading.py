"""Loading and saving as the reference does: the keywords of ``from_pretrained`` that fine-tuning code passes
(``dtype``, ``ignore_mismatched_sizes``, ``state_dict``, ``subfolder``), the meta-device refusal, old configs'
``gradient_checkpointing``, ``get_config_dict`` and the attributes libraries read. Each call is made on both
libraries, on the same files.
"""

from __future__ import annotations

import json
import warnings

import pytest
import torch
import transformers
from _dropin import TINY, logged, max_diff, pair

import minibert
from minibert.bert.warn_once import forget as forget_warning

IDS = torch.tensor([[2, 17, 33, 4, 51, 9], [2, 8, 64, 70, 3, 0]])
MASK = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]])


def saved_classifier(tmp_path, num_labels=3):
    """A 3-label BertForSequenceClassification saved by the reference."""
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(transformers.BertConfig(**TINY, num_labels=num_labels))
    model.save_pretrained(tmp_path / "clf")
    return tmp_path / "clf", model


def logits(model):
    with torch.no_grad():
        return model(input_ids=IDS, attention_mask=MASK).logits


# -- dtype ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("keyword", ["dtype", "torch_dtype"])
@pytest.mark.parametrize("value", [torch.float16, "bfloat16"])
def test_dtype_keyword_both_names_and_save_afterwards(tmp_path, keyword, value):
    folder, _ = saved_classifier(tmp_path)
    expected = value if isinstance(value, torch.dtype) else getattr(torch, value)
    for lib in (minibert, transformers):
        model = lib.BertForSequenceClassification.from_pretrained(folder, **{keyword: value})
        assert {p.dtype for p in model.parameters()} == {expected}, lib.__name__
        assert model.config.dtype == expected, lib.__name__  # the config says what the weights are
        model.save_pretrained(tmp_path / lib.__name__)  # the reported bug: "dtype is not JSON serializable"
        saved = json.loads((tmp_path / lib.__name__ / "config.json").read_text())
        assert saved["dtype"] == str(expected).removeprefix("torch."), lib.__name__
    # each library reads the other's file back in the saved dtype
    for lib, other in ((minibert, transformers), (transformers, minibert)):
        again = lib.BertForSequenceClassification.from_pretrained(tmp_path / other.__name__, dtype="auto")
        assert again.dtype == expected, (lib.__name__, other.__name__)


def test_torch_dtype_is_the_deprecated_name(tmp_path):
    folder, _ = saved_classifier(tmp_path)
    for lib in ("minibert", "transformers"):
        module = minibert if lib == "minibert" else transformers
        forget_warning("torch_dtype")
        with logged(lib) as log:
            module.BertModel.from_pretrained(folder, torch_dtype=torch.float16)
        assert "`torch_dtype` is deprecated! Use `dtype` instead!" in log.text(), lib


def test_dtype_auto_without_a_saved_dtype_reads_the_weights(tmp_path):
    folder, _ = saved_classifier(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config.pop("dtype")
    (folder / "config.json").write_text(json.dumps(config))
    transformers.BertForSequenceClassification.from_pretrained(folder).to(torch.bfloat16).save_pretrained(
        tmp_path / "bf16")
    config = json.loads((tmp_path / "bf16" / "config.json").read_text())
    config.pop("dtype")
    (tmp_path / "bf16" / "config.json").write_text(json.dumps(config))
    for lib in (minibert, transformers):
        assert lib.BertModel.from_pretrained(tmp_path / "bf16", dtype="auto").dtype == torch.bfloat16, lib.__name__
        assert lib.BertModel.from_pretrained(folder, dtype="auto").dtype == torch.float32, lib.__name__


# -- ignore_mismatched_sizes -----------------------------------------------------------------------------------
def test_mismatched_head_without_the_keyword_is_a_runtime_error_in_both(tmp_path):
    folder, _ = saved_classifier(tmp_path)
    with pytest.raises(RuntimeError):
        transformers.BertForSequenceClassification.from_pretrained(folder, num_labels=42)
    with pytest.raises(RuntimeError, match=r"classifier\.(bias|weight).*\(3.*\(42.*ignore_mismatched_sizes=True"):
        minibert.BertForSequenceClassification.from_pretrained(folder, num_labels=42)


def test_ignore_mismatched_sizes_reinitialises_and_reports_the_head(tmp_path):
    folder, source = saved_classifier(tmp_path)
    models, infos, logs = {}, {}, {}
    for lib in ("minibert", "transformers"):
        module = minibert if lib == "minibert" else transformers
        with logged(lib) as log:
            models[lib], infos[lib] = module.BertForSequenceClassification.from_pretrained(
                folder, num_labels=42, ignore_mismatched_sizes=True, output_loading_info=True)
        logs[lib] = log.text()
    assert infos["minibert"] == infos["transformers"]
    assert sorted(infos["minibert"]["mismatched_keys"]) == ["classifier.bias", "classifier.weight"]
    for lib, text in logs.items():
        assert "newly initialized because the shapes did not match" in text, lib
        assert "classifier.weight: found shape" in text and "(42, 32)" in text.replace("torch.Size([42, 32])",
                                                                                          "(42, 32)"), lib
    ours, theirs = models["minibert"], models["transformers"]
    assert ours.config.num_labels == theirs.config.num_labels == 42
    assert logits(ours).shape == (2, 42)
    # the encoder is the checkpoint's; the new classifier is freshly initialised like any new head
    for name, tensor in theirs.bert.state_dict().items():
        if name in ours.bert.state_dict():
            assert torch.equal(ours.bert.state_dict()[name], tensor), name
    weight = ours.classifier.weight.detach()
    assert float(weight.std()) == pytest.approx(TINY.get("initializer_range", 0.02), rel=0.2)
    assert float(ours.classifier.bias.detach().abs().max()) == 0.0
    assert not torch.equal(weight[:3], source.classifier.weight)


# -- the meta device, weights from memory, subfolders ------------------------------------------------------------
def test_loading_under_the_meta_device_is_refused_by_both(tmp_path):
    folder, _ = saved_classifier(tmp_path)
    with torch.device("meta"):
        with pytest.raises(RuntimeError, match="meta"):
            transformers.BertModel.from_pretrained(folder)
        with pytest.raises(RuntimeError, match="meta tensors hold no values"):
            minibert.BertModel.from_pretrained(folder)
        assert minibert.BertModel(minibert.BertConfig(**TINY)).device.type == "meta"  # building empty is fine


def test_weights_from_memory(tmp_path):
    _, source = saved_classifier(tmp_path)
    state = source.state_dict()
    theirs = transformers.BertForSequenceClassification.from_pretrained(
        None, config=transformers.BertConfig(**TINY, num_labels=3), state_dict=state)
    ours, info = minibert.BertForSequenceClassification.from_pretrained(
        None, config=minibert.BertConfig(**TINY, num_labels=3), state_dict=state, output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == []
    assert max_diff(logits(ours), logits(theirs)) <= 1e-5
    # Without a config there is nothing to build: the reference then asks the Hub for a repo named "None" and
    # fails with OSError (after network retries); minibert says what is missing right away, same type.
    with pytest.raises(OSError, match="needs both config="):
        minibert.BertModel.from_pretrained(None, state_dict=state)


def test_subfolder_for_config_model_and_tokenizer(tmp_path, vocab_file):
    """Older sentence-transformers repos keep the BERT files in ``0_Transformer/``."""
    folder, _ = saved_classifier(tmp_path)
    repo = tmp_path / "repo"
    transformers.BertForSequenceClassification.from_pretrained(folder).save_pretrained(repo / "0_Transformer")
    transformers.BertTokenizer(str(vocab_file)).save_pretrained(repo / "0_Transformer")
    (repo / "modules.json").write_text("[]")
    for lib in (minibert, transformers):
        config = lib.BertConfig.from_pretrained(repo, subfolder="0_Transformer")
        assert config.num_labels == 3 and config.hidden_size == 32, lib.__name__
        tokenizer = lib.BertTokenizer.from_pretrained(repo, subfolder="0_Transformer")
        assert tokenizer("a subfolder")["input_ids"] == [101, 1037, 4942, 10371, 2121, 102], lib.__name__
    ours = minibert.BertForSequenceClassification.from_pretrained(repo, subfolder="0_Transformer")
    theirs = transformers.BertForSequenceClassification.from_pretrained(repo, subfolder="0_Transformer")
    assert max_diff(logits(ours), logits(theirs)) <= 1e-5
    with pytest.raises(FileNotFoundError, match="no subfolder '1_Pooling'"):
        minibert.BertModel.from_pretrained(repo, subfolder="1_Pooling")


# -- the config ------------------------------------------------------------------------------------------------
def test_old_gradient_checkpointing_key_is_honoured_with_a_warning(tmp_path):
    folder, _ = saved_classifier(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "gradient_checkpointing": True}))
    for lib in (minibert, transformers):
        with pytest.warns(UserWarning, match="`gradient_checkpointing` to a config initialization is deprecated"):
            model = lib.BertForSequenceClassification.from_pretrained(folder)
        assert model.is_gradient_checkpointing, lib.__name__
        assert not hasattr(model.config, "gradient_checkpointing"), lib.__name__  # consumed, so not saved again
        model.save_pretrained(tmp_path / lib.__name__)
        assert "gradient_checkpointing" not in json.loads((tmp_path / lib.__name__ / "config.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning without the key
        assert not minibert.BertModel.from_pretrained(tmp_path / "minibert").is_gradient_checkpointing


def test_get_config_dict(tmp_path):
    folder, _ = saved_classifier(tmp_path)
    ours, ours_rest = minibert.BertConfig.get_config_dict(folder, foo=1)
    theirs, theirs_rest = transformers.BertConfig.get_config_dict(folder, foo=1)
    theirs.pop("_commit_hash")  # the Hub snapshot's commit (None for a local folder): minibert keeps no such key
    assert ours == theirs and ours == json.loads((folder / "config.json").read_text())
    assert ours_rest == theirs_rest == {"foo": 1}
    # the tutorials' form: an instance's get_config_dict, on the folder the config came from
    assert minibert.BertConfig.from_pretrained(folder).get_config_dict(folder)[0] == ours
    assert minibert.BertConfig.from_dict(ours) == minibert.BertConfig.from_pretrained(folder)


def test_public_attributes_libraries_read():
    ours, theirs = pair("BertForMaskedLM")
    for name in ("main_input_name", "supports_gradient_checkpointing"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.config.is_encoder_decoder is theirs.config.is_encoder_decoder is False
    assert ours.config.get_text_config() is ours.config and theirs.config.get_text_config() is theirs.config
    assert ours.config.get_text_config(decoder=True) is ours.config
    assert "is_encoder_decoder" in ours.config.to_dict()


def test_set_attn_implementation_switches_the_layers():
    """The reference 4.57 logs that BERT cannot switch and keeps "sdpa"; minibert switches (same numbers)."""
    ours, theirs = pair()
    with torch.no_grad():
        before = ours(input_ids=IDS, attention_mask=MASK).last_hidden_state
        ours.set_attn_implementation("eager")
        assert ours.config.attn_implementation == "eager"
        assert {m.attn_implementation for m in ours.modules() if hasattr(m, "attn_implementation")} == {"eager"}
        after = ours(input_ids=IDS, attention_mask=MASK, output_attentions=True)
        reference = theirs(input_ids=IDS, attention_mask=MASK).last_hidden_state
    assert max_diff(after.last_hidden_state, before) <= 1e-5 and max_diff(after.last_hidden_state, reference) <= 1e-5
    with logged("transformers") as log:
        theirs.set_attn_implementation("eager")
    assert "does not support setting its attention implementation dynamically" in log.text()
    with pytest.raises(ValueError, match="'flash' is not one of"):
        ours.set_attn_implementation("flash")
