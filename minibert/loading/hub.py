"""Files of a Hugging Face Hub repo, read through its cache (which source a name is: minibert/loading/resolve.py).

Repo ids go through ``huggingface_hub`` (``hf_hub_download``), so files land in, and are read from, the
hub's normal cache (``~/.cache/huggingface/hub/models--ORG--NAME/{blobs,refs,snapshots}``), ``revision``
pins a branch, tag or commit, and ``HF_HUB_OFFLINE=1`` / ``local_files_only=True`` work from that cache
alone. When the Hub cannot be reached and the file is not cached, the error says so and what to do. A cache
snapshot's files are links into the repo's ``blobs/``; one that leads anywhere else is refused, never followed.
"""

from __future__ import annotations

import re
from pathlib import Path

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")


def is_repo_id(name: str) -> bool:
    return bool(_REPO_ID.match(name)) and ".." not in name


def cache_repo_folder(path: Path) -> Path | None:
    """The Hub cache folder of the repo ``path`` lies in (``…/models--ORG--NAME``, holding ``blobs/`` and
    ``snapshots/``), or None when ``path`` is not inside a snapshot of such a cache."""
    snapshots = next((p for p in Path(path).absolute().parents if p.name == "snapshots"), None)
    if snapshots is None or not snapshots.parent.name.startswith(("models--", "datasets--", "spaces--")):
        return None
    return snapshots.parent if (snapshots.parent / "blobs").is_dir() else None


def check_cache_link(path: Path) -> Path:
    """``path`` itself, after checking that a file in a Hub cache snapshot (a link to ``../../blobs/SHA``) resolves
    inside its own repo's folder: a damaged or tampered cache must not make us read another file of the disk."""
    repo = cache_repo_folder(path)
    if repo is not None:
        target, root = Path(path).resolve(), repo.resolve()
        if root not in target.parents:
            raise ValueError(f"{path} is a Hugging Face cache link that points outside its repo's folder {repo} "
                             f"(to {target}); refused. Delete the link and download the file again.")
    return path


def _hub_download(repo_id: str, filename: str, revision, cache_dir, local_files_only, subfolder: str = "") -> Path:
    from huggingface_hub import hf_hub_download

    return Path(hf_hub_download(repo_id, filename, subfolder=subfolder or None, revision=revision,
                                cache_dir=cache_dir, local_files_only=local_files_only))


def _hub_error(repo_id: str, filename: str, revision, err: Exception, cache_dir=None,
               local_files_only: bool = False) -> OSError:
    from huggingface_hub import constants
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

    rev = f" at revision {revision!r}" if revision else ""
    if isinstance(err, RevisionNotFoundError):
        why = f"the Hub repo {repo_id!r} has no revision {revision!r}"
    elif isinstance(err, RepositoryNotFoundError):
        why = f"no Hub repo {repo_id!r} (or it is private / gated)"
    elif isinstance(err, LocalEntryNotFoundError):
        # Say where we looked and what is (not) there: a user who passed --local-files-only needs to know that
        # the cache has no such repo, not to be told to pass local_files_only.
        cache = Path(cache_dir or constants.HF_HUB_CACHE)
        folder = cache / ("models--" + repo_id.replace("/", "--"))
        held = (f"holds no repo {repo_id!r} (looked for {folder})" if not folder.is_dir() else
                f"holds {repo_id!r} ({folder}) but not its {filename!r}{rev}")
        if local_files_only or constants.HF_HUB_OFFLINE:
            asked = "local_files_only=True (--local-files-only)" if local_files_only else "HF_HUB_OFFLINE=1"
            why = f"the Hugging Face cache {held}; with {asked} the Hub is not asked"
        else:
            why = f"the Hub could not be reached, and the Hugging Face cache {held}"
        return OSError(f"{why}. Download it once where the Hub is reachable (it is then cached), point HF_HOME "
                       "or cache_dir (--cache-dir) at a cache that holds it, or pass a local folder path instead.")
    else:
        why = f"could not fetch {filename!r} of {repo_id!r}{rev}: {type(err).__name__}: {err}"
    return OSError(f"{why}. Check the name and your connection to the Hub, or pass a local folder path instead.")


def hub_file(repo_id: str, filename: str, *, revision=None, cache_dir=None, local_files_only: bool = False,
             required: bool = True, subfolder: str = "") -> Path | None:
    """Path of ``filename`` of the Hub repo ``repo_id`` in the Hugging Face cache, downloaded if need be; ``None``
    if the repo has no such file and it is not ``required``. ``subfolder`` names a folder inside the repo."""
    # Imported here, not above: huggingface_hub (and the HTTP stack under it) costs about 0.2 s to import,
    # which a local checkpoint never needs.
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    try:
        found = _hub_download(repo_id, filename, revision, cache_dir, local_files_only, subfolder)
    except LocalEntryNotFoundError as err:  # first: it is a subclass of EntryNotFoundError
        if required:
            raise _hub_error(repo_id, filename, revision, err, cache_dir, local_files_only) from None
        return None
    except EntryNotFoundError:
        if required:
            where = f"{subfolder}/{filename}" if subfolder else filename
            raise FileNotFoundError(f"the Hub repo {repo_id!r} has no file {where!r}") from None
        return None
    except Exception as err:  # network, auth, bad revision: one clear message
        raise _hub_error(repo_id, filename, revision, err, cache_dir, local_files_only) from None
    return check_cache_link(found)

