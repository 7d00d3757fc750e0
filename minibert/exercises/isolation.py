"""Grading each exercise in a process of its own: a hang, a crash or an exit costs that exercise only.

:func:`grade_isolated` copies the learner's files into a fresh temporary folder, starts
minibert/exercises/sandbox.py there (which fences itself in: memory, files, network; see its docstring),
waits at most ``timeout`` seconds from when the learner's code may run (the grader's own start-up is not
counted) and reads back what it graded. Whatever goes wrong becomes that exercise's
0 with the reason: "timed out after 60 s in layer_norm", "the grading process of gelu was killed by
SIGSEGV ...", "your code ended the grading process of wordpiece (exit code 0) ...". No network: where
``unshare --net`` works, the child runs in a network namespace of its own (no interface but loopback); it
also gets proxy variables pointing nowhere and ``HF_HUB_OFFLINE=1``.

Ctrl-C (SIGINT) or SIGTERM during a grading kills the child's whole process group and raises
:class:`~minibert.exercises.grading.Interrupted`: the caller reports no grade at all, never a pass.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import minibert
from minibert.exercises.adapters import BUILT_IN
from minibert.exercises.drawn import DRAWN
from minibert.exercises.grading import Interrupted, Outcome
from minibert.exercises.snapshot_io import load_snapshot

DEFAULT_TIMEOUT = 60.0
STARTUP_LIMIT = 300.0  # seconds the grader itself may take to start (import torch and pytest), before the timeout
_NOWHERE = "http://127.0.0.1:9"  # the discard port: a proxy that never answers
_PACKAGE_ROOT = str(Path(minibert.__file__).resolve().parents[1])  # so the child imports this minibert


# The child's start: like ``python -m minibert.exercises.sandbox``, but without the working folder (the learner's
# copy) on sys.path, where a learner's json.py or pytest.py would shadow the grader's own imports.
_START = "import sys; sys.path.pop(0); from minibert.exercises.sandbox import main; sys.exit(main(sys.argv[1:]))"


def _kill(child: subprocess.Popen) -> None:
    """Kill the child and anything it started in its process group (the child alone where there are no groups)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(child.pid, signal.SIGKILL)
        else:  # pragma: no cover (Windows)
            child.kill()


def case_count(name: str) -> int:
    """How many cases exercise ``name``'s grader runs: its snapshot's and the drawn ones."""
    return len(load_snapshot(name)["cases"]) + DRAWN


@functools.cache
def no_network_prefix() -> tuple[str, ...]:
    """``unshare`` arguments that give the child a network of its own, or () where that is not permitted."""
    for prefix in (("unshare", "--net"), ("unshare", "--net", "--map-root-user")):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            break
    return ()


def _child_env(root: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT")}
    path = os.pathsep.join([_PACKAGE_ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    proxies = {k: _NOWHERE for k in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                                     "ALL_PROXY")}
    return {**keep, **proxies, "PYTHONPATH": path, "HOME": str(root), "TMPDIR": str(root), "no_proxy": "",
            "NO_PROXY": "", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1"}


def _copy_source(source: str, root: Path) -> tuple[str, Path]:
    """The learner's files copied into ``root/code``: (the --impl to give the child, its working folder)."""
    code = root / "code"
    if source in BUILT_IN:
        code.mkdir()
        return source, code
    path = Path(source).expanduser()
    ignore = shutil.ignore_patterns("__pycache__", ".git", ".ipynb_checkpoints")
    if path.is_dir():
        shutil.copytree(path, code, symlinks=True, ignore=ignore)
        return str(code), code
    code.mkdir()
    if path.is_file():  # one .py file: it may import the .py files beside it
        for sibling in path.parent.glob("*.py"):
            shutil.copy2(sibling, code / sibling.name)
        return str(code / path.name), code
    return source, code  # not there: the child says so, in the adapter's words


def _death(name: str, code: int, timeout: float) -> str:
    if code < 0:
        sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return (f"the grading process of {name} was killed by {sig} before it finished (your code crashed it, "
                f"e.g. runaway recursion, or used more memory than the grader allows)")
    return (f"your code ended the grading process of {name} (exit code {code}) before any case was graded, "
            f"e.g. with os._exit() or sys.exit() outside a function")


@contextlib.contextmanager
def _sigterm_interrupts():
    """SIGTERM is handled like Ctrl-C while grading (in the main thread, where signals can be handled)."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wait(child: subprocess.Popen, ready: Path, timeout: float) -> int | None:
    """The child's exit code, or None when it ran past ``timeout`` seconds after it was ``ready`` (its own start,
    importing torch, is not the learner's time: on a loaded machine it can take seconds) or never got ready."""
    started, ready_at = time.monotonic(), None
    while True:
        try:
            return child.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            now = time.monotonic()
            if ready_at is None and ready.exists():
                ready_at = now
            if (now - ready_at if ready_at is not None else now - started - STARTUP_LIMIT) > timeout:
                return None


def grade_isolated(name: str, source: str, seed: int, timeout: float = DEFAULT_TIMEOUT,
                   verbose: bool = False) -> Outcome:
    """Grade exercise ``name`` of ``source`` in a fenced child process; raises Interrupted on Ctrl-C/SIGTERM."""
    root = Path(tempfile.mkdtemp(prefix="minibert-grade-"))
    try:
        impl, cwd = _copy_source(source, root)
        result, output = root / "result.json", root / "output.txt"
        command = [*no_network_prefix(), sys.executable, "-c", _START, name, impl, str(seed), str(result),
                   str(root)] + (["-v"] if verbose else [])
        with open(output, "wb") as out, _sigterm_interrupts():
            child = subprocess.Popen(command, cwd=cwd, env=_child_env(root), stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                code = _wait(child, root / "ready", timeout)
            except KeyboardInterrupt:
                raise Interrupted(f"grading interrupted during {name}: nothing was graded") from None
            finally:
                _kill(child)
                child.wait()
        if verbose:
            sys.stdout.write(output.read_text(encoding="utf-8", errors="replace"))
        if code is None:
            return Outcome(name, expected=case_count(name), problem=f"timed out after {timeout:g} s in {name}")
        if not result.is_file() and not (root / "ready").exists():  # before any learner code: not the learner's
            tail = output.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            return Outcome(name, expected=case_count(name), problem=f"the grader of {name} could not start (exit "
                                                                    f"code {code}): {' '.join(tail)}")
        if not result.is_file():
            return Outcome(name, expected=case_count(name), problem=_death(name, code, timeout))
        data = json.loads(result.read_text(encoding="utf-8"))
        if source not in BUILT_IN and impl != source:  # name the learner's files, not the temporary copy
            original = Path(source).expanduser()
            original = original if original.is_dir() else original.parent
            data = json.loads(json.dumps(data).replace(json.dumps(str(cwd))[1:-1], json.dumps(str(original))[1:-1]))
        if data.get("exercise") != name:
            return Outcome(name, expected=case_count(name), problem=f"the grading of {name} gave no valid result")
        return Outcome(name, [tuple(c) for c in data["cases"]], data["expected"], data["mistakes"], data["problem"])
    finally:
        shutil.rmtree(root, ignore_errors=True)
