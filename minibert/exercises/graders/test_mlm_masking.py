"""Grader for exercise 12, ``mlm_masking``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose, unpack
from minibert.exercises.mistakes.mlm_masking import MISTAKES

# Exact: token ids and labels are integers; with the random numbers given, there is one right answer.


def position(inputs, i):
    """Everything the answer at position (b, t) depends on."""
    b, t = i
    return (f"position [{b}, {t}]: input_ids {inputs['input_ids'][b, t].item()}, special "
            f"{bool(inputs['special_tokens_mask'][b, t])}, attention_mask {inputs['attention_mask'][b, t].item()}, "
            f"select_u {inputs['select_u'][b, t].item():.3f}, replace_u {inputs['replace_u'][b, t].item():.3f}, "
            f"random_ids {inputs['random_ids'][b, t].item()}")


def test_mlm_masking(impl, case):
    inputs = case["inputs"]
    original = {k: v.clone() if hasattr(v, "clone") else v for k, v in inputs.items()}
    out = call(impl("mlm_masking"), **inputs)
    with diagnose(out, MISTAKES, original):
        masked, labels = unpack(f"{case['name']}: mlm_masking(...)", out, ("masked_input_ids", "labels"))
        assert_tensor(f"{case['name']}: input_ids after the call (must not be modified in place)",
                      inputs["input_ids"], original["input_ids"])
        assert_tensor(f"{case['name']}: labels", labels, case["expected"]["labels"],
                      at=lambda i: position(original, i))
        assert_tensor(f"{case['name']}: masked_input_ids", masked, case["expected"]["masked_input_ids"],
                      at=lambda i: position(original, i))
