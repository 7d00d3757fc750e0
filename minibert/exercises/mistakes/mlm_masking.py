"""Exercise 12, typical mistakes: the wrong positions chosen, 80/10/10 in the wrong order, the wrong labels."""

import torch

from minibert.exercises.diagnosis import Mistake


def corrupt(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
            mlm_probability=0.15, mask_replace_prob=0.8, random_replace_prob=0.1, *, padding=False, special=False,
            order="mask,random,keep", chosen_only=True, labels="original", above=False):
    """BERT's masking with one rule changed; the keywords say which, the defaults are right."""
    eligible = torch.ones_like(input_ids, dtype=torch.bool)
    if not special:
        eligible &= ~special_tokens_mask.bool()
    if not padding:
        eligible &= attention_mask.bool()
    chosen = eligible & ((select_u >= 1 - mlm_probability) if above else (select_u < mlm_probability))
    # The three ranges of replace_u in the order given: [0, p1) -> first, [p1, p1 + p2) -> second, rest -> third.
    share = {"mask": mask_replace_prob, "random": random_replace_prob,
             "keep": 1.0 - mask_replace_prob - random_replace_prob}
    low, ranges = 0.0, {}
    for kind in order.split(","):
        ranges[kind] = (replace_u >= low) & (replace_u < low + share[kind])
        low += share[kind]
    ranges["keep"] = ~(ranges["mask"] | ranges["random"])
    where = chosen if chosen_only else torch.ones_like(chosen)
    masked = input_ids.clone()
    masked[where & ranges["mask"]] = mask_token_id
    to_random = where & ranges["random"]
    masked[to_random] = random_ids[to_random]
    source = {"original": input_ids, "corrupted": masked}.get(labels, input_ids)
    out = torch.where(chosen, source, torch.full_like(input_ids, -100)) if labels != "everywhere" else input_ids.clone()
    return masked, out


MISTAKES = [
    Mistake("padding_chosen",
            "Probably padding positions can be chosen: a position is eligible only where attention_mask is 1 "
            "(and special_tokens_mask is False).",
            lambda **i: corrupt(**i, padding=True)),
    Mistake("special_chosen",
            "Probably special tokens ([CLS], [SEP]) can be chosen: a position is eligible only where "
            "special_tokens_mask is False (and attention_mask is 1).",
            lambda **i: corrupt(**i, special=True)),
    Mistake("random_first",
            "Probably 80/10/10 drawn in the wrong order (a random id for the lowest replace_u): [MASK] where "
            "replace_u < mask_replace_prob, a random id in the next random_replace_prob, unchanged above.",
            lambda **i: corrupt(**i, order="random,mask,keep")),
    Mistake("keep_before_random",
            "Probably 80/10/10 drawn in the wrong order (unchanged before random): [MASK] where replace_u < "
            "mask_replace_prob, then a random id up to mask_replace_prob + random_replace_prob, unchanged above.",
            lambda **i: corrupt(**i, order="mask,keep,random")),
    Mistake("chosen_by_large_u",
            "Probably positions chosen where select_u is large: a position is chosen when select_u < "
            "mlm_probability.",
            lambda **i: corrupt(**i, above=True)),
    Mistake("unchosen_corrupted",
            "Probably positions that were not chosen are replaced too: only chosen positions (select_u < "
            "mlm_probability) get [MASK] or a random id.",
            lambda **i: corrupt(**i, chosen_only=False)),
    Mistake("labels_corrupted",
            "Probably labels hold the corrupted ids: at chosen positions the label is the ORIGINAL id (what the "
            "model must predict), -100 elsewhere.",
            lambda **i: corrupt(**i, labels="corrupted")),
    Mistake("labels_everywhere",
            "Probably every position has a label: labels are -100 except at chosen positions (the loss ignores "
            "-100).",
            lambda **i: corrupt(**i, labels="everywhere")),
]
