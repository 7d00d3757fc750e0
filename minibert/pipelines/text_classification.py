"""``text-classification``: one label per text (or per text pair), with a probability.

    "what a lovely film"  ─BertForSequenceClassification─►  logits (L,)  ─softmax or sigmoid─►
    [{"label": "POSITIVE", "score": 0.98}]

Which function turns logits into scores follows what the head was trained with (``config.problem_type``):
softmax for single-label classification (the labels compete), a sigmoid per label for multi-label (each
label is its own yes/no) or for a single output, and nothing for regression (the logit *is* the answer).
"""

from __future__ import annotations

import warnings

import torch

from minibert.heads.sequence_classification import BertForSequenceClassification
from minibert.pipelines.base import Pipeline, PipelineError, as_batch
from minibert.pipelines.inputs import check_top_k

FUNCTIONS = ("softmax", "sigmoid", "none")
_UNSET = object()  # top_k not given: the reference's older, flatter output shape
_ALL_IN_LABEL_ORDER = object()  # the deprecated return_all_scores=True: every label, unsorted


class TextClassificationPipeline(Pipeline):
    """``pipe("text")`` -> ``[{"label", "score"}]`` (best label); ``top_k=None`` -> every label, best first.

    Inputs: a str, a ``{"text": ..., "text_pair": ...}`` dict, or a list of either (a pair given as a list,
    ``[[text, pair]]``, is an error, as in the reference). Other keyword arguments (``truncation``,
    ``max_length``, ``padding``, ...) go to the tokenizer. ``return_all_scores`` is the reference's deprecated
    spelling of ``top_k``: it warns, and ``True`` gives every label in label order.
    """

    task = "text-classification"
    model_class = BertForSequenceClassification
    head_prefix = "classifier"
    head_name = "classifier"

    def __call__(self, inputs, top_k=_UNSET, function_to_apply: str | None = None, return_all_scores=None,
                 **tokenizer_kwargs):
        if top_k is _UNSET and return_all_scores is not None:
            warnings.warn("return_all_scores is deprecated (as in transformers): use top_k=None for every label, "
                          "top_k=1 for the best one", UserWarning, stacklevel=2)
            if return_all_scores:
                top_k = _ALL_IN_LABEL_ORDER
        if top_k not in (_UNSET, _ALL_IN_LABEL_ORDER, None):
            check_top_k(top_k, self.option_names["top_k"])  # a negative top_k would cut labels off the end
        items, batched = ([inputs], False) if isinstance(inputs, dict) else as_batch(inputs)
        function = self.default_function() if function_to_apply is None else str(function_to_apply).lower()
        if function not in FUNCTIONS:
            raise PipelineError(f"function_to_apply must be one of {FUNCTIONS}, got {function_to_apply!r}")
        rows = [self.encode(*self.text_and_pair(item), **tokenizer_kwargs) for item in items]
        results = [self.postprocess(out["logits"], function, top_k)
                   for out in self.run_rows(rows, ("logits",), per_token=False)]
        if batched or (isinstance(inputs, str) and top_k in (_UNSET, _ALL_IN_LABEL_ORDER)):
            return results  # the reference wraps a lone text's best label in a list, but not a lone pair's
        return results[0]

    @staticmethod
    def text_and_pair(item) -> tuple[str, str | None]:
        if isinstance(item, (list, tuple)):
            raise PipelineError("a text pair is given as {'text': ..., 'text_pair': ...}, not as a list: got "
                                f"{item!r:.80}")
        if isinstance(item, dict):
            if "text" not in item or set(item) - {"text", "text_pair"}:
                raise PipelineError(f"a text pair is a dict with keys 'text' and 'text_pair', got keys {sorted(item)}")
            return item["text"], item.get("text_pair")
        return item, None

    def default_function(self) -> str:
        """The reference's rule: regression -> none; multi-label or one label -> sigmoid; else softmax."""
        problem = self.config.problem_type
        if problem == "regression":
            return "none"
        if problem == "multi_label_classification" or self.config.num_labels == 1:
            return "sigmoid"
        return "softmax"

    def postprocess(self, logits: torch.Tensor, function: str, top_k):
        """logits (L,) -> the best ``{"label", "score"}`` (top_k unset) or a sorted list of ``top_k`` of them."""
        if function == "softmax":
            scores = logits.softmax(dim=-1)
        elif function == "sigmoid":
            scores = logits.sigmoid()
        else:
            scores = logits
        labels = [{"label": self.config.id2label[i], "score": s} for i, s in enumerate(scores.tolist())]
        if top_k is _UNSET:
            return labels[int(scores.argmax())]
        if top_k is _ALL_IN_LABEL_ORDER:
            return labels
        labels.sort(key=lambda entry: entry["score"], reverse=True)  # stable: ties keep label order
        return labels if top_k is None else labels[:top_k]
