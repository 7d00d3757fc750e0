"""Give the memory a batch freed back to the operating system, so that a long run's memory stays flat.

A pipeline over a long corpus (``embed``, ``iter_embed``, ``python -m minibert embed --file``) runs thousands
of batches, each with its own shapes: sorted by length and unpadded, batch after batch asks for tensors of
another size, (N tokens, C) with N never the same. glibc's allocator keeps what a batch frees inside its heap
(it raises its own mmap threshold after the first large free, so most tensors land there), and blocks of
one size rarely fit the next batch's requests: the heap fragments and the process grows with the file
(all-MiniLM-L6-v2, 1 thread, chunks of 1,024 lines: RSS +165 MB after the first chunk, then about
+50 MB every chunk, none of it live data). ``malloc_trim(0)`` hands every free page back at once; called
after each batch, a run's memory is the model plus one batch's working set, whatever the file's length.

Where the C library is not glibc (macOS, Windows, musl), there is no ``malloc_trim`` and this does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the process's C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded in this process: its own C library
        trim = libc.malloc_trim  # AttributeError on a C library without it (musl)
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Return the heap's free pages to the operating system; True where that was done (glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)  # 0: keep no free space at the top of the heap either
    return True
