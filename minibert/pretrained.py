"""`BertPreTrainedModel`: what every BERT model shares besides its forward pass.

Weight initialisation as the reference (normal(0, initializer_range) for linear and embedding weights,
zero biases, LayerNorm ones/zeros), ``from_pretrained`` / ``save_pretrained`` in the Hugging Face file
formats, head pruning, gradient checkpointing, and resizing / tying the word embeddings.
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

from minibert.config import BertConfig
from minibert.loading import hub, keys, weights

logger = logging.getLogger("minibert")
SAFE_WEIGHTS_NAME = "model.safetensors"
WEIGHTS_NAME = "pytorch_model.bin"


def _as_dtype(torch_dtype, config: BertConfig):
    if torch_dtype is None:
        return None
    if torch_dtype == "auto":
        # the reference (4.57) writes the saved dtype as "dtype"; older versions wrote "torch_dtype"
        torch_dtype = config.torch_dtype or getattr(config, "dtype", None) or "float32"
    if isinstance(torch_dtype, str):
        value = getattr(torch, torch_dtype.replace("torch.", ""), None)
        if not isinstance(value, torch.dtype):
            raise ValueError(f"unknown torch_dtype {torch_dtype!r}; use e.g. torch.float32, 'bfloat16' or 'auto'")
        return value
    return torch_dtype


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


class BertPreTrainedModel(nn.Module):
    """Base class of `BertModel` and the task heads. Subclasses build their modules, then call ``post_init()``."""

    config_class = BertConfig
    base_model_prefix = "bert"  # heads hold the encoder as ``self.bert``; bare checkpoints lack the prefix
    # Parameters that are the same tensor as another one (e.g. the MLM decoder = word embeddings): never
    # saved twice, never reported missing.
    _tied_weights_keys: list[str] = []
    _keys_to_ignore_on_load_missing: list[str] = []
    _keys_to_ignore_on_load_unexpected: list[str] = []

    def __init__(self, config: BertConfig):
        super().__init__()
        if not isinstance(config, BertConfig):
            raise TypeError(f"{type(self).__name__} needs a BertConfig, got {type(config).__name__}")
        self.config = config

    # -- initialisation -------------------------------------------------------------------------------
    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def post_init(self) -> None:
        """Initialise every weight and tie the output embeddings to the input ones."""
        with torch.no_grad():
            self.apply(self._init_weights)
        if self.config.pruned_heads:
            # A pruned checkpoint has smaller Q/K/V/output weights: apply the pruning its config records, so
            # the shapes match before loading (already-pruned heads are skipped, so this is idempotent).
            self.base_model._prune_heads(self.config.pruned_heads)
        self.tie_weights()

    # -- embeddings -----------------------------------------------------------------------------------
    @property
    def base_model(self) -> nn.Module:
        return getattr(self, self.base_model_prefix, self)

    def get_input_embeddings(self) -> nn.Embedding:
        return self.base_model.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.base_model.set_input_embeddings(value)

    def get_output_embeddings(self) -> nn.Module | None:
        return None  # models with an LM head override this

    def tie_weights(self) -> None:
        """Make the LM decoder use the word-embedding matrix itself (one tensor, not a copy)."""
        out = self.get_output_embeddings()
        if out is not None and self.config.tie_word_embeddings:
            out.weight = self.get_input_embeddings().weight

    def resize_token_embeddings(self, new_num_tokens: int) -> nn.Embedding:
        """Grow or shrink the vocabulary: old rows are kept, new rows initialised like the rest."""
        old = self.get_input_embeddings()
        if new_num_tokens <= 0:
            raise ValueError(f"new_num_tokens must be positive, got {new_num_tokens}")
        new = nn.Embedding(new_num_tokens, old.embedding_dim, padding_idx=old.padding_idx,
                           device=old.weight.device, dtype=old.weight.dtype)
        self._init_weights(new)
        n = min(old.num_embeddings, new_num_tokens)
        with torch.no_grad():
            new.weight[:n] = old.weight[:n]
        self.set_input_embeddings(new)
        self.config.vocab_size = new_num_tokens
        self._resize_output_bias(new_num_tokens)
        self.tie_weights()
        return new

    def _resize_output_bias(self, new_num_tokens: int) -> None:
        """Heads with a per-token output bias resize it here (see the MLM head)."""

    # -- pruning and checkpointing --------------------------------------------------------------------
    def prune_heads(self, heads_to_prune: dict[int, list[int]]) -> None:
        """Remove attention heads for good, e.g. ``{0: [1, 2], 5: [0]}``, and remember it in the config.

        Heads use the original numbering (0 .. num_attention_heads - 1) even after earlier pruning. The
        request is checked as a whole first, so a bad one changes neither the weights nor the config.
        """
        L, H = self.config.num_hidden_layers, self.config.num_attention_heads
        heads_to_prune = {int(layer): sorted({int(h) for h in heads}) for layer, heads in heads_to_prune.items()}
        for layer, heads in heads_to_prune.items():
            if not 0 <= layer < L:
                raise ValueError(f"cannot prune layer {layer}: the model has layers 0..{L - 1}")
            bad = [h for h in heads if not 0 <= h < H]
            if bad:
                raise ValueError(f"cannot prune heads {bad} of layer {layer}: heads are numbered 0..{H - 1}")
        for layer, heads in heads_to_prune.items():
            self.config.pruned_heads[layer] = sorted(set(self.config.pruned_heads.get(layer, [])) | set(heads))
        self.base_model._prune_heads(heads_to_prune)

    def gradient_checkpointing_enable(self, gradient_checkpointing_kwargs: dict | None = None) -> None:
        """Recompute each layer's activations in the backward pass instead of storing them (minibert/encoder.py).

        ``gradient_checkpointing_kwargs`` go to ``torch.utils.checkpoint.checkpoint`` (the reference's
        signature); minibert's default is ``use_reentrant=False``, which also works with frozen embeddings.
        """
        encoder = self.base_model.encoder
        encoder.checkpoint_kwargs = {"use_reentrant": False, **(gradient_checkpointing_kwargs or {})}
        encoder.gradient_checkpointing = True

    def gradient_checkpointing_disable(self) -> None:
        self.base_model.encoder.gradient_checkpointing = False

    @property
    def is_gradient_checkpointing(self) -> bool:
        return self.base_model.encoder.gradient_checkpointing

    # -- conveniences ---------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def num_parameters(self, only_trainable: bool = False) -> int:
        seen = {id(p): p for p in self.parameters() if p.requires_grad or not only_trainable}  # tied: once
        return sum(p.numel() for p in seen.values())

    # -- saving ---------------------------------------------------------------------------------------
    def save_pretrained(self, save_directory: str | os.PathLike, safe_serialization: bool = True) -> None:
        """Write ``config.json`` and ``model.safetensors`` (or ``pytorch_model.bin``), each atomically.

        The weights are written first and the config last: a crash at any moment leaves the previous
        files complete, and the usual re-save (same shapes) loadable throughout.
        """
        folder = Path(save_directory)
        if folder.is_file():
            raise ValueError(f"save_pretrained needs a folder, but {folder} is a file")
        folder.mkdir(parents=True, exist_ok=True)
        state, seen = {}, {}
        # A tied tensor is written once, under its name outside _tied_weights_keys (the word embeddings, not
        # the decoder); a tensor that is not actually shared (tie_word_embeddings=False) is always written.
        items = sorted(self.state_dict().items(), key=lambda item: item[0] in self._tied_weights_keys)
        for name, tensor in items:
            ptr = (tensor.data_ptr(), tensor.shape, tensor.dtype)
            if ptr in seen and tensor.numel() > 0:
                continue  # an alias of a tensor already written (safetensors refuses shared storage)
            seen[ptr] = name
            state[name] = tensor
        self.config.architectures = [type(self).__name__]
        self.config.torch_dtype = str(self.dtype).replace("torch.", "")
        filename = SAFE_WEIGHTS_NAME if safe_serialization else WEIGHTS_NAME
        weights.save_file(state, folder / filename, safe_serialization)
        self.config.save_pretrained(folder)

    # -- loading --------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike, *model_args,
                        config: BertConfig | None = None, revision: str | None = None,
                        cache_dir: str | os.PathLike | None = None, local_files_only: bool = False,
                        torch_dtype=None, attn_implementation: str | None = None,
                        output_loading_info: bool = False, **config_overrides):
        """Build ``cls`` from a local folder, a single weights file, or a Hub repo id.

        Keyword arguments that are config fields (``num_labels=3``, ``hidden_dropout_prob=0.0``) override
        ``config.json``. Missing weights (a new task head) are initialised and listed in a warning; unused
        ones (heads this class lacks) are listed too. ``output_loading_info=True`` also returns that report.
        """
        src = pretrained_model_name_or_path
        opts = {"revision": revision, "cache_dir": cache_dir, "local_files_only": local_files_only}
        # Keywords of the model's own constructor (``add_pooling_layer=False``) go to it, not into the config.
        init_params = inspect.signature(cls.__init__).parameters
        model_kwargs = {k: config_overrides.pop(k) for k in list(config_overrides) if k in init_params}
        if config is None:
            config = BertConfig.from_pretrained(src, **opts, **config_overrides)
        elif config_overrides:
            config = BertConfig.from_dict({**config.to_dict(), **config_overrides})
        if attn_implementation is not None:
            config.attn_implementation = attn_implementation
            config.validate()
        weights_path = hub.resolve_weights(src, **opts)
        state, files = weights.load_state_dict(
            weights_path, lambda shard: hub.resolve_file(src, shard, **opts))

        # Build without random init (the checkpoint overwrites almost everything, so it would be wasted time).
        with _random_init_skipped():
            model = cls(config, *model_args, **model_kwargs)

        expected = {k: v.shape for k, v in model.state_dict().items()}
        state, report = keys.map_keys(state, expected, cls.base_model_prefix)
        keys.check_shapes(state, expected, ", ".join(str(f) for f in files))
        # A key the checkpoint lacks is not missing when its tensor is shared with one it has (the tied decoder).
        params = model.state_dict()
        loaded = {(t.data_ptr(), t.shape, t.dtype) for k, t in params.items() if k in state}
        report.missing_keys = [k for k in report.missing_keys
                               if (params[k].data_ptr(), params[k].shape, params[k].dtype) not in loaded
                               and not any(re.search(p, k) for p in cls._keys_to_ignore_on_load_missing)]
        # Initialise first, then load: a module only partly in the checkpoint keeps the tensors it has.
        model._init_missing(report.missing_keys)
        model.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=False)
        report.unexpected_keys = [k for k in report.unexpected_keys
                                  if not any(re.search(p, k) for p in cls._keys_to_ignore_on_load_unexpected)]
        if report.missing_keys:
            logger.warning("Some weights of %s were not initialized from the checkpoint at %s and are newly "
                           "initialized: %s. Train the model before using it for predictions.",
                           cls.__name__, src, report.missing_keys)
        if report.unexpected_keys:
            logger.warning("Some weights of the checkpoint at %s were not used when initializing %s: %s "
                           "(expected when the checkpoint has heads this model does not).",
                           src, cls.__name__, report.unexpected_keys)
        dtype = _as_dtype(torch_dtype, config)
        if dtype is not None:
            model = model.to(dtype)
        model.eval()  # like the reference: loaded models start in inference mode
        return (model, report.as_dict()) if output_loading_info else model

    def _init_missing(self, missing: list[str]) -> None:
        """Initialise the modules whose parameters the checkpoint did not provide."""
        owners = {name.rsplit(".", 1)[0] for name in missing}
        with torch.no_grad():
            for name, module in self.named_modules():
                if name in owners:
                    self._init_weights(module)
        self.tie_weights()
