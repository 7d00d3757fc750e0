"""`BertPreTrainedModel`: what every BERT model shares besides its forward pass.

Weight initialisation as the reference (``init_weights`` of minibert/bert/model.py: normal(0, initializer_range)
for linear and embedding weights, zero biases, LayerNorm ones/zeros), ``from_pretrained`` / ``save_pretrained``
in the Hugging Face file formats, head pruning and gradient checkpointing. Resizing / tying the word embeddings
comes from `WordEmbeddingsMixin` (word_embeddings.py).
"""

from __future__ import annotations

import os

import torch
from torch import nn

from minibert.bert import checkpointing
from minibert.bert import config as core_config
from minibert.bert.config_checks import ATTENTION_IMPLEMENTATIONS
from minibert.bert.model import init_weights
from minibert.bert.pruning import checked_pruning_request
from minibert.bert.warn_once import warn_once, warned
from minibert.compat.config import BertConfig
from minibert.compat.word_embeddings import WordEmbeddingsMixin
from minibert.loading import model_files


class BertPreTrainedModel(WordEmbeddingsMixin, nn.Module):
    """Base class of `BertModel` and the task heads. Subclasses build their modules, then call ``post_init()``."""

    config_class = BertConfig
    base_model_prefix = "bert"  # heads hold the encoder as ``self.bert``; bare checkpoints lack the prefix
    # Parameters that are the same tensor as another one (e.g. the MLM decoder = word embeddings): never
    # saved twice, never reported missing.
    _tied_weights_keys: list[str] = []
    _keys_to_ignore_on_load_missing: list[str] = []
    _keys_to_ignore_on_load_unexpected: list[str] = []

    main_input_name = "input_ids"  # what generation / pipelines code reads to find the main input
    supports_gradient_checkpointing = True

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = self._checked_config(config)

    def _checked_config(self, config: BertConfig) -> BertConfig:
        """``config``, refused unless it is a `BertConfig` whose sizes a model can be built with.

        A core config (minibert/bert/config.py) is accepted and becomes the public class in place: that one adds
        methods only (``save_pretrained``, ...), so the object keeps its identity and every field.
        """
        if not isinstance(config, core_config.BertConfig):
            raise TypeError(f"{type(self).__name__} needs a BertConfig, got {type(config).__name__}")
        if type(config) is core_config.BertConfig:
            config.__class__ = BertConfig
        config.check_head_size()  # here, not in BertConfig: the reference refuses the sizes when a model is built
        return config

    # -- initialisation -------------------------------------------------------------------------------
    def _init_weights(self, module: nn.Module) -> None:
        init_weights(module, self.config.initializer_range)

    def post_init(self) -> None:
        """Initialise every weight and tie the output embeddings to the input ones."""
        with torch.no_grad():
            self.apply(self._init_weights)
        if self.config.pruned_heads:
            # A pruned checkpoint has smaller Q/K/V/output weights: apply the pruning its config records, so
            # the shapes match before loading (already-pruned heads are skipped, so this is idempotent).
            self.base_model._prune_heads(self.config.pruned_heads)
        self.tie_weights()
        if getattr(self.config, "gradient_checkpointing", False):
            # An old config's "gradient_checkpointing": true (BertConfig warned): honoured, then dropped, so that
            # a save does not write it again (the reference does the same).
            self.gradient_checkpointing_enable()
            del self.config.gradient_checkpointing

    # -- the base model (its word embeddings: word_embeddings.py) -------------------------------------
    @property
    def base_model(self) -> nn.Module:
        return getattr(self, self.base_model_prefix, self)

    # -- pruning and checkpointing --------------------------------------------------------------------
    def prune_heads(self, heads_to_prune: dict[int, list[int]]) -> None:
        """Remove attention heads for good, e.g. ``{0: [1, 2], 5: [0]}``, and remember it in the config.

        Heads use the original numbering (0 .. num_attention_heads - 1) even after earlier pruning. The
        request is checked as a whole first, so a bad one changes neither the weights nor the config.
        """
        heads_to_prune = checked_pruning_request(heads_to_prune, self.config.num_hidden_layers,
                                                 self.config.num_attention_heads)
        for layer, heads in heads_to_prune.items():
            self.config.pruned_heads[layer] = sorted(set(self.config.pruned_heads.get(layer, [])) | set(heads))
        self.base_model._prune_heads(heads_to_prune)

    def gradient_checkpointing_enable(self, gradient_checkpointing_kwargs: dict | None = None) -> None:
        """Recompute each layer's activations in the backward pass instead of storing them
        (minibert/bert/checkpointing.py).

        ``gradient_checkpointing_kwargs`` go to ``torch.utils.checkpoint.checkpoint`` (the reference's
        signature); minibert's default is ``use_reentrant=False``, which also works with frozen embeddings.
        ``{"context_fn": minibert.selective_recompute}`` recomputes only the cheap operations (see checkpointing.py).
        """
        checkpointing.enable(self.base_model.encoder, gradient_checkpointing_kwargs)

    def gradient_checkpointing_disable(self) -> None:
        checkpointing.disable(self.base_model.encoder)

    @property
    def is_gradient_checkpointing(self) -> bool:
        return self.base_model.encoder.gradient_checkpointing

    def set_attn_implementation(self, attn_implementation: str) -> None:
        """Switch every attention layer to ``"sdpa"`` or ``"eager"`` (both compute the same numbers).

        The reference 4.57 logs that BERT "does not support setting its attention implementation dynamically"
        and keeps the old one; minibert's layers read the choice at each call, so it takes effect.
        """
        if attn_implementation not in ATTENTION_IMPLEMENTATIONS:
            raise ValueError(f"attn_implementation {attn_implementation!r} is not one of {ATTENTION_IMPLEMENTATIONS}")
        self.config.attn_implementation = attn_implementation
        for module in self.modules():
            if hasattr(module, "attn_implementation"):
                module.attn_implementation = attn_implementation

    def warn_if_padding_and_no_attention_mask(self, input_ids: torch.Tensor, attention_mask) -> None:
        """Warn once (per model) when ``input_ids`` (B, T) look padded but no ``attention_mask`` came with them:
        the pad positions are then attended to like words and every output changes. As the reference, only the
        first and last columns are looked at (cheap) and nothing is checked while tracing or compiling."""
        if attention_mask is not None or self.config.pad_token_id is None or warned("padding", owner=self):
            return
        if torch.jit.is_tracing() or torch.compiler.is_compiling() or input_ids.dim() != 2:
            return
        if bool((input_ids[:, [-1, 0]] == self.config.pad_token_id).any()):
            warn_once("padding", "We strongly recommend passing in an `attention_mask` since your input_ids may be "
                      "padded (they contain pad_token_id=%d and no attention_mask was given): the padding is then "
                      "attended to like text and changes every output.", self.config.pad_token_id, owner=self)

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
        files complete (minibert/loading/model_files.py).
        """
        model_files.save_pretrained(self, save_directory, safe_serialization)

    # -- loading --------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike, *model_args, **kwargs):
        """Build ``cls`` from a local folder, a single weights file, or a Hub repo id.

        Keywords: ``config``, ``revision``, ``cache_dir``, ``local_files_only``, ``torch_dtype``,
        ``attn_implementation``, ``output_loading_info``; any other keyword that is a config field
        (``num_labels=3``, ``hidden_dropout_prob=0.0``) overrides ``config.json``, and a keyword of the class's
        own constructor (``add_pooling_layer=False``) goes to it. Missing weights (a new task head) are
        initialised and listed in a warning; unused ones (heads this class lacks) are listed too
        (minibert/loading/model_files.py).
        """
        return model_files.from_pretrained(cls, pretrained_model_name_or_path, *model_args, **kwargs)

    def _init_missing(self, missing: list[str]) -> None:
        """Initialise the modules whose parameters the checkpoint did not provide."""
        owners = {name.rsplit(".", 1)[0] for name in missing}
        with torch.no_grad():
            for name, module in self.named_modules():
                if name in owners:
                    self._init_weights(module)
        self.tie_weights()
