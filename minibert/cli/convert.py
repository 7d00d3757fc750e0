"""``python -m minibert convert TF_FOLDER OUT_FOLDER``: an original Google checkpoint as a normal checkpoint folder.

    python -m minibert convert uncased_L-12_H-768_A-12 bert-base-uncased-converted

TF_FOLDER is Google's release folder (``bert_config.json``, ``vocab.txt``, ``bert_model.ckpt.*``), a
``run_*.py`` output folder, or a checkpoint prefix / ``.index`` file. OUT_FOLDER receives ``config.json``,
``model.safetensors``, ``vocab.txt``, ``tokenizer_config.json`` and ``special_tokens_map.json``, which minibert
and ``transformers`` load like any Hugging Face checkpoint. The model class follows the checkpoint's heads
(``--model-class`` overrides): pre-training heads -> ``BertForPreTraining``, a ``run_classifier.py`` head ->
``BertForSequenceClassification``, a ``run_squad.py`` head -> ``BertForQuestionAnswering``, none -> ``BertModel``.
"""

from __future__ import annotations

import logging
from pathlib import Path

CLASSES = ("BertModel", "BertForPreTraining", "BertForMaskedLM", "BertForNextSentencePrediction",
           "BertForSequenceClassification", "BertForTokenClassification", "BertForQuestionAnswering")


def add_arguments(parser) -> None:
    parser.add_argument("tf_checkpoint", help="Google's release folder, a run_*.py output folder, or a prefix")
    parser.add_argument("output", help="a new (or empty) folder for the converted checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="write into a non-empty OUT_FOLDER anyway")
    parser.add_argument("--model-class", default="auto", choices=("auto",) + CLASSES,
                        help="the class whose weights are written (default: what the checkpoint's heads say)")


def model_class_for(names: set[str]) -> str:
    """The head class a checkpoint's variable names call for."""
    if "cls/squad/output_weights" in names:
        return "BertForQuestionAnswering"
    if "output_weights" in names:
        return "BertForSequenceClassification"
    mlm, nsp = "cls/predictions/output_bias" in names, "cls/seq_relationship/output_weights" in names
    return {(True, True): "BertForPreTraining", (True, False): "BertForMaskedLM",
            (False, True): "BertForNextSentencePrediction"}.get((mlm, nsp), "BertModel")


def run(args) -> int:
    from minibert.loading import tf_checkpoint
    from minibert.loading.outputs import claim_folder

    tf = tf_checkpoint.find(args.tf_checkpoint)
    if tf is None:
        raise ValueError(f"{args.tf_checkpoint} is not a TensorFlow checkpoint (a folder with bert_model.ckpt.index "
                         "or model.ckpt-STEP.index, a prefix, or a .index file)")
    out = Path(args.output)
    # No mark: the folder is a plain checkpoint for any reader, and converting twice into it is refused too.
    with claim_folder(out, "convert", {"TF_FOLDER": args.tf_checkpoint}, args.overwrite, mark=False):
        return _convert(tf, out, args)


def _convert(tf, out: Path, args) -> int:
    import minibert
    from minibert.loading import tf_names
    from minibert.loading.tf_bundle import TensorBundle

    names = set(TensorBundle(tf.prefix).entries)
    name = model_class_for(names) if args.model_class == "auto" else args.model_class
    quiet = logging.getLogger("minibert")
    level, quiet.level = quiet.level, logging.ERROR  # the report is printed below instead
    try:
        model, info = getattr(minibert, name).from_pretrained(tf.prefix, output_loading_info=True)
    finally:
        quiet.setLevel(level)
    model.save_pretrained(out)
    vocab = tf.folder / "vocab.txt"
    if vocab.is_file():
        minibert.BertTokenizer.from_pretrained(tf.prefix).save_pretrained(out)
    print(f"read {tf.prefix} ({len(names)} variables) as {name}")
    skipped = sorted(n for n in names if tf_names.is_training_state(n))
    if skipped:
        print(f"skipped {len(skipped)} training-state variables (optimizer slots, global_step)")
    if info["unexpected_keys"]:
        print(f"not used by {name}: {', '.join(info['unexpected_keys'])}")
    if info["missing_keys"]:
        print(f"newly initialised (not in the checkpoint): {', '.join(info['missing_keys'])}")
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))  # the lock aside
    note = "" if vocab.is_file() else f" (no {vocab.name} next to the checkpoint: no tokenizer files)"
    print(f"wrote {out}: {', '.join(files)}{note}")
    return 0
