"""Sliding windows over a text too long for the model (the reference's "overflowing tokens" with a stride).

BERT reads at most ``max_length`` tokens. A longer passage is cut into windows of ``budget`` tokens that
overlap by ``stride`` tokens, so an answer or entity cut by one window's edge is whole in the next::

    tokens 0..9, budget 4, stride 2   ->   [0:4] [2:6] [4:8] [6:10]       (step = budget - stride = 2)

The last window ends exactly at the last token; windows stop as soon as one reaches the end.

A tokenization-level concept, below everything that cuts long inputs: the pipelines (question answering,
token classification) and the training features (minibert/training/qa_features.py) both cut their windows
here. Bad sizes are a ``ValueError`` naming the value; the pipelines turn it into their ``PipelineError``.
"""

from __future__ import annotations


def check_stride(stride: int | None, window: int | None = None, name: str = "stride") -> None:
    """A stride (overlap of consecutive windows) must be >= 0 and smaller than the window it moves."""
    if stride is None:
        return
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 0:
        raise ValueError(f"{name} must be an integer >= 0 (tokens shared by neighbouring windows), got "
                         f"{stride!r}: a negative overlap would skip tokens between windows")
    if window is not None and stride >= window:
        raise ValueError(f"{name} ({stride}) must be smaller than the tokens per window ({window}), or the "
                         "windows would never move forward")


def window_spans(n_tokens: int, budget: int, stride: int) -> list[tuple[int, int]]:
    """``(start, stop)`` token ranges covering ``n_tokens`` tokens, ``budget`` per window, ``stride`` overlap."""
    if budget <= 0:
        raise ValueError(f"no room for the text: the window budget is {budget} tokens (max length too small "
                         "for the question and special tokens)")
    check_stride(stride)  # a negative overlap would step over tokens that no window reads
    if n_tokens <= budget:
        return [(0, n_tokens)]
    check_stride(stride, budget)
    spans = []
    for start in range(0, n_tokens, budget - stride):
        stop = min(start + budget, n_tokens)
        spans.append((start, stop))
        if stop == n_tokens:
            break
    return spans


def question_windows(tokenizer, question: str, context: str, max_length: int, stride: int,
                     names: tuple[str, str] = ("max_length", "stride")):
    """``[CLS] question [SEP] window [SEP]`` rows of at most ``max_length`` tokens, for question answering.

    Returns the question's ids, the context's ids and character offsets, and the ``(start, stop)`` context
    windows. Only the context is cut (the reference's ``truncation="only_second"``); a question that leaves
    no room for it is a ``ValueError`` that says the sizes (``names``: what the caller calls the two limits).
    """
    q_ids = tokenizer(question, add_special_tokens=False, verbose=False)["input_ids"]
    enc = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids, offsets = enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]
    special = tokenizer.num_special_tokens_to_add(True)
    budget = max_length - len(q_ids) - special
    if budget <= 0:
        raise ValueError(f"the question is too long: it has {len(q_ids)} tokens, and with the {special} special "
                         f"tokens it leaves no room for the context in {names[0]} {max_length}; shorten the "
                         f"question, or raise {names[0]} (up to what the model accepts)")
    check_stride(stride, name=names[1])
    try:
        spans = window_spans(len(ids), budget, stride)
    except ValueError as err:
        sizes = f"question of {len(q_ids)} tokens, {names[0]} {max_length}, {names[1]} {stride}"
        raise ValueError(f"{err} ({sizes})") from None
    return q_ids, ids, offsets, spans
