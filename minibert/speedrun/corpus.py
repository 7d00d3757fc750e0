"""The speedrun's text: ``pydocs`` or a user's file or folder, as documents split into training and held-out.

    corpus spec ─► documents (name, paragraphs) ─► every k-th document held out whole ─► train / held-out

A document is a list of paragraphs (lines of text). Sources:

* ``pydocs``: the Python documentation's pages (minibert/speedrun/pydocs.py), one page a document;
* a ``.txt`` file (UTF-8): documents separated by blank lines, each line a paragraph;
* a folder: each of its ``.txt`` files (sorted, subfolders included) one document, each non-empty line a paragraph.

Documents are held out *whole* (never a sentence of a held-out document in training, so the held-out score
measures text the model has not seen): the k-th, 2k-th, ... document, k = min(20, max(2, n // 4)). For the
Python documentation (530 pages) that is every 20th page, the split of the shipped checkpoint's corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minibert.speedrun import pydocs

MIN_DOCUMENTS = 4


@dataclass
class Corpus:
    source: str                          # "pydocs" or the path given
    train: list[list[str]]               # documents (lists of paragraphs) for the vocabulary and pre-training
    held_out: list[list[str]]            # whole documents, never trained on
    held_out_names: list[str]            # their names (page paths or file names / "document N")
    every: int                           # the held-out rule: every k-th document


def held_out_every(n_documents: int) -> int:
    return min(20, max(2, n_documents // 4))


def _decode(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason}); save it as UTF-8") from None


def _file_documents(path: Path) -> list[tuple[str, list[str]]]:
    docs, current = [], []
    for line in _decode(path).splitlines() + [""]:
        if line.strip():
            current.append(" ".join(line.split()))
        elif current:
            docs.append((f"{path.name}: document {len(docs) + 1}", current))
            current = []
    return docs


def _folder_documents(folder: Path) -> list[tuple[str, list[str]]]:
    root = folder.resolve()
    docs = []
    for path in sorted(folder.rglob("*.txt")):
        # Never read outside the folder named: a link that leads out of it is skipped.
        if not path.is_file() or not path.resolve().is_relative_to(root):
            continue
        paragraphs = [" ".join(ln.split()) for ln in _decode(path).splitlines() if ln.strip()]
        if paragraphs:
            docs.append((str(path.relative_to(folder)), paragraphs))
    return docs


def read_documents(spec: str) -> list[tuple[str, list[str]]]:
    """``(name, paragraphs)`` of every document of ``spec`` ("pydocs", a .txt file or a folder), in order."""
    if spec == "pydocs":
        return pydocs.documents()
    path = Path(spec)
    if path.is_dir():
        docs = _folder_documents(path)
        what = "a folder of .txt files (each file one document)"
    elif path.is_file():
        docs = _file_documents(path)
        what = "a UTF-8 text file with documents separated by blank lines"
    else:
        raise FileNotFoundError(f"--corpus {spec}: no such file or folder; expected pydocs, a UTF-8 text file "
                                "(documents separated by blank lines) or a folder of .txt files")
    if len(docs) < MIN_DOCUMENTS:
        raise ValueError(f"--corpus {spec}: {len(docs)} document(s) found, at least {MIN_DOCUMENTS} are needed "
                         f"(documents are held out whole); expected {what}")
    return docs


def load_corpus(spec: str) -> Corpus:
    """Read ``spec`` and hold out every k-th document (empty ones, pydocs pages without prose, counted then dropped)."""
    docs = read_documents(spec)
    every = held_out_every(len(docs))
    train, held, names = [], [], []
    for i, (name, paragraphs) in enumerate(docs):
        if not paragraphs:
            continue
        if i % every == every - 1:
            held.append(paragraphs)
            names.append(name)
        else:
            train.append(paragraphs)
    return Corpus(spec, train, held, names, every)


def pydocs_held_out(docs: Path | None = None) -> tuple[list[list[str]], list[str]]:
    """The held-out pages of ``load_corpus("pydocs")`` (the same rule, every k-th page counting pages without prose,
    then those dropped) and their names, reading only those pages: ~0.3 s instead of ~5 s for all of them."""
    docs = Path(docs or pydocs.DOCS)
    pages = pydocs.pages(docs)
    every = held_out_every(len(pages))
    held = [(str(page.relative_to(docs)), pydocs.page_paragraphs(page))
            for i, page in enumerate(pages) if i % every == every - 1]
    return [paragraphs for _, paragraphs in held if paragraphs], [name for name, paragraphs in held if paragraphs]


def as_text(documents: list[list[str]]) -> str:
    """One paragraph a line, a blank line between documents (the format of train.txt / heldout.txt)."""
    return "\n\n".join("\n".join(d) for d in documents) + "\n"
