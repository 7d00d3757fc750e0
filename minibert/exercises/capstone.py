"""The capstone: a whole BertModel running on your own functions, proven equal to the reference module by module.

    python -m minibert.exercises capstone --impl DIR [--model PATH_OR_REPO_ID]

It loads a trained checkpoint (the default model, see minibert/defaults.py, or ``--model``) into minibert's
``BertModel``, replaces the computation of each module by your exercise functions, and runs the same
per-module weight-compatibility comparison as ``python -m minibert check`` (minibert/parity/) against the
reference on the same weights and inputs. Each of your functions has a module of its own, so the first
module that differs names the function to look at:

    module                              computed by your
    embeddings                          embeddings        (word + position + token type, then LayerNorm)
    (the additive mask, once)           attention_mask    (used by every layer's attention)
    encoder.layer.i.attention.probs     split_heads, attention   (of the checkpoint's Q, K, V, with your mask)
    encoder.layer.i.attention.self      attention, merge_heads   (the context vectors, heads merged)
    encoder.layer.i.attention.output    add_and_norm      (dense, residual, LayerNorm)
    encoder.layer.i.intermediate        gelu              (after the checkpoint's dense)
    encoder.layer.i.output              layer_norm        (of dense(h) + residual)
    pooler                              pooler
"""

from __future__ import annotations

import sys
import types

import torch

from minibert.bert.outputs import BaseModelOutputWithPooling
from minibert.exercises.adapters import get_impl

FUNCTIONS = ("gelu", "layer_norm", "embeddings", "attention_mask", "split_heads", "merge_heads", "attention",
             "add_and_norm", "pooler")
# The module of parity.table.module_names() (with the layer number cut out) -> the functions that compute it.
BLAME = {"embeddings": ("embeddings",), "attention.probs": ("attention_mask", "split_heads", "attention"),
         "attention.output": ("add_and_norm",), "intermediate": ("gelu",), "output": ("layer_norm",),
         "pooler": ("pooler",)}


def blame(module: str, ok: dict[str, bool]) -> tuple[str, ...]:
    """``encoder.layer.3.attention.output`` -> ``("add_and_norm",)``; ``ok``: each module's status.

    The context (``attention.self``) comes after the probabilities: with the probabilities right, only
    ``attention`` (probs @ V) and ``merge_heads`` are left to blame.
    """
    if module.endswith(".attention.self"):
        probs = module.removesuffix(".self") + ".probs"
        return ("attention", "merge_heads") if ok.get(probs) else BLAME["attention.probs"]
    parts = module.split(".")
    return BLAME[".".join(parts[3:]) if parts[0] == "encoder" else module]


def use_learner_functions(model, fn: dict) -> None:
    """Make every module of minibert's ``BertModel`` compute with the learner's functions ``fn`` (name -> function).

    Parameters and module names stay as loaded, so the checkpoint's weights are used and compat's hooks see
    each module's output exactly where they see the reference's.
    """
    config = model.config
    if config.hidden_act != "gelu" or config.position_embedding_type != "absolute":
        raise ValueError(f"the capstone needs a BERT with hidden_act='gelu' and absolute positions (your functions "
                         f"compute those); this checkpoint has hidden_act={config.hidden_act!r}, "
                         f"position_embedding_type={config.position_embedding_type!r}")
    e = model.embeddings

    def embed(input_ids=None, token_type_ids=None, position_ids=None, inputs_embeds=None):
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        return fn["embeddings"](input_ids, token_type_ids, e.word_embeddings.weight, e.position_embeddings.weight,
                                e.token_type_embeddings.weight, e.LayerNorm.weight, e.LayerNorm.bias, e.LayerNorm.eps)

    e.forward = embed
    for layer in model.encoder.layer:
        attn, out, inter, ffn_out = layer.attention.self, layer.attention.output, layer.intermediate, layer.output
        attn.forward = types.MethodType(self_attention(fn), attn)
        out.forward = residual(fn, out)
        inter.forward = (lambda m: lambda h: fn["gelu"](m.dense(h)))(inter)
        ffn_out.forward = (lambda m: lambda h, x: fn["layer_norm"](m.dense(h) + x, m.LayerNorm.weight,
                                                                   m.LayerNorm.bias, m.LayerNorm.eps))(ffn_out)
    if model.pooler is not None:
        p = model.pooler
        p.forward = lambda h: fn["pooler"](h, p.dense.weight, p.dense.bias)
    model.forward = types.MethodType(model_forward(fn), model)


