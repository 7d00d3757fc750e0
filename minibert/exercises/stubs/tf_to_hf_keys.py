"""Exercise 21: Google's TensorFlow variable names -> the Hugging Face state-dict keys (and which to transpose).

Lesson: minibert/loading/tf_names.py (``reference_key``), used by the loader of Google's original checkpoints.
Grade: ``python -m minibert.exercises grade tf_to_hf_keys``.
"""

from __future__ import annotations


def tf_to_hf_keys(names: list[str]) -> tuple[list[str | None], list[bool]]:
    """For each variable name of a google-research/bert checkpoint, the key minibert (and transformers) give that
    weight, and whether its values must be transposed on the way.

    The rules:

    * ``/`` becomes ``.``, and a layer scope ``layer_N`` becomes ``layer.N``:
      ``bert/encoder/layer_3/attention/self/query/kernel`` -> ``bert.encoder.layer.3.attention.self.query.weight``.
    * A dense layer's ``kernel`` becomes ``weight`` and IS transposed (TF stores it (in, out) and computes
      ``x @ W``; ``nn.Linear`` stores (out, in)); its ``bias`` stays ``bias``, not transposed.
    * A LayerNorm's ``gamma`` becomes ``weight`` and its ``beta`` becomes ``bias`` (not transposed).
    * The three embedding tables ``bert/embeddings/{word,position,token_type}_embeddings`` have no leaf name in
      TF: append ``.weight`` (not transposed).
    * The output layers Google wrote by hand (``tf.matmul(x, W, transpose_b=True)``) are already (out, in), so
      they are NOT transposed: ``cls/seq_relationship/output_weights`` -> ``cls.seq_relationship.weight``,
      ``cls/seq_relationship/output_bias`` -> ``cls.seq_relationship.bias`` and
      ``cls/predictions/output_bias`` -> ``cls.predictions.bias``.
    * Training state is no weight: Adam's slots (names ending in ``/adam_m`` or ``/adam_v``) and
      ``global_step`` map to ``None`` (and ``False``).

    Returns:
        ``(keys, transpose)``: two lists as long as ``names``; ``keys[i]`` a ``str`` or ``None``,
        ``transpose[i]`` a ``bool``.
    """
    raise NotImplementedError("exercise tf_to_hf_keys: not implemented yet — replace this line with your code")
