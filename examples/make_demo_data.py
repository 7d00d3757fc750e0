"""Write the tiny demo data sets used by the README's pre-training / fine-tuning example.

    python examples/make_demo_data.py          # -> examples/data/{corpus.txt, sentiment.csv, vocab.txt}

corpus.txt: 60 short "documents" of 10 sentences from a toy world with learnable structure: each animal
has its own food, place and sound ("the cat eats fish in the kitchen ."), and a mood word follows from
how the meal went ("the food was great , so the cat is happy ."). Masked-LM can learn these associations,
so its loss falls well below that of guessing.
sentiment.csv: 400 reviews "text,label", label = positive / negative; the rule: the review's adjective
(great, tasty, ... vs awful, bland, ...) decides, whatever the animal, place or filler words.
vocab.txt: a WordPiece vocabulary of the special tokens and every word used (a small vocabulary keeps the
demo model small; the words also exist in bert-base-uncased's vocabulary, which works too, just slower).
Seeded: running it again writes the same files.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data"
ANIMALS = {  # animal -> (food, place, sound)
    "cat": ("fish", "kitchen", "meows"), "dog": ("meat", "garden", "barks"), "cow": ("grass", "field", "moos"),
    "bird": ("seeds", "tree", "sings"), "horse": ("hay", "barn", "neighs"), "mouse": ("cheese", "house", "squeaks"),
}
GOOD = ["great", "tasty", "fresh", "lovely", "delicious", "wonderful"]
BAD = ["awful", "bland", "stale", "terrible", "disgusting", "horrible"]
FILLER = ["today", "again", "once", "later", "there", "here"]
NAMES = ["anna", "ben", "clara", "david", "emma", "frank"]


def sentence(rng: random.Random, animal: str) -> str:
    food, place, sound = ANIMALS[animal]
    kind = rng.randrange(4)
    if kind == 0:
        return f"the {animal} eats {food} in the {place} ."
    if kind == 1:
        return f"in the {place} the {animal} {sound} {rng.choice(FILLER)} ."
    if kind == 2:
        good = rng.random() < 0.5
        adj, mood = (rng.choice(GOOD), "happy") if good else (rng.choice(BAD), "sad")
        return f"the {food} was {adj} , so the {animal} is {mood} ."
    return f"{rng.choice(NAMES)} gives {food} to the {animal} {rng.choice(FILLER)} ."


def main() -> None:
    rng = random.Random(0)
    OUT.mkdir(parents=True, exist_ok=True)
    docs = []
    for _ in range(60):
        animal = rng.choice(list(ANIMALS))  # one animal per document: NSP's "next sentence" stays on topic
        docs.append("\n".join(sentence(rng, animal) for _ in range(10)))
    (OUT / "corpus.txt").write_text("\n\n".join(docs) + "\n")

    rows = []
    for _ in range(400):
        animal = rng.choice(list(ANIMALS))
        label = rng.choice(["positive", "negative"])
        adj = rng.choice(GOOD if label == "positive" else BAD)
        food = ANIMALS[animal][0]
        text = rng.choice([f"the {food} was {adj} {rng.choice(FILLER)}",
                           f"{rng.choice(NAMES)} says the {food} for the {animal} is {adj}",
                           f"{adj} {food} in the {ANIMALS[animal][1]}"])
        rows.append({"text": text, "label": label})
    with open(OUT / "sentiment.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "label"])
        writer.writeheader()
        writer.writerows(rows)

    words = set()
    for text in [*docs, *(r["text"] for r in rows)]:
        words.update(text.split())
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    (OUT / "vocab.txt").write_text("\n".join(specials + sorted(words)) + "\n")
    print(f"wrote {OUT}: {len(docs)} documents, {len(rows)} reviews, {len(specials) + len(words)} vocabulary entries")


if __name__ == "__main__":
    main()
