"""Weight compatibility, module by module: does minibert compute what the reference computes on a checkpoint?

Both libraries name their modules the same way (``embeddings``, ``encoder.layer.0.attention.self``, ...,
``pooler``), so one set of forward hooks captures, on each model, the output of every module for the same
inputs, and the table below compares them pair by pair:

    module                           weight                  output          max |Δ|     status
    embeddings                       word_embeddings (V, C)  (B, T, C)       2.4e-07     OK
    encoder.layer.0.attention.self   query (C, C)            (B, T, C)       ...

The reference is ``transformers`` when it is installed (loaded lazily, here only: the rest of minibert never
touches it), otherwise the outputs stored next to the weights in ``reference_outputs.safetensors`` (written
by ``scripts/make_reference_checkpoints.py``). A row fails when its max |Δ| exceeds the tolerance, so the
first failing row points at the module to look at. Used by ``python -m minibert check`` and the walkthrough.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field

import torch

from minibert.loading.reference_outputs import (
    REFERENCE_FILE,
    kernels_note,
    load_stored_reference,
    stored_module_outputs,
    synthetic_inputs,
)

# Default tolerance per dtype when both sides run in that dtype (or against fp32 stored outputs). fp32: the
# issue's bar. Half precision: a few units in the last place of values of size ~1-10 after LayerNorm
# (fp16 has 10 mantissa bits, bf16 7): 3x the worst measured, see HALF_TOLERANCE in tests/bert/test_parity_model.py.
TOLERANCES = {torch.float32: 1e-5, torch.float16: 2e-2, torch.bfloat16: 1.5e-1}


def module_names(num_layers: int) -> list[str]:
    """The modules compared, in data-flow order; ``...attention.probs`` is the attention probabilities."""
    names = ["embeddings"]
    for i in range(num_layers):
        p = f"encoder.layer.{i}"
        names += [f"{p}.attention.self", f"{p}.attention.probs", f"{p}.attention.output", f"{p}.intermediate",
                  f"{p}.output"]
    return names + ["pooler"]


@dataclass
class Row:
    module: str
    weight: str  # the module's main weight matrix and its shape, e.g. "query (32, 32)"
    shape: tuple  # shape of the output compared
    max_abs_diff: float | None
    ok: bool
    note: str = ""


@dataclass
class Report:
    model: str
    reference: str  # "transformers 4.57.6" or "stored reference outputs (...)"
    device: str
    dtype: str
    tolerance: float
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ok_load: bool = True

    @property
    def ok(self) -> bool:
        return self.ok_load and bool(self.rows) and all(r.ok for r in self.rows)

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def format_table(self) -> str:
        lines = [f"model:     {self.model}", f"reference: {self.reference}",
                 f"device:    {self.device}   dtype: {self.dtype}   tolerance: {self.tolerance:g}", ""]
        w = max(len(r.module) for r in self.rows) if self.rows else 10
        ws = max(len(r.weight) for r in self.rows) if self.rows else 10
        lines.append(f"{'module':<{w}}  {'weight':<{ws}}  {'output':<16}  {'max |Δ|':>9}  status")
        for r in self.rows:
            diff = "-" if r.max_abs_diff is None else f"{r.max_abs_diff:.2e}"
            status = ("OK" if r.ok else "FAIL") + (f"  ({r.note})" if r.note else "")
            lines.append(f"{r.module:<{w}}  {r.weight:<{ws}}  {str(tuple(r.shape)):<16}  {diff:>9}  {status}")
        lines += [""] + [f"note: {n}" for n in self.notes]
        n_fail = sum(not r.ok for r in self.rows)
        lines.append(f"result: {'OK' if self.ok else 'FAIL'} ({len(self.rows) - n_fail}/{len(self.rows)} modules "
                     f"within {self.tolerance:g})")
        return "\n".join(lines)


def main_weight(model: torch.nn.Module, name: str) -> str:
    """'query (32, 32)': the first 2-D weight of a module (the probabilities row has none of its own)."""
    if name.endswith(".attention.probs"):
        return "softmax(QKᵀ/√d + M)"
    for pname, p in model.get_submodule(name).named_parameters():
        if p.dim() == 2:
            return f"{pname.removesuffix('.weight')} {tuple(p.shape)}"
    return "-"


@torch.no_grad()
def capture(model: torch.nn.Module, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Run ``model`` (minibert's or the reference's ``BertModel``) and return every compared module's output.

    Works on both libraries because the module names and output conventions are the same: a module returns
    a tensor, or a tuple whose first entry is its output (attention returns (context, probabilities)).
    """
    names = [n for n in module_names(model.config.num_hidden_layers) if not n.endswith(".probs")]
    names = [n for n in names if n != "pooler" or getattr(model, "pooler", None) is not None]
    captured: dict[str, torch.Tensor] = {}
    hooks = []
    for name in names:
        def hook(module, args, output, name=name):
            captured[name] = output[0] if isinstance(output, tuple) else output
        hooks.append(model.get_submodule(name).register_forward_hook(hook))
    try:
        out = model(**inputs, output_attentions=True, output_hidden_states=True, return_dict=True)
    finally:
        for h in hooks:
            h.remove()
    for i, probs in enumerate(out.attentions):
        captured[f"encoder.layer.{i}.attention.probs"] = probs  # (B, H, T, T)
    return captured


