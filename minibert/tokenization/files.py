"""Loading and saving a tokenizer: ``from_pretrained`` and ``save_pretrained``.

A tokenizer folder, as the Hub stores it, holds up to three files we read:

* ``vocab.txt``                -- the WordPiece vocabulary (required);
* ``tokenizer_config.json``    -- constructor arguments (``do_lower_case``, ``model_max_length``, ...);
* ``special_tokens_map.json``  -- the special tokens (override the config's).

A Hub repo id (``"sentence-transformers/all-MiniLM-L6-v2"``) is resolved through ``huggingface_hub``'s
cache, by the resolver the config and the model loader use (minibert/loading/resolve.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from minibert.tokenization.added_tokens import AddedToken

VOCAB_FILE = "vocab.txt"
CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_FILE = "special_tokens_map.json"
ADDED_TOKENS_FILE = "added_tokens.json"

# Keys of tokenizer_config.json that are facts about the file, not constructor arguments. Every other key goes
# to the constructor: ours below are used, the rest (a library's own settings) kept in init_kwargs and saved back.
# The paths among them (vocab_file, ...) are never followed: the files are read from the folder by their own
# names, so a config written on another machine cannot point the loader at a file outside the folder.
_FILE_KEYS = ("tokenizer_class", "added_tokens_decoder", "name_or_path", "auto_map", "processor_class",
              "tokenizer_file", "vocab_file", "init_inputs", "special_tokens_map_file", "added_tokens_file")
# The constructor arguments minibert uses.
_INIT_KEYS = (
    "do_lower_case",
    "do_basic_tokenize",
    "never_split",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
    "tokenize_chinese_chars",
    "strip_accents",
    "model_max_length",
    "clean_up_tokenization_spaces",
    "additional_special_tokens",
    "padding_side",
    "truncation_side",
    "bos_token",
    "eos_token",
)


def _token_text(value):
    """Config files write a token either as ``"[CLS]"`` or as ``{"content": "[CLS]", ...}``."""
    if isinstance(value, dict):
        return value["content"]
    if isinstance(value, list):
        return [_token_text(v) for v in value]
    return value


def _read_json(path: Path | None) -> dict:
    from minibert.loading.text_file import read_json

    if path is None:
        return {}
    return read_json(path, dict, f"{Path(path).name} as a tokenizer saves it (a JSON object of settings)")


def _check_model_max_length(value, path) -> None:
    """``model_max_length`` is a number of tokens: a positive number (huge when the model sets no limit)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1):
        raise ValueError(f"{path}: model_max_length must be a positive number of tokens (e.g. 512), got {value!r}; "
                         "fix it in the file (or pass model_max_length=... to from_pretrained)")


