"""``python -m minibert finetune --task question-answering``: train an answer-span finder, report SQuAD EM / F1.

    python -m minibert finetune --task question-answering --model checkpoints/minibert-pydocs \\
        --data examples/data/qa.jsonl --output runs/qa
    python -m minibert qa -q "Where was Ada Lovelace born?" -c "Ada Lovelace was born in London." --model runs/qa

The data: ``.jsonl`` rows in the SQuAD layout (the Hugging Face ``squad`` data set)::

    {"question": "Where was Ada born?", "context": "Ada was born in London.",
     "answers": {"text": ["London"], "answer_start": [16]}}

Training uses each row's first answer, turned into token positions (training/qa_features.py); a row whose
answer is not at its ``answer_start`` is refused, naming the row. The held-out questions are then answered by
the ``question-answering`` pipeline on the saved model, exactly as ``python -m minibert qa`` answers, and
scored against all their gold answers with SQuAD's exact match and F1 (training/squad.py). Rows that share a
context go to the same side of the split, so no held-out context was read in training.
"""

from __future__ import annotations


def checked_rows(rows: list[dict], path) -> list[dict]:
    """Every row with a question, a context and an answer where ``answer_start`` says, or a ``ValueError``."""
    from minibert.training.data import require_columns
    from minibert.training.qa_features import answer_span

    for n, row in enumerate(rows, start=1):
        where = f"{path}: row {n}" + (f" (id {row['id']!r})" if isinstance(row, dict) and "id" in row else "")
        require_columns(row, ("question", "context", "answers"), where)
        for name in ("question", "context"):
            if not isinstance(row[name], str) or not row[name].strip():
                raise ValueError(f"{where}: the {name} must be a non-empty text, got {row[name]!r:.80}")
        row["_span"] = answer_span(row, where)
    return rows


def split_by_context(rows: list[dict], args) -> tuple[list[dict], list[dict]]:
    """``--eval-data``, or the rows of a held-out ``--eval-fraction`` of the distinct contexts."""
    from minibert.cli.training_args import split
    from minibert.training.data import read_records

    if args.eval_data:
        return rows, checked_rows(read_records(args.eval_data), args.eval_data)
    contexts = list(dict.fromkeys(row["context"] for row in rows))  # distinct, in file order
    _, held = split(contexts, args.eval_fraction, args.seed)
    held = set(held)
    return [r for r in rows if r["context"] not in held], [r for r in rows if r["context"] in held]


def encode_rows(tokenizer, rows: list[dict], args) -> list[dict]:
    from minibert.training.qa_features import qa_features

    features = []
    for row in rows:
        start, end, _ = row["_span"]
        features += qa_features(tokenizer, row["question"].lstrip(), row["context"], start, end, args.max_length,
                                args.doc_stride)
    return features


def run(args) -> int:
    import torch

    from minibert import BertConfig, BertForQuestionAnswering, BertTokenizer
    from minibert.cli.training_args import fit
    from minibert.training.data import read_records
    from minibert.training.metrics import question_answering_eval

    tokenizer = BertTokenizer.from_pretrained(args.model)
    args.max_length = min(args.max_length, BertConfig.from_pretrained(args.model).max_position_embeddings)
    args.doc_stride = min(args.max_length // 2, 128) if args.doc_stride is None else args.doc_stride
    train_rows, eval_rows = split_by_context(checked_rows(read_records(args.data), args.data), args)

    torch.manual_seed(args.seed)  # the new span classifier's initial weights
    model = BertForQuestionAnswering.from_pretrained(args.model)
    # During training, evaluate on the features' token spans (cheap); the final score is on answer text.
    held_out = encode_rows(tokenizer, eval_rows, args) if eval_rows else None
    _, is_main = fit(args, model, tokenizer, encode_rows(tokenizer, train_rows, args), held_out,
                     question_answering_eval)
    if is_main:
        if eval_rows:
            scores = answer_scores(args, eval_rows)
            print(f"held-out exact match {scores['exact_match']:.3f}, F1 {scores['f1']:.3f} on {len(eval_rows)} "
                  "questions (SQuAD scores of the answer text)")
        print(f"saved to {args.output}")
    return 0


def answer_scores(args, rows: list[dict]) -> dict[str, float]:
    """SQuAD exact match and F1 of the pipeline's answers, from the model saved in ``--output``."""
    from minibert.pipelines import pipeline
    from minibert.training.squad import squad_scores

    qa = pipeline("question-answering", model=args.output, batch_size=args.batch_size)
    answers = qa([{"question": r["question"], "context": r["context"]} for r in rows], max_seq_len=args.max_length,
                 doc_stride=args.doc_stride)
    answers = answers if isinstance(answers, list) else [answers]
    return squad_scores([a["answer"] for a in answers], [r["answers"]["text"] for r in rows])
