"""Where a ``from_pretrained`` reads from: one decision for the config, the tokenizer and the model.

``resolve(name_or_path, ...)`` looks at what the user named once and returns a `Source`; each loader then asks
it for the files it needs (``source.file("vocab.txt")``, ``source.weights()``). The decision, in order::

    name_or_path                                   kind          files are read from
    ---------------------------------------------  ------------  ---------------------------------------------
    a folder with a Google TensorFlow checkpoint   "tensorflow"  the checkpoint's folder (subfolder ignored)
      (latest in its ``checkpoint`` state file,
      else bert_model.ckpt, else its only one)
      and no Hugging Face weights
    a prefix ``…/model.ckpt-7``, its ``.index``    "tensorflow"  the prefix's folder
      or ``.data-…`` file
    a folder (+ ``subfolder``, which must exist)   "folder"      that folder
    a file (``model.safetensors``, ``vocab.txt``)  "file"        the file itself, or a file of that name beside it
    ``org/name`` matching a Hub repo id            "hub"         the Hugging Face cache, downloaded on demand
                                                                 (revision, cache_dir, local_files_only)
    anything else                                  FileNotFoundError: neither a file or folder nor a repo id

A folder holding several checkpoints and no ``checkpoint`` file is refused (ValueError), and so is a state file
naming a checkpoint the folder lacks (minibert/loading/tf_latest.py): only the folder the user named is read. A
file found in a Hub cache snapshot must link inside its own repo's folder (minibert/loading/hub.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from minibert.loading import hub

if TYPE_CHECKING:  # tf_checkpoint imports torch: only a TensorFlow checkpoint needs it
    from minibert.loading.tf_checkpoint import TFCheckpoint

TENSORFLOW, FOLDER, FILE, HUB = "tensorflow", "folder", "file", "hub"


@dataclass(frozen=True)
class Source:
    """What ``name`` turned out to be (``kind``), and how to read a named file from it.

    ``path``: the local folder or file files are read from (for "tensorflow", the checkpoint's folder; for "hub",
    None). ``tf``: the TensorFlow checkpoint, for "tensorflow" only.
    """

    kind: str
    name: str | os.PathLike  # as the user gave it
    path: Path | None
    tf: TFCheckpoint | None = None
    revision: str | None = None
    cache_dir: str | os.PathLike | None = None
    local_files_only: bool = False
    subfolder: str = ""

    @property
    def folder(self) -> Path | None:
        """The local folder the files lie in (one another process may save into); None for a Hub repo."""
        return self.path.parent if self.kind == FILE else self.path

    def file(self, filename: str, required: bool = True) -> Path | None:
        """The path of ``filename`` in this source; ``None`` when it is absent and not ``required``."""
        if self.kind == HUB:
            return hub.hub_file(str(self.name), filename, revision=self.revision, cache_dir=self.cache_dir,
                                local_files_only=self.local_files_only, required=required, subfolder=self.subfolder)
        if self.kind == FILE:  # the named file itself, or the file of that name beside it
            found = self.path if self.path.name == filename else self.path.parent / filename
            missing = f"no {filename} next to {self.path}"
        else:
            found, missing = self.path / filename, f"{self.path} has no {filename}"
        if found.is_file():
            return hub.check_cache_link(found)
        if required:
            raise FileNotFoundError(missing)
        return None

    def weights(self) -> Path:
        """The Hugging Face weights file: the named file, or the first of ``hub.WEIGHT_FILES`` present."""
        if self.kind == FILE:
            return self.path
        for filename in hub.WEIGHT_FILES:
            found = self.file(filename, required=False)
            if found is not None:
                return found
        where = f"{str(self.name)!r}" + (f" (subfolder {self.subfolder!r})" if self.subfolder else "")
        raise FileNotFoundError(f"found no weights in {where}: looked for {', '.join(hub.WEIGHT_FILES)}")


def resolve(name_or_path: str | os.PathLike | Source, *, revision: str | None = None,
            cache_dir: str | os.PathLike | None = None, local_files_only: bool = False, subfolder: str = "",
            tensorflow: bool = True) -> Source:
    """Decide what ``name_or_path`` is (see the table above). A `Source` is returned as it is, so a loader that
    resolved once can hand its source on. ``tensorflow=False`` skips looking for a Google checkpoint."""
    if isinstance(name_or_path, Source):
        return name_or_path
    hub_options = {"revision": revision, "cache_dir": cache_dir, "local_files_only": local_files_only,
                   "subfolder": subfolder}
    if tensorflow:
        from minibert.loading import tf_checkpoint

        tf = tf_checkpoint.find(name_or_path)  # ValueError / FileNotFoundError for an ambiguous or broken run
        if tf is not None:
            return Source(TENSORFLOW, name_or_path, tf.folder, tf)
    path = Path(name_or_path)
    if subfolder and path.is_dir():
        path = path / subfolder
        if not path.is_dir():
            raise FileNotFoundError(f"{name_or_path} has no subfolder {subfolder!r}")
    if path.is_dir():
        return Source(FOLDER, name_or_path, path, **hub_options)
    if path.is_file():
        return Source(FILE, name_or_path, path, **hub_options)
    if not hub.is_repo_id(str(name_or_path)):
        raise FileNotFoundError(f"{str(name_or_path)!r} is neither an existing file or folder nor a Hub repo id "
                                "like 'org/name'")
    return Source(HUB, name_or_path, None, **hub_options)


def resolve_file(name_or_path: str | os.PathLike, filename: str, *, revision=None, cache_dir=None,
                 local_files_only: bool = False, required: bool = True, subfolder: str = "") -> Path | None:
    """Path of ``filename`` in a local folder (or its ``subfolder``), beside a local file, or in a Hub repo;
    ``None`` if absent and not ``required``. A Hugging Face source only (no TensorFlow checkpoint)."""
    return resolve(name_or_path, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only,
                   subfolder=subfolder, tensorflow=False).file(filename, required)
