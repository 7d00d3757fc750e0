"""Exercise 14, reference solution: BERT's learning-rate schedule (Devlin et al., 2019, Appendix A.2)."""

from __future__ import annotations


def linear_schedule(step: int, num_warmup_steps: int, num_training_steps: int) -> float:
    """Factor of the peak learning rate: step / warmup while warming up, then linear decay to 0 at the end."""
    if step < num_warmup_steps:
        return step / max(1, num_warmup_steps)
    return max(0.0, (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps))
