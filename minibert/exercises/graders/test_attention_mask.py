"""Grader for exercise 6, ``attention_mask``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.attention_mask import MISTAKES

# Exact, dtype included: every value is either 0 or torch.finfo(dtype).min, so -inf, -1e4, -1e9 or a
# float32 minimum cast to float16 (-inf) are all wrong, and exactly so.


def test_attention_mask(impl, case):
    mask = case["inputs"]["mask"]
    out = call(impl("attention_mask"), **case["inputs"])
    with diagnose(out, MISTAKES, case["inputs"]):
        assert_tensor(f"{case['name']}: additive mask", out, case["expected"]["mask"],
                      at=lambda i: f"mask[{i[0]}, {i[-1]}] = {mask[i[0], i[-1]].item()}")
