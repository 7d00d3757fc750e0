"""What every pipeline shares: load a checkpoint, put it on a device, run padded batches without gradients.

A pipeline is three steps, the same for every task::

    text ──tokenizer──► ids (one row per text) ──model, in padded batches──► logits ──postprocess──► dicts

Only the first and last steps differ between tasks, so this module holds the middle one (``run_rows``) and
the loading, with the checks that turn a wrong checkpoint into a clear error instead of random predictions.
"""

from __future__ import annotations

import logging
import os
import re

import torch

from minibert.pipelines.inputs import PipelineError, check_text, shown
from minibert.tokenization import BertTokenizer

__all__ = ["Pipeline", "PipelineError", "as_batch", "load_model", "resolve_device"]
logger = logging.getLogger("minibert.pipelines")  # the command line prints its warnings as "note:" lines


def resolve_device(device) -> torch.device:
    """``None``/``-1``/``"cpu"`` -> cpu; ``0`` -> cuda:0; ``"cuda"``, ``"cuda:1"``, ``torch.device`` as given."""
    if device is None:
        return torch.device("cpu")
    try:
        if isinstance(device, int):
            resolved = torch.device("cpu") if device < 0 else torch.device("cuda", device)
        else:
            resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise PipelineError(f"device {device!r} is not a device: use 'cpu', 'cuda', 'cuda:1' or an index") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise PipelineError(f"device {device!r} was asked for but this machine has no CUDA GPU; use --device cpu")
    return resolved


def load_model(model_class, source, task: str, head_prefix: str | None, head_name: str, **kwargs):
    """``model_class.from_pretrained(source)``, refusing a checkpoint that lacks the task's head.

    ``from_pretrained`` initialises missing weights randomly (right for fine-tuning, wrong for prediction):
    a pipeline whose head weights (``head_prefix*``) were not in the checkpoint would print confident
    nonsense, so that is an error here, naming what is missing.
    """
    quiet = logging.getLogger("minibert")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the missing-keys warning is replaced by the error below
    try:
        model, info = model_class.from_pretrained(source, output_loading_info=True, **kwargs)
    finally:
        quiet.setLevel(level)
    missing = [key for key in info["missing_keys"] if head_prefix and key.startswith(head_prefix)]
    if missing:
        raise PipelineError(
            f"the checkpoint {str(source)!r} has no {head_name} weights ({', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}), so it cannot do {task}: use a checkpoint trained for "
            f"{task}, saved from {model_class.__name__}"
        )
    _refuse_unused_layers(model, info["unexpected_keys"], source)
    if info["missing_keys"]:
        logger.warning("weights not in the checkpoint %s were initialised randomly: %s", source, info["missing_keys"])
    return model


def _refuse_unused_layers(model, unexpected: list[str], source) -> None:
    """A checkpoint with more encoder layers than its config.json builds: refuse, as the outputs would change.

    ``from_pretrained`` only warns (the reference's behaviour, right for deliberately cutting a model), and a
    pipeline hides that warning with the others; but predicting with layers silently left out gives other
    numbers than the checkpoint's, so a pipeline loading from a path says so and stops.
    """
    layers = sorted({int(m.group(1)) for key in unexpected if (m := re.search(r"encoder\.layer\.(\d+)\.", key))})
    if layers:
        n = model.config.num_hidden_layers
        raise PipelineError(
            f"the weights in {str(source)!r} hold {layers[-1] + 1} encoder layers but its config.json says "
            f"num_hidden_layers={n}: layer(s) {', '.join(map(str, layers))} would be skipped and the predictions "
            f"would change; set num_hidden_layers to {layers[-1] + 1} in config.json (or build the shortened model "
            "yourself and pass it to the pipeline)")


