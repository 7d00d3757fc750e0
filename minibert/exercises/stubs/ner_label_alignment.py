"""Exercise 18: word-level NER tags -> one training label per WordPiece piece (token classification, CoNLL-2003).

Lesson: ``align_word_labels`` in minibert/training/word_labels.py.
Grade: ``python -m minibert.exercises grade ner_label_alignment``.
"""

from __future__ import annotations


def ner_label_alignment(word_labels: list[int], word_ids: list[int | None]) -> list[int]:
    """One label id per piece, from one label id per word: the label on each word's FIRST piece, -100 elsewhere.

    A tagged corpus labels *words*; BERT reads *pieces*. ``word_ids`` is what the tokenizer's ``word_ids()``
    gives for a sentence tokenized with ``is_split_into_words=True``: for each piece, the index of the word it
    came from, or ``None`` for a special token ([CLS], [SEP], padding). The pieces of one word are next to each
    other and share its index::

        words        Ada        Lovelace           lived
        word_labels  1          2                  0           (B-PER, I-PER, O)
        pieces       [CLS] ad ##a   lo ##vel ##ace   lived [SEP]
        word_ids     None  0  0     1  1    1        2     None
        returns      -100  1  -100  2  -100 -100     0     -100

    Rules, as in the reference's ``run_ner.py`` recipe:

    * a special token (``None``) gets -100, the index the loss and the metrics skip;
    * the first piece of a word gets that word's label, ``word_labels[word_id]``;
    * every other piece of the word gets -100, so each word is predicted once, from its first piece.

    A word may have no piece at all (its index then never appears), and a truncated sentence may stop after
    any word (later indices are missing). Labels are ints >= 0 (0 is a label like any other, often "O").

    Returns a list of ints, as long as ``word_ids``.

    Hint: walk through ``word_ids`` remembering the previous piece's word id; a piece starts a word when
    its id differs from the previous one.
    """
    raise NotImplementedError("exercise ner_label_alignment: not implemented yet — replace this line with your code")
