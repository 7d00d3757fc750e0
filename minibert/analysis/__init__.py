"""Reading a trained BERT's attention: what the heads look at, and how much of it reaches the output.

Three views of one forward pass, each a module:

* ``patterns``: Clark et al. (2019), "What Does BERT Look At?": the share of attention each head gives to
  ``[CLS]``, ``[SEP]`` and punctuation, and the heads that follow the previous or the next token, found
  automatically;
* ``norms``: Kobayashi et al. (2020), "Attention is Not Only a Weight": weight a head's attention α_ij by the
  size of what it actually moves, ‖α_ij f(x_j)‖;
* ``rollout``: Abnar & Zuidema (2020), "Quantifying Attention Flow in Transformers": follow attention through
  the layers, residual connections included.

``views.attention_views`` runs a model once and returns all three, per layer; ``python -m minibert attention``
draws them as an interactive page.
"""

from minibert.analysis.norms import norm_weighted_attention, transformed_values
from minibert.analysis.patterns import find_heads, offset_attention, token_class_masks, token_class_shares
from minibert.analysis.rollout import attention_rollout
from minibert.analysis.views import AttentionViews, attention_views

__all__ = ["AttentionViews", "attention_rollout", "attention_views", "find_heads", "norm_weighted_attention",
           "offset_attention", "token_class_masks", "token_class_shares", "transformed_values"]
