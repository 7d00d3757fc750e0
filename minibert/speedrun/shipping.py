"""Shipping a finished speedrun run as a checkpoint: the steps that need no reference library.

scripts/ship_speedrun.py runs them, with the reference (``transformers``) for the stored outputs:

    fp16_copy(run/model, folder)       the weights stored in fp16 (loaded as fp32), config.json without a dtype,
                                       the tokenizer files the run trained with
    corpus_sizes(run/data)             documents, paragraphs, characters and CJK share of each split, counted
    corpus_record(...)                 those, with the text's source and its packages' versions and licences
    command(settings, report, run)     the ``python -m minibert speedrun`` command that makes the run again
    earlier(out)                       the figures of the checkpoint a new one replaces, and of those before it
    bar(value, out), versions(...)     --require-top1's bar; the versions of the libraries that ship

(The folder itself is written beside its name and renamed into place: minibert/loading/atomic_folder.py.)
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from minibert.loading.stable_read import CONFIG_DIGEST, config_digest

TOKENIZER_FILES = ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")
# The dropout a shipped config carries: BERT's 0.1, the rate fine-tuning uses (Devlin et al. 2019, and the speedrun's
# own transfer runs). Pre-training may have run without it (the recipe's dropout 0); the card says which it was.
FINE_TUNING_DROPOUT = 0.1


def fp16_copy(model_dir: Path, folder: Path) -> None:
    """The run's Hugging Face folder (``DIR/model``, fp32, untrained pooler included) into ``folder``: every
    floating-point tensor in fp16 (half the file; ``from_pretrained`` loads it as fp32), config.json without its
    dtype (the weights are meant to be used in fp32) and with BERT's fine-tuning dropout (``FINE_TUNING_DROPOUT``:
    a lesson or a user that fine-tunes the checkpoint gets BERT's regularisation, whatever pre-training used; in
    eval mode dropout does nothing, so no output changes), the tokenizer files unchanged."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(model_dir / "model.safetensors"), framework="pt") as f:
        tensors, metadata = {k: f.get_tensor(k) for k in f.keys()}, f.metadata()
    if "bert.pooler.dense.weight" not in tensors:
        raise ValueError(f"{model_dir} has no pooler: not a folder written by python -m minibert speedrun")
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    for key in ("torch_dtype", "dtype"):
        config.pop(key, None)
    config["hidden_dropout_prob"] = config["attention_probs_dropout_prob"] = FINE_TUNING_DROPOUT
    config_bytes = (json.dumps(config, indent=2, sort_keys=True) + "\n").encode("utf-8")
    # The weights name the config saved with them (loading/stable_read.py): this folder's, not the run's, or a
    # reader that finds config.json no newer than the weights (a fresh clone's checkout order) refuses the folder.
    metadata = {**(metadata or {}), CONFIG_DIGEST: config_digest(config_bytes)}
    save_file({k: v.half() if v.is_floating_point() else v for k, v in tensors.items()},
              str(folder / "model.safetensors"), metadata=metadata)
    (folder / "config.json").write_bytes(config_bytes)
    for name in TOKENIZER_FILES:
        shutil.copyfile(model_dir / name, folder / name)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def corpus_sizes(data: Path) -> dict:
    """``{"train": {...}, "held_out": {...}}`` of the run's DIR/data: documents, paragraphs, characters (as
    meta.json counts them: every character of the paragraphs), CJK characters and their share of the non-space
    characters (as scripts/make_zh_corpus.py counts it), and the file's sha256."""
    from minibert.speedrun.prepare import _documents
    from minibert.tokenization.chars import is_cjk

    out = {}
    for split, name in (("train", "train.txt"), ("held_out", "heldout.txt")):
        docs = _documents((data / name).read_text(encoding="utf-8"))
        paragraphs = [p for d in docs for p in d]
        visible = [ch for p in paragraphs for ch in p if not ch.isspace()]
        cjk = sum(map(is_cjk, visible))
        out[split] = {"documents": len(docs), "paragraphs": len(paragraphs), "characters": sum(map(len, paragraphs)),
                      "cjk_characters": cjk, "cjk_share": cjk / max(1, len(visible)), "sha256": sha256(data / name)}
    return out


