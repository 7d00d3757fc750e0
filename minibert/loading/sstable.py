"""Reading a LevelDB SSTable, the sorted key -> value table a TensorFlow checkpoint's ``.index`` file is.

The file, from its start to its end:

    +---------------------------+
    | data block 0              |  entries, sorted by key, each:  shared | unshared | value_len  (3 varints)
    |   ...                     |                                 key[shared:] (unshared bytes) | value
    |   restarts (uint32 each)  |  where the key prefix sharing restarts (shared = 0), then their count (uint32)
    | trailer (5 bytes)         |  compression (1 byte: 0 = none, 1 = snappy) + masked CRC-32C of block + that byte
    | data block 1 ...          |
    | metaindex block + trailer |  (empty: TF stores no filters)
    | index block + trailer     |  one entry per data block: a key >= its last key -> BlockHandle(offset, size)
    | footer (48 bytes)         |  BlockHandle(metaindex) BlockHandle(index), zero-padded to 40 bytes,
    +---------------------------+  magic 0xdb4775248b80fb57 (uint64 LE); a BlockHandle is 2 varints

The varints are the protocol buffers' (minibert/loading/protobuf_wire.py). Every varint and block is checked to
stay inside its buffer and every block's checksum to match before it is used; a damaged table raises
``BundleError``, naming the file.
"""

from __future__ import annotations

import struct
from pathlib import Path

from minibert.loading.crc32c import crc32c, unmask
from minibert.loading.protobuf_wire import BundleError, varint

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48


def _block(data: bytes, handle: bytes, path: Path, what: str) -> bytes:
    """The contents of the block a BlockHandle points at, its bounds and checksum checked."""
    offset, pos = varint(handle, 0, len(handle), f"{path}: {what} handle")
    size, _ = varint(handle, pos, len(handle), f"{path}: {what} handle")
    if offset + size + 5 > len(data):
        raise BundleError(f"{path}: {what} at offset {offset} with {size} bytes runs past the end of the file "
                          f"({len(data)} bytes): the file is truncated or corrupted")
    contents, kind = data[offset:offset + size], data[offset + size]
    (stored,) = struct.unpack_from("<I", data, offset + size + 1)
    if crc32c(data[offset:offset + size + 1]) != unmask(stored):
        raise BundleError(f"{path}: checksum mismatch in the {what} at offset {offset}: the file is corrupted")
    if kind == 1:
        raise BundleError(f"{path}: the {what} at offset {offset} is snappy-compressed; TensorFlow writes "
                          "bundles uncompressed and minibert reads only those (re-save it with TensorFlow)")
    if kind != 0:
        raise BundleError(f"{path}: the {what} at offset {offset} has unknown compression type {kind}")
    return contents


def _block_entries(block: bytes, path: Path, what: str):
    """Yield (key, value) of one block, undoing the shared-prefix compression of the keys."""
    if len(block) < 4:
        raise BundleError(f"{path}: {what} is too short ({len(block)} bytes) to hold its restart count")
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * restarts  # the entries end where the restart array begins
    if restarts == 0 or end < 0:
        raise BundleError(f"{path}: {what} claims {restarts} restart points, impossible in {len(block)} bytes")
    pos, key = 0, b""
    while pos < end:
        shared, pos = varint(block, pos, end, f"{path}: {what}")
        unshared, pos = varint(block, pos, end, f"{path}: {what}")
        length, pos = varint(block, pos, end, f"{path}: {what}")
        if shared > len(key) or pos + unshared + length > end:
            raise BundleError(f"{path}: {what} has an entry that points outside the block (corrupted)")
        key = key[:shared] + bytes(block[pos:pos + unshared])
        pos += unshared
        yield key, bytes(block[pos:pos + length])
        pos += length


def read_table(path: Path) -> dict[bytes, bytes]:
    """Every (key, value) of an SSTable file, keys checked to be strictly increasing as TF writes them."""
    data = path.read_bytes()
    if len(data) < FOOTER_SIZE:
        raise BundleError(f"{path}: {len(data)} bytes is too short for a checkpoint index (a footer alone is "
                          f"{FOOTER_SIZE}): the file is truncated")
    footer = data[-FOOTER_SIZE:]
    if int.from_bytes(footer[-8:], "little") != TABLE_MAGIC:
        raise BundleError(f"{path}: no table magic number at the end: not a TensorFlow checkpoint index, "
                          "or truncated")
    _, pos = varint(footer, 0, 40, f"{path}: footer")  # skip the metaindex handle's offset and size
    _, pos = varint(footer, pos, 40, f"{path}: footer")
    index = _block(data, footer[pos:40], path, "index block")
    table: dict[bytes, bytes] = {}
    last = None
    for _, handle in _block_entries(index, path, "index block"):
        for key, value in _block_entries(_block(data, handle, path, "data block"), path, "data block"):
            if last is not None and key <= last:
                raise BundleError(f"{path}: keys out of order ({last!r} then {key!r}): the index is corrupted")
            table[key] = value
            last = key
    return table
