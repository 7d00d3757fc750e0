"""`BertPreTrainedModel`: what every BERT model shares besides its forward pass.

Weight initialisation as the reference (normal(0, initializer_range) for linear and embedding weights,
zero biases, LayerNorm ones/zeros), ``from_pretrained`` / ``save_pretrained`` in the Hugging Face file
formats, head pruning, gradient checkpointing, and resizing / tying the word embeddings.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from minibert.config import BertConfig
from minibert.loading import pretrained_io


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

    def lm_prediction_head(self) -> nn.Module | None:
        """The model's `BertLMPredictionHead` (MLM models return ``self.cls.predictions``), or None."""
        return None

    def get_output_embeddings(self) -> nn.Linear | None:
        head = self.lm_prediction_head()
        return None if head is None else head.decoder

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        head = self.lm_prediction_head()
        if head is None:
            raise ValueError(f"{type(self).__name__} has no LM head, so no output embeddings to set")
        head.decoder = new_embeddings
        head.bias = new_embeddings.bias

    def tie_weights(self) -> None:
        """Make the LM decoder use the word-embedding matrix itself (one tensor, not a copy), and its bias the
        head's ``bias`` parameter (again: moving or re-allocating a model may give each module its own copy)."""
        head = self.lm_prediction_head()
        if head is None:
            return
        if self.config.tie_word_embeddings:
            head.decoder.weight = self.get_input_embeddings().weight
        head.tie_bias()

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
        """The LM head's per-token bias (and an untied decoder) follow the vocabulary size."""
        head = self.lm_prediction_head()
        if head is not None:
            untied_std = None if self.config.tie_word_embeddings else self.config.initializer_range
            head.resize(new_num_tokens, untied_std)

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
        ``{"context_fn": minibert.selective_recompute}`` recomputes only the cheap operations (see encoder.py).
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
        files complete (minibert/loading/pretrained_io.py).
        """
        pretrained_io.save_pretrained(self, save_directory, safe_serialization)

    # -- loading --------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike, *model_args, **kwargs):
        """Build ``cls`` from a local folder, a single weights file, or a Hub repo id.

        Keywords: ``config``, ``revision``, ``cache_dir``, ``local_files_only``, ``torch_dtype``,
        ``attn_implementation``, ``output_loading_info``; any other keyword that is a config field
        (``num_labels=3``, ``hidden_dropout_prob=0.0``) overrides ``config.json``, and a keyword of the class's
        own constructor (``add_pooling_layer=False``) goes to it. Missing weights (a new task head) are
        initialised and listed in a warning; unused ones (heads this class lacks) are listed too
        (minibert/loading/pretrained_io.py).
        """
        return pretrained_io.from_pretrained(cls, pretrained_model_name_or_path, *model_args, **kwargs)

    def _init_missing(self, missing: list[str]) -> None:
        """Initialise the modules whose parameters the checkpoint did not provide."""
        owners = {name.rsplit(".", 1)[0] for name in missing}
        with torch.no_grad():
            for name, module in self.named_modules():
                if name in owners:
                    self._init_weights(module)
        self.tie_weights()
