"""Exercise 7, typical mistakes: the right numbers in the wrong places."""

from minibert.exercises.diagnosis import Mistake

MISTAKES = [
    Mistake("no_transpose",
            "Probably reshaped straight to (B, H, T, d) without the transpose: the right numbers in the wrong "
            "places; view as (B, T, H, d) first, then swap T and H.",
            lambda x, num_heads: x.reshape(x.shape[0], num_heads, x.shape[1], x.shape[2] // num_heads)),
    Mistake("interleaved",
            "Probably heads taken from interleaved features (feature i·H + h) instead of contiguous blocks: "
            "view as (B, T, H, d), H before d, then swap T and H.",
            lambda x, num_heads: x.reshape(*x.shape[:2], x.shape[2] // num_heads, num_heads).permute(0, 3, 1, 2)),
    Mistake("transpose_missing_shape",
            "Probably the transpose is missing: (B, T, H, d) is one step before the answer; swap T and H "
            "(transpose(1, 2)).",
            lambda x, num_heads: x.reshape(*x.shape[:2], num_heads, x.shape[2] // num_heads)),
]
