"""``from_pretrained`` and ``save_pretrained``: a BERT model from and to the Hugging Face file formats.

Loading, step by step: find the files (local folder, single weights file, TensorFlow checkpoint or Hub repo id:
minibert/loading/resolve.py), read the config, read the tensors safely (minibert/loading/weights.py), build the
model *without* random initialisation, map the checkpoint's key names onto ours (minibert/loading/keys.py), check
every shape, initialise only what the checkpoint lacks (a new task head), load, and report missing and unused keys
as the reference does.

Saving writes ``model.safetensors`` (or ``pytorch_model.bin``) and then ``config.json``, each atomically
(minibert/loading/atomic.py): a crash at any moment leaves the previous files complete. A local folder that
another process saves into while it is read is read again (minibert/loading/stable_read.py).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import re
import threading
from pathlib import Path

import torch
from torch import nn

from minibert.bert.config import BertConfig  # the fields; cls.config_class is the public class
from minibert.bert.warn_once import warn_once
from minibert.loading import keys, sizes, stable_read, weights
from minibert.loading.resolve import resolve

logger = logging.getLogger("minibert")
SAFE_WEIGHTS_NAME = "model.safetensors"
WEIGHTS_NAME = "pytorch_model.bin"


def as_torch_dtype(dtype, config: BertConfig | None, state: dict[str, torch.Tensor] | None = None):
    """None, a torch.dtype, a name ("bfloat16", "torch.float16") or "auto" -> torch.dtype (or None).

    "auto" is the dtype the checkpoint was saved in: the config's ``dtype`` (or the older ``torch_dtype``) when it
    records one, else the dtype of the first floating-point tensor in the weights, as the reference decides.
    """
    if dtype is None:
        return None
    if dtype == "auto":
        dtype = getattr(config, "dtype", None) if config is not None else None
        if dtype is None:
            floating = (t.dtype for t in (state or {}).values() if t.is_floating_point())
            dtype = next(floating, torch.float32)
    if isinstance(dtype, str):
        value = getattr(torch, dtype.replace("torch.", ""), None)
        if not isinstance(value, torch.dtype):
            raise ValueError(f"unknown dtype {dtype!r}; use e.g. torch.float32, 'bfloat16' or 'auto'")
        return value
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"dtype must be a torch.dtype, its name or 'auto', got {dtype!r}")
    return dtype


def _refuse_meta_device() -> None:
    """``with torch.device("meta"): from_pretrained(...)`` would build a model of empty tensors and silently drop
    every loaded value (a meta tensor holds a shape, no numbers). The reference refuses it; so do we."""
    if torch.empty(0).device.type == "meta":
        raise RuntimeError("from_pretrained was called under a meta device (`with torch.device('meta')` or "
                           "torch.set_default_device('meta')): meta tensors hold no values, so the loaded weights "
                           "would be lost. Build an empty model with ModelClass(config) there instead, or load "
                           "outside the meta context.")


_BUILDING = threading.local()  # .skip_init is True while this thread builds a model to load weights into
_RANDOM_INITS = ("normal_", "uniform_", "kaiming_uniform_", "trunc_normal_")  # the nn.init functions skipped


@contextlib.contextmanager
def _random_init_skipped():
    """Modules built inside keep their weights uninitialised (``torch.empty``): the checkpoint overwrites them.

    ``nn.Linear``, ``nn.Embedding`` and ``_init_weights`` draw their random values through ``nn.init``; drawing
    them only to overwrite them is wasted time (a second or more for bert-base). While this thread is inside,
    those ``nn.init`` functions return the tensor untouched; other threads still initialise normally. We build
    on the CPU, not on the "meta" device: meta tensors run through Python decompositions whose first use
    imports torch._dynamo and sympy, about a second of CPU on a cold start. Whatever the checkpoint does not
    provide is initialised afterwards (``_init_missing``).
    """
    originals = {name: getattr(nn.init, name) for name in _RANDOM_INITS}
    for name, fn in originals.items():
        setattr(nn.init, name, _skippable(fn))
    _BUILDING.skip_init = True
    try:
        yield
    finally:
        _BUILDING.skip_init = False
        for name, fn in originals.items():
            setattr(nn.init, name, fn)


def _skippable(init_fn):
    def maybe_init(tensor, *args, **kwargs):
        return tensor if getattr(_BUILDING, "skip_init", False) else init_fn(tensor, *args, **kwargs)
    return maybe_init


def save_pretrained(model, save_directory: str | os.PathLike, safe_serialization: bool = True) -> None:
    """Write ``config.json`` and the weights of ``model`` (a `BertPreTrainedModel`) into a folder."""
    folder = Path(save_directory)
    if folder.is_file():
        raise ValueError(f"save_pretrained needs a folder, but {folder} is a file")
    folder.mkdir(parents=True, exist_ok=True)
    state, seen = {}, {}
    # A tied tensor is written once, under its name outside _tied_weights_keys (the word embeddings, not
    # the decoder); a tensor that is not actually shared (tie_word_embeddings=False) is always written.
    items = sorted(model.state_dict().items(), key=lambda item: item[0] in model._tied_weights_keys)
    for name, tensor in items:
        ptr = (tensor.data_ptr(), tensor.shape, tensor.dtype)
        if ptr in seen and tensor.numel() > 0:
            continue  # an alias of a tensor already written (safetensors refuses shared storage)
        seen[ptr] = name
        state[name] = tensor
    model.config.architectures = [type(model).__name__]
    model.config.dtype = str(model.dtype).removeprefix("torch.")
    filename = SAFE_WEIGHTS_NAME if safe_serialization else WEIGHTS_NAME
    # The weights name the config saved with them, so that a reader can tell a folder caught between the two
    # renames (new weights, old config) from a finished save (loading/stable_read.py).
    digest = stable_read.config_digest(model.config.to_json_string().encode("utf-8"))
    weights.save_file(state, folder / filename, safe_serialization, {stable_read.CONFIG_DIGEST: digest})
    model.config.save_pretrained(folder)


def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike | None, *model_args,
                    config: BertConfig | None = None, state_dict: dict[str, torch.Tensor] | None = None,
                    revision: str | None = None, cache_dir: str | os.PathLike | None = None,
                    local_files_only: bool = False, subfolder: str = "", dtype=None, torch_dtype=None,
                    attn_implementation: str | None = None, ignore_mismatched_sizes: bool = False,
                    output_loading_info: bool = False, **config_overrides):
    """Build the model class ``cls`` from a local folder, a single weights file, a Hub repo id, or (path
    ``None``) from ``config`` and an in-memory ``state_dict``."""
    _refuse_meta_device()
    if torch_dtype is not None:
        # Logged once per process, as the reference does.
        warn_once("torch_dtype", "`torch_dtype` is deprecated! Use `dtype` instead!", logger=logger)
        dtype = torch_dtype if dtype is None else dtype  # both given: `dtype` wins, as in the reference
    src = pretrained_model_name_or_path
    config_overrides.pop("from_tf", None)  # the reference's switch for TF checkpoints; minibert recognises them
    if src is None and (config is None or state_dict is None):
        raise OSError("from_pretrained(None, ...) loads weights from memory and needs both config= (a BertConfig) "
                      "and state_dict= (the tensors); otherwise pass a folder, a weights file or a Hub repo id")
    opts = {"revision": revision, "cache_dir": cache_dir, "local_files_only": local_files_only,
            "subfolder": subfolder}
    # Keywords of the model's own constructor (``add_pooling_layer=False``) go to it, not into the config.
    init_params = inspect.signature(cls.__init__).parameters
    model_kwargs = {k: config_overrides.pop(k) for k in list(config_overrides) if k in init_params}
    # What src is (folder, weights file, TensorFlow checkpoint, Hub repo), decided once for config and weights;
    # nothing is read from src when both config= and state_dict= are given.
    found = resolve(src, **opts) if src is not None and (config is None or state_dict is None) else None

    def read_files():
        cfg = config
        if cfg is None:
            cfg = cls.config_class.from_pretrained(found, **config_overrides)
        elif config_overrides:
            cfg = cls.config_class.from_dict({**cfg.to_dict(), **config_overrides})
        if state_dict is not None:
            return cfg, dict(state_dict), "the state_dict passed to from_pretrained"
        if found.tf is not None:  # an original Google (TensorFlow) checkpoint: read without TensorFlow
            state, files = found.tf.state_dict()
        else:
            state, files = weights.load_state_dict(found.weights(), found.file)
        return cfg, state, ", ".join(str(f) for f in files)

    # A local folder is read again if another process replaced its files meanwhile (loading/stable_read.py).
    local = found.folder if found is not None and state_dict is None else None
    config, state, source = stable_read.read_unchanged(local, read_files)
    if attn_implementation is not None:
        config.attn_implementation = attn_implementation
        config.validate()
    dtype = as_torch_dtype(dtype, config, state)
    if not ignore_mismatched_sizes:  # before the model is built: a wrong size could ask for tens of GB first
        sizes.check_config_fits(config, state, cls.__name__, source)

    # Build without random init (the checkpoint overwrites almost everything, so it would be wasted time).
    with _random_init_skipped():
        model = cls(config, *model_args, **model_kwargs)

    expected = {k: v.shape for k, v in model.state_dict().items()}
    state, report = keys.map_keys(state, expected, cls.base_model_prefix)
    report.mismatched_keys = keys.check_shapes(state, expected, source, ignore_mismatched_sizes)
    mismatched_shapes = {k: (tuple(state.pop(k).shape), tuple(expected[k])) for k in report.mismatched_keys}
    # A key the checkpoint lacks is not missing when its tensor is shared with one it has (the tied decoder).
    params = model.state_dict()
    loaded = {(t.data_ptr(), t.shape, t.dtype) for k, t in params.items() if k in state}
    report.missing_keys = [k for k in report.missing_keys
                           if (params[k].data_ptr(), params[k].shape, params[k].dtype) not in loaded
                           and not any(re.search(p, k) for p in cls._keys_to_ignore_on_load_missing)]
    # Initialise first, then load: a module only partly in the checkpoint keeps the tensors it has.
    model._init_missing(report.missing_keys + report.mismatched_keys)
    model.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=False)
    report.unexpected_keys = [k for k in report.unexpected_keys
                              if not any(re.search(p, k) for p in cls._keys_to_ignore_on_load_unexpected)]
    where = src if src is not None else "the given state_dict"
    if report.missing_keys:
        logger.warning("Some weights of %s were not initialized from the checkpoint at %s and are newly "
                       "initialized: %s. Train the model before using it for predictions.",
                       cls.__name__, where, report.missing_keys)
    if mismatched_shapes:
        logger.warning("Some weights of %s were not initialized from the checkpoint at %s and are newly "
                       "initialized because the shapes did not match:\n%s\nTrain the model before using it for "
                       "predictions.", cls.__name__, where,
                       "\n".join(f"- {k}: found shape {a} in the checkpoint and {b} in the model instantiated"
                                 for k, (a, b) in mismatched_shapes.items()))
    if report.unexpected_keys:
        logger.warning("Some weights of the checkpoint at %s were not used when initializing %s: %s "
                       "(expected when the checkpoint has heads this model does not).",
                       where, cls.__name__, report.unexpected_keys)
    if dtype is not None:
        model = model.to(dtype)
    config.dtype = model.dtype  # as the reference: the config says what the loaded weights are
    model.eval()  # like the reference: loaded models start in inference mode
    return (model, report.as_dict()) if output_loading_info else model