class FilesMixin:
    """``from_pretrained`` / ``save_pretrained`` for the tokenizer."""

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str | os.PathLike,
        *,
        cache_dir=None,
        revision=None,
        local_files_only: bool = False,
        subfolder: str = "",
        **kwargs,
    ):
        """Load from a folder (or its ``subfolder``), a ``vocab.txt`` path, or a Hub repo id; ``kwargs`` override
        the saved settings.

        An original Google checkpoint (its folder, prefix or ``.index``) reads the folder's ``vocab.txt``,
        lower-casing as the release's name says (``uncased_…`` / ``cased_…``) unless ``do_lower_case`` is given.
        """
        from minibert.loading import tf_checkpoint
        from minibert.loading.resolve import FILE, resolve

        # A folder, a file, an original Google checkpoint (then its folder's files) or a Hub repo id.
        source = resolve(pretrained_model_name_or_path, revision=revision, cache_dir=cache_dir,
                         local_files_only=local_files_only, subfolder=subfolder)
        if source.kind == FILE:  # a bare vocabulary file
            return cls(pretrained_model_name_or_path, **kwargs)
        tf = source.tf

        def find(name: str, required: bool = False) -> Path | None:
            return source.file(name, required)

        vocab, files = cls._vocabulary_files(find)
        config_path = find(CONFIG_FILE)
        config = _read_json(config_path)
        if "model_max_length" not in kwargs:  # a value given here replaces the file's
            _check_model_max_length(config.get("model_max_length"), config_path)
        if tf is not None and not config and tf_checkpoint.lower_case_from_name(tf.folder) is not None:
            # Google's folders carry no tokenizer settings; the release's name says whether it lower-cases
            config["do_lower_case"] = tf_checkpoint.lower_case_from_name(tf.folder)
        settings = {key: _token_text(value) if key in _INIT_KEYS else value
                    for key, value in config.items() if key not in _FILE_KEYS}
        settings.update(
            {k: _token_text(v) for k, v in _read_json(find(SPECIAL_TOKENS_FILE)).items() if k in _INIT_KEYS}
        )
        added = {
            int(index): AddedToken(**{k: v for k, v in token.items() if not k.startswith("__")})
            for index, token in config.get("added_tokens_decoder", {}).items()
        }
        for content, index in _read_json(find(ADDED_TOKENS_FILE)).items():  # the older format
            added.setdefault(int(index), AddedToken(content, normalized=False, special=False))
        settings.update(kwargs)
        return cls(vocab, added_tokens_decoder=added or None, **files, **settings)

    @classmethod
    def _vocabulary_files(cls, find) -> tuple[Path | None, dict]:
        """Where ``from_pretrained`` reads the vocabulary: ``find(name, required)`` locates a file of the source.
        Returns the ``vocab_file`` argument and any other file arguments (``BertTokenizerFast``: ``tokenizer_file``)."""
        return find(VOCAB_FILE, required=True), {}

    def save_pretrained(self, save_directory: str | os.PathLike) -> tuple[str, ...]:
        """Write ``vocab.txt``, ``tokenizer_config.json`` and ``special_tokens_map.json``; returns their paths.

        Each file is written atomically (minibert/loading/atomic.py): a crash mid-save leaves the folder's previous
        files whole, never a truncated vocabulary that would silently map text to other ids.
        """
        from minibert.loading.atomic import atomic_write_bytes

        folder = Path(save_directory)
        if folder.is_file():
            raise ValueError(f"{folder} is a file; save_pretrained needs a directory")
        folder.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self.vocab.items(), key=lambda item: item[1])
        if [index for _, index in ordered] != list(range(len(ordered))):
            raise ValueError("the vocabulary ids are not 0..n-1 without gaps, so vocab.txt cannot represent them")
        vocab_path = folder / VOCAB_FILE
        atomic_write_bytes(vocab_path, "".join(token + "\n" for token, _ in ordered).encode("utf-8"))
        config = {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": self.basic_tokenizer.do_lower_case,
            "do_basic_tokenize": self.do_basic_tokenize,
            "never_split": sorted(self.basic_tokenizer.never_split) or None,
            "tokenize_chinese_chars": self.basic_tokenizer.tokenize_chinese_chars,
            "strip_accents": self.basic_tokenizer.strip_accents,
            "model_max_length": self.model_max_length,
            "clean_up_tokenization_spaces": self.clean_up_tokenization_spaces,
            "padding_side": self.padding_side,
            "truncation_side": self.truncation_side,
            **self.special_tokens_map,
            "added_tokens_decoder": {str(i): t.to_dict() for i, t in self.added_tokens_decoder.items()},
        }
        # Keywords minibert does not use, given to the constructor or read from a config file: kept, as the
        # reference keeps them, so that another library reading this folder finds its settings again.
        config.update({k: v for k, v in self.init_kwargs.items() if k not in config and k not in _INIT_KEYS
                       and k not in _FILE_KEYS and k not in ("additional_special_tokens",)})
        config_path = folder / CONFIG_FILE
        atomic_write_bytes(config_path, (json.dumps(config, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        special_path = folder / SPECIAL_TOKENS_FILE
        atomic_write_bytes(special_path,
                           (json.dumps(self.special_tokens_map, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        return str(config_path), str(special_path), str(vocab_path)