def corpus_record(run: Path, settings: dict, manifest: Path | None, out: Path, pydocs) -> dict:
    """eval.json's corpus: where the text comes from and under which licences (``manifest``, scripts/make_zh_corpus.py's
    manifest.json, whose train sha256 must be the run's corpus file's; for ``pydocs``, ``pydocs()``'s source and
    packages), the sizes, and whether the checkpoint at ``out`` was trained on the same text. Refuses a corpus of
    unknown licence."""
    sizes = corpus_sizes(run / "data")
    if manifest is not None:
        m = json.loads(Path(manifest).read_text(encoding="utf-8"))
        corpus_file = Path(settings["corpus"])
        if not corpus_file.is_file() or sha256(corpus_file) != m["outputs"]["train"]["sha256"]:
            raise ValueError(f"{manifest} does not describe this run's corpus {corpus_file}: its train sha256 differs")
        packages = {k: {"version": p["version"], "licence": p["licence"]} for k, p in m["packages"].items()}
        source = f"`{m['outputs']['train']['file']}` of the manifest `{portable(str(manifest))}`"
    elif settings["corpus"] == "pydocs":
        source, packages = pydocs()["source"], pydocs()["packages"]
    else:
        raise ValueError(f"the licence of the corpus {settings['corpus']} is unknown: pass --corpus-manifest")
    old = json.loads((out / "eval.json").read_text())["corpus"] if (out / "eval.json").is_file() else {}
    old_sha = old.get("train_sha256") or old.get("sizes", {}).get("train", {}).get("sha256")
    return {"corpus": portable(settings["corpus"]), "source": source, "packages": packages, "sizes": sizes,
            "held_out_rule": json.loads((run / "data" / "meta.json").read_text())["held_out_rule"],
            "same_as_replaced": None if old_sha is None else old_sha == sizes["train"]["sha256"]}


def portable(path: str) -> str:
    """A path as the project writes it: from its last ``runs`` folder on (``/x/runs/a/b`` -> ``runs/a/b``)."""
    parts = Path(path).parts
    if "runs" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("runs"):])
    return str(path)


def _budget(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def command(settings: dict, report: dict, run_dir: str) -> str:
    """The speedrun command line with the run's settings: only the flags whose value is not the default, so
    ``python -m minibert speedrun`` builds the same recipe (tests/speedrun/test_ship.py parses it back)."""
    from minibert.speedrun.recipe import Recipe, recipe_for

    recipe, default = settings["recipe"], recipe_for(settings["budget"]).to_dict()
    language = settings.get("language", "en")
    args = ["--budget", _budget(settings["budget"]), "--corpus", portable(settings["corpus"])]
    if language != "en":
        args += ["--language", language]
    if settings.get("whole_word_mask", "off") != ("zh" if language == "zh" else "off"):
        args += ["--whole-word-mask", settings["whole_word_mask"]]
    if settings["clock"] != "wall":
        args += ["--clock", settings["clock"]]
    if settings["seed"]:
        args += ["--seed", str(settings["seed"])]
    args += ["--threads", str(report["machine"]["threads"])]
    recipe = {**Recipe.defaults(), **recipe}  # a run recorded before a knob had the knob's old value
    for name in ("layers", "hidden_size", "lr", "warmup", "batch_size", "max_length", "mlm_probability", "dropout",
                 "vocab_size", "schedule", "batch_ramp", "short_first", "short_length"):
        if recipe[name] != default[name]:
            args += [f"--{name.replace('_', '-')}", f"{recipe[name]:g}" if isinstance(recipe[name], float) else
                     str(recipe[name])]
    if recipe["heads"] != (max(1, recipe["hidden_size"] // 64) if "--hidden-size" in args else default["heads"]):
        raise ValueError(f"{recipe['heads']} heads: no speedrun flag sets them (--hidden-size gives hidden / 64)")
    if not report["transfer"]:
        args.append("--no-transfer")
    args += ["--out", portable(run_dir)]
    return "python -m minibert speedrun " + " ".join(args)


def earlier(out: Path) -> list[dict]:
    """The rows a new checkpoint's card keeps from the one it replaces (``out/eval.json``): that checkpoint's
    figures, then the history it carried, each ``{"label", "trained_steps", "hours", "top1", "top5"}``."""
    path = out / "eval.json"
    if not path.is_file():
        return []
    old = json.loads(path.read_text(encoding="utf-8"))
    source = old.get("source", "scripts/pretrain_pydocs.py")  # the checkpoints shipped before this script
    figures = ("trained_steps", "hours", "top1", "top5")
    rows = [{"label": f"shipped before: {source}, step {old['trained_steps']:,}, {old['hours']:.2f} h of training",
             **{k: old[k] for k in figures}}]
    history = old.get("earlier", [])
    if "source" not in old:  # scripts/pretrain_pydocs.py's history: unlabelled, the latest first on its card
        history = sorted(history, key=lambda e: -e["trained_steps"])
    for e in history:
        label = e.get("label") or f"shipped before: {source}, the same run at step {e['trained_steps']:,}"
        rows.append({"label": label, **{k: e[k] for k in figures}})
    return rows


def bar(value: str | None, out: Path) -> float | None:
    """--require-top1: a fraction, or ``current`` (the top-1 of the checkpoint at ``out``, exact), or None."""
    if value != "current":
        return None if value is None else float(value)
    if not (out / "eval.json").is_file():
        raise ValueError(f"--require-top1 current: {out} has no eval.json to read the current top-1 from")
    return json.loads((out / "eval.json").read_text())["top1"]


def versions(transformers: str) -> dict:
    import platform

    import huggingface_hub
    import safetensors
    import tokenizers
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers,
            "tokenizers": tokenizers.__version__, "safetensors": safetensors.__version__,
            "huggingface_hub": huggingface_hub.__version__}
