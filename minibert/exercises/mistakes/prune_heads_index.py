"""Exercise 13, typical mistakes: the shift past heads already pruned, which heads count, kept vs removed."""

import torch

from minibert.exercises.diagnosis import Mistake


def index(heads, n_heads, head_size, already_pruned, *, shift="smaller", ignore_pruned=True, kept=True):
    """Kept (or removed) feature indices with one rule changed; the defaults are right."""
    pruned = set(already_pruned)
    remove = torch.zeros(n_heads, dtype=torch.bool)
    for h in set(heads) - pruned if ignore_pruned else set(heads):
        moved = {"smaller": sum(p < h for p in pruned), "all": len(pruned), "none": 0}[shift]
        if -n_heads <= h - moved < n_heads:  # as Python indexes: past the end removes nothing
            remove[h - moved] = True
    features = torch.arange(n_heads * head_size).reshape(n_heads, head_size)
    return features[~remove if kept else remove].reshape(-1)


MISTAKES = [
    Mistake("no_shift",
            "Probably the heads are not shifted past those already pruned: original head h now sits at h minus "
            "the number of already-pruned heads below it.",
            lambda **i: index(**i, shift="none")),
    Mistake("shift_by_all",
            "Probably every head is shifted by ALL the already-pruned heads: only those with a SMALLER original "
            "number move it left.",
            lambda **i: index(**i, shift="all")),
    Mistake("already_pruned_not_ignored",
            "Probably heads already pruned are removed again: ignore the heads of `heads` that are in "
            "already_pruned.",
            lambda **i: index(**i, ignore_pruned=False)),
    Mistake("removed_not_kept",
            "Probably the indices of the REMOVED features: return those to keep (the complement), ascending.",
            lambda **i: index(**i, kept=False)),
]
