"""An original Google BERT checkpoint as ``from_pretrained`` sees it: where it is, its config, its state dict.

Google's releases (``uncased_L-12_H-768_A-12.zip``, the 24 small BERTs, ``multi_cased_…``, ``chinese_…``) unzip
to a folder

    bert_config.json   vocab.txt   bert_model.ckpt.index   bert_model.ckpt.data-00000-of-00001

and ``run_pretraining.py`` / ``run_classifier.py`` / ``run_squad.py`` write ``model.ckpt-STEP.*`` next to a
``checkpoint`` file naming the latest (read by minibert/loading/tf_latest.py, so that a moved or copied run folder
reads its own files). ``find`` recognises such a folder, the prefix itself
(``.../bert_model.ckpt``, as TensorFlow names a checkpoint) and its ``.index`` file; ``state_dict`` reads the
tensors (minibert/loading/tf_bundle.py) under the reference's key names (minibert/loading/tf_names.py), so
loading then goes on exactly as for a ``model.safetensors``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch

from minibert.loading import tf_latest, tf_names
from minibert.loading.hub import WEIGHT_FILES
from minibert.loading.tf_bundle import TensorBundle, is_bundle_file, prefix_of

logger = logging.getLogger("minibert")
CONFIG_NAMES = ("config.json", "bert_config.json")  # a converted folder's, then Google's


@dataclass
class TFCheckpoint:
    prefix: Path  # e.g. .../uncased_L-2_H-128_A-2/bert_model.ckpt
    skipped: list[str] = field(default_factory=list)  # training-state variables the last state_dict() skipped

    @property
    def folder(self) -> Path:
        return self.prefix.parent

    @property
    def config_path(self) -> Path | None:
        return next((self.folder / n for n in CONFIG_NAMES if (self.folder / n).is_file()), None)

    def config(self, config_class, **overrides):
        """The folder's config; ``num_labels`` from a ``run_classifier.py`` head, which bert_config.json lacks."""
        if self.config_path is None:
            raise FileNotFoundError(f"no {' or '.join(CONFIG_NAMES)} next to the TensorFlow checkpoint {self.prefix}")
        head = TensorBundle(self.prefix).entries.get("output_weights")  # (num_labels, C): from the index alone
        if head is not None and len(head.shape) == 2 and not {"num_labels", "id2label"} & set(overrides):
            overrides["num_labels"] = head.shape[0]
        return config_class.from_json_file(self.config_path, **overrides)

    def state_dict(self) -> tuple[dict[str, torch.Tensor], list[Path]]:
        """The BERT weights under the reference's keys, and the files read.

        Training state (Adam slots, ``global_step``) is skipped and reported; a variable that is no BERT weight
        keeps its TensorFlow name as a shape-only ("meta") tensor, so it is reported unused without being read.
        """
        bundle = TensorBundle(self.prefix)
        state, skipped = {}, []
        for name, entry in bundle.entries.items():
            if tf_names.is_training_state(name):
                skipped.append(name)
                continue
            mapped = tf_names.reference_key(name)
            if mapped is None:
                state[name] = torch.empty(entry.shape, device="meta")
                continue
            key, transpose = mapped
            array = bundle.read(name)
            tensor = (torch.from_numpy(array.view("<i2").copy()).view(torch.bfloat16) if entry.dtype == "bfloat16"
                      else torch.from_numpy(array.astype(array.dtype.newbyteorder("="))))  # a copy, native order
            state[key] = tensor.T.contiguous() if transpose else tensor
        if not any(t.device.type != "meta" for t in state.values()):
            names = ", ".join(list(bundle.entries)[:5])
            raise ValueError(f"{bundle.index_path}: none of its {len(bundle.entries)} variables is a BERT weight "
                             f"in Google's naming (bert/embeddings/..., bert/encoder/layer_N/...); found: {names}")
        if skipped:
            logger.warning("Skipped %d variables of %s that are training state, not model weights (optimizer "
                           "slots, global_step): %s", len(skipped), bundle.index_path,
                           ", ".join(skipped[:4]) + (", ..." if len(skipped) > 4 else ""))
        self.skipped = skipped
        return state, [bundle.index_path, *bundle.data_paths]


def find(name_or_path: str | os.PathLike) -> TFCheckpoint | None:
    """The TensorFlow checkpoint ``name_or_path`` names, or None (then it is a Hugging Face folder, file or id)."""
    path = Path(name_or_path)
    if path.is_dir():
        if any((path / n).is_file() for n in WEIGHT_FILES):
            return None  # a converted folder: its Hugging Face weights win
        latest = tf_latest.latest(path)  # what the run's 'checkpoint' file names, inside this folder
        if latest is not None:
            return TFCheckpoint(latest)
        if (path / "bert_model.ckpt.index").is_file():
            return TFCheckpoint(path / "bert_model.ckpt")
        held = tf_latest.checkpoints_in(path)
        if len(held) > 1:
            raise ValueError(f"{path} holds {len(held)} TensorFlow checkpoints ({', '.join(held[:4])}"
                             f"{', ...' if len(held) > 4 else ''}) and no 'checkpoint' file saying which is the "
                             f"latest: pass the one you want, e.g. {path / held[-1]}")
        return TFCheckpoint(path / held[0]) if held else None
    if path.is_file() and not is_bundle_file(path.name):
        return None
    prefix = prefix_of(path)
    return TFCheckpoint(prefix) if prefix is not None else None


def lower_case_from_name(folder: Path) -> bool | None:
    """Google's naming says how its vocabulary was made: ``uncased_…``, ``multilingual_…``, ``chinese_…`` lower-case,
    ``cased_…`` and ``multi_cased_…`` keep case (the rule of google-research/bert's tokenization.py). None: unknown."""
    words = folder.name.lower().split("_")
    if "cased" in words:
        return False
    if "uncased" in words or words[0] in ("multilingual", "chinese"):
        return True
    return None
