"""The `transformers`-compatible surface around BERT's core (minibert/bert/).

config.py and model.py hold the public `BertConfig` and `BertModel`, subclasses of the core's that add the file
and Hub methods (and, for the model, the legacy tuple output and the padding warning).

``BertPreTrainedModel`` (pretrained_model.py) gives every model ``from_pretrained`` / ``save_pretrained``, weight
initialisation, head pruning by request, gradient checkpointing, and the word embeddings' access, tying and
vocabulary resizing (word_embeddings.py, resizing.py); auto.py holds the Auto classes. File formats themselves
are read and written in minibert/loading/.
"""
