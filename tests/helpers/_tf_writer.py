"""A minimal writer of TensorFlow checkpoint indexes, for tests only: it builds the corrupted and hostile indexes
that TensorFlow would never write (absurd shapes, wrong dtype codes, entries past the end of the data), with
valid block checksums so that the reader's *other* checks are reached. The real fixtures come from TensorFlow
(scripts/make_tf_checkpoints.py); tests/loading/test_tf_checkpoint.py checks that this writer re-creates a fixture's
index byte for byte, so it writes the format TensorFlow writes.
"""

from __future__ import annotations

import struct

from minibert.loading.crc32c import crc32c, mask
from minibert.loading.sstable import TABLE_MAGIC

RESTART_INTERVAL = 16  # TensorFlow's table::Options default


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64s as 10-byte two's complement
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value) -> bytes:
    if isinstance(value, bytes):
        return varint(number << 3 | 2) + varint(len(value)) + value
    return varint(number << 3) + varint(value)


def entry(dtype: int, shape, shard: int = 0, offset: int = 0, size: int = 0, crc: int = 0) -> bytes:
    """A BundleEntryProto, fields in TensorFlow's order, zeros omitted as proto3 omits them."""
    dims = b"".join(field(2, field(1, d) if d else b"") for d in shape)
    out = field(1, dtype) + (field(2, dims) if shape else field(2, b""))
    for number, value in ((3, shard), (4, offset), (5, size)):
        if value:
            out += field(number, value)
    return out + varint(6 << 3 | 5) + struct.pack("<I", mask(crc))


def _block(items: list[tuple[bytes, bytes]]) -> bytes:
    out, restarts, last = bytearray(), [], b""
    for k, (key, value) in enumerate(items):
        shared = 0
        if k % RESTART_INTERVAL == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(key), len(last)) and key[shared] == last[shared]:
                shared += 1
        out += varint(shared) + varint(len(key) - shared) + varint(len(value)) + key[shared:] + value
        last = key
    restarts = restarts or [0]
    return bytes(out) + b"".join(struct.pack("<I", r) for r in restarts) + struct.pack("<I", len(restarts))


def _sealed(contents: bytes) -> bytes:
    """Block + trailer: compression type 0 and the masked CRC-32C of both."""
    return contents + b"\0" + struct.pack("<I", mask(crc32c(contents + b"\0")))


def _successor(key: bytes) -> bytes:
    """The index key of the last block: the shortest key >= every key in it (LevelDB's FindShortSuccessor)."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key


def table(items: dict[bytes, bytes], block_entries: int | None = None) -> bytes:
    """An SSTable. One data block by default, as TensorFlow writes a checkpoint index of this size (its blocks
    are far larger than these tables); ``block_entries=N`` starts a new block every N entries."""
    ordered = sorted(items.items())
    step = block_entries or max(len(ordered), 1)
    data, handles = b"", []
    for start in range(0, max(len(ordered), 1), step):
        chunk = ordered[start:start + step]
        block = _sealed(_block(chunk))
        last = chunk[-1][0] if chunk else b""
        handles.append((last if block_entries else _successor(last), varint(len(data)) + varint(len(block) - 5)))
        data += block
    meta_offset = len(data)
    meta = _sealed(_block([]))
    index_offset = meta_offset + len(meta)
    index = _sealed(_block(handles))
    footer = varint(meta_offset) + varint(len(meta) - 5) + varint(index_offset) + varint(len(index) - 5)
    return data + meta + index + footer.ljust(40, b"\0") + struct.pack("<Q", TABLE_MAGIC)
