"""Which model a lesson, a pipeline or a command uses when none is named: one rule, in one place.

    resolve_model()                   →  the first that applies:
      1. MINIBERT_MODEL=FOLDER_OR_HUB_ID        the user's choice
      2. the Hub's bert-base-uncased            if it is in the local Hugging Face cache, or the Hub answers
                                                (downloaded once, with huggingface_hub's progress bar;
                                                HF_HUB_OFFLINE=1 skips the network)
      3. checkpoints/minibert-pydocs            the small BERT this project pre-trained itself, shipped offline
    resolve_model("some/folder")      →  that model, as given

Every choice prints one line (to stderr, so ``--json`` output stays clean) saying which checkpoint, why, and
whether its weights are trained. The tiny checkpoints of ``checkpoints/`` (tiny-bert, ...) are random
initialisations made by the reference to test parity: they are used only when passed explicitly, and then
``.trained`` is False so that every output built on them can say its numbers mean nothing.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKPOINTS = REPO / "checkpoints"
SHIPPED = CHECKPOINTS / "minibert-pydocs"  # built by scripts/pretrain_pydocs.py
HUB_MODEL = "google-bert/bert-base-uncased"  # the Hub's bert-base-uncased (its old id redirects here)
HUB_ALIASES = (HUB_MODEL, "bert-base-uncased")  # either may be in a cache, depending on who downloaded it
HUB_FILES = ("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors")
HUB_TIMEOUT_S = 5.0  # an unreachable Hub costs at most this long, once


@dataclass(frozen=True)
class ResolvedModel:
    name_or_path: str  # what to pass to from_pretrained / pipeline: a folder or a Hub id
    reason: str  # why this one
    trained: bool  # False for random initialisations: outputs built on them mean nothing

    def describe(self) -> str:
        weights = "trained weights" if self.trained else "RANDOM weights: its predictions mean nothing"
        return f"model: {self.name_or_path} ({self.reason}; {weights})"

    @property
    def name(self) -> str:
        """A short name for titles and legends: the folder's name, or the Hub repo's ("bert-base-uncased")."""
        return short_name(self.name_or_path)

    def label(self, config=None) -> str:
        """'minibert-pydocs, 4 layers (trained)': what a plot or a sentence calls this model, from the model
        itself (``config``: its BertConfig, for the size), so a lesson never names a model by hand.

        It says "trained" or "RANDOM weights" only where that is known (the checkpoints shipped in checkpoints/);
        of a user's folder or a Hub model it says nothing, since nothing here can tell."""
        size = f", {config.num_hidden_layers} layers" if config is not None else ""
        if not self.trained:
            return f"{self.name}{size} (RANDOM weights)"
        return f"{self.name}{size} (trained)" if _shipped(self.name_or_path) else f"{self.name}{size}"


def short_name(name_or_path: str | os.PathLike) -> str:
    """The last part of a folder or Hub id; for a Hub cache snapshot (.../models--org--name/snapshots/<commit>)
    the repo's name rather than the commit hash."""
    parts = Path(str(name_or_path)).parts
    for part in reversed(parts):
        if part.startswith("models--"):
            return part.split("--")[-1]
    return parts[-1] if parts else str(name_or_path)


def resolve_model(model: str | os.PathLike | None = None, *, verbose: bool = True) -> ResolvedModel:
    """The model to use: ``model`` if given, else the default rule above. Prints one line unless ``verbose=False``."""
    if model is not None:
        chosen = ResolvedModel(str(model), "given explicitly", is_trained(model))
    elif os.environ.get("MINIBERT_MODEL"):
        name = os.environ["MINIBERT_MODEL"]
        chosen = ResolvedModel(name, "MINIBERT_MODEL is set", is_trained(name))
    else:
        chosen = _default()
    if verbose:
        print(chosen.describe(), file=sys.stderr, flush=True)
    return chosen


