"""The public `BertConfig`: BERT's config (minibert/bert/config.py) plus reading and writing ``config.json``.

The core class holds the fields, their defaults and checks, and converts to and from a dict and a JSON string;
this subclass adds what touches files and the Hub: ``save_pretrained`` / ``to_json_file``, ``from_json_file``,
``get_config_dict`` and ``from_pretrained`` (files themselves are read and written in minibert/loading/).
``from minibert import BertConfig`` is this class. It adds methods only, no fields: a core config and a public
one with the same fields are equal, and a model built from a core config gets the public class
(minibert/compat/pretrained_model.py), so that it can be saved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from minibert.bert import config as core

CONFIG_NAME = "config.json"


class BertConfig(core.BertConfig):
    """`BertConfig` with the file and Hub methods of the reference (see minibert/bert/config.py for the fields)."""

    def to_json_file(self, path: str | os.PathLike) -> None:
        """Write ``config.json`` atomically: a crash never leaves a half-written file in its place."""
        from minibert.loading.atomic import atomic_write_bytes

        atomic_write_bytes(Path(path), self.to_json_string().encode("utf-8"))

    def save_pretrained(self, save_directory: str | os.PathLike) -> None:
        Path(save_directory).mkdir(parents=True, exist_ok=True)
        self.to_json_file(Path(save_directory) / CONFIG_NAME)

    @classmethod
    def from_json_file(cls, path: str | os.PathLike, **overrides: Any) -> BertConfig:
        return cls.from_dict(read_config_file(path), **overrides)

    @classmethod
    def get_config_dict(cls, name_or_path: str | os.PathLike, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(config.json's contents, the keywords not used to find it)``, without building a config.

        The reference's first step of ``from_pretrained`` and a call its tutorials make
        (``BertConfig.get_config_dict("bert-base-uncased")``). ``revision``, ``cache_dir``,
        ``local_files_only`` and ``subfolder`` locate the file; every other keyword is handed back.
        """
        from minibert.loading.resolve import resolve

        where = {k: kwargs.pop(k) for k in ("revision", "cache_dir", "local_files_only", "subfolder") if k in kwargs}
        source = resolve(name_or_path, **where, tensorflow=False)  # config.json only, as the reference reads it
        return read_config_file(source.file(CONFIG_NAME)), kwargs

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, *, revision: str | None = None,
                        cache_dir: str | os.PathLike | None = None, local_files_only: bool = False,
                        subfolder: str = "", **overrides: Any) -> BertConfig:
        """Read ``config.json`` from a folder (or its ``subfolder``), a file, or a Hub repo id (through
        ``huggingface_hub``); for an original Google checkpoint (folder, prefix or ``.index``), its
        ``bert_config.json``. Keywords that are config fields override the file's values."""
        from minibert.loading.resolve import resolve

        source = resolve(name_or_path, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only,
                         subfolder=subfolder)
        if source.tf is not None:  # an original Google checkpoint: its folder's bert_config.json
            return source.tf.config(cls, **overrides)
        config_dict, overrides = cls.get_config_dict(source, **overrides)
        return cls.from_dict(config_dict, **overrides)

def read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON object in a ``config.json``, with a clear error for a missing or broken file."""
    from minibert.loading.text_file import read_json

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no config file at {path}")
    return read_json(path, dict, "a BERT config.json (a JSON object of settings)")
