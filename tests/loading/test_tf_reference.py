"""Live, against TensorFlow itself and the reference's TensorFlow loader (``load_tf_weights_in_bert`` of
``transformers`` 4.57.6). Runs in CI's TensorFlow environment (.venv-tf, see .ci/run); the main environment has
no TensorFlow and skips this file (it checks the same loading against the values TensorFlow read, stored next
to the fixtures: tests/loading/test_tf_checkpoint.py).

Where the reference works (a pre-training checkpoint into ``BertForPreTraining``) minibert must equal it on every
parameter and on the logits. Where it crashes or maps wrongly, the test shows the reference's failure, and
minibert's result against the values TensorFlow reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow", reason="TensorFlow is not installed here: CI runs this file in .venv-tf")
transformers = pytest.importorskip("transformers")
from test_tf_checkpoint import (  # noqa: E402
    BERT_FIXTURES,
    CLASSIFIER,
    FIXTURES,
    PRETRAIN,
    SHARDS,
    SQUAD,
    expected_pairs,
    prefix,
)
from transformers.models.bert.modeling_bert import load_tf_weights_in_bert  # noqa: E402

import minibert  # noqa: E402
from minibert.loading.tf_bundle import TensorBundle  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def tf_read(folder: Path) -> dict[str, torch.Tensor]:
    """Every variable as TensorFlow reads it now (bfloat16 widened to float32: exact)."""
    reader = tf.train.load_checkpoint(str(prefix(folder)))
    out = {}
    for name, dtype in reader.get_variable_to_dtype_map().items():
        value = np.array(reader.get_tensor(name))  # scalars come back as numpy scalars
        out[name] = (torch.from_numpy(value.astype("float32")).to(torch.bfloat16) if dtype == tf.bfloat16
                     else torch.from_numpy(value))
    return out


def reference(cls_name: str, folder: Path, **overrides):
    config = transformers.BertConfig(**json.loads((folder / "bert_config.json").read_text()), **overrides)
    model = getattr(transformers, cls_name)(config).eval()
    return model, lambda: load_tf_weights_in_bert(model, config, str(prefix(folder)))


def batch(config, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {"input_ids": torch.randint(0, config.vocab_size, (3, 8), generator=g),
            "token_type_ids": torch.randint(0, config.type_vocab_size, (3, 8), generator=g),
            "attention_mask": torch.tensor([[1] * 8, [1] * 5 + [0] * 3, [1] * 2 + [0] * 6])}


@pytest.mark.parametrize("folder", BERT_FIXTURES + [FIXTURES / "dtypes"], ids=lambda p: p.name)
def test_minibert_reads_what_tensorflow_reads(folder):
    live, bundle = tf_read(folder), TensorBundle(prefix(folder))
    assert sorted(live) == sorted(bundle.entries)
    for name, entry in bundle.entries.items():
        array = bundle.read(name)
        ours = (torch.from_numpy(array.view("<i2").copy()).view(torch.bfloat16) if entry.dtype == "bfloat16"
                else torch.from_numpy(array.copy()))
        assert ours.dtype == live[name].dtype and torch.equal(ours, live[name].reshape(ours.shape)), name


def test_the_committed_fixtures_are_what_the_script_writes(tmp_path):
    out = subprocess.run([sys.executable, "scripts/make_tf_checkpoints.py", str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(FIXTURES) for p in FIXTURES.rglob("*") if p.is_file())
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (FIXTURES / rel).read_bytes(), rel


@pytest.mark.parametrize("folder", [PRETRAIN, SHARDS], ids=lambda p: p.name)
def test_pretraining_checkpoint_equals_the_reference_loader(folder):
    ref, load = reference("BertForPreTraining", folder)
    load()
    ours = minibert.BertForPreTraining.from_pretrained(folder)
    theirs = ref.state_dict()
    assert sorted(ours.state_dict()) == sorted(theirs)
    for key, value in ours.state_dict().items():
        assert torch.equal(value, theirs[key]), key
    inputs = batch(ours.config)
    with torch.no_grad():
        a, b = ours(**inputs), ref(**inputs)
    assert (a.prediction_logits - b.prediction_logits).abs().max() <= 1e-5
    assert (a.seq_relationship_logits - b.seq_relationship_logits).abs().max() <= 1e-5


def test_into_bert_model_the_reference_crashes_minibert_loads():
    ref, load = reference("BertModel", PRETRAIN)
    with pytest.raises(AttributeError, match="'BertModel' object has no attribute 'bias'"):
        load()  # cls/predictions/output_bias: no `cls` on a BertModel, so it looks for `bias` on the model
    ours, info = minibert.BertModel.from_pretrained(PRETRAIN, output_loading_info=True)
    assert info["missing_keys"] == [] and all(k.startswith("cls.") for k in info["unexpected_keys"])
    for what, param, value in expected_pairs(ours, tf_read(PRETRAIN)):
        assert torch.equal(param.detach(), value), what


def test_run_classifier_head_the_reference_crashes_minibert_loads():
    ref, load = reference("BertForSequenceClassification", CLASSIFIER, num_labels=3)
    with pytest.raises(AttributeError, match="'BertForSequenceClassification' object has no attribute 'bias'"):
        load()  # top-level output_weights / output_bias: looked up as model.weight / model.bias
    ours, info = minibert.BertForSequenceClassification.from_pretrained(CLASSIFIER, output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [] and ours.config.num_labels == 3
    live = tf_read(CLASSIFIER)
    assert torch.equal(ours.classifier.weight.detach(), live["output_weights"])  # (3, 20), as TF stores it
    for what, param, value in expected_pairs(ours, live):
        assert torch.equal(param.detach(), value), what


def test_run_squad_head_the_reference_maps_wrongly_or_crashes_minibert_loads():
    live = tf_read(SQUAD)
    ref, load = reference("BertForQuestionAnswering", SQUAD)
    with pytest.raises(AttributeError):
        load()  # cls/squad -> `classifier`, which a QA model does not have
    ref, load = reference("BertForSequenceClassification", SQUAD)
    load()  # "works": the SQuAD start/end weights become a 2-label sentence classifier
    assert torch.equal(ref.classifier.weight.detach(), live["cls/squad/output_weights"])
    ours, info = minibert.BertForQuestionAnswering.from_pretrained(SQUAD, output_loading_info=True)
    assert torch.equal(ours.qa_outputs.weight.detach(), live["cls/squad/output_weights"])
    assert torch.equal(ours.qa_outputs.bias.detach(), live["cls/squad/output_bias"])
    assert info["missing_keys"] == []
    _, info = minibert.BertForSequenceClassification.from_pretrained(SQUAD, output_loading_info=True)
    assert "classifier.weight" in info["missing_keys"] and "qa_outputs.weight" in info["unexpected_keys"]