def _shipped(name_or_path: str | os.PathLike) -> bool:
    """True for a checkpoint of this repository's checkpoints/ folder, whose training (or none) is recorded."""
    path = Path(name_or_path)
    return path.exists() and (path if path.is_dir() else path.parent).resolve().parent == CHECKPOINTS.resolve()


def is_trained(name_or_path: str | os.PathLike) -> bool:
    """False for the random reference checkpoints shipped in checkpoints/ (listed in its VERSIONS.json)."""
    path = Path(name_or_path)
    if not path.exists():
        return True  # a Hub id or a user's own checkpoint: we cannot know, and assume it was trained
    folder = (path if path.is_dir() else path.parent).resolve()
    if folder.parent != CHECKPOINTS.resolve():
        return True
    versions = CHECKPOINTS / "VERSIONS.json"
    random_ones = json.loads(versions.read_text())["checkpoints"] if versions.is_file() else {}
    return folder.name not in random_ones


def _default() -> ResolvedModel:
    cached = hub_snapshot(local_files_only=True)
    if cached is not None:
        return ResolvedModel(str(cached), f"the Hub's {HUB_MODEL}, found in the local Hugging Face cache", True)
    why_not = _hub_unavailable()
    if why_not is None:
        downloaded = hub_snapshot(local_files_only=False)
        if downloaded is not None:
            return ResolvedModel(str(downloaded), f"the Hub's {HUB_MODEL}, downloaded to the local cache", True)
        why_not = "the download failed"
    if (SHIPPED / "config.json").is_file():
        return ResolvedModel(str(SHIPPED), f"the project's own pre-trained BERT ({HUB_MODEL} unavailable: "
                             f"{why_not}; set MINIBERT_MODEL to choose another)", True)
    raise FileNotFoundError(f"no default model: {HUB_MODEL} is unavailable ({why_not}) and {SHIPPED} is not "
                            "there (it ships with the source repository; install from a clone with "
                            "`pip install -e .`). Set MINIBERT_MODEL=FOLDER_OR_HUB_ID or pass a model")


def hub_snapshot(local_files_only: bool, cache_dir: str | os.PathLike | None = None) -> Path | None:
    """The local snapshot folder of bert-base-uncased with all of HUB_FILES, or None.

    With ``local_files_only`` it only looks in the cache; otherwise it downloads what is missing (with
    huggingface_hub's progress bars) into the same cache.
    """
    from huggingface_hub import hf_hub_download, try_to_load_from_cache

    if local_files_only:
        for repo in HUB_ALIASES:
            found = [try_to_load_from_cache(repo, f, cache_dir=cache_dir) for f in HUB_FILES]
            if all(isinstance(f, str) for f in found):  # a path; None or a "known absent" marker otherwise
                return Path(found[0]).parent
        return None
    try:
        paths = [hf_hub_download(HUB_MODEL, f, cache_dir=cache_dir) for f in HUB_FILES]
    except Exception:  # network trouble mid-download: fall back, the caller says why
        return None
    return Path(paths[0]).parent


@functools.cache  # asked once per process: a second pipeline() does not wait for the network again
def _hub_unavailable() -> str | None:
    """None if the Hub answers within HUB_TIMEOUT_S, else why not (offline mode, no network, ...)."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return "it is not in the local cache, and HF_HUB_OFFLINE=1 skips the network"
    result: list[str | None] = []

    def probe():
        from huggingface_hub import HfApi

        try:
            HfApi().model_info(HUB_MODEL, timeout=HUB_TIMEOUT_S)
            result.append(None)
        except Exception as err:  # DNS, connection, timeout, HTTP error
            result.append(f"it is not in the local cache and the Hub could not be reached ({type(err).__name__})")

    # A thread, because a hanging name lookup ignores the HTTP timeout; the daemon thread dies with the process.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(HUB_TIMEOUT_S + 1)
    return result[0] if result else f"it is not in the local cache and the Hub did not answer in {HUB_TIMEOUT_S:.0f} s"