def self_attention(fn):
    def forward(self, hidden_states, attention_mask=None, head_mask=None, output_attentions=False,
                encoder_hidden_states=None, past_key_values=None, *, layout=None):
        if encoder_hidden_states is not None or past_key_values is not None:  # the exercises build an encoder
            raise ValueError("the capstone model is an encoder: no cross-attention, no key/value cache")
        H = self.num_attention_heads
        q, k, v = (fn["split_heads"](linear(hidden_states), H) for linear in (self.query, self.key, self.value))
        context, probs = fn["attention"](q, k, v, attention_mask, head_mask)  # (B, H, T, d), (B, H, T, T)
        return fn["merge_heads"](context), probs
    return forward


def residual(fn, m):
    return lambda h, x: fn["add_and_norm"](h, x, m.dense.weight, m.dense.bias, m.LayerNorm.weight, m.LayerNorm.bias,
                                           m.LayerNorm.eps)


def model_forward(fn):
    """BertModel's forward with the learner's attention_mask; the rest is the modules above."""
    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
                inputs_embeds=None, *, output_attentions=False, output_hidden_states=False, return_dict=True):
        if position_ids is not None or head_mask is not None or inputs_embeds is not None:
            raise ValueError("the capstone model takes input_ids, attention_mask and token_type_ids only")
        dtype = self.embeddings.word_embeddings.weight.dtype
        h = self.embeddings(input_ids, token_type_ids)  # (B, T, C)
        mask = None if attention_mask is None else fn["attention_mask"](attention_mask, dtype)  # (B, 1, 1, T)
        enc = self.encoder(h, attention_mask=mask, head_mask=None, output_attentions=output_attentions,
                           output_hidden_states=output_hidden_states)
        pooled = self.pooler(enc.last_hidden_state) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=enc.last_hidden_state, pooler_output=pooled,
                                          hidden_states=enc.hidden_states, attentions=enc.attentions)
    return forward


def capstone(source: str, model: str | None = None, device: str = "cpu") -> int:
    """Compare the learner's BERT with the reference, print the table and the verdict; 0 when every module agrees."""
    from minibert.defaults import resolve_model
    from minibert.parity.check import check_checkpoint

    try:
        fn = {name: get_impl(name, source) for name in FUNCTIONS}
    except (ImportError, FileNotFoundError, AttributeError, SyntaxError) as err:
        print(f"error: cannot load your functions: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    chosen = resolve_model(model)
    try:
        report = check_checkpoint(chosen.name_or_path, device=device,
                                  adapt=lambda m: use_learner_functions(m, fn))
    except NotImplementedError as err:  # a stub: finish that exercise first
        print(f"error: {err}\nthe capstone runs {', '.join(FUNCTIONS)}: finish each first "
              f"(python -m minibert.exercises status --impl {source})", file=sys.stderr)
        return 1
    except ValueError as err:  # a checkpoint the capstone cannot run (another activation, relative positions)
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"BertModel computed by your functions from {source!r}: {', '.join(FUNCTIONS)}")
    print(report.format_table().replace("model:     ", "weights:   ", 1))
    failing = [row.module for row in report.rows if not row.ok]
    if not failing:
        print(f"your BERT computes what the reference computes: all {len(report.rows)} modules within "
              f"{report.tolerance:g}")
        return 0
    first = failing[0]
    names = blame(first, {row.module: row.ok for row in report.rows})
    print(f"first module that differs: {first}, computed by your {', '.join(names)}; grade "
          f"{'it' if len(names) == 1 else 'them'}: python -m minibert.exercises grade {' '.join(names)} "
          f"--impl {source}")
    return 1
