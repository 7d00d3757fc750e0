"""Exercise 20, typical mistakes: which [SEP] ends which segment, and whether the segments are told apart."""

from minibert.exercises.diagnosis import Mistake


def layout(ids_a, ids_b, cls_id, sep_id, *, final_sep=True, first_sep_type=0, last_sep_type=1, b_type=1):
    """(input_ids, token_type_ids) with one rule changed; the defaults are right."""
    input_ids, types = [cls_id, *ids_a, sep_id], [0] * (len(ids_a) + 1) + [first_sep_type]
    if ids_b is not None:
        input_ids += [*ids_b] + ([sep_id] if final_sep else [])
        types += [b_type] * len(ids_b) + ([last_sep_type] if final_sep else [])
    return input_ids, types


MISTAKES = [
    Mistake("no_final_sep",
            "Probably the pair ends without its second [SEP]: a pair is [CLS] A [SEP] B [SEP], with a [SEP] "
            "(token type 1) after B too.",
            lambda **i: layout(**i, final_sep=False)),
    Mistake("first_sep_in_segment_b",
            "Probably the [SEP] between A and B has token type 1: it closes A, so it belongs to segment 0; "
            "segment 1 starts with B's first piece.",
            lambda **i: layout(**i, first_sep_type=1) if i["ids_b"] is not None else None),
    Mistake("last_sep_in_segment_a",
            "Probably the [SEP] after B has token type 0: it closes B, so it belongs to segment 1.",
            lambda **i: layout(**i, last_sep_type=0) if i["ids_b"] is not None else None),
    Mistake("types_all_zero",
            "Probably every token type is 0: the second text's pieces and its [SEP] get token type 1, which is "
            "how BERT tells the two texts apart.",
            lambda **i: layout(**i, last_sep_type=0, b_type=0) if i["ids_b"] is not None else None),
]
