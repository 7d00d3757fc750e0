"""Every task head computes what `transformers` 4.57.6 computes on the same weights: logits, losses (plain
labels, -100 ignored labels, the three sequence-classification problem types, QA positions out of range),
hidden states and attentions, tuple outputs, and the gradient of the loss w.r.t. every parameter.

Models run in train mode with every dropout probability 0 in the config, so both are deterministic and the
dropout modules are on the path the gradients take. Weights are copied both through ``state_dict`` and
through ``save_pretrained`` (reference) → ``from_pretrained`` (minibert).
"""

from __future__ import annotations

import pytest
import torch
from _heads_pair import (
    HEAD_NAMES,
    assert_close,
    assert_outputs_close,
    copy_to_minibert,
    grads,
    random_inputs,
    reference_head,
)

import minibert

B, T, V, CHOICES = 3, 9, 99, 4


def _labels(seed: int, shape, high: int, ignore_fraction: float = 0.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, high, shape, generator=g)
    if ignore_fraction:
        labels[torch.rand(shape, generator=g) < ignore_fraction] = -100
        labels.view(-1)[0] = 1  # at least one position counts, or the mean over none is nan
    return labels


# id: (head, config overrides, label kwargs). Labels are built once, so both models see the same tensors.
CASES = {
    "pretraining-no-labels": ("BertForPreTraining", {}, {}),
    "pretraining-mlm-only": ("BertForPreTraining", {}, {"labels": _labels(3, (B, T), V)}),  # no loss, as ref
    "pretraining-mlm+nsp": ("BertForPreTraining", {},
                            {"labels": _labels(3, (B, T), V, 0.85), "next_sentence_label": torch.tensor([0, 1, 1])}),
    "mlm-all-labels": ("BertForMaskedLM", {}, {"labels": _labels(4, (B, T), V)}),
    "mlm-ignore-100": ("BertForMaskedLM", {}, {"labels": _labels(4, (B, T), V, 0.85)}),
    "nsp": ("BertForNextSentencePrediction", {}, {"labels": torch.tensor([1, 0, 1])}),
    "seq-single-label": ("BertForSequenceClassification", {"num_labels": 3}, {"labels": torch.tensor([2, 0, 1])}),
    "seq-regression": ("BertForSequenceClassification", {"num_labels": 1},
                       {"labels": torch.tensor([0.5, -1.25, 2.0])}),
    "seq-multi-label": ("BertForSequenceClassification", {"num_labels": 3},
                        {"labels": torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 0.0]])}),
    "seq-regression-preset": ("BertForSequenceClassification", {"num_labels": 2, "problem_type": "regression"},
                              {"labels": torch.tensor([[0.5, 1.0], [-1.0, 0.0], [2.0, 0.25]])}),
    "seq-classifier-dropout": ("BertForSequenceClassification", {"num_labels": 3, "classifier_dropout": 0.0},
                               {"labels": torch.tensor([1, 1, 0])}),
    "multiple-choice": ("BertForMultipleChoice", {}, {"labels": torch.tensor([3, 0, 2])}),
    "token-ignore-100": ("BertForTokenClassification", {"num_labels": 5}, {"labels": _labels(5, (B, T), 5, 0.3)}),
    "qa-in-range": ("BertForQuestionAnswering", {},
                    {"start_positions": torch.tensor([1, 4, 0]), "end_positions": torch.tensor([3, 6, 0])}),
    # Beyond T and negative positions are clamped into [0, T]; T itself is ignored. (B, 1) shapes are squeezed.
    "qa-out-of-range": ("BertForQuestionAnswering", {},
                        {"start_positions": torch.tensor([[2], [50], [-3]]),
                         "end_positions": torch.tensor([[T], [5], [40]])}),
}


def _inputs(name: str) -> dict:
    return random_inputs(B, T, choices=CHOICES if name == "BertForMultipleChoice" else None)


def _check_parity(ours, theirs, name: str, labels: dict) -> None:
    inputs = _inputs(name)
    kwargs = {**inputs, **labels, "output_hidden_states": True, "output_attentions": True}
    out_ours, out_theirs = ours(**kwargs), theirs(**kwargs)
    assert_outputs_close(out_ours, out_theirs)
    assert ours.config.problem_type == theirs.config.problem_type  # inferred from the labels, stored in the config

    # Backward through the loss (or, without labels, a fixed random weighting of every logit).
    def objective(out):
        if out.get("loss") is not None:
            return out.loss
        g = torch.Generator().manual_seed(7)
        logits = [v for k, v in out.items() if k.endswith("logits")]
        return sum((t * torch.randn(t.shape, generator=g)).sum() for t in logits)

    objective(out_ours).backward()
    objective(out_theirs).backward()
    g_ours, g_theirs = grads(ours), grads(theirs)
    assert g_ours.keys() == g_theirs.keys(), set(g_ours) ^ set(g_theirs)
    assert len(g_ours) == len(dict(ours.named_parameters()))  # every parameter got a gradient
    for key in g_ours:
        assert_close(g_ours[key], g_theirs[key], f"grad of {key}")

    # return_dict=False: the same tuple as the reference, fields in the same order.
    with torch.no_grad():
        tuple_ours = ours(**kwargs, return_dict=False)
        tuple_theirs = theirs(**kwargs, return_dict=False)
    assert isinstance(tuple_ours, tuple) and len(tuple_ours) == len(tuple_theirs)
    assert_close(tuple_ours, tuple_theirs, "return_dict=False tuple")


@pytest.mark.parametrize("case", list(CASES))
def test_parity_state_dict_copy(case):
    name, overrides, labels = CASES[case]
    theirs = reference_head(name, **overrides)
    ours = copy_to_minibert(theirs, name, **overrides)
    _check_parity(ours, theirs, name, labels)


