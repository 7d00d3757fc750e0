"""Reading TensorFlow's checkpoint format (the "tensor bundle") with numpy alone: no TensorFlow, no protobuf.

A TensorFlow 1.x checkpoint ``PREFIX`` (e.g. ``bert_model.ckpt``) is two kinds of file:

    PREFIX.index                      a sorted key -> value table (LevelDB's SSTable format, as TF writes it)
    PREFIX.data-00000-of-00002        the tensors' raw bytes, little-endian, C order, one after the other
    PREFIX.data-00001-of-00002        (one file per "shard"; usually a single one)

The ``.index`` table's layout is drawn in minibert/loading/sstable.py, which reads it. Its values are
protocol-buffer messages (their wire format: minibert/loading/protobuf_wire.py). Key ``""`` holds the
``BundleHeaderProto``; every other key is a variable name holding its ``BundleEntryProto``. We decode the few
fields we need by hand:

    BundleHeaderProto  1: num_shards  2: endianness (0 little, 1 big)  3: version {1: producer, 2: min_consumer}
    BundleEntryProto   1: dtype (DataType enum)  2: shape {2: dim {1: size}}  3: shard_id  4: offset  5: size
                       6: crc32c (fixed32, masked, of the tensor's bytes)  7: slices (partitioned variables)

Everything read from the files is checked before it is used: every varint and block stays inside its buffer,
every block's checksum matches, every tensor's shard exists and its (offset, size) lies inside that shard, and
its size equals prod(shape) * itemsize, all *before* anything is allocated. Opening reads only the ``.index``
(a few kB for bert-large); ``read(name)`` maps the data file into memory and checks one tensor's checksum.
``BundleError`` is the one error all three modules raise.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minibert.loading.crc32c import crc32c, unmask
from minibert.loading.protobuf_wire import BundleError, fields, int64, message
from minibert.loading.sstable import read_table

BUNDLE_FILE = re.compile(r"\.(index|data-\d{5}-of-\d{5})$")  # the suffix of a checkpoint's files after PREFIX
MAX_RANK = 32  # numpy's (and TensorFlow's) limit on the number of dimensions is of this order
# TensorFlow's DataType enum -> numpy dtype (bfloat16 has no numpy type: its raw 16 bits are read as uint16).
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64,
          10: np.bool_, 14: np.uint16, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}
DTYPE_NAMES = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
               9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 19: "float16", 22: "uint32", 23: "uint64"}


@dataclass(frozen=True)
class Entry:
    """Where one variable's bytes are: ``shard`` file, ``offset``, ``size``; and what they are."""

    name: str
    dtype: str  # "float32", "bfloat16", ... (DTYPE_NAMES)
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    crc32c: int  # unmasked


def _entry(name: str, value: bytes, where: str) -> Entry:
    info = {"dtype": 0, "shape": b"", "shard": 0, "offset": 0, "size": 0, "crc": None, "slices": 0}
    for number, field in fields(value, where):
        key = {1: "dtype", 2: "shape", 3: "shard", 4: "offset", 5: "size", 6: "crc"}.get(number)
        if number == 7:
            info["slices"] += 1
        elif key is not None:
            if isinstance(field, bytes) != (key == "shape"):
                raise BundleError(f"{where}: field {number} has the wrong wire type")
            info[key] = field
    if info["slices"]:
        raise BundleError(f"{where}: the variable is saved as {info['slices']} partitioned slices; minibert "
                          "reads whole (unpartitioned) variables only")
    shape = []
    for number, dim in fields(info["shape"], where):
        if number == 3 and dim:
            raise BundleError(f"{where}: the shape is of unknown rank")
        if number == 2:
            sizes = [v for n, v in fields(message(dim, where), where) if n == 1]  # the last one counts
            if sizes and not isinstance(sizes[-1], int):
                raise BundleError(f"{where}: dimension {len(shape)} has a size that is not a number")
            size = int64(sizes[-1]) if sizes else 0
            if size < 0:
                raise BundleError(f"{where}: dimension {len(shape)} has size {size}")
            shape.append(size)
    if len(shape) > MAX_RANK:
        raise BundleError(f"{where}: a shape of {len(shape)} dimensions (at most {MAX_RANK} are possible)")
    if info["dtype"] not in DTYPE_NAMES:
        raise BundleError(f"{where}: unknown or unsupported dtype code {info['dtype']} (known: "
                          f"{', '.join(f'{k} {v}' for k, v in DTYPE_NAMES.items())})")
    if info["crc"] is None:
        raise BundleError(f"{where}: no checksum recorded")
    offset, size = int64(info["offset"]), int64(info["size"])
    dtype = DTYPE_NAMES[info["dtype"]]
    if dtype != "string" and size != int(np.prod(shape, dtype=object)) * np.dtype(DTYPES[info["dtype"]]).itemsize:
        raise BundleError(f"{where}: {size} bytes cannot hold a {dtype} tensor of shape {tuple(shape)}")
    if offset < 0 or size < 0:
        raise BundleError(f"{where}: negative offset {offset} or size {size}")
    return Entry(name, dtype, tuple(shape), info["shard"], offset, size, unmask(info["crc"]))


