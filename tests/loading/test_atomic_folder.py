"""minibert/loading/atomic_folder.py: a new folder under its name whole, the old one kept whatever fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minibert.loading import atomic_folder


def test_a_new_folder_replaces_the_old_only_when_told(tmp_path):
    out = tmp_path / "ckpt"
    for text in ("first", "second"):
        folder = atomic_folder.new_folder(out)
        assert folder.parent == tmp_path and folder.name.startswith(".ckpt.tmp-")
        (folder / "weights").write_text(text)
        if out.exists():
            with pytest.raises(FileExistsError, match="pass --replace"):
                atomic_folder.replace_folder(folder, out, replace=False)
            assert (out / "weights").read_text() == "first"
        atomic_folder.replace_folder(folder, out, replace=True)
    assert (out / "weights").read_text() == "second" and [p.name for p in tmp_path.iterdir()] == ["ckpt"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask and (out / "weights").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_failed_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    out, new = tmp_path / "ckpt", tmp_path / ".ckpt.tmp-1"
    for folder, text in ((out, "old"), (new, "new")):
        folder.mkdir()
        (folder / "weights").write_text(text)
    rename = os.rename

    def failing(src, dst):
        if Path(src) == new:
            raise OSError("rename failed")
        rename(src, dst)

    monkeypatch.setattr(atomic_folder.os, "rename", failing)
    with pytest.raises(OSError, match="rename failed"):
        atomic_folder.replace_folder(new, out, replace=True)
    assert (out / "weights").read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == [
        ".ckpt.tmp-1", "ckpt"]
