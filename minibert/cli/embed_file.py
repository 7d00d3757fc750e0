"""``python -m minibert embed --file texts.txt --out vectors.npy``: a corpus, one text a line, to vectors.

    texts.txt (N lines) ──read 1 chunk──► embed (sorted, unpadded) ──write rows──► vectors.npy (N, D) float32
         ▲ streamed: one chunk of lines in memory at a time          │ or .jsonl, one {"text", "embedding"} a line
         └─────────────────────────── next chunk ◄────────────────────┘

Memory stays bounded for files larger than RAM: a first pass counts the lines (and refuses an empty line,
naming its number, before any model work), then chunks of lines are embedded and written as they come. The
``.npy`` file is a memory map of the known shape (N, D), so rows go straight to disk. The output is written
to a temporary file beside it and moved into place only when complete (minibert/loading/atomic.py): an
interrupted run never leaves a half-written file under the output's name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from minibert.loading.atomic import atomic_write
from minibert.loading.text_file import iter_lines
from minibert.pipelines.inputs import is_blank

FORMATS = ("npy", "jsonl")


def lines(path: Path):
    """The file's lines, without their newline, read lazily: split at ``\n`` only, as ``wc -l`` counts them."""
    return iter_lines(path)


def count_lines(path: Path) -> int:
    """Number of lines; an empty (or whitespace-only) line is an error naming its number."""
    n = 0
    for n, line in enumerate(lines(path), start=1):
        if is_blank(line):  # empty, whitespace, or only invisible characters (NUL, zero-width space)
            raise ValueError(f"{path}: line {n} is empty{' (only invisible characters)' if line.strip() else ''}; "
                             "every line must be a text to embed (remove empty lines)")
    if n == 0:
        raise ValueError(f"{path} has no lines: expected one text per line")
    return n


def embed_file(pipe, path, out, fmt: str | None = None, chunk_size: int | None = None, progress: bool | None = None,
               **options) -> tuple[int, int]:
    """Embed every line of ``path`` into ``out`` (``.npy`` or ``.jsonl``); return (rows, dimension)."""
    path, out = Path(path), Path(out)
    fmt = fmt or ("jsonl" if out.suffix == ".jsonl" else "npy")
    if fmt not in FORMATS:
        raise ValueError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise FileNotFoundError(f"no text file at {path}")
    total = count_lines(path)
    chunk_size = chunk_size or max(1024, 32 * pipe.batch_size)  # enough texts per chunk for length sorting to pay
    dim = [0]

    def write(tmp: str) -> None:
        texts = lines(path)
        with tqdm(total=total, unit="text", desc="embed", disable=None if progress is None else not progress) as bar:
            if fmt == "npy":
                array, row = None, 0
                for vectors in pipe.iter_embed(texts, chunk_size=chunk_size, progress=False, **options):
                    if array is None:  # the width is known after the first chunk
                        dim[0] = vectors.shape[1]
                        array = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(total, dim[0]))
                    array[row:row + len(vectors)] = vectors.numpy()
                    row += len(vectors)
                    bar.update(len(vectors))
                array.flush()
                del array
            else:
                with open(tmp, "w", encoding="utf-8") as handle:
                    chunk_texts = []
                    for text in texts:
                        chunk_texts.append(text)
                        if len(chunk_texts) == chunk_size:
                            _write_jsonl(handle, pipe, chunk_texts, options, bar, dim)
                            chunk_texts = []
                    if chunk_texts:
                        _write_jsonl(handle, pipe, chunk_texts, options, bar, dim)
                    handle.flush()
                    os.fsync(handle.fileno())

    atomic_write(out, write)
    return total, dim[0]


def _write_jsonl(handle, pipe, texts, options, bar, dim) -> None:
    vectors = pipe.embed(texts, progress=False, **options)
    dim[0] = vectors.shape[1]
    for text, vector in zip(texts, vectors.tolist()):
        handle.write(json.dumps({"text": text, "embedding": vector}, ensure_ascii=False) + "\n")
    bar.update(len(texts))