class TensorBundle:
    """A TensorFlow checkpoint, opened by its prefix: ``entries`` lists every variable, ``read`` loads one.

    >>> bundle = TensorBundle("uncased_L-12_H-768_A-12/bert_model.ckpt")
    >>> bundle.entries["bert/pooler/dense/kernel"].shape     # (768, 768), from the index alone
    >>> bundle.read("bert/pooler/dense/kernel")              # np.ndarray (768, 768) float32, checksum checked
    """

    def __init__(self, prefix: str | os.PathLike):
        self.prefix = Path(prefix)
        self.index_path = Path(f"{self.prefix}.index")
        if not self.index_path.is_file():
            raise FileNotFoundError(f"no TensorFlow checkpoint index {self.index_path}")
        table = read_table(self.index_path)
        if b"" not in table:
            raise BundleError(f"{self.index_path}: no header entry (key ''): not a tensor bundle")
        header = dict(fields(table.pop(b""), f"{self.index_path}: header"))
        self.num_shards = header.get(1, 1)
        self.big_endian = header.get(2, 0) == 1
        where = f"{self.index_path}: header"
        version = dict(fields(message(header.get(3, b""), where), where))
        # min_consumer: the oldest reader that understands the file
        if not isinstance(version.get(2, 0), int) or version.get(2, 0) > 1:
            raise BundleError(f"{self.index_path}: written in bundle format version {version.get(2)}; minibert "
                              "reads version 1 (the format of TensorFlow 1.x and 2.x)")
        if not isinstance(self.num_shards, int) or not 1 <= self.num_shards <= 100_000:
            raise BundleError(f"{self.index_path}: implausible number of shards {self.num_shards}")
        self.data_paths = [Path(f"{self.prefix}.data-{k:05d}-of-{self.num_shards:05d}")
                           for k in range(self.num_shards)]
        missing = [p.name for p in self.data_paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"{self.index_path} needs {self.num_shards} data file(s) and "
                                    f"{', '.join(missing)} is missing next to it")
        sizes = [p.stat().st_size for p in self.data_paths]
        self.entries: dict[str, Entry] = {}
        for key, value in table.items():
            name = key.decode("utf-8", errors="replace")
            entry = _entry(name, value, f"{self.index_path}: entry {name!r}")
            if entry.shard >= self.num_shards:
                raise BundleError(f"{self.index_path}: {name!r} is in shard {entry.shard}, but the checkpoint has "
                                  f"{self.num_shards}")
            if entry.offset + entry.size > sizes[entry.shard]:
                raise BundleError(f"{self.index_path}: {name!r} points at bytes {entry.offset}.."
                                  f"{entry.offset + entry.size} of {self.data_paths[entry.shard].name}, which has only "
                                  f"{sizes[entry.shard]}: truncated data file, or a corrupted index")
            self.entries[name] = entry
        self._maps: dict[int, np.memmap] = {}

    def read(self, name: str) -> np.ndarray:
        """The variable ``name`` as a read-only numpy array (bfloat16 as its raw uint16 bits), checksum checked."""
        entry = self.entries[name]
        if entry.dtype == "string":
            raise BundleError(f"{self.index_path}: {name!r} is a string tensor; minibert reads numbers only")
        path = self.data_paths[entry.shard]
        if entry.shard not in self._maps:
            self._maps[entry.shard] = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else \
                np.zeros(0, np.uint8)
        raw = self._maps[entry.shard][entry.offset:entry.offset + entry.size]
        if crc32c(raw) != entry.crc32c:
            raise BundleError(f"{path}: checksum mismatch for {name!r} (bytes {entry.offset}.."
                              f"{entry.offset + entry.size}): the data file is corrupted")
        code = next(k for k, v in DTYPE_NAMES.items() if v == entry.dtype)
        dtype = np.dtype(DTYPES[code]).newbyteorder(">" if self.big_endian else "<")
        return raw.view(dtype).reshape(entry.shape)


def is_bundle_file(name: str) -> bool:
    """Whether a file name is one of a checkpoint's own files: ``PREFIX.index`` or ``PREFIX.data-…``."""
    return BUNDLE_FILE.search(name) is not None


def prefix_of(path: str | os.PathLike) -> Path | None:
    """The checkpoint prefix named by ``PREFIX``, ``PREFIX.index`` or ``PREFIX.data-…``; None if there is none."""
    text = str(path)
    stripped = BUNDLE_FILE.sub("", text)
    return Path(stripped) if Path(stripped + ".index").is_file() else None
