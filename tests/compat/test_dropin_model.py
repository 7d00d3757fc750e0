"""Model behaviour as the reference's: resizing the vocabulary (mean-based new rows, ``pad_to_multiple_of``),
pruning with negative layer indices, the warning for padded input without an attention mask, and where a head
size that does not divide the hidden size is refused. Each call is made on both libraries.
"""

from __future__ import annotations

import pytest
import torch
import transformers
from _dropin import TINY, logged, max_diff, pair

import minibert

RESIZES = [dict(new_num_tokens=120), dict(new_num_tokens=120, mean_resizing=False),
           dict(new_num_tokens=101, pad_to_multiple_of=8), dict(pad_to_multiple_of=64), dict(new_num_tokens=60)]


@pytest.mark.parametrize("kwargs", RESIZES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
@pytest.mark.parametrize("name, tied", [("BertModel", True), ("BertForMaskedLM", True), ("BertForMaskedLM", False),
                                        ("BertForPreTraining", True)])
def test_resize_token_embeddings_draws_the_same_rows(name, tied, kwargs):
    """Same seed, same call: the same new matrix (the new rows are random draws, in the reference's order)."""
    ours, theirs = pair(name, tie_word_embeddings=tied)
    old = ours.get_input_embeddings().weight.detach().clone()
    torch.manual_seed(5)
    a = theirs.resize_token_embeddings(**kwargs)
    torch.manual_seed(5)
    b = ours.resize_token_embeddings(**kwargs)
    assert a.weight.shape == b.weight.shape and ours.config.vocab_size == theirs.config.vocab_size == a.weight.shape[0]
    assert torch.equal(a.weight, b.weight)
    assert b is ours.get_input_embeddings() and b.padding_idx == a.padding_idx
    n = min(len(old), len(b.weight))
    assert torch.equal(b.weight[:n], old[:n])  # old rows kept
    if name != "BertModel":
        head, reference = ours.cls.predictions, theirs.cls.predictions
        assert torch.equal(head.decoder.weight, reference.decoder.weight)
        assert torch.equal(head.bias, reference.bias) and head.decoder.bias is head.bias
        assert (head.decoder.weight is b.weight) == tied
    ids = torch.tensor([[2, 5, len(b.weight) - 1, 7]])
    with torch.no_grad():
        assert max_diff(ours(input_ids=ids)[0], theirs(input_ids=ids)[0]) <= 1e-5


MODEL_CLASSES = ["BertModel", "BertForMaskedLM", "BertForMultipleChoice", "BertForNextSentencePrediction",
                 "BertForPreTraining", "BertForQuestionAnswering", "BertForSequenceClassification",
                 "BertForTokenClassification", "BertLMHeadModel"]


@pytest.mark.parametrize("name", MODEL_CLASSES)
def test_vocab_size_is_the_rows_of_the_input_embeddings_after_a_resize(name):
    """``model.vocab_size`` read after ``resize_token_embeddings``, as code written for the reference reads it."""
    ours, theirs = pair(name, is_decoder=name == "BertLMHeadModel")
    assert ours.vocab_size == 99  # the reference sets the attribute only when resizing; here it is there from the start
    for kwargs in RESIZES:
        for model in (ours, theirs):
            model.resize_token_embeddings(**{**kwargs, "mean_resizing": False})
        rows = theirs.get_input_embeddings().weight.shape[0]
        assert ours.vocab_size == theirs.vocab_size == rows == ours.get_input_embeddings().num_embeddings, kwargs
    for model in (ours, theirs):  # an assigned value is kept (a plain attribute there), until the next resize
        model.vocab_size = 7
    assert ours.vocab_size == theirs.vocab_size == 7
    for model in (ours, theirs):
        model.resize_token_embeddings(130, mean_resizing=False)
    assert ours.vocab_size == theirs.vocab_size == 130


def test_mean_resizing_puts_new_rows_at_the_old_mean():
    ours, _ = pair()
    old = ours.get_input_embeddings().weight.detach().clone()
    with logged("minibert") as log:
        new = ours.resize_token_embeddings(110).weight.detach()
        ours.resize_token_embeddings(130)  # the explanation is logged once per model
    assert log.text().count("mean_resizing=False") == 1
    mean = old.mean(dim=0)
    assert float((new[99:] - mean).abs().max()) < 1e-3  # the covariance is scaled by 1e-9: a tiny spread
    assert float((new[99:] - mean).abs().max()) > 0  # drawn, not copied
    fresh, _ = pair()
    drawn = fresh.resize_token_embeddings(110, mean_resizing=False).weight.detach()[99:]
    assert float(drawn.std()) == pytest.approx(0.02, rel=0.2)  # N(0, initializer_range)


def test_resize_without_a_size_is_a_no_op_and_bad_sizes_are_refused():
    ours, theirs = pair()
    before = ours.get_input_embeddings()
    assert ours.resize_token_embeddings() is before and ours.resize_token_embeddings(99) is before
    with pytest.raises(ValueError, match="pad_to_multiple_of must be a positive integer"):
        ours.resize_token_embeddings(120, pad_to_multiple_of=8.0)
    with pytest.raises(ValueError):
        theirs.resize_token_embeddings(120, pad_to_multiple_of=8.0)
    with pytest.raises(ValueError, match="new_num_tokens must be a positive integer"):
        ours.resize_token_embeddings(0)


def test_prune_heads_with_a_negative_layer_counts_from_the_end():
    ours, theirs = pair(num_hidden_layers=3)
    ours.prune_heads({-1: [0], -3: [1, 2]})
    theirs.prune_heads({-1: [0], -3: [1, 2]})
    for layer in range(3):
        assert ours.encoder.layer[layer].attention.self.num_attention_heads == \
            theirs.encoder.layer[layer].attention.self.num_attention_heads, layer
    ids = torch.tensor([[2, 5, 9, 7]])
    with torch.no_grad():
        assert max_diff(ours(input_ids=ids)[0], theirs(input_ids=ids)[0]) <= 1e-5
    # The reference records the key -1 as given (so a later {2: [...]} makes a second entry for the same layer);
    # minibert records the layer's number.
    assert theirs.config.pruned_heads == {-1: [0], -3: [1, 2]}
    assert ours.config.pruned_heads == {2: [0], 0: [1, 2]}
    with pytest.raises(ValueError, match="or -3..-1 from the end"):
        ours.prune_heads({-4: [0]})


def test_padding_without_attention_mask_warns_once_per_model():
    ours, theirs = pair("BertForSequenceClassification")
    padded = torch.tensor([[2, 5, 9, 0, 0]])
    messages = {}
    for lib, model in (("minibert", ours), ("transformers", theirs)):
        with logged(lib) as log, torch.no_grad():
            model(input_ids=padded)
            model(input_ids=padded)
            model(input_ids=padded, attention_mask=torch.tensor([[1, 1, 1, 0, 0]]))
        messages[lib] = [m for m in log.messages if "We strongly recommend passing in an `attention_mask`" in m]
    assert len(messages["minibert"]) == len(messages["transformers"]) == 1
    again, _ = pair()  # a new model warns again
    with logged("minibert") as log, torch.no_grad():
        again(input_ids=padded)
        again(input_ids=torch.tensor([[2, 5, 9, 4]]))
    assert len(log.messages) == 1
    with logged("minibert") as log, torch.no_grad():
        pair()[0](input_ids=torch.tensor([[2, 5, 9, 4]]))  # no pad id in the first or last column: silent
    assert log.messages == []


def test_head_size_is_refused_when_the_model_is_built():
    from transformers.models.bert import modeling_bert

    for lib, attention in ((minibert, minibert.BertSelfAttention), (transformers, modeling_bert.BertSelfAttention)):
        config = lib.BertConfig(hidden_size=37, num_attention_heads=12)  # accepted: only a model needs the split
        with pytest.raises(ValueError, match="37.*multiple of.*12|multiple of.*37.*12"):
            lib.BertModel(config)
        with pytest.raises(ValueError, match="37.*multiple of.*12|multiple of.*37.*12"):
            attention(config)  # the module on its own, where the reference checks
    config = minibert.BertConfig(**{**TINY, "hidden_size": 30})
    with pytest.raises(ValueError, match=r"hidden_size \(30\) must be a multiple of num_attention_heads \(4\)"):
        minibert.BertForMaskedLM(config)
