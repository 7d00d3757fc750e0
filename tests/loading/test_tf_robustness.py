"""Broken and hostile TensorFlow checkpoints: each is a clear error naming the file and what is wrong, raised
within a second and without a large allocation; a fuzz test mutates an index at random and the reader only
ever raises its own error (see docs/robustness.md).

Indexes TensorFlow would never write (absurd shapes, unknown dtype codes) are built with tests/helpers/_tf_writer.py,
which reproduces TensorFlow's own index files byte for byte (tests/loading/test_tf_checkpoint.py), with valid block
checksums so that the checks behind the checksum are reached.
"""

from __future__ import annotations

import shutil
import struct
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from _tf_writer import entry, field, table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minibert
from minibert.loading import sstable
from minibert.loading.crc32c import crc32c, mask
from minibert.loading.protobuf_wire import varint
from minibert.loading.tf_bundle import BundleError, TensorBundle

FIXTURES = Path(__file__).resolve().parents[2] / "checkpoints" / "tf"
SQUAD = FIXTURES / "uncased_L-3_H-16_A-2_squad"
SHARDS = FIXTURES / "uncased_L-2_H-12_A-4_shards"
HEADER = field(1, 1) + field(3, field(1, 1))  # num_shards 1, version {producer 1}


def copy(folder: Path, tmp_path: Path) -> Path:
    shutil.copytree(folder, tmp_path / folder.name)
    return tmp_path / folder.name


def fails_fast(fn, error, match: str):
    """``fn()`` raises ``error`` matching ``match`` quickly, allocating under 10 MB on the way (the reader only;
    through ``from_pretrained`` the first call also imports the model code, seconds under tracemalloc).

    "Quickly" is CPU time, with room: these errors take milliseconds (docs/robustness.md), and the bound is
    there to catch a reader that loops or walks a file, which a loaded machine's wall clock would blur."""
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(error, match=match) as caught:
            fn()
    finally:
        elapsed, peak = time.process_time() - start, tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < 5.0 and peak < 10_000_000, (elapsed, peak)
    return caught.value


def data_block_size(index: bytes) -> int:
    """Size of the (first) data block's contents: its trailer starts there. Read through the footer's handle."""
    footer = index[-48:]
    _, pos = varint(footer, 0, 40, "")
    _, pos = varint(footer, pos, 40, "")
    handle = next(sstable._block_entries(sstable._block(index, footer[pos:40], Path("x"), "index"), Path("x"),
                                         "index"))[1]
    offset, pos = varint(handle, 0, len(handle), "")
    assert offset == 0
    return varint(handle, pos, len(handle), "")[0]


def reseal(index: bytearray, size: int) -> None:
    """Recompute the checksum in the trailer of the data block at offset 0 (contents + type byte)."""
    index[size + 1:size + 5] = struct.pack("<I", mask(crc32c(bytes(index[:size + 1]))))


def one_tensor_bundle(tmp_path: Path, value: bytes, data: bytes = b"\0" * 64, header: bytes = HEADER) -> Path:
    """A bundle with a single entry 'w' whose BundleEntryProto is ``value``, over ``data``."""
    (tmp_path / "m.ckpt.index").write_bytes(table({b"": header, b"w": value}))
    (tmp_path / "m.ckpt.data-00000-of-00001").write_bytes(data)
    return tmp_path / "m.ckpt"


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.97])
def test_truncated_index(tmp_path, keep):
    folder = copy(SQUAD, tmp_path)
    index = folder / "model.ckpt-12.index"
    data = index.read_bytes()
    index.write_bytes(data[: int(len(data) * keep)])
    fails_fast(lambda: TensorBundle(folder / "model.ckpt-12"), BundleError, f"{index}.*(truncated|too short)")
    with pytest.raises(ValueError, match="model.ckpt-12.index"):  # through from_pretrained too
        minibert.BertForQuestionAnswering.from_pretrained(folder)


