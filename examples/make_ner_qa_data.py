"""Write the demo data for ``finetune --task token-classification`` and ``--task question-answering``.

    python examples/make_ner_qa_data.py            # -> examples/data/ner.jsonl, examples/data/qa.jsonl
    python examples/make_ner_qa_data.py --check    # exit 1 if the committed files differ from what this writes

ner.jsonl: 500 sentences in the CoNLL-2003 layout of the Hugging Face ``conll2003`` data set: pre-split words and
one BIO tag per word, the four CoNLL types PER (people), LOC (places), ORG (organisations), MISC (nationalities)::

    {"tokens": ["Guido", "van", "Rossum", "works", "for", "Google", "."],
     "ner_tags": ["B-PER", "I-PER", "I-PER", "O", "O", "B-ORG", "O"]}

qa.jsonl: 600 questions in the SQuAD layout (``answers.answer_start`` is a character offset into the context)::

    {"id": "q0", "question": "Where was Ada Lovelace born?", "context": "Ada Lovelace was born in London in 1815. ...",
     "answers": {"text": ["London"], "answer_start": [25]}}

Each context tells facts about two people (birthplace, birth year, employer), so a question is answered by finding
the right person first, then the fact. The names, places and organisations are words of the Python documentation
and of everyday English, so checkpoints/minibert-pydocs' vocabulary splits them into pieces, never into [UNK].
Seeded: running it again writes the same files.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data"
PEOPLE = ["Ada Lovelace", "Guido van Rossum", "Tim Peters", "Barry Warsaw", "Fred Drake", "Grace Hopper",
          "Alan Turing", "Linus Torvalds", "Dennis Ritchie", "Ken Thompson", "Donald Knuth", "Larry Wall",
          "James Gosling", "Anna", "Ben", "Clara", "David", "Emma", "Richard Stallman", "Barbara Liskov"]
PLACES = ["London", "Amsterdam", "Paris", "Berlin", "Tokyo", "Boston", "Chicago", "California", "Helsinki",
          "Toronto", "Edinburgh", "Cambridge", "Oxford", "Finland", "Canada", "Norway"]
ORGS = ["Google", "Microsoft", "Apple", "IBM", "Intel", "Mozilla", "Netscape", "CWI", "Bell Labs", "Sun",
        "Nokia", "the Python Software Foundation", "Stanford", "MIT", "Berkeley"]
NATIONS = ["Dutch", "English", "French", "German", "Finnish", "American", "Canadian", "Swedish"]
NER_TEMPLATES = [  # {PER}, {LOC}, {ORG}, {MISC}: an entity of that type; every other word is tagged O
    "{PER} works for {ORG} in {LOC} .", "{PER} was born in {LOC} .", "{PER} lived in {LOC} for years .",
    "{PER} , a {MISC} programmer , joined {ORG} .", "{ORG} opened an office in {LOC} .",
    "{PER} met {PER} in {LOC} .", "the {MISC} team at {ORG} released a new version .",
    "{PER} left {ORG} and moved to {LOC} .", "in {LOC} , {PER} wrote a book about {ORG} .",
    "a {MISC} engineer from {ORG} visited {LOC} .", "{PER} and {PER} work at {ORG} .",
]
POOLS = {"PER": PEOPLE, "LOC": PLACES, "ORG": ORGS, "MISC": NATIONS}


def ner_row(rng: random.Random) -> dict:
    tokens, tags = [], []
    for word in rng.choice(NER_TEMPLATES).split():
        if word.startswith("{"):
            kind = word.strip("{}")
            entity = rng.choice(POOLS[kind]).split()
            if entity[0] == "the":  # "the Python Software Foundation": "the" is not part of the name
                tokens.append(entity.pop(0))
                tags.append("O")
            tokens += entity
            tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(entity) - 1)
        else:
            tokens.append(word)
            tags.append("O")
    tokens[0] = tokens[0][0].upper() + tokens[0][1:]
    return {"tokens": tokens, "ner_tags": tags}


def qa_rows(rng: random.Random, n_context: int) -> list[dict]:
    """One context about two people, and up to two questions on it, each answered by a span of the context."""
    a, b = rng.sample(PEOPLE, 2)
    context, facts = "", []  # facts: (question, answer text, where the answer starts in the context)
    for person in (a, b):
        place, year, org = rng.choice(PLACES), str(rng.randrange(1900, 2000)), rng.choice(ORGS)
        born = f"{person} was born in "
        facts.append((f"Where was {person} born?", place, len(context) + len(born)))
        facts.append((f"When was {person} born?", year, len(context) + len(born) + len(place) + 4))
        context += f"{born}{place} in {year}. "
        works = f"{person} works for "
        facts.append((f"Which company does {person} work for?", org, len(context) + len(works)))
        facts.append((f"Who works for {org}?", person, len(context)))
        context += f"{works}{org}. "
    context = context.strip()
    rows = []
    for k, (question, answer, start) in enumerate(rng.sample(facts, 2)):
        if question.startswith("Who works") and context.count(f"works for {answer_of(question)}") > 1:
            continue  # both people work there: the question has two answers
        assert context[start:start + len(answer)] == answer, (context, answer, start)
        rows.append({"id": f"q{n_context}-{k}", "question": question, "context": context,
                     "answers": {"text": [answer], "answer_start": [start]}})
    return rows


def answer_of(question: str) -> str:
    return question.removeprefix("Who works for ").removesuffix("?")


def render() -> dict[str, str]:
    rng = random.Random(0)
    ner = [ner_row(rng) for _ in range(500)]
    qa: list[dict] = []
    while len(qa) < 600:
        qa += qa_rows(rng, len(qa))
    lines = {"ner.jsonl": ner, "qa.jsonl": qa[:600]}
    return {name: "".join(json.dumps(r) + "\n" for r in rows) for name, rows in lines.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    files = render()
    if parser.parse_args().check:
        stale = [name for name, text in files.items() if (OUT / name).read_text(encoding="utf-8") != text]
        if stale:
            print(f"examples/data/{', '.join(stale)} differ from what {Path(__file__).name} writes", file=sys.stderr)
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {files['ner.jsonl'].count(chr(10))} NER sentences, {files['qa.jsonl'].count(chr(10))} "
          "questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
