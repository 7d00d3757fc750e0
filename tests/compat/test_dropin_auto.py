"""The Auto classes (BERT checkpoints -> the minibert class, any other model type refused by name) and the six
learning-rate schedule functions under the reference's names, step by step against the reference's.
"""

from __future__ import annotations

import json

import pytest
import torch
import transformers
from _dropin import TINY, max_diff

import minibert
import minibert.training
from minibert.compat.auto import AUTO_MODELS

IDS = torch.tensor([[101, 17, 33, 4, 51, 102], [101, 8, 64, 70, 102, 0]])
MASK = (IDS != 0).long()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, vocab_file):
    """A BertForPreTraining saved by the reference, with its tokenizer (the bert-base-uncased vocabulary)."""
    folder = tmp_path_factory.mktemp("auto") / "bert"
    torch.manual_seed(0)
    transformers.BertForPreTraining(transformers.BertConfig(**{**TINY, "vocab_size": 30522})).save_pretrained(folder)
    transformers.BertTokenizer(str(vocab_file)).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("auto_name", sorted(AUTO_MODELS))
def test_each_auto_class_builds_the_bert_class_the_reference_builds(checkpoint, auto_name):
    ours = getattr(minibert, auto_name).from_pretrained(checkpoint)
    theirs = getattr(transformers, auto_name).from_pretrained(checkpoint, attn_implementation="eager")
    assert type(ours).__name__ == type(theirs).__name__ == AUTO_MODELS[auto_name]
    assert type(ours) is getattr(minibert, AUTO_MODELS[auto_name])
    if auto_name in ("AutoModel", "AutoModelForPreTraining", "AutoModelForMaskedLM", "AutoModelForCausalLM",
                     "AutoModelForNextSentencePrediction"):  # everything comes from the checkpoint
        with torch.no_grad():
            a, b = ours(input_ids=IDS, attention_mask=MASK), theirs(input_ids=IDS, attention_mask=MASK)
        assert max_diff(a[0], b[0]) <= 1e-5
    fresh = getattr(minibert, auto_name).from_config(minibert.BertConfig(**TINY))
    assert type(fresh) is type(ours) and fresh.config.hidden_size == 32


def test_auto_config_and_auto_tokenizer(checkpoint):
    config = minibert.AutoConfig.from_pretrained(checkpoint, num_labels=5)
    reference = transformers.AutoConfig.from_pretrained(checkpoint, num_labels=5)
    assert isinstance(config, minibert.BertConfig) and config.num_labels == reference.num_labels == 5
    assert config.hidden_size == reference.hidden_size
    ours = minibert.AutoTokenizer.from_pretrained(checkpoint)
    theirs = transformers.AutoTokenizer.from_pretrained(checkpoint)  # the Rust BertTokenizerFast
    assert isinstance(ours, minibert.BertTokenizer) and type(theirs).__name__ == "BertTokenizerFast"
    text, pair = "The Auto classes read config.json first.", "Then they pick a class."
    assert ours(text, pair)["input_ids"] == theirs(text, pair)["input_ids"]
    assert minibert.AutoConfig.for_model("bert", hidden_size=64).hidden_size == 64


def test_old_configs_without_model_type_are_recognised_by_their_architectures(checkpoint, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    config = json.loads((checkpoint / "config.json").read_text())
    config.pop("model_type")
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "model.safetensors").symlink_to(checkpoint / "model.safetensors")
    assert type(minibert.AutoModelForMaskedLM.from_pretrained(folder)) is minibert.BertForMaskedLM


@pytest.mark.parametrize("model_type, architectures", [("roberta", ["RobertaForMaskedLM"]),
                                                       ("distilbert", ["DistilBertModel"]),
                                                       (None, ["GPT2LMHeadModel"])])
def test_other_model_types_are_refused_by_name(tmp_path, vocab_file, model_type, architectures):
    folder = tmp_path / "other"
    folder.mkdir()
    config = {"architectures": architectures, "hidden_size": 32}
    if model_type:
        config["model_type"] = model_type
    (folder / "config.json").write_text(json.dumps(config))
    named = repr(model_type) if model_type else "GPT2LMHeadModel"
    for auto_name in (*AUTO_MODELS, "AutoConfig"):
        with pytest.raises(ValueError, match=f"{named}.*minibert implements BERT only"):
            getattr(minibert, auto_name).from_pretrained(folder)
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "RobertaTokenizer"}))
    with pytest.raises(ValueError, match="RobertaTokenizer, but minibert implements BERT only"):
        minibert.AutoTokenizer.from_pretrained(folder)
    with pytest.raises(ValueError, match="'RobertaConfig'|'roberta'.*minibert implements BERT only"):
        minibert.AutoModel.from_config(transformers.RobertaConfig())


# -- schedules -------------------------------------------------------------------------------------------------
SCHEDULES = [
    ("get_constant_schedule", {}),
    ("get_constant_schedule_with_warmup", {"num_warmup_steps": 4}),
    ("get_linear_schedule_with_warmup", {"num_warmup_steps": 4, "num_training_steps": 20}),
    ("get_cosine_schedule_with_warmup", {"num_warmup_steps": 4, "num_training_steps": 20}),
    ("get_cosine_schedule_with_warmup", {"num_warmup_steps": 3, "num_training_steps": 20, "num_cycles": 1.5}),
    ("get_cosine_with_hard_restarts_schedule_with_warmup", {"num_warmup_steps": 4, "num_training_steps": 20,
                                                            "num_cycles": 3}),
    ("get_polynomial_decay_schedule_with_warmup", {"num_warmup_steps": 4, "num_training_steps": 20,
                                                   "lr_end": 1e-5, "power": 2.0}),
    ("get_polynomial_decay_schedule_with_warmup", {"num_warmup_steps": 0, "num_training_steps": 10}),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_schedule_functions_equal_the_reference_step_by_step(name, kwargs):
    assert getattr(minibert, name) is getattr(minibert.training, name)
    rates = []
    for fn in (getattr(minibert, name), getattr(transformers, name)):
        optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=3e-4)
        scheduler = fn(optimizer, **kwargs)
        seen = []
        for _ in range(26):  # past num_training_steps: the tail is compared too
            seen.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        rates.append(seen)
    assert rates[0] == pytest.approx(rates[1], rel=1e-12, abs=1e-15)
    assert len(set(rates[0])) > 1 or name == "get_constant_schedule"
