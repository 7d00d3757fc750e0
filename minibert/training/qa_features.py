"""SQuAD rows -> training features for extractive question answering: token positions of the answer span.

A SQuAD answer is given in characters (``answer_start`` into the context, and its text); the model predicts
token positions. The fast tokenizer's character offsets of each context piece translate one into the other::

    question "Where was Ada born?", context "Ada was born in London in 1815.", answer "London" at character 16

    [CLS] where was ad ##a bor ##n ? [SEP] ad ##a was bor ##n in lon ##do ##n in 18 ##15 .  [SEP]
    0     1     2   3  4   5   6   7 8     9  10  11  12  13  14 15  16   17  18 19 20   21 22

    the context pieces lon (characters 16..19), ##do (19..21) and ##n (21..22) cover the answer's characters
    16..22: start_position = 15, end_position = 17   (the pieces of checkpoints/minibert-pydocs' vocabulary)

A context longer than the model reads is cut into windows overlapping by ``doc_stride`` tokens (the
reference's overflowing tokens, minibert/tokenization/windows.py); every window becomes a feature. A window
that does not hold the whole answer is labelled with the ``[CLS]`` position (0, 0), "no answer here", as the
reference's ``run_qa.py`` does. The labels equal run_qa.py's but in one case: when the answer is a window's
last piece, run_qa.py's search for the start walks on past it onto ``[SEP]`` (whose offsets are (0, 0)) and
labels a start after the end; here the start stays on the answer's piece.
"""

from __future__ import annotations

from minibert.tokenization.windows import question_windows


def answer_span(row: dict, where: str) -> tuple[int, int, str]:
    """``(start_char, end_char, text)`` of the row's first answer; a ``ValueError`` naming the row if it is not
    where ``answer_start`` says."""
    answers = row.get("answers")
    if not isinstance(answers, dict) or not answers.get("text") or not answers.get("answer_start"):
        raise ValueError(f"{where}: expected 'answers': {{'text': [...], 'answer_start': [...]}} (SQuAD layout) "
                         f"with at least one answer, got {answers!r:.120}")
    text, start = answers["text"][0], answers["answer_start"][0]
    context = row["context"]
    if not isinstance(start, int) or context[start:start + len(text)] != text or not text:
        found = context[start:start + len(text)] if isinstance(start, int) else None
        elsewhere = context.find(text) if text else -1
        hint = f"; it occurs at {elsewhere}" if elsewhere >= 0 else "; it does not occur in the context at all"
        raise ValueError(f"{where}: the answer {text!r} does not occur at answer_start {start!r} of the context "
                         f"(the context has {found!r} there{hint})")
    return start, start + len(text), text


def qa_features(tokenizer, question: str, context: str, start_char: int, end_char: int, max_length: int,
                doc_stride: int) -> list[dict]:
    """One feature per window: ``input_ids``/``token_type_ids`` ``(T,)``, ``start_positions``/``end_positions``.

    Positions index the row ``[CLS] question [SEP] window [SEP]``; both are 0 when the window misses the answer.
    """
    q_ids, ids, offsets, spans = question_windows(tokenizer, question, context, max_length, doc_stride,
                                                  names=("--max-length", "--doc-stride"))
    features = []
    for lo, hi in spans:
        n_q = len(q_ids) + 2  # [CLS] question [SEP]: the window's first token sits at position n_q
        row = tokenizer.build_inputs_with_special_tokens(q_ids, ids[lo:hi])
        start = end = 0
        if lo < hi and offsets[lo][0] <= start_char and offsets[hi - 1][1] >= end_char:
            # The first piece starting after start_char is one past the answer's first piece; the last piece
            # ending before end_char is one before its last piece.
            first = next((i for i in range(lo, hi) if offsets[i][0] > start_char), hi) - 1
            last = next((i for i in range(hi - 1, lo - 1, -1) if offsets[i][1] < end_char), lo - 1) + 1
            start, end = n_q + first - lo, n_q + last - lo
        features.append({"input_ids": row, "token_type_ids": [0] * n_q + [1] * (len(row) - n_q),
                         "start_positions": start, "end_positions": end})
    return features
