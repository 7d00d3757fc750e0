"""Exercise 6, typical mistakes: the wrong fill value, a multiplicative mask, the wrong shape or dtype."""

import torch

from minibert.exercises.diagnosis import Mistake


def padded(mask):  # (B, 1, 1, T) bool, True at padding
    return ~mask.bool()[:, None, None, :]


MISTAKES = [
    Mistake("minus_10000",
            "Probably the old -10000: padding gets torch.finfo(dtype).min, the most negative finite number of the "
            "dtype asked for (-10000 does not silence large scores).",
            lambda mask, dtype: padded(mask).to(dtype) * -10000.0),
    Mistake("minus_inf",
            "Probably -inf at padding (written as -inf, or as torch.finfo(torch.float32).min, which overflows to "
            "-inf in float16 and bfloat16): use torch.finfo(dtype).min of the dtype asked for, which is finite, "
            "so that a row of padding gives a uniform softmax instead of NaN.",
            lambda mask, dtype: torch.zeros(padded(mask).shape, dtype=dtype).masked_fill(padded(mask), -torch.inf)),
    Mistake("multiplicative",
            "Probably a multiplicative 0/1 mask: attention ADDS this mask to its scores, so a real token gets 0 "
            "and padding gets torch.finfo(dtype).min.",
            lambda mask, dtype: (~padded(mask)).to(dtype)),
    Mistake("inverted",
            "Probably the mask is inverted: 0 where mask is 1 (a real token), torch.finfo(dtype).min where it is "
            "0 (padding).",
            lambda mask, dtype: (~padded(mask)).to(dtype) * torch.finfo(dtype).min),
    Mistake("no_singleton_dims",
            "Probably the two singleton dimensions are missing: return (B, 1, 1, T), e.g. with mask[:, None, None, "
            ":], so that the mask broadcasts over heads and queries.",
            lambda mask, dtype: (~mask.bool()).to(dtype) * torch.finfo(dtype).min),
    Mistake("float32_result",
            "Probably the result is float32 whatever the dtype argument: build it in dtype (and use "
            "torch.finfo(dtype).min).",
            test=lambda got, inputs: inputs["dtype"] != torch.float32 and got.dtype == torch.float32),
]
