"""The child process that grades one exercise, fenced in before the learner's code runs.

    python -m minibert.exercises.sandbox NAME SOURCE SEED RESULT ROOT [-v]

Started by minibert/exercises/isolation.py, one per exercise (and per student), in a fresh temporary folder
ROOT that holds the copy of the learner's files. Before any learner code is imported it

* caps the address space (``RLIMIT_AS``) at what the grader itself uses after importing torch and pytest
  plus ``HEADROOM`` (2 GiB), file sizes at 64 MiB and core dumps at 0, and runs torch on one thread;
* on Linux with Landlock (5.13+), forbids creating, writing, truncating, renaming or deleting any file
  outside ROOT (reading stays allowed) and, with Landlock ABI 4+, every TCP connect and bind, and with ABI
  6+, signals to processes outside this one (so the grader that started it cannot be killed from here).

It then touches ROOT/ready (the parent's time limit starts there), runs the exercise's grader in this
process (minibert/exercises/grading.py) and writes the cases' outcomes as JSON to RESULT (inside ROOT). No
RESULT means the grading did not finish: the parent reports that, never a pass. The limits that were set
are listed in the result's ``limits``.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from pathlib import Path

HEADROOM = 2 * 1024**3  # bytes of address space the learner's code may add to the grader's own
MAX_FILE = 64 * 1024**2  # the largest file (or output) the child may write

_FS_WRITE = (1 << 1) | (1 << 4) | (1 << 5) | sum(1 << b for b in range(6, 13))  # write, remove, make anything
_REFER, _TRUNCATE, _NET_TCP, _SCOPE = 1 << 13, 1 << 14, (1 << 0) | (1 << 1), (1 << 0) | (1 << 1)


def _address_space() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def cap_resources() -> list[str]:
    """The resource limits of this process, as said in the module docstring; what was set, in words."""
    try:
        import resource
    except ImportError:  # not on Unix: no limits but the parent's time limit
        return []
    done = []
    used = _address_space()
    if used is not None:
        resource.setrlimit(resource.RLIMIT_AS, (used + HEADROOM, used + HEADROOM))
        done.append(f"address space {(used + HEADROOM) / 1024**3:.1f} GiB")
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE, MAX_FILE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return done + ["files 64 MiB"]


def landlock(root: Path) -> list[str]:
    """Forbid writing outside ``root`` (and TCP, and signals out, where the kernel can); what was enforced."""
    if not sys.platform.startswith("linux"):
        return []
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        return []
    fs = _FS_WRITE | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    fields = [fs] + ([_NET_TCP] if abi >= 4 else []) + ([_SCOPE] if abi >= 6 else [])
    attr = (ctypes.c_uint64 * len(fields))(*fields)
    ruleset = libc.syscall(444, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        return []

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    try:
        for path, access in ((root, fs), ("/dev/null", (1 << 1) | (_TRUNCATE if abi >= 3 else 0))):
            fd = os.open(path, os.O_PATH)
            try:
                rule = PathBeneath(access, fd)
                if libc.syscall(445, ruleset, 1, ctypes.byref(rule), 0) != 0:  # LANDLOCK_RULE_PATH_BENEATH
                    return []
            finally:
                os.close(fd)
        if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.syscall(446, ruleset, 0) != 0:  # NO_NEW_PRIVS, restrict
            return []
    finally:
        os.close(ruleset)
    return (["no file written outside its folder"] + (["no TCP"] if abi >= 4 else [])
            + (["no signals out"] if abi >= 6 else []))


def main(argv: list[str]) -> int:
    name, source, seed, result, root = argv[:5]
    import pytest  # noqa: F401  (imported before the cap: the grader's own needs are measured, not guessed)
    import torch

    from minibert.exercises.catalog import find
    from minibert.exercises.grading import Interrupted, run_graders
    from minibert.loading.atomic import atomic_write_bytes

    torch.set_num_threads(1)
    sys.dont_write_bytecode = True
    limits = cap_resources() + landlock(Path(root))
    (Path(root) / "ready").touch()  # the time limit starts now (minibert/exercises/isolation.py)
    try:
        results, code = run_graders([find(name)], source, verbose="-v" in argv[5:], seed=int(seed))
    except Interrupted:
        return 130
    sys.stdout.flush()
    outcome = results.outcome(name)
    data = {"exercise": name, "cases": outcome.cases, "expected": outcome.expected, "mistakes": outcome.mistakes,
            "problem": outcome.problem, "pytest_exit_code": code, "limits": limits}
    atomic_write_bytes(result, json.dumps(data).encode("utf-8"))  # whole or absent: never read half-written
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
