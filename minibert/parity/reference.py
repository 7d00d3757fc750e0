"""The reference implementation: ``transformers`` when it is installed, and its outputs on the standard batch.

``reference_library`` is the only place minibert looks for ``transformers``, lazily (tests/project/test_isolation.py
checks that no other module imports it): the library, models, pipelines and training never load it. The rest
of this module runs it on a checkpoint: its outputs on the standard batch (REFERENCE_TEXTS) under the names of
``reference_outputs.safetensors`` (``reference_outputs_for``; ``lesson_reference`` for the notebooks, which
skip their comparison with a sentence when there is no reference), and the max |Δ| of the two libraries'
masked-LM logits (``masked_lm_max_abs_diff``, the parity row of speedrun's report card).
"""

from __future__ import annotations

import importlib
import logging
import os

import torch

from minibert.loading.reference_outputs import REFERENCE_FILE, load_stored_reference
from minibert.parity.table import capture


def reference_library():
    """``transformers`` if it is installed, else None. The only place minibert looks for it."""
    try:
        return importlib.import_module("transformers")
    except ImportError:
        return None


# The batch every checkpoint's stored outputs are computed on (scripts/make_reference_checkpoints.py): row 0 is
# the walkthrough's sentence, row 1 a pair, row 2 short, and a last row of padding only.
REFERENCE_TEXTS = ["The quick brown fox jumps over the lazy dog.", ("Where is the cat?", "It sleeps on the mat."),
                   "Hello world!"]


@torch.no_grad()
def reference_outputs_for(name_or_path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The reference's outputs on the standard batch, under the names of ``reference_outputs.safetensors``.

    Read from that file when the checkpoint folder has one; else computed now by ``transformers`` (eager
    attention, fp32) on the same weights and on the standard batch tokenized with the checkpoint's vocabulary.
    Keys: ``inputs.*`` (B, T), ``hidden_states.{i}``, ``attentions.{i}``, ``last_hidden_state``,
    ``pooler_output`` (when the checkpoint has a pooler) and ``modules.<name>``.
    """
    if os.path.isdir(name_or_path) and (stored := load_stored_reference(name_or_path)) is not None:
        return stored[0]
    lib = reference_library()
    if lib is None:
        raise FileNotFoundError(f"{name_or_path} has no {REFERENCE_FILE} and transformers is not installed to "
                                "compute the reference's outputs: install the dev extra")
    from minibert.tokenization import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(name_or_path)
    rows = [tokenizer(*t) if isinstance(t, tuple) else tokenizer(t) for t in REFERENCE_TEXTS]
    T = max(len(r["input_ids"]) for r in rows)
    batch = {k: torch.zeros(len(rows) + 1, T, dtype=torch.long) for k in ("input_ids", "attention_mask",
                                                                          "token_type_ids")}
    for b, r in enumerate(rows):
        for k in batch:
            batch[k][b, :len(r["input_ids"])] = torch.tensor(r[k])
    quiet = lib.logging.get_verbosity()
    lib.logging.set_verbosity_error()  # a checkpoint's unused task-head weights are expected here
    try:
        model = lib.BertModel.from_pretrained(name_or_path, attn_implementation="eager").eval()
    finally:
        lib.logging.set_verbosity(quiet)
    out = model(**batch, output_hidden_states=True, output_attentions=True)
    tensors = {f"inputs.{k}": v for k, v in batch.items()}
    tensors.update({f"hidden_states.{i}": h for i, h in enumerate(out.hidden_states)})
    tensors.update({f"attentions.{i}": a for i, a in enumerate(out.attentions)})
    tensors["last_hidden_state"] = out.last_hidden_state
    if out.pooler_output is not None:
        tensors["pooler_output"] = out.pooler_output
    tensors.update({f"modules.{k}": v for k, v in capture(model, batch).items() if not k.endswith(".probs")})
    return tensors


def lesson_reference(name_or_path: str | os.PathLike) -> dict[str, torch.Tensor] | None:
    """``reference_outputs_for(name_or_path)``, or None, after one printed sentence saying why, when there is
    nothing to compare with: no stored outputs (e.g. the Hub's bert-base-uncased) and no ``transformers``.

    The notebooks' comparison cells use it, so that a lesson still runs on a model without stored outputs in an
    install without the dev extra: it skips the comparison and says so, rather than stopping.
    """
    from pathlib import Path

    stored = os.path.isdir(name_or_path) and (Path(name_or_path) / REFERENCE_FILE).is_file()
    if not stored and reference_library() is None:
        print(f"no reference to compare with: {name_or_path} has no {REFERENCE_FILE} and transformers is not "
              "installed (pip install -e '.[dev]' adds it), so this comparison is skipped")
        return None
    return reference_outputs_for(name_or_path)


@torch.no_grad()
def masked_lm_max_abs_diff(folder: str | os.PathLike, inputs: dict[str, torch.Tensor]) -> float | None:
    """Max |Δ| of the masked-LM logits (B, T, V) of minibert's and the reference's ``BertForMaskedLM`` on
    ``folder`` (both fp32, eager attention) for ``inputs``; None when ``transformers`` is not installed."""
    lib = reference_library()
    if lib is None:
        return None
    from minibert.heads.masked_lm import BertForMaskedLM

    quiet, ours_log = lib.logging.get_verbosity(), logging.getLogger("minibert")
    level = ours_log.level
    lib.logging.set_verbosity_error()  # an unused pooler in the folder is expected here, by both libraries
    ours_log.setLevel(logging.ERROR)
    try:
        ref = lib.BertForMaskedLM.from_pretrained(folder, attn_implementation="eager").eval()
        ours = BertForMaskedLM.from_pretrained(folder, attn_implementation="eager").eval()
    finally:
        lib.logging.set_verbosity(quiet)
        ours_log.setLevel(level)
    a, b = ours(**inputs).logits, ref(**inputs).logits
    return float((a.double() - b.double()).abs().max())
