"""Killing a process in the middle of ``save_pretrained`` never loses the checkpoint that was there.

A child process saves checkpoint A, then starts saving checkpoint B over it with a weights writer that stops
half-way through the file (as a crash or SIGKILL would catch it). The parent SIGKILLs the child at that
moment, then loads the folder: it must be checkpoint A, bit for bit, with no partial file in its place.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import torch

from minibert import BertModel

CHILD = textwrap.dedent(
    """
    import sys, time, torch
    import safetensors.torch
    from minibert import BertConfig, BertModel

    folder = sys.argv[1]
    cfg = BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=48, max_position_embeddings=32)
    torch.manual_seed(0)
    BertModel(cfg).save_pretrained(folder)           # checkpoint A, complete
    print("A saved", flush=True)

    def stalls_half_way(tensors, filename, metadata=None):
        with open(filename, "wb") as f:               # write half of a real file, then hang mid-write
            data = safetensors.torch.save(tensors, metadata=metadata)
            f.write(data[: len(data) // 2])
            f.flush()
            print("B half-written", flush=True)
            time.sleep(60)

    safetensors.torch.save_file = stalls_half_way
    torch.manual_seed(1)
    model = BertModel(cfg)
    model.prune_heads({0: [1]})                       # B differs in weights *and* config
    model.save_pretrained(folder)
    """
)


def test_sigkill_mid_save_leaves_previous_checkpoint_intact(tmp_path):
    folder = tmp_path / "ckpt"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.time() + 60
        while time.time() < deadline:
            line = child.stdout.readline()
            lines.append(line)
            if "B half-written" in line:
                break
        assert "B half-written" in "".join(lines), f"child never reached the mid-save point: {lines}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()

    loaded = BertModel.from_pretrained(folder)
    from minibert import BertConfig

    torch.manual_seed(0)
    expected = BertModel(BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                    intermediate_size=48, max_position_embeddings=32))
    assert loaded.config.pruned_heads == {}
    for (name, a), b in zip(expected.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), f"{name} changed: the interrupted save damaged checkpoint A"
    leftovers = [p.name for p in folder.iterdir() if p.name not in ("config.json", "model.safetensors")]
    # The half-written temporary file may remain (it is hidden and never read); nothing else may appear.
    assert all(name.startswith(".model.safetensors.") and name.endswith(".tmp") for name in leftovers), leftovers


def test_atomic_writes_keep_ordinary_file_permissions(tmp_path):
    """The temporary file is private (0o600); the saved file must not be: new files get 0o666 less the umask,
    a replaced file keeps its own mode."""
    from minibert.loading.atomic import atomic_write_bytes

    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.bin"
        atomic_write_bytes(new, b"x")
        assert new.stat().st_mode & 0o777 == 0o644
        shared = tmp_path / "shared.bin"
        shared.write_bytes(b"old")
        shared.chmod(0o640)
        atomic_write_bytes(shared, b"new")
        assert shared.read_bytes() == b"new" and shared.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
