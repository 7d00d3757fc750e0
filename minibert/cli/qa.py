"""``python -m minibert qa --question Q --context C --model FINE_TUNED``: the answer span in the context.

    python -m minibert qa -q "Where was Ada born?" -c "Ada was born in London." --model runs/squad --top-k 3
    python -m minibert qa -q "..." --context-file article.txt --model runs/squad --doc-stride 64

Needs a checkpoint saved from BertForQuestionAnswering. Long contexts are read in overlapping windows.
"""

from __future__ import annotations

from minibert.cli.common import add_common, build, emit, table
from minibert.cli.inputs import check_flags
from minibert.loading.text_file import read_text
from minibert.pipelines.inputs import check_text


def add_arguments(parser) -> None:
    parser.add_argument("-q", "--question", required=True, help="the question")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("-c", "--context", help="the text that contains the answer")
    source.add_argument("--context-file", help="read the context from this file")
    parser.add_argument("--top-k", type=int, default=1, help="answers to show (default 1)")
    parser.add_argument("--max-answer-len", type=int, default=15, help="longest answer in tokens (default 15)")
    parser.add_argument("--doc-stride", type=int, default=None, help="overlap of the context windows in tokens")
    parser.add_argument("--max-seq-len", type=int, default=None, help="tokens per window (default 384, or less)")
    parser.add_argument("--handle-impossible-answer", action="store_true", help="allow an empty answer")
    add_common(parser, "required: a checkpoint fine-tuned for question answering")


def run(args) -> int:
    check_flags(args)
    context = read_text(args.context_file) if args.context_file else args.context
    for name, value in (("question", args.question), ("context", context)):
        check_text(value, name)  # empty, or only invisible characters
    pipe = build("question-answering", args, "qa", default_allowed=False)
    result = pipe(question=args.question, context=context, top_k=args.top_k, max_answer_len=args.max_answer_len,
                  doc_stride=args.doc_stride, max_seq_len=args.max_seq_len,
                  handle_impossible_answer=args.handle_impossible_answer)
    answers = result if isinstance(result, list) else [result]
    rows = [[rank, a["answer"] or "(no answer)", a["score"], a["start"], a["end"]]
            for rank, a in enumerate(answers, start=1)]
    data = {"question": args.question, "answers": answers}
    return emit(args, data, f"question: {args.question}\n" + table(["rank", "answer", "score", "start", "end"], rows))
