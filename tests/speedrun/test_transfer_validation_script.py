"""scripts/transfer_validation.py: the layer-wise rate decay reaches the Trainer's optimizer with each parameter
once, at the rate of its depth; the ``recipe`` head is the speedrun's own classifier."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from unittest import mock

import pytest
import torch

from minibert import BertConfig
from minibert.speedrun.classifier import MeanPooledClassifier
from minibert.training import trainer
from minibert.training.trainer import Trainer, TrainingArguments

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "transfer_validation.py"
TINY = dict(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
            max_position_embeddings=32, num_labels=3)


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("transfer_validation", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_layer_decay_gives_each_depth_its_rate_in_the_trainers_optimizer(script, tmp_path):
    assert script.HEADS["recipe"] is MeanPooledClassifier
    torch.manual_seed(0)
    model = MeanPooledClassifier(BertConfig(**TINY))
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=10, batch_size=2, lr=1e-3, progress=False)
    with mock.patch.object(trainer, "create_optimizer", script._layer_decayed(0.5)):
        opt = Trainer(model, args, [], None).optimizer
    seen = {}
    for group in opt.param_groups:
        for p in group["params"]:
            assert id(p) not in seen  # each parameter in one group only
            seen[id(p)] = (group["initial_lr"], group["weight_decay"])
    expected = {"classifier": 1e-3, "bert.encoder.layer.1.": 1e-3, "bert.encoder.layer.0.": 5e-4,
                "bert.embeddings.": 2.5e-4}
    for name, p in model.named_parameters():
        lr = next(v for k, v in expected.items() if name.startswith(k))
        decay = 0.0 if name.endswith("bias") or "LayerNorm" in name else 0.01
        assert seen.pop(id(p)) == pytest.approx((lr, decay)), name
    assert not seen
