"""One-line use of a trained BERT: ``minibert.pipeline(task, model=PATH_OR_REPO_ID)``.

    >>> from minibert import pipeline
    >>> unmask = pipeline("fill-mask", model="checkpoints/tiny-bert")
    >>> unmask("paris is the [MASK] of france.")[0].keys()
    dict_keys(['score', 'token', 'token_str', 'sequence'])

Read ``base.py`` first (loading, devices, batches), then one module per task: ``fill_mask``, ``features``
(+ ``pooling``), ``text_classification``, ``token_classification`` (+ ``words``), ``question_answering``
(+ ``minibert/tokenization/windows.py``). Outputs have the reference pipelines' shapes and keys.
"""

from __future__ import annotations

import importlib
import os

from minibert.pipelines.base import Pipeline, PipelineError

# task name -> (module, class). Aliases are the reference's other names for the same task.
TASKS = {
    "fill-mask": ("minibert.pipelines.fill_mask", "FillMaskPipeline"),
    "feature-extraction": ("minibert.pipelines.features", "FeatureExtractionPipeline"),
    "sentence-similarity": ("minibert.pipelines.features", "SentenceSimilarityPipeline"),
    "text-classification": ("minibert.pipelines.text_classification", "TextClassificationPipeline"),
    "token-classification": ("minibert.pipelines.token_classification", "TokenClassificationPipeline"),
    "question-answering": ("minibert.pipelines.question_answering", "QuestionAnsweringPipeline"),
}
ALIASES = {"sentiment-analysis": "text-classification", "ner": "token-classification"}
# Tasks a pre-trained BERT serves without fine-tuning: without model=, they use minibert.defaults' rule.
DEFAULT_MODEL_TASKS = ("fill-mask", "feature-extraction", "sentence-similarity")


def pipeline(task: str, model=None, tokenizer=None, device=None, batch_size: int = 1, **kwargs) -> Pipeline:
    """Build the pipeline for ``task`` on ``model`` (a checkpoint folder, weights file or Hub repo id).

    Without ``model``, the tasks of ``DEFAULT_MODEL_TASKS`` use the default model (``minibert.defaults``:
    MINIBERT_MODEL, else bert-base-uncased from the Hub or its cache, else the project's own checkpoint), as
    the reference's ``pipeline(task)`` picks a default model.

    ``kwargs`` go to ``from_pretrained`` (``revision``, ``cache_dir``, ``local_files_only``, ``torch_dtype``,
    ``attn_implementation``). Tasks: the keys of ``TASKS`` and ``ALIASES``.
    """
    name = ALIASES.get(task, task)
    if name not in TASKS:
        raise PipelineError(f"unknown task {task!r}; minibert has {', '.join(sorted(TASKS) + sorted(ALIASES))}")
    if model is None and name not in DEFAULT_MODEL_TASKS:
        raise PipelineError(f"pipeline({task!r}) needs model=: a checkpoint fine-tuned for {name} (a folder or "
                            "Hub repo id); the default pre-trained model has no trained head for it")
    from minibert.defaults import is_trained, resolve_model

    # The default rule (minibert/defaults.py) prints which model it chose; a model given explicitly is named
    # only when its weights are random, so that the meaningless answers are never mistaken for predictions.
    if model is None or isinstance(model, (str, os.PathLike)):  # not a model object built by the caller
        model = resolve_model(model, verbose=model is None or not is_trained(model)).name_or_path
    module, cls = TASKS[name]
    return getattr(importlib.import_module(module), cls)(model, tokenizer=tokenizer, device=device,
                                                         batch_size=batch_size, **kwargs)


__all__ = ["ALIASES", "DEFAULT_MODEL_TASKS", "TASKS", "Pipeline", "PipelineError", "pipeline"]