def test_flipped_byte_in_the_data_names_the_tensor_and_the_file(tmp_path):
    folder = copy(SQUAD, tmp_path)
    name = "bert/encoder/layer_1/intermediate/dense/kernel"
    e = TensorBundle(folder / "model.ckpt-12").entries[name]
    path = folder / "model.ckpt-12.data-00000-of-00001"
    raw = bytearray(path.read_bytes())
    raw[e.offset + e.size // 2] ^= 0x10
    path.write_bytes(bytes(raw))
    bundle = TensorBundle(folder / "model.ckpt-12")  # the index is fine: opening works
    fails_fast(lambda: bundle.read(name), BundleError, f"{path}: checksum mismatch for '{name}'")
    with pytest.raises(BundleError, match="intermediate/dense/kernel"):
        minibert.BertModel.from_pretrained(folder)


def test_flipped_byte_in_the_index_fails_its_block_checksum(tmp_path):
    folder = copy(SQUAD, tmp_path)
    index = folder / "model.ckpt-12.index"
    raw = bytearray(index.read_bytes())
    raw[100] ^= 0x01
    index.write_bytes(bytes(raw))
    fails_fast(lambda: TensorBundle(folder / "model.ckpt-12"), BundleError, f"{index}: checksum mismatch in the data")


def test_missing_shard(tmp_path):
    folder = copy(SHARDS, tmp_path)
    (folder / "bert_model.ckpt.data-00001-of-00002").unlink()
    fails_fast(lambda: TensorBundle(folder / "bert_model.ckpt"), FileNotFoundError,
               "needs 2 data file.*bert_model.ckpt.data-00001-of-00002 is missing")
    with pytest.raises(FileNotFoundError, match="bert_model.ckpt.data-00001-of-00002 is missing"):
        minibert.BertModel.from_pretrained(folder)


def test_index_pointing_past_the_end_of_its_data(tmp_path):
    folder = copy(SQUAD, tmp_path)
    path = folder / "model.ckpt-12.data-00000-of-00001"
    path.write_bytes(path.read_bytes()[:1000])  # a truncated data file
    fails_fast(lambda: TensorBundle(folder / "model.ckpt-12"), BundleError,
               f"points at bytes .* of {path.name}, which has only 1000")
    prefix = one_tensor_bundle(tmp_path, entry(1, [4], offset=2**62, size=16))  # an offset of 4 EiB
    fails_fast(lambda: TensorBundle(prefix), BundleError, "'w' points at bytes 4611686018427387904")


@pytest.mark.parametrize("shape, size, match", [
    ([2**31, 2**31], 2**64 - 1, "cannot hold a float32 tensor of shape"),  # claims 2**64 bytes
    ([2**30, 2**30], 2**62, "points at bytes 0..4611686018427387904"),  # consistent, but 4 EiB of data
    ([-3, 4], 16, "dimension 0 has size -3"),
    ([1] * 40, 4, "40 dimensions"),
    ([0, 2**60], 0, None),  # an empty tensor may have any other sizes: read as shape (0, 2**60)
])
def test_absurd_shapes(tmp_path, shape, size, match):
    prefix = one_tensor_bundle(tmp_path, entry(1, shape, size=size, crc=crc32c(b"")))
    if match is None:
        assert TensorBundle(prefix).read("w").shape == (0, 2**60)
        return
    fails_fast(lambda: TensorBundle(prefix), BundleError, f"entry 'w': .*{match}|{match}")


@pytest.mark.parametrize("code", [0, 99, 2**40])
def test_wrong_dtype_code(tmp_path, code):
    prefix = one_tensor_bundle(tmp_path, entry(code, [4], size=16))
    fails_fast(lambda: TensorBundle(prefix), BundleError, f"m.ckpt.index: entry 'w': unknown or unsupported dtype "
                                                          f"code {code}")


def test_snappy_block_is_refused_clearly(tmp_path):
    index = bytearray(table({b"": HEADER, b"w": entry(1, [4], size=16, crc=crc32c(b"\0" * 16))}))
    size = data_block_size(bytes(index))
    index[size] = 1  # compression type: snappy, checksum made to match
    reseal(index, size)
    (tmp_path / "m.ckpt.index").write_bytes(bytes(index))
    (tmp_path / "m.ckpt.data-00000-of-00001").write_bytes(b"\0" * 16)
    fails_fast(lambda: TensorBundle(tmp_path / "m.ckpt"), BundleError, "snappy-compressed; TensorFlow writes bundles")


def test_partitioned_variables_and_big_endian_files(tmp_path):
    sliced = entry(1, [4], size=16) + field(7, b"")  # a TensorSliceProto: a partitioned variable
    (tmp_path / "a").mkdir()
    prefix = one_tensor_bundle(tmp_path / "a", sliced)
    fails_fast(lambda: TensorBundle(prefix), BundleError, "partitioned slices")
    values = np.arange(4, dtype=">f4").tobytes()  # a big-endian machine's file: read with the bytes swapped
    (tmp_path / "b").mkdir()
    prefix = one_tensor_bundle(tmp_path / "b", entry(1, [4], size=16, crc=crc32c(values)), values,
                               header=field(1, 1) + field(2, 1) + field(3, field(1, 1)))
    assert TensorBundle(prefix).read("w").tolist() == [0.0, 1.0, 2.0, 3.0]


def test_not_an_index_at_all(tmp_path):
    (tmp_path / "m.ckpt.index").write_bytes(b"x" * 100)
    fails_fast(lambda: TensorBundle(tmp_path / "m.ckpt"), BundleError, "no table magic number")
    (tmp_path / "m.ckpt.index").write_bytes(table({b"w": entry(1, [4], size=16)}))
    fails_fast(lambda: TensorBundle(tmp_path / "m.ckpt"), BundleError, "no header entry")


# -- fuzzing -------------------------------------------------------------------------------------------
BASE = (SQUAD / "model.ckpt-12.index").read_bytes()
DATA_BLOCK = data_block_size(BASE)


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       resealed=st.booleans(), cut=st.one_of(st.none(), st.integers(0, len(BASE))))
def test_fuzzed_index_never_crashes_or_hangs(tmp_path_factory, edits, resealed, cut):
    """Random byte edits (with the data block's checksum recomputed half the time, so the parser behind it is
    reached), optionally a truncation: opening and reading every tensor either works or raises BundleError /
    FileNotFoundError, in bounded CPU time."""
    folder = tmp_path_factory.mktemp("fuzz")
    for f in SQUAD.glob("model.ckpt-12.data-*"):
        shutil.copy(f, folder / f.name)
    raw = bytearray(BASE)
    for pos, byte in edits:
        raw[pos] = byte
    if resealed:  # make the data block's checksum match its (edited) contents
        reseal(raw, DATA_BLOCK)
    (folder / "model.ckpt-12.index").write_bytes(bytes(raw[:cut]))
    start = time.process_time()  # CPU time: a hang shows in it, a busy machine hardly does
    try:
        bundle = TensorBundle(folder / "model.ckpt-12")
        for name in bundle.entries:
            try:
                bundle.read(name)
            except BundleError:
                pass
    except (BundleError, FileNotFoundError):
        pass
    assert time.process_time() - start < 5.0


def test_fuzz_reaches_the_parser(tmp_path):
    """Resealed edits get past the block checksum to the parser (else the fuzz test tests the checksum only)."""
    raw = bytearray(BASE)
    raw[DATA_BLOCK - 1] = 0xFF  # the restart count's high byte: 4 billion restart points
    reseal(raw, DATA_BLOCK)
    (tmp_path / "m.ckpt.index").write_bytes(bytes(raw))
    with pytest.raises(BundleError, match="restart points, impossible"):
        TensorBundle(tmp_path / "m.ckpt")
