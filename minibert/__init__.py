"""minibert: an educational, from-scratch BERT that computes what the reference computes.

Names are imported lazily (PEP 562 ``__getattr__``): ``import minibert`` costs almost nothing,
and ``from minibert import BertModel`` loads only the modules that class needs. Each entry below
maps a public name to the module that defines it; the modules themselves follow the data flow
text -> tokens -> embeddings -> attention -> feed-forward -> layer -> encoder -> pooler -> heads.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    # configuration
    "BertConfig": "minibert.config",
    # the encoder, one module per concept
    "BertEmbeddings": "minibert.embeddings",
    "BertSelfAttention": "minibert.attention",
    "BertSelfOutput": "minibert.attention",
    "BertAttention": "minibert.attention",
    "BertIntermediate": "minibert.feed_forward",
    "BertOutput": "minibert.feed_forward",
    "BertLayer": "minibert.layer",
    "BertEncoder": "minibert.encoder",
    "BertPooler": "minibert.pooler",
    "BertPreTrainedModel": "minibert.pretrained",
    "BertModel": "minibert.model",
    # outputs
    "ModelOutput": "minibert.outputs",
    "BaseModelOutput": "minibert.outputs",
    "BaseModelOutputWithPooling": "minibert.outputs",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'minibert' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: the next lookup is a plain attribute access
    return value


def __dir__():
    return __all__
