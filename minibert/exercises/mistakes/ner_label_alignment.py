"""Exercise 18, typical mistakes: which pieces get the word's label, and what the others get."""

from minibert.exercises.diagnosis import Mistake


def align(word_labels, word_ids, *, every_piece=False, last_piece=False, special=-100, continuation=-100,
          by_index=False):
    """Piece labels with one rule changed (the right rule: the label on the first piece, -100 elsewhere)."""
    out = []
    for t, word in enumerate(word_ids):
        if word is None:
            out.append(special)
            continue
        label = word if by_index else word_labels[word]
        if every_piece:
            out.append(label)
        elif last_piece:
            out.append(label if t + 1 == len(word_ids) or word_ids[t + 1] != word else continuation)
        else:
            out.append(label if t == 0 or word_ids[t - 1] != word else continuation)
    return out


MISTAKES = [
    Mistake("every_piece",
            "Probably every piece of a word gets the word's label: only its FIRST piece does; the word's other "
            "pieces (##...) get -100, so each word is predicted and scored once.",
            lambda **i: align(**i, every_piece=True)),
    Mistake("special_tokens_labelled",
            "Probably the special tokens ([CLS], [SEP], padding: word id None) get label 0: they are no word and "
            "get -100, the index the loss and the metrics skip.",
            lambda **i: align(**i, special=0)),
    Mistake("last_piece",
            "Probably the label goes on each word's LAST piece: it goes on the first (a piece starts a word when "
            "its word id differs from the previous piece's), and the other pieces get -100.",
            lambda **i: align(**i, last_piece=True)),
    Mistake("continuation_zero",
            "Probably the word's other pieces (##...) get 0 instead of -100: 0 is a real label (often \"O\"), so "
            "the loss would train them as that label; -100 makes the loss skip them.",
            lambda **i: align(**i, continuation=0)),
    Mistake("word_id_as_label",
            "Probably the word's index is written instead of its label: the first piece of word w gets "
            "word_labels[w], not w.",
            lambda **i: align(**i, by_index=True)),
]
