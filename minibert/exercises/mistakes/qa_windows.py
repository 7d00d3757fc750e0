"""Exercise 19, typical mistakes: the budget (special tokens), the step (stride is an overlap), the last window."""

from minibert.exercises.diagnosis import Mistake


def windows(question_tokens, context_tokens, max_length, stride, *, special=3, step=None, full_only=False,
            stop_at_end=True):
    """The windows with one rule changed; ``step``: (budget, stride) -> distance between window starts."""
    budget = max_length - question_tokens - special
    move = max(1, (step or (lambda b, s: b - s))(budget, stride))
    if context_tokens <= budget:
        starts = [0] if stop_at_end or full_only else list(range(0, context_tokens, move))
    elif full_only:  # only windows that hold a whole budget: the partial last one is lost
        starts = list(range(0, context_tokens - budget + 1, move))
    else:
        starts = []
        for start in range(0, context_tokens, move):
            starts.append(start)
            if stop_at_end and start + budget >= context_tokens:
                break
    return [(s, min(s + budget, context_tokens)) for s in starts]


MISTAKES = [
    Mistake("stride_as_step",
            "Probably stride is taken as the distance between window starts: it is the number of tokens two "
            "consecutive windows share, so the starts are budget - stride apart.",
            lambda **i: windows(**i, step=lambda b, s: s)),
    Mistake("no_special_tokens",
            "Probably the special tokens are forgotten: each row also holds [CLS], [SEP] and [SEP], so a window "
            "holds max_length - question_tokens - 3 context tokens.",
            lambda **i: windows(**i, special=0)),
    Mistake("two_special_tokens",
            "Probably only 2 special tokens are counted: a question-context row holds 3 ([CLS] question [SEP] "
            "context [SEP]), so a window holds max_length - question_tokens - 3 context tokens.",
            lambda **i: windows(**i, special=2)),
    Mistake("last_window_dropped",
            "Probably the last, shorter window is dropped (only windows of a whole budget are kept): the "
            "windows must cover the context to its last token; the last one ends at context_tokens.",
            lambda **i: windows(**i, full_only=True)),
    Mistake("overlap_off_by_one",
            "Probably consecutive windows overlap by stride + 1 tokens (starts budget - stride - 1 apart): they "
            "share exactly stride tokens, so the next start is start + budget - stride.",
            lambda **i: windows(**i, step=lambda b, s: b - s - 1)),
    Mistake("windows_after_the_end",
            "Probably windows go on after one has reached the end of the context (each inside the one before): "
            "stop after the first window whose end is context_tokens.",
            lambda **i: windows(**i, stop_at_end=False)),
]
