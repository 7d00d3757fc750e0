"""Ship a finished ``python -m minibert speedrun`` run as a checkpoint folder with its model card.

    python scripts/ship_speedrun.py runs/pydocs-3h checkpoints/minibert-pydocs --replace --require-top1 current
    python scripts/ship_speedrun.py runs/zh-docs-4h checkpoints/minibert-zh-docs \\
        --corpus-manifest scripts/zh_corpus_manifest.json

OUT is written whole or not at all (a temporary folder beside it, renamed at the end; an existing OUT replaced only
with --replace, and kept if anything fails): config.json, model.safetensors (fp16, loaded as fp32), the run's
tokenizer files, reference_outputs.safetensors (``transformers``' outputs on the walkthrough's batch, as
scripts/make_reference_checkpoints.py computes them; a Chinese model's batch adds Chinese rows), heldout_sample.txt,
eval.json and README.md (minibert/speedrun/card.py). The held-out figures are the card's protocol's
(scripts/pretrain_pydocs.py ``evaluate``'s packing and encoding): report.json's when its segments are those, token
for token, else measured again. --require-top1 FRACTION|current refuses a top-1 not above the bar (current: OUT's).
The corpus's licence must be known: ``pydocs``, or --corpus-manifest (scripts/make_zh_corpus.py's manifest, whose
train sha256 must be the run's corpus file's). Needs ``transformers`` (the dev extra): the reference runs here.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import make_reference_checkpoints as refs  # noqa: E402  (imports transformers: the reference)
import pretrain_pydocs as pp  # noqa: E402

from minibert import BertForMaskedLM, BertTokenizer  # noqa: E402
from minibert.loading.atomic_folder import new_folder, replace_folder  # noqa: E402
from minibert.speedrun import shipping  # noqa: E402
from minibert.speedrun.card import model_card  # noqa: E402
from minibert.training.mlm_eval import fill_blanks, mlm_report  # noqa: E402

# A Chinese model's batch: the standard rows (row 0 the walkthrough's default text), then Chinese ones.
ZH_TEXTS = [*refs.TEXTS, "在终端中输入命令，然后按回车键。", ("如何保存文件？", "点击文件菜单中的保存。")]
FIGURES = ("held_out_segments", "blanks", "top1", "top5", "baseline_most_frequent", "per_kind")


def pydocs_corpus() -> dict:
    """The pydocs corpus's source and package, its licence and installed version (scripts/pretrain_pydocs.py's)."""
    version = pp._debian_version("python3.11-doc")
    return {"source": pp.CORPUS["source"], "packages": {"python3.11-doc": {"version": version,
                                                                          "licence": pp.CORPUS["license"]}}}


def card_protocol(run: Path, tokenizer, report: dict, language: str, scratch: Path) -> tuple[dict, list, list]:
    """The held-out figures by scripts/pretrain_pydocs.py's code (its packing, its encoding, ``mlm_report``) on the
    run's split and vocabulary: (eval.json's figures and protocol, held-out ids, held-out lines)."""
    for name in ("train.txt", "heldout.txt", "vocab.txt"):
        shutil.copyfile(run / "data" / name, scratch / name)
    length = report["recipe"]["max_length"]
    with contextlib.redirect_stdout(io.StringIO()):
        pp.pack(scratch, length)
    held, train = (pp.encode_packed(scratch, n, tokenizer, length) for n in ("heldout", "train"))
    segments = json.loads((run / "data" / "segments.json").read_text())
    same = held == segments["held_out"] and train == segments["train"]
    own = {"held_out_segments": report["held_out_segments"], "blanks": report["blanks"],
           "top1": report["heldout_top1"], "top5": report["heldout_top5"]}
    if same:
        figures = {**own, "baseline_most_frequent": {k: report[f"baseline_{k}"] for k in ("top1", "top5")},
                   "per_kind": report["per_kind"]}
        figures["baseline_most_frequent"]["tokens"] = report["baseline_tokens"]
    else:
        model = BertForMaskedLM.from_pretrained(run / "model").eval()
        measured = mlm_report(model, tokenizer, held, train, language=language)
        figures = {k: v for k, v in measured.items() if k in FIGURES}
    protocol = {"script": "scripts/pretrain_pydocs.py evaluate", "identical_segments": same, "speedrun": own}
    lines = [ln for ln in (scratch / "heldout_packed.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    return {**figures, "protocol": protocol}, held, lines


def parity(folder: Path, language: str) -> dict:
    """Store the reference's outputs on the walkthrough's batch; measure minibert against them and the reference."""
    from safetensors.torch import save_file

    from minibert.parity.check import check_checkpoint
    from minibert.parity.reference import masked_lm_max_abs_diff

    texts = ZH_TEXTS if language == "zh" else refs.TEXTS
    reference = refs.transformers.BertTokenizer.from_pretrained(folder)
    batch = refs.make_batch(refs.BertConfig.from_pretrained(folder), reference, None, texts)
    ours = BertTokenizer.from_pretrained(folder)
    for b, t in enumerate(texts):
        ids = ours(*t)["input_ids"] if isinstance(t, tuple) else ours(t)["input_ids"]
        if batch["input_ids"][b, :len(ids)].tolist() != ids:
            raise ValueError(f"minibert's tokenizer and the reference's disagree on {t!r}")
    tensors = refs.reference_outputs(folder, refs.BertModel, batch)
    save_file(tensors, str(folder / "reference_outputs.safetensors"),
              metadata={"model_class": "BertModel", "transformers_version": refs.transformers.__version__,
                        "torch_version": torch.__version__, "texts": json.dumps(texts, ensure_ascii=False)})
    check = check_checkpoint(folder, reference="stored")
    if not check.ok:
        raise ValueError(f"minibert differs from the stored reference outputs:\n{check.format_table()}")
    return {"transformers": refs.transformers.__version__, "texts": texts, "check_tolerance": check.tolerance,
            "max_abs_diff": masked_lm_max_abs_diff(folder, batch),
            "check_max_abs_diff": max(r.max_abs_diff for r in check.rows),
            "walkthrough_text": texts[3] if language == "zh" else None}  # else the walkthrough's default, row 0


def build(run: Path, out: Path, folder: Path, scratch: Path, args) -> dict:
    """Everything of OUT into ``folder``; returns eval.json. Raises before writing a model below the bar."""
    report = json.loads((run / "report.json").read_text())
    settings = {**{"language": "en", "whole_word_mask": "off"},
                **json.loads((run / "train" / "settings.json").read_text())}
    # The card and eval.json name the corpus as the project writes paths (runs/..., not this machine's folders).
    report["corpus"]["corpus"] = shipping.portable(report["corpus"]["corpus"])
    language = settings["language"]
    corpus = shipping.corpus_record(run, settings, args.corpus_manifest, out, pydocs_corpus)
    tokenizer = BertTokenizer.from_pretrained(run / "model")
    if language == "zh" and not (tokenizer.do_lower_case and tokenizer.basic_tokenizer.tokenize_chinese_chars):
        raise ValueError(f"{run}/model's tokenizer does not lower-case and split Chinese characters as it trained")
    figures, held, lines = card_protocol(run, tokenizer, report, language, scratch)
    required = shipping.bar(args.require_top1, out)
    if required is not None and not figures["top1"] > required:
        raise ValueError(f"not shipped: held-out top-1 {100 * figures['top1']:.2f} % ({figures['blanks']:,} blanks, "
                         f"the card's protocol) is not above the bar {100 * required:.2f} % (--require-top1 "
                         f"{args.require_top1})")
    shipping.fp16_copy(run / "model", folder)
    par = parity(folder, language)
    quiet = logging.getLogger("minibert")
    level, quiet.level = quiet.level, logging.ERROR  # the pooler, unused by the MLM: expected
    try:
        stored = BertForMaskedLM.from_pretrained(folder).eval()
    finally:
        quiet.setLevel(level)
    blanks = fill_blanks(stored, held, mask_token_id=tokenizer.mask_token_id,
                         special_ids=set(tokenizer.all_special_ids))
    from minibert.speedrun.evaluate import fill_mask_table

    fill = fill_mask_table(folder, [(f["text"], f["answer"]) for f in report["fill_mask"]])
    sample = lines[::max(1, len(lines) // 100)][:100]
    (folder / "heldout_sample.txt").write_text("\n".join(sample) + "\n", encoding="utf-8")
    from minibert.defaults import SHIPPED

    return {"name": out.name, "source": f"python -m minibert speedrun ({shipping.portable(str(run))})",
            "default_model": out.resolve() == SHIPPED.resolve(), "language": language,
            "whole_word_mask": settings["whole_word_mask"], "step": report["steps"], "trained_steps": report["steps"],
            "hours": report["train_seconds"] / 3600, **figures,
            "stored_fp16": {"top1": blanks.accuracy(1), "top5": blanks.accuracy(5), "blanks": len(blanks.labels)},
            "fill_mask": fill, "fill_mask_examples": {f["text"]: f["predictions"] for f in fill},
            "parity": par, "earlier": shipping.earlier(out), "comparisons": comparisons(settings),
            "heldout_sample": len(sample), "recipe": report["recipe"],
            "settings": {**settings, "corpus": shipping.portable(settings["corpus"])},
            "command": shipping.command(settings, report, str(run)), "machine": report["machine"],
            "versions": shipping.versions(refs.transformers.__version__),
            "corpus": {**corpus, "meta": report["corpus"]}, "report": report}


def comparisons(settings: dict) -> list[str]:
    """The card's rows for other models measured on the same text: the MiniLM probe, for the pydocs corpus."""
    row = pp.probe_row().strip() if settings["corpus"] == "pydocs" else ""
    return [row] if row else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a finished speedrun folder (report.json, data/, train/, model/)")
    parser.add_argument("out", type=Path, help="the checkpoint folder to write, e.g. checkpoints/minibert-pydocs")
    parser.add_argument("--corpus-manifest", type=Path, default=None,
                        help="the corpus's manifest.json (scripts/make_zh_corpus.py): packages, versions, licences")
    parser.add_argument("--require-top1", default=None, metavar="FRACTION|current",
                        help="ship only if the held-out top-1 is above this (current: OUT's eval.json's)")
    parser.add_argument("--replace", action="store_true", help="replace OUT if it exists")
    args = parser.parse_args(argv)
    run, out = args.run, args.out
    torch.set_num_threads(1)
    try:
        if not (run / "report.json").is_file():
            raise ValueError(f"{run} has no report.json: the run has not finished (run its command again)")
        if out.exists() and not args.replace:
            raise ValueError(f"{out} exists: pass --replace to replace it")
        folder = new_folder(out)
        try:
            with tempfile.TemporaryDirectory(prefix="ship-protocol-") as scratch:
                result = build(run, out, folder, Path(scratch), args)
            (folder / "eval.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            (folder / "README.md").write_text(model_card(result), encoding="utf-8")
            replace_folder(folder, out, args.replace)
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # gone already once renamed
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"shipped {out}: top-1 {100 * result['top1']:.1f} % ({result['blanks']:,} blanks; protocol segments "
          f"{'identical to' if result['protocol']['identical_segments'] else 'other than'} the run's), "
          + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(out.iterdir())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
