"""``python -m minibert finetune --task token-classification``: train a NER tagger, report entity-level F1.

    python -m minibert finetune --task token-classification --model checkpoints/minibert-pydocs \\
        --data examples/data/ner.jsonl --output runs/ner
    python -m minibert ner "Ada Lovelace lived in London." --model runs/ner --aggregation first

The data: ``.jsonl`` rows of pre-split words and one BIO tag per word (``--text-column``, default ``tokens``;
``--label-column``, default ``ner_tags``), the layout of the Hugging Face ``conll2003`` data set with the tags
as names::

    {"tokens": ["Ada", "Lovelace", "lived", "in", "London", "."],
     "ner_tags": ["B-PER", "I-PER", "O", "O", "B-LOC", "O"]}

The sorted distinct tags become the classes (as the reference's ``run_ner.py`` orders string labels) and are
saved in config.json (``id2label``, ``label2id``), where the ``ner`` command and ``pipeline("ner")`` read them.
Each word's label goes on its first WordPiece (training/word_labels.py); the score is the CoNLL entity F1
(training/entities.py) of the held-out sentences.
"""

from __future__ import annotations


def check_rows(rows: list[dict], args, path) -> None:
    """Each row has its words and one BIO tag per word, or a ``ValueError`` naming the row (counted from 1)."""
    from minibert.training.data import require_columns
    from minibert.training.word_labels import check_tags

    for n, row in enumerate(rows, start=1):
        require_columns(row, (args.text_column, args.label_column), f"{path}: row {n}")
        check_tags(row[args.text_column], row[args.label_column], f"{path}: row {n}")


def encode_rows(tokenizer, rows: list[dict], args, label2id: dict[str, int], path) -> list[dict]:
    """Checked rows -> examples ``{input_ids, token_type_ids, labels}``; an error for a tag never trained on."""
    from minibert.training.word_labels import align_word_labels

    examples = []
    for row in rows:
        words, tags = row[args.text_column], row[args.label_column]
        unknown = sorted(set(tags) - set(label2id))
        if unknown:
            raise ValueError(f"{path}: tags {unknown} do not occur in the training data ({sorted(label2id)})")
        examples.append(align_word_labels(tokenizer, [str(w) for w in words], tags, label2id, args.max_length))
    return examples


def run(args) -> int:
    import torch

    from minibert import BertConfig, BertForTokenClassification, BertTokenizer
    from minibert.cli.training_args import fit, label_ids, train_eval_rows
    from minibert.training.entities import ner_eval

    tokenizer = BertTokenizer.from_pretrained(args.model)
    args.max_length = min(args.max_length, BertConfig.from_pretrained(args.model).max_position_embeddings)
    train_rows, eval_rows = train_eval_rows(args, check=lambda rows, path: check_rows(rows, args, path))
    label2id = label_ids((t for row in train_rows for t in row[args.label_column]), args.data, args.label_column,
                         "tags")
    label_names = list(label2id)
    train = encode_rows(tokenizer, train_rows, args, label2id, args.data)
    held_out = encode_rows(tokenizer, eval_rows, args, label2id, args.eval_data or args.data) if eval_rows else None

    torch.manual_seed(args.seed)  # the new classifier layer's initial weights
    id2label = dict(enumerate(label_names))
    model = BertForTokenClassification.from_pretrained(
        args.model, num_labels=len(label_names), id2label=id2label, label2id=label2id)
    result, is_main = fit(args, model, tokenizer, train, held_out, ner_eval(id2label))
    if is_main:
        if "eval_f1" in result:
            outside = label2id.get("O")
            words = [y for ex in held_out for y in ex["labels"] if y != -100]
            all_o = sum(y == outside for y in words) / len(words)
            print(f"held-out entity F1 {result['eval_f1']:.3f} (precision {result['eval_precision']:.3f}, recall "
                  f"{result['eval_recall']:.3f}), word accuracy {result['eval_accuracy']:.3f} on {len(held_out)} "
                  f"sentences (tagging every word O: accuracy {all_o:.3f}, F1 0)")
        print(f"saved to {args.output}")
    return 0