def reference_library():
    """``transformers`` if it is installed, else None. The only place minibert looks for it."""
    try:
        return importlib.import_module("transformers")
    except ImportError:
        return None


def compare(model: torch.nn.Module, ours: dict, theirs: dict, tolerance: float) -> list[Row]:
    rows = []
    for name in module_names(model.config.num_hidden_layers):
        if name not in ours:
            continue
        a = ours[name]
        b = theirs.get(name)
        if b is None:
            rows.append(Row(name, main_weight(model, name), tuple(a.shape), None, False, "no reference output"))
            continue
        if a.shape != b.shape:
            rows.append(Row(name, main_weight(model, name), tuple(a.shape), None, False,
                            f"reference shape {tuple(b.shape)}"))
            continue
        diff = (a.double().cpu() - b.double().cpu()).abs()
        worst = float(diff.max()) if diff.numel() else 0.0
        finite = bool(torch.isfinite(a).all())
        ok = finite and worst <= tolerance  # a NaN diff compares False, so NaN always fails
        rows.append(Row(name, main_weight(model, name), tuple(a.shape), worst, ok, "" if finite else "NaN/Inf"))
    return rows


def check_checkpoint(name_or_path: str | os.PathLike, *, device: str = "cpu", dtype: str = "float32",
                     reference: str = "auto", tolerance: float | None = None, revision: str | None = None,
                     cache_dir: str | None = None, local_files_only: bool = False, adapt=None) -> Report:
    """Load ``name_or_path`` with minibert and compare every module's output with the reference.

    ``adapt(model)``, if given, is called on minibert's model once loaded (the exercises' capstone swaps in
    a learner's functions there).

    ``reference``: ``"transformers"`` (run the reference on the same weights), ``"stored"`` (the folder's
    ``reference_outputs.safetensors``) or ``"auto"`` (transformers if installed, else stored).
    """
    from minibert.compat.model import BertModel
    from minibert.loading import tf_checkpoint
    from minibert.loading.model_files import as_torch_dtype
    from minibert.pipelines.base import resolve_device

    device = resolve_device(device)  # a missing GPU is a one-line error here, not a traceback from .to()
    torch_dtype = as_torch_dtype(dtype, None) if dtype != "auto" else torch.float32
    if torch_dtype not in TOLERANCES:
        raise ValueError(f"--dtype must be one of float32, float16, bfloat16; got {dtype!r}")
    tolerance = TOLERANCES[torch_dtype] if tolerance is None else tolerance
    opts = {"revision": revision, "cache_dir": cache_dir, "local_files_only": local_files_only}
    quiet = logging.getLogger("minibert")
    level, quiet.level = quiet.level, logging.ERROR  # the load report goes into the table's notes instead
    try:
        model, info = BertModel.from_pretrained(name_or_path, **opts, attn_implementation="eager",
                                               output_loading_info=True)
        has_pooler = not any(k.startswith("pooler.") for k in info["missing_keys"])
        if not has_pooler:  # saved without a pooler: compare without one rather than with random weights
            model, info = BertModel.from_pretrained(name_or_path, **opts, add_pooling_layer=False,
                                                   attn_implementation="eager",
                                                   output_loading_info=True)
    finally:
        quiet.setLevel(level)
    notes = [] if has_pooler else ["the checkpoint has no pooler weights: compared without the pooler"]
    if info["unexpected_keys"]:
        notes.append(f"{len(info['unexpected_keys'])} checkpoint keys not used by BertModel (task heads): "
                     f"{', '.join(info['unexpected_keys'][:4])}{', ...' if len(info['unexpected_keys']) > 4 else ''}")
    ok_load = not info["missing_keys"]
    if not ok_load:
        notes.append(f"weights missing from the checkpoint (randomly initialised): {info['missing_keys']}")
    model = model.to(device=device, dtype=torch_dtype).eval()
    if adapt is not None:
        adapt(model)

    # The stored outputs sit next to the weights: in the folder, or in the same Hub repo (and cache).
    from minibert.loading.resolve import resolve_file

    found = resolve_file(name_or_path, REFERENCE_FILE, **opts, required=False)
    stored = load_stored_reference(found.parent) if found is not None else None
    lib = reference_library() if reference in ("auto", "transformers") else None
    if reference == "transformers" and lib is None:
        raise ValueError("reference='transformers' but transformers is not installed (pip install transformers)")
    if lib is None and stored is None:
        raise ValueError(f"no reference to compare {name_or_path} with: install transformers, or use a checkpoint "
                         f"folder that has {REFERENCE_FILE} (see scripts/make_reference_checkpoints.py)")

    if stored is not None:
        inputs = {k.removeprefix("inputs."): v for k, v in stored[0].items() if k.startswith("inputs.")}
    else:
        inputs = synthetic_inputs(model.config)
    inputs = {k: v.to(device) for k, v in inputs.items()}
    ours = capture(model, inputs)

    if lib is not None:
        with tempfile.TemporaryDirectory(prefix="minibert-check-") as converted:
            ref_source = str(name_or_path)
            if tf_checkpoint.find(name_or_path) is not None:  # the reference needs TensorFlow to read one itself
                ref_source = converted
                model.save_pretrained(converted)  # the same weights, as model.safetensors
                notes.append("an original TensorFlow checkpoint: the reference reads minibert's conversion of it "
                             "(model.safetensors); the name mapping itself is checked against the values "
                             "TensorFlow reads (tests/loading/test_tf_checkpoint.py)")
            ref = lib.BertModel.from_pretrained(ref_source, **opts, attn_implementation="eager",
                                               add_pooling_layer=has_pooler)
        ref = ref.to(device=device, dtype=torch_dtype).eval()
        theirs = capture(ref, inputs)
        source = f"transformers {lib.__version__} (same weights, same inputs, eager attention)"
    else:
        theirs = stored_module_outputs(stored[0])
        meta = stored[1]
        if (note := kernels_note(meta)) is not None:
            notes.append(note)
        source = (f"stored reference outputs ({REFERENCE_FILE}, transformers {meta.get('transformers_version', '?')}"
                  f", torch {meta.get('torch_version', '?')})")
    return Report(model=str(name_or_path), reference=source, device=str(device), dtype=str(torch_dtype).split(".")[-1],
                  tolerance=tolerance, rows=compare(model, ours, theirs, tolerance), notes=notes, ok_load=ok_load)


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