class Pipeline:
    """Base class: a model (in eval mode, on ``device``) and its tokenizer.

    Args:
        model: a checkpoint folder, weights file or Hub repo id; or an already built minibert model.
        tokenizer: a ``BertTokenizer``; by default loaded from the same place as the model.
        device: ``None``/``"cpu"``, ``"cuda"``, ``"cuda:1"``, a ``torch.device`` or a GPU index.
        batch_size (int): rows per forward pass. 1 (the default, as in the reference) runs each text alone;
            larger batches are faster and cost no accuracy: texts are sorted by length before batching and run
            unpadded (``run_rows``), so results equal batch_size=1 within float rounding (tests/helpers/_numerics.py).
    """

    task = ""
    model_class = None  # the head class loaded by from_pretrained
    head_prefix: str | None = None  # parameter names of the head that must come from the checkpoint
    head_name = ""
    # The settings a message tells the user to change, as the user spells them: the command line replaces
    # these with its flags (minibert/cli/common.py), so a refusal never names an option the user cannot pass.
    option_names = {"truncation": "truncation=True", "stride": "stride", "doc_stride": "doc_stride",
                    "max_seq_len": "max_seq_len", "top_k": "top_k"}

    def __init__(self, model, tokenizer=None, device=None, batch_size: int = 1, **load_kwargs):
        self.device = resolve_device(device)
        if batch_size < 1:
            raise PipelineError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        if isinstance(model, (str, os.PathLike)):
            self.source = model
            model = load_model(self.model_class, model, self.task, self.head_prefix, self.head_name, **load_kwargs)
            if tokenizer is None:
                tokenizer = BertTokenizer.from_pretrained(self.source, **_hub_options(load_kwargs))
        elif tokenizer is None:
            raise PipelineError("a model object needs its tokenizer: pass tokenizer=BertTokenizer.from_pretrained(...)")
        else:
            self.source = None
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.config = model.config
        # The longest input the model can take: the tokenizer's limit, or the position table's size.
        self.max_length = min(tokenizer.model_max_length, self.config.max_position_embeddings)

    # -- text -> rows of ids ----------------------------------------------------------------------------
    def encode(self, text, pair=None, truncation=False, max_length: int | None = None, **options) -> dict:
        """One text (or pair) -> a dict of lists (``input_ids``, ``token_type_ids``, ...).

        ``truncation``, ``max_length`` and any other ``options`` are the tokenizer's own arguments (the
        reference's ``tokenizer_kwargs``); truncation without a ``max_length`` cuts to what the model accepts.
        An input longer than the model accepts is an error naming both lengths (the position-embedding
        lookup would otherwise fail deep inside the model).
        """
        check_text(text, f"{self.task} text")
        if pair is not None:
            check_text(pair, f"{self.task} text pair")
        if max_length is None and truncation:
            max_length = self.max_length
        try:
            row = dict(self.tokenizer(text, pair, truncation=truncation or None, max_length=max_length,
                                      verbose=False, **options))
        except TypeError as err:  # an argument the tokenizer does not take: say so in the pipeline's words
            raise PipelineError(f"{self.task}: {err}") from err
        if len(row["input_ids"]) > self.max_length:
            raise PipelineError(f"the input has {len(row['input_ids'])} tokens but the model accepts at most "
                                f"{self.max_length}; shorten it or pass {self.option_names['truncation']}")
        if truncation and len(row["input_ids"]) >= max_length:  # perhaps cut: say so, never silently
            full = len(self.tokenizer(text, pair, verbose=False)["input_ids"])
            if full > len(row["input_ids"]):
                logger.warning("the text %s has %d tokens, more than the %d the model reads: only its first %d "
                               "were used (truncation)", shown(text), full, max_length, len(row["input_ids"]))
        return row

    # -- rows -> model outputs ----------------------------------------------------------------------------
    @torch.inference_mode()  # no autograd graph: less memory, faster, and outputs can't leak gradients
    def batches(self, rows: list[dict]):
        """Run rows of ids through the model; yield ``(row indices, output, attention mask (B, T))`` per batch.

        Rows are sorted by length before they are cut into batches of ``batch_size``, so batch-mates have
        similar lengths and little padding, and the model runs unpadded (``config.unpad_inputs``,
        minibert/bert/unpadding.py): the padding that is left costs no arithmetic outside attention. Pipelines only
        ever read real positions, where unpadding changes nothing; ``indices`` say which rows a batch holds.
        """
        names = ("input_ids", "token_type_ids", "attention_mask")
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))  # stable: ties keep input order
        config, before = self.model.config, self.model.config.unpad_inputs
        config.unpad_inputs = True
        try:
            for first in range(0, len(order), self.batch_size):
                indices = order[first:first + self.batch_size]
                batch = self.tokenizer.pad([{k: rows[i][k] for k in names if k in rows[i]} for i in indices],
                                           return_tensors="pt")
                inputs = {k: v.to(self.device) for k, v in batch.items()}  # each (B, T)
                yield indices, self.model(**inputs, return_dict=True), inputs.get("attention_mask")
        finally:
            config.unpad_inputs = before

    def run_rows(self, rows: list[dict], outputs: tuple[str, ...] = ("logits",),
                 per_token: bool = True) -> list[dict[str, torch.Tensor]]:
        """Run rows of ids through the model in batches; return, per row and in input order, the named outputs.

        Each returned dict maps a name in ``outputs`` to a float32 CPU tensor without the batch axis; with
        ``per_token`` the padding positions are cut off too, e.g. logits (T_i, V) for row i, else e.g. (L,).
        Batching does not change a row's numbers beyond float rounding: padded keys get zero attention weight
        (minibert/bert/masks.py), and the real rows are the same rows however many others share their batch.
        """
        results: list = [None] * len(rows)
        for indices, out, _ in self.batches(rows):
            for b, i in enumerate(indices):
                n = len(rows[i]["input_ids"])
                results[i] = {name: (out[name][b, :n] if per_token else out[name][b]).float().cpu()
                              for name in outputs}
        return results


def _hub_options(kwargs: dict) -> dict:
    """The ``from_pretrained`` options that also apply to the tokenizer files."""
    return {k: kwargs[k] for k in ("revision", "cache_dir", "local_files_only") if k in kwargs}


def as_batch(inputs, what: str = "texts") -> tuple[list, bool]:
    """``"a"`` -> (["a"], False); ``["a", "b"]`` -> (["a", "b"], True). An empty list is an error."""
    if isinstance(inputs, (list, tuple)):
        if not inputs:
            raise PipelineError(f"got an empty list of {what}")
        return list(inputs), True
    return [inputs], False
