"""The public classes subclass the core's (minibert/compat/config.py, minibert/compat/model.py) and behave as one.

``from minibert import BertConfig, BertModel`` are the public classes; the core's (minibert/bert/) are what they
build on. A core config is accepted where a public one is, configs compare and pickle across the two, and the
core model computes what the public model computes.
"""

from __future__ import annotations

import logging
import pickle

import pytest
import torch

import minibert
from minibert.bert import config as core_config
from minibert.bert import model as core_model
from minibert.bert.attention import attention
from minibert.compat import config as public_config
from minibert.compat import model as public_model

SIZES = dict(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=20)


def test_public_names_are_the_public_classes():
    assert minibert.BertConfig is public_config.BertConfig
    assert minibert.BertModel is public_model.BertModel
    assert issubclass(minibert.BertConfig, core_config.BertConfig)
    assert issubclass(minibert.BertModel, core_model.BertModel)
    assert issubclass(minibert.BertModel, minibert.BertPreTrainedModel)
    assert minibert.BertConfig.__name__ == "BertConfig" and minibert.BertModel.__name__ == "BertModel"
    assert not hasattr(core_config.BertConfig, "from_pretrained") and not hasattr(core_model.BertModel,
                                                                                   "from_pretrained")
    head = minibert.BertForMaskedLM(minibert.BertConfig(**SIZES))
    assert type(head.bert) is minibert.BertModel


def test_configs_compare_pickle_and_keep_their_model_type():
    core, public = core_config.BertConfig(**SIZES), minibert.BertConfig(**SIZES)
    assert core == public and public == core
    assert core.model_type == public.model_type == "bert"
    again = pickle.loads(pickle.dumps(public))
    assert type(again) is minibert.BertConfig and again == public
    assert type(pickle.loads(pickle.dumps(core))) is core_config.BertConfig
    assert type(minibert.BertConfig.from_dict(core.to_dict())) is minibert.BertConfig


def test_a_core_config_is_accepted_by_public_models_and_saved(tmp_path):
    config = core_config.BertConfig(**SIZES)
    model = minibert.BertModel(config)
    assert model.config is config and isinstance(config, minibert.BertConfig)  # the same object, now public
    model.save_pretrained(tmp_path)
    assert minibert.BertModel.from_pretrained(tmp_path).config == config
    assert isinstance(minibert.AutoModel.from_config(core_config.BertConfig(**SIZES)), minibert.BertModel)
    with pytest.raises(TypeError, match="needs a BertConfig"):
        minibert.BertModel({"hidden_size": 16})


def test_the_core_model_computes_what_the_public_model_computes():
    config = minibert.BertConfig(**SIZES)
    torch.manual_seed(0)
    public = minibert.BertModel(config).eval()
    torch.manual_seed(0)
    core = core_model.BertModel(core_config.BertConfig(**SIZES)).eval()
    assert public.state_dict().keys() == core.state_dict().keys()
    for name, tensor in core.state_dict().items():
        assert torch.equal(tensor, public.state_dict()[name]), name  # the same initialisation, draw for draw
    ids, mask = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]]), torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    a, b = public(ids, attention_mask=mask), core(ids, attention_mask=mask)
    assert torch.equal(a.last_hidden_state, b.last_hidden_state) and torch.equal(a.pooler_output, b.pooler_output)
    legacy = public(ids, attention_mask=mask, return_dict=False)
    assert isinstance(legacy, tuple) and torch.equal(legacy[0], a.last_hidden_state)


def test_padding_warning_once_per_model(caplog):
    config = minibert.BertConfig(**SIZES)
    ids = torch.tensor([[5, 6, 0]])
    first, second = minibert.BertModel(config), minibert.BertModel(config)
    with caplog.at_level(logging.WARNING, logger="minibert"):
        for model in (first, first, second):
            model(ids)
    assert sum("strongly recommend passing in an `attention_mask`" in r.getMessage() for r in caplog.records) == 2


def test_attention_function_is_the_eager_path():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 4, 8), torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 8)
    mask = torch.zeros(2, 1, 1, 5)
    mask[0, ..., 3:] = torch.finfo(torch.float32).min
    context, probs = attention(q, k, v, mask)
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.allclose(context, expected, atol=1e-6)
    assert probs.shape == (2, 3, 4, 5) and torch.allclose(probs.sum(-1), torch.ones(2, 3, 4))
    assert float(probs[0, ..., 3:].abs().max()) == 0.0


def test_relative_positions_keep_their_checkpoint_key():
    model = minibert.BertModel(minibert.BertConfig(**SIZES, position_embedding_type="relative_key_query"))
    keys = [k for k in model.state_dict() if "distance_embedding" in k]
    assert keys == [f"encoder.layer.{i}.attention.self.distance_embedding.weight" for i in range(2)]
