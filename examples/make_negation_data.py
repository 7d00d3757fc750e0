"""Write examples/data/negation.csv: short judgements whose label needs context, for notebook 11's transfer lesson.

    python examples/make_negation_data.py            # -> examples/data/negation.csv
    python examples/make_negation_data.py --check    # exit 1 if the committed file differs from what this writes

Each row is ``text,label,split``: "the new version is not reliable ." → negative. The label is the adjective's
polarity, flipped by a negation ("not", "never", "do not think", "hardly"), so no single word decides it: "good"
appears in positive and negative rows alike, and so does "not". A bag of words cannot separate them; a model must
read the adjective *in its context*. The subjects mix everyday topics (a film, a meal) with the language of
software documentation (a function, this method), so both a general BERT and one pre-trained on documentation
prose know the words.

split: ``train`` rows form the pool the labelled examples are drawn from; ``test`` rows use the same adjectives
and frames with *other subjects* (never seen in training), so the test asks for the rule, not a memorised sentence.
Seeded: running it again writes the same file.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "negation.csv"
POSITIVE = ["good", "great", "useful", "correct", "safe", "fast", "reliable", "clear", "simple", "helpful",
            "excellent", "efficient"]
NEGATIVE = ["bad", "poor", "useless", "wrong", "dangerous", "slow", "unreliable", "confusing", "awkward", "broken",
            "terrible", "inefficient"]
TRAIN_SUBJECTS = ["the function", "this method", "the new version", "the result", "the module", "the default",
                  "the film", "the meal", "the service", "the answer", "the example", "the design"]
TEST_SUBJECTS = ["the library", "this option", "the old release", "the output", "the book", "the hotel"]
# (template, flips the polarity?): {s} the subject, {a} the adjective.
FRAMES = [("{s} is {a} .", False), ("{s} is really {a} .", False), ("i think {s} is {a} .", False),
          ("{s} was {a} , as expected .", False), ("{s} is not {a} .", True), ("{s} is not very {a} .", True),
          ("i do not think {s} is {a} .", True), ("{s} was never {a} .", True), ("{s} is hardly {a} .", True)]


def rows() -> list[dict]:
    rng = random.Random(0)
    out = []
    for split, subjects in (("train", TRAIN_SUBJECTS), ("test", TEST_SUBJECTS)):
        for subject in subjects:
            for frame, flips in FRAMES:
                for adjectives, positive in ((POSITIVE, True), (NEGATIVE, False)):
                    adjective = rng.choice(adjectives)  # one adjective per (subject, frame, polarity)
                    label = "positive" if positive != flips else "negative"
                    out.append({"text": frame.format(s=subject, a=adjective), "label": label, "split": split})
    rng.shuffle(out)
    return out


def render() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["text", "label", "split"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows())
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed file")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} differs from what {Path(__file__).name} writes: run it again", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    counts = {s: text.count(f",{s}\n") for s in ("train", "test")}
    print(f"wrote {OUT}: {counts['train']} train-pool rows, {counts['test']} test rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
