"""Exercise 8, typical mistakes: the right numbers in the wrong places."""

from minibert.exercises.diagnosis import Mistake

MISTAKES = [
    Mistake("no_transpose",
            "Probably reshaped straight to (B, T, H·d) without the transpose: the right numbers in the wrong "
            "places; swap H and T back first (transpose(1, 2)), then reshape.",
            lambda x: x.reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3])),
    Mistake("interleaved",
            "Probably the heads interleaved (feature i·H + h): head h owns the contiguous features "
            "[h·d, (h+1)·d); move T next to B and keep H before d (permute(0, 2, 1, 3)).",
            lambda x: x.permute(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], -1)),
    Mistake("no_reshape",
            "Probably the transpose without the reshape: (B, T, H, d) still has to become (B, T, H·d).",
            lambda x: x.transpose(1, 2)),
]