@pytest.mark.parametrize("case", ["pretraining-mlm+nsp", "mlm-ignore-100", "nsp", "seq-single-label", "seq-regression",
                                  "seq-multi-label", "multiple-choice", "token-ignore-100", "qa-out-of-range"])
def test_parity_through_reference_save_pretrained(case, tmp_path):
    name, overrides, labels = CASES[case]
    theirs = reference_head(name, **overrides)
    theirs.save_pretrained(tmp_path)
    ours, info = getattr(minibert, name).from_pretrained(tmp_path, attn_implementation="eager",
                                                         output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [], info
    _check_parity(ours.train(), theirs, name, labels)


@pytest.mark.reference_v4_only
@pytest.mark.parametrize("name", HEAD_NAMES)
def test_parity_with_head_mask_and_inputs_embeds(name):
    theirs = reference_head(name)
    ours = copy_to_minibert(theirs, name)
    inputs = _inputs(name)
    embeds = theirs.bert.embeddings.word_embeddings(inputs.pop("input_ids")).detach()
    head_mask = torch.tensor([[1.0, 0.0, 1.0, 1.0], [0.5, 1.0, 1.0, 0.0]])
    kwargs = {**inputs, "inputs_embeds": embeds, "head_mask": head_mask}
    assert_outputs_close(ours(**kwargs), theirs(**kwargs))


def test_problem_type_is_inferred_once_and_kept():
    """The first labels decide; later labels of another kind do not switch the loss (the reference's rule)."""
    theirs = reference_head("BertForSequenceClassification", num_labels=3)
    ours = copy_to_minibert(theirs, "BertForSequenceClassification", num_labels=3)
    inputs = _inputs("BertForSequenceClassification")
    assert ours.config.problem_type is None
    ours(**inputs, labels=torch.tensor([[1.0, 0.0, 1.0]] * B))
    assert ours.config.problem_type == "multi_label_classification"
    with pytest.raises(ValueError, match="multi_label_classification needs one target per logit"):
        ours(**inputs, labels=torch.tensor([0, 1, 2]))


def test_int32_labels_are_class_ids():
    """The reference infers single-label classification from int32 labels, then its loss rejects them; minibert
    infers the same and computes the int64 loss."""
    theirs = reference_head("BertForSequenceClassification", num_labels=3)
    ours = copy_to_minibert(theirs, "BertForSequenceClassification", num_labels=3)
    inputs, labels = _inputs("BertForSequenceClassification"), torch.tensor([2, 0, 1])
    out = ours(**inputs, labels=labels.int())
    assert ours.config.problem_type == "single_label_classification"
    assert_close(out.loss, theirs(**inputs, labels=labels).loss, "loss")
    with pytest.raises(RuntimeError, match="Int"):
        theirs(**inputs, labels=labels.int())


def test_next_sentence_label_keyword_is_the_old_name_of_labels():
    theirs = reference_head("BertForNextSentencePrediction")
    ours = copy_to_minibert(theirs, "BertForNextSentencePrediction")
    inputs, labels = _inputs("BertForNextSentencePrediction"), torch.tensor([0, 1, 0])
    with pytest.warns(FutureWarning, match="labels"):
        old = ours(**inputs, next_sentence_label=labels)
    assert_close(old.loss, ours(**inputs, labels=labels).loss, "loss")
    with pytest.warns(FutureWarning):
        assert_close(old.loss, theirs(**inputs, next_sentence_label=labels).loss, "loss vs reference")


@pytest.mark.parametrize("name, labels, message", [
    ("BertForMaskedLM", {"labels": torch.full((B, T), 99)}, r"labels contains 99, outside \[0, 99\)"),
    ("BertForMaskedLM", {"labels": torch.zeros(B, T - 1, dtype=torch.long)}, "need 27 labels"),
    ("BertForSequenceClassification", {"labels": torch.tensor([0, 2, 1])}, r"contains 2, outside \[0, 2\)"),
    ("BertForTokenClassification", {"labels": torch.full((B, T), -1)}, "contains -1"),
    ("BertForPreTraining", {"labels": torch.zeros(B, T, dtype=torch.long),
                            "next_sentence_label": torch.tensor([0, 2, 1])}, "next_sentence_label contains 2"),
    ("BertForMultipleChoice", {"labels": torch.tensor([0, 4, 1])}, "there are 4 choices"),
    ("BertForNextSentencePrediction", {"labels": torch.tensor([0.0, 1.0, 1.0])}, "integer class ids"),
    ("BertForQuestionAnswering", {"start_positions": torch.tensor([1, 2]), "end_positions": torch.tensor([1, 2, 3])},
     r"start_positions has shape \(2,\)"),
])
def test_bad_labels_are_named(name, labels, message):
    model = getattr(minibert, name)(minibert.BertConfig(**_tiny()))
    with pytest.raises((ValueError, TypeError), match=message):
        model(**_inputs(name), **labels)


def test_multiple_choice_needs_three_dimensional_inputs():
    model = minibert.BertForMultipleChoice(minibert.BertConfig(**_tiny()))
    with pytest.raises(ValueError, match=r"input_ids of shape \(batch, num_choices, seq\), got \(3, 9\)"):
        model(**random_inputs(B, T))


def test_question_answering_needs_two_labels():
    with pytest.raises(ValueError, match="num_labels == 2"):
        minibert.BertForQuestionAnswering(minibert.BertConfig(**_tiny(), num_labels=3))


def _tiny() -> dict:
    from _heads_pair import TINY

    return dict(TINY)
