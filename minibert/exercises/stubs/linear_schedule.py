"""Exercise 14: BERT's learning-rate schedule, linear warm-up then linear decay (Devlin et al., 2019, A.2).

Lesson: minibert/training/schedules.py. Grade: ``python -m minibert.exercises grade linear_schedule``.
"""

from __future__ import annotations


def linear_schedule(step: int, num_warmup_steps: int, num_training_steps: int) -> float:
    """The factor the peak learning rate is multiplied by at optimizer step ``step`` (0, 1, 2, ...).

    * Warm-up, ``step < num_warmup_steps``: ``step / num_warmup_steps`` (0 at step 0, rising linearly).
    * Afterwards: falls linearly from 1 at ``step == num_warmup_steps`` to 0 at ``step == num_training_steps``,
      i.e. ``(num_training_steps - step) / (num_training_steps - num_warmup_steps)``, and stays 0 after
      (never negative).

    Edge cases: ``num_warmup_steps`` may be 0 (no warm-up) and may equal or even exceed ``num_training_steps``.
    Divide by ``max(1, num_warmup_steps)`` and ``max(1, num_training_steps - num_warmup_steps)``, so that a
    zero or negative length counts as 1 (that is what the transformers/minibert schedules do).

    Returns:
        A Python ``float``.
    """
    raise NotImplementedError("exercise linear_schedule: not implemented yet — replace this line with your code")
