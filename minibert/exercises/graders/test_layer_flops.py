"""Grader for exercise 22, ``layer_flops``."""

import torch

from minibert.exercises.compare import GradeFailure
from minibert.exercises.graders.common import call, diagnose
from minibert.exercises.mistakes.layer_flops import MISTAKES

# Exact: a count of integers. Any rule missed changes it by whole products, far more than one.


def test_layer_flops(impl, case):
    i = case["inputs"]
    got = call(impl("layer_flops"), i["hidden_size"], i["num_attention_heads"], i["intermediate_size"], i["seq_len"])
    if isinstance(got, torch.Tensor) and got.numel() == 1 and not got.dtype.is_floating_point:
        got = int(got)
    if isinstance(got, float) and got.is_integer():  # a whole number written as a float counts as that number
        got = int(got)
    what = (f"{case['name']}: layer_flops(hidden_size={i['hidden_size']}, num_attention_heads="
            f"{i['num_attention_heads']}, intermediate_size={i['intermediate_size']}, seq_len={i['seq_len']})")
    expected = case["expected"]["flops"]
    with diagnose(got, MISTAKES, i):
        if isinstance(got, bool) or not isinstance(got, int):
            raise GradeFailure(f"{what}: expected an int, got {type(got).__name__}: {got!r}")
        if got != expected:
            raise GradeFailure(f"{what}: got {got:,}, expected {expected:,} ({got / expected:.4g} times the count)")
