"""The protocol-buffer wire format, decoded by hand: the few primitives a TensorFlow checkpoint's index needs.

A protobuf message is a run of fields, each a varint ``field_number << 3 | wire_type`` followed by its value:

    wire type 0   a varint                            (ints, enums, bools; negative int64s take 10 bytes)
    wire type 1   8 bytes, little-endian              (fixed64, double)
    wire type 2   a varint length, then that many bytes  (strings, bytes and nested messages)
    wire type 5   4 bytes, little-endian              (fixed32, float)

A varint is base 128: 7 bits per byte, low bits first, the high bit set on every byte but the last. The same
varints frame the entries and block handles of the SSTable the messages are stored in (minibert/loading/sstable.py).
Every length is checked to stay inside its buffer before anything is sliced.

``BundleError`` lives here, at the bottom of the checkpoint reader (this module <- sstable.py <- tf_bundle.py),
so that all three raise the one error type without an import cycle; tf_bundle.py is its public home.
"""

from __future__ import annotations


class BundleError(ValueError):
    """A checkpoint file that is not what it should be: the message names the file and what is wrong."""


def varint(buf: bytes, pos: int, end: int, where: str) -> tuple[int, int]:
    """Decode a base-128 varint (7 bits per byte, low bits first, high bit = "more") -> (value, next pos)."""
    value = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise BundleError(f"{where}: truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def fields(buf: bytes, where: str):
    """Yield (field_number, value) of a protobuf message; value is an int (wire types 0, 1, 5) or bytes (2)."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = varint(buf, pos, end, where)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos, end, where)
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > end:
                raise BundleError(f"{where}: truncated fixed-width field {number}")
            value = int.from_bytes(buf[pos:pos + width], "little")
            pos += width
        elif wire == 2:
            length, pos = varint(buf, pos, end, where)
            if pos + length > end:
                raise BundleError(f"{where}: field {number} claims {length} bytes, only {end - pos} left")
            value, pos = bytes(buf[pos:pos + length]), pos + length
        else:
            raise BundleError(f"{where}: unsupported protobuf wire type {wire} (field {number})")
        yield number, value


def message(value, where: str) -> bytes:
    """A field's value that must be a nested message (wire type 2): its bytes, to read with ``fields``."""
    if not isinstance(value, bytes):
        raise BundleError(f"{where}: a nested message stored as a number (wire type confusion)")
    return value


def int64(value: int) -> int:
    """A varint read as a signed int64."""
    return value - (1 << 64) if value >= 1 << 63 else value  # negative int64s are 10-byte two's complement
