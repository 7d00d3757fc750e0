"""Exercise 14, typical mistakes: where the warm-up starts, where the decay starts, where it ends."""

from minibert.exercises.diagnosis import Mistake


def schedule(step, warmup, total, *, first_step=0, decay_from="warmup", clamp=True):
    """The linear schedule with one rule changed; the defaults are right."""
    if step < warmup:
        return (step + first_step) / max(1, warmup)
    length = total - warmup if decay_from == "warmup" else total
    factor = (total - step) / max(1, length)
    return max(0.0, factor) if clamp else factor


def per_step(**rule):
    return lambda steps, num_warmup_steps, num_training_steps: [
        schedule(s, num_warmup_steps, num_training_steps, **rule) for s in steps]


def floor(got, inputs):
    """The factor stops at a constant above 0 instead of reaching 0 at num_training_steps."""
    end = max(inputs["num_warmup_steps"], inputs["num_training_steps"])
    tail = [g for s, g in zip(inputs["steps"], got) if s >= end]
    return bool(tail) and min(tail) > 0 and max(tail) - min(tail) < 1e-12


MISTAKES = [
    Mistake("warmup_from_one",
            "Probably the warm-up counts steps from 1, (step + 1) / num_warmup_steps: it starts at 0 at step 0, "
            "step / num_warmup_steps.",
            per_step(first_step=1)),
    Mistake("decay_over_whole_run",
            "Probably the decay runs over the whole run, (total - step) / total: it starts at the end of the "
            "warm-up, (total - step) / (total - warmup), so the factor is 1 at step == num_warmup_steps.",
            per_step(decay_from="start")),
    Mistake("non_zero_floor",
            "Probably the decay stops at a floor above 0: the factor falls to exactly 0 at num_training_steps "
            "and stays 0, max(0.0, ...).",
            test=floor),
    Mistake("negative_after_end",
            "Probably the factor goes negative after num_training_steps: clamp it, max(0.0, ...).",
            per_step(clamp=False)),
]
