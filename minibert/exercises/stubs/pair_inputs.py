"""Exercise 20: BERT's input layout for one text or a pair: [CLS] A [SEP] (B [SEP]) and its token types.

Lesson: minibert/tokenization/encoding.py (``build_inputs_with_special_tokens`` and
``create_token_type_ids_from_sequences``). Grade: ``python -m minibert.exercises grade pair_inputs``.
"""

from __future__ import annotations


def pair_inputs(ids_a: list[int], ids_b: list[int] | None, cls_id: int, sep_id: int) -> tuple[list[int], list[int]]:
    """The ``input_ids`` and ``token_type_ids`` BERT reads for the word-piece ids of one text, or of a pair.

    * One text (``ids_b is None``): ``[CLS] A [SEP]``, every token type 0.
    * A pair: ``[CLS] A [SEP] B [SEP]``; token type 0 for ``[CLS]``, the pieces of A and the [SEP] that closes
      A, token type 1 for the pieces of B and the [SEP] that closes B.

    Example: ``pair_inputs([7592], [2088], 101, 102)`` -> ``([101, 7592, 102, 2088, 102], [0, 0, 0, 1, 1])``.
    Either text may be empty (``[]``): its special tokens are still there.

    Returns:
        ``(input_ids, token_type_ids)``: two lists of Python ints of the same length.
    """
    raise NotImplementedError("exercise pair_inputs: not implemented yet — replace this line with your code")
