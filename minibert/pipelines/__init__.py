"""One-line use of a trained BERT: ``minibert.pipeline(task, model=PATH_OR_REPO_ID)``.

    >>> from minibert import pipeline
    >>> unmask = pipeline("fill-mask", model="checkpoints/tiny-bert")
    >>> unmask("paris is the [MASK] of france.")[0].keys()
    dict_keys(['score', 'token', 'token_str', 'sequence'])

Read ``base.py`` first (loading, devices, batches), then one module per task: ``fill_mask``, ``features``
(+ ``pooling``), ``text_classification``, ``token_classification`` (+ ``words``), ``question_answering``
(+ ``windows``). Outputs have the reference pipelines' shapes and keys.
"""

from __future__ import annotations

import importlib

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


def pipeline(task: str, model=None, tokenizer=None, device=None, batch_size: int = 1, **kwargs) -> Pipeline:
    """Build the pipeline for ``task`` on ``model`` (a checkpoint folder, weights file or Hub repo id).

    ``kwargs`` go to ``from_pretrained`` (``revision``, ``cache_dir``, ``local_files_only``, ``torch_dtype``,
    ``attn_implementation``). Tasks: the keys of ``TASKS`` and ``ALIASES``.
    """
    name = ALIASES.get(task, task)
    if name not in TASKS:
        raise PipelineError(f"unknown task {task!r}; minibert has {', '.join(sorted(TASKS) + sorted(ALIASES))}")
    if model is None:
        raise PipelineError(f"pipeline({task!r}) needs model=: a checkpoint folder or Hub repo id")
    module, cls = TASKS[name]
    return getattr(importlib.import_module(module), cls)(model, tokenizer=tokenizer, device=device,
                                                         batch_size=batch_size, **kwargs)


__all__ = ["ALIASES", "TASKS", "Pipeline", "PipelineError", "pipeline"]
