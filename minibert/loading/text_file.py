"""Reading a user's text files (``--file``, ``--data``, ``--context-file``, ``vocab.txt``, JSON settings).

Three rules, the same for every command, so that an error names the file, the line and the fix:

* **Lines end at ``\\n`` only**, as ``wc -l`` counts them. A lone carriage return (``\\r``) inside a line is
  part of the line (Python's text mode would split there, and row i of the output would no longer be line i
  of the file); a ``\\r\\n`` ending (a Windows file) ends the line like ``\\n``.
* **UTF-8, with or without a byte-order mark.** Excel and Notepad start their UTF-8 exports with U+FEFF; it
  is dropped (the ``utf-8-sig`` codec), so a CSV's first column is ``text``, not ``\\ufefftext``. Bytes that
  are not UTF-8 are a ``ValueError`` naming the file, the line, the byte and the fix, never Python's
  ``'utf-8' codec can't decode byte 0xe9 in position 749``.
* **JSON files** that are broken (often: truncated by an interrupted copy) or hold the wrong kind of value
  are a ``ValueError`` naming the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

BOM = "\ufeff"


def _not_utf8(path, line: int, err: UnicodeDecodeError, column: int) -> ValueError:
    byte = err.object[err.start]
    return ValueError(f"{path}: line {line} is not valid UTF-8 (byte 0x{byte:02x} at byte {column + 1} of the "
                      "line); save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), or fix that line")


def decode_line(raw: bytes, path, number: int) -> str:
    """One line's bytes (its ``\\n`` included or not) -> text without the line ending; ``number`` counts from 1."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _not_utf8(path, number, err, err.start) from None
    if number == 1 and text.startswith(BOM):
        text = text[1:]
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):  # a "\r\n" ending
        text = text[:-1]
    return text


def iter_lines(path: str | os.PathLike) -> Iterator[str]:
    """The lines of a UTF-8 text file, without their ending, read lazily (constant memory)."""
    with open(path, "rb") as handle:  # binary lines end at b"\n" only
        for number, raw in enumerate(handle, start=1):
            yield decode_line(raw, path, number)


def read_lines(path: str | os.PathLike) -> list[str]:
    """All lines of a UTF-8 text file (see ``iter_lines``)."""
    return list(iter_lines(path))


def read_text(path: str | os.PathLike, keep_bom: bool = False) -> str:
    """The whole UTF-8 text of a file, line endings untouched; a leading byte-order mark dropped unless
    ``keep_bom`` (``vocab.txt``: the reference keeps it as part of the first token)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        raise _not_utf8(path, data.count(b"\n", 0, err.start) + 1, err, err.start - line_start) from None
    return text[1:] if text.startswith(BOM) and not keep_bom else text


def read_json(path: str | os.PathLike, expected: type = dict, what: str = "a JSON object") -> object:
    """The JSON value in ``path``; a ``ValueError`` naming the file if it is broken or not of type ``expected``."""
    text = read_text(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        # The parser ran out of text (at the end, or inside a string): cut short, e.g. by an interrupted copy.
        ended = err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated string")
        hint = "; the file ends early, was it truncated?" if ended else ""
        raise ValueError(f"{path} is not valid JSON ({err.msg}, line {err.lineno} column {err.colno}{hint}): "
                         f"expected {what}") from None
    if not isinstance(value, expected):
        raise ValueError(f"{path} holds a JSON {type(value).__name__}, expected {what}")
    return value
