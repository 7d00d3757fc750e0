"""``check_checkpoint``: load a checkpoint with minibert, run the reference on the same inputs, compare each module.

The reference is ``transformers`` on the same weights when it is installed (reference.py loads it), otherwise the
outputs stored next to the weights in ``reference_outputs.safetensors`` (written by
``scripts/make_reference_checkpoints.py``), computed on the inputs stored with them. Both sides are captured and
compared module by module (table.py); the Report adds what loading found (a missing pooler, unused task-head
weights, weights missing from the checkpoint) as notes. Used by ``python -m minibert check``.
"""

from __future__ import annotations

import logging
import os
import tempfile

import torch

from minibert.loading.reference_outputs import (
    REFERENCE_FILE,
    kernels_note,
    load_stored_reference,
    stored_module_outputs,
    synthetic_inputs,
)
from minibert.parity.reference import reference_library
from minibert.parity.table import TOLERANCES, Report, capture, compare


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
