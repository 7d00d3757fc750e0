"""``question-answering``: find the answer to a question as a span of the context (SQuAD-style).

    [CLS] who wrote it ? [SEP] the book was written by ada . [SEP]
    ─BertForQuestionAnswering─►  start logits (T,), end logits (T,)  ─softmax over context tokens─►
    best span (s, e), s <= e < s + max_answer_len, scored p_start(s) * p_end(e)  ->  {"answer": "ada", ...}

Devlin et al. (2019, §4.2) score a span as S·T_s + E·T_e; the pipeline, like the reference, multiplies the
two softmax probabilities instead, which ranks spans the same way and gives a score in [0, 1]. Only context
tokens may be in an answer (the question and [SEP] are masked out). [CLS] stands for "no answer": with
``handle_impossible_answer`` its score p_start(0) * p_end(0) competes with the spans, as an empty answer.

A context longer than the model accepts is cut into overlapping windows (minibert/tokenization/windows.py,
``doc_stride`` tokens of overlap); each window proposes spans and the best over all windows wins. Spans are
snapped to whole words, and spans giving the same text (case-insensitively) add up their scores.
"""

from __future__ import annotations

import torch

from minibert.heads.question_answering import BertForQuestionAnswering
from minibert.pipelines import words as words_lib
from minibert.pipelines.base import Pipeline, PipelineError
from minibert.pipelines.inputs import check_stride, check_text
from minibert.tokenization.windows import question_windows

MASKED = -10000.0  # logit given to tokens that cannot be in the answer: exp(-10000 - max) is exactly 0


class QuestionAnsweringPipeline(Pipeline):
    """``pipe(question=q, context=c, top_k=1, max_answer_len=15, handle_impossible_answer=False)``.

    Returns ``{"score", "start", "end", "answer"}`` (``start``/``end`` are character offsets into the
    context), a list of them when ``top_k > 1``, and a list of results for a list of questions.
    """

    task = "question-answering"
    model_class = BertForQuestionAnswering
    head_prefix = "qa_outputs"
    head_name = "span classifier (qa_outputs)"

    def __call__(self, *args, question=None, context=None, top_k: int = 1, max_answer_len: int = 15,
                 handle_impossible_answer: bool = False, doc_stride: int | None = None,
                 max_seq_len: int | None = None, align_to_words: bool = True):
        examples = self.examples(args, question, context)
        if top_k < 1 or max_answer_len < 1:
            raise PipelineError(f"top_k and max_answer_len must be >= 1, got {top_k} and {max_answer_len}")
        check_stride(doc_stride, name=self.option_names["doc_stride"])
        max_seq_len = min(max_seq_len or min(self.tokenizer.model_max_length, 384), self.max_length)
        doc_stride = min(max_seq_len // 2, 128) if doc_stride is None else doc_stride
        if doc_stride > max_seq_len:
            raise PipelineError(f"doc_stride ({doc_stride}) is larger than max_seq_len ({max_seq_len})")
        rows_per_example = [self.windows(q, c, max_seq_len, doc_stride) for q, c in examples]
        outs = iter(self.run_rows([r for rows in rows_per_example for r in rows], ("start_logits", "end_logits")))
        results = []
        for (_, context), rows in zip(examples, rows_per_example):
            answers, null = [], 1e6
            for row in rows:
                out = next(outs)
                null = self.propose(row, out["start_logits"], out["end_logits"], context, answers, null,
                                    top_k * 2 + 10 if align_to_words else top_k, max_answer_len, align_to_words)
            if handle_impossible_answer:
                answers.append({"score": null, "start": 0, "end": 0, "answer": ""})
            answers = sorted(answers, key=lambda a: a["score"], reverse=True)[:top_k]
            results.append(answers[0] if len(answers) == 1 else answers)
        return results[0] if len(results) == 1 else results

    @staticmethod
    def examples(args, question, context) -> list[tuple[str, str]]:
        """Every accepted input form -> a list of (question, context) pairs."""
        if len(args) == 2 and all(isinstance(a, str) for a in args):
            question, context = args
        elif len(args) == 1:
            items = args[0] if isinstance(args[0], (list, tuple)) else [args[0]]
            if not all(isinstance(i, dict) and {"question", "context"} <= set(i) for i in items):
                raise PipelineError("question-answering inputs are dicts {'question': ..., 'context': ...}")
            pairs = [(i["question"], i["context"]) for i in items]
        elif args:
            raise PipelineError("pass question=..., context=... (or a dict, or a list of dicts)")
        if not args or len(args) == 2:
            if question is None or context is None:
                raise PipelineError("question-answering needs both a question and a context")
            if isinstance(question, str):
                question = [question]
            if isinstance(context, str):
                context = [context] * len(question)
            if len(question) != len(context):
                raise PipelineError(f"got {len(question)} questions but {len(context)} contexts")
            pairs = list(zip(question, context))
        for q, c in pairs:
            for name, value in (("question", q), ("context", c)):
                check_text(value, name)
        return pairs

    def windows(self, question: str, context: str, max_seq_len: int, stride: int) -> list[dict]:
        """``[CLS] question [SEP] context window [SEP]`` rows covering the whole context."""
        try:
            q_ids, ids, offsets, spans = question_windows(self.tokenizer, question, context, max_seq_len, stride,
                                                          names=(self.option_names["max_seq_len"],
                                                                 self.option_names["doc_stride"]))
        except ValueError as err:
            raise PipelineError(str(err)) from None
        words = words_lib.word_ids(self.tokenizer.convert_ids_to_tokens(ids), [False] * len(ids))
        rows = []
        for start, stop in spans:
            n_q = len(q_ids) + 2  # [CLS] question [SEP]
            row_ids = self.tokenizer.build_inputs_with_special_tokens(q_ids, ids[start:stop])
            # Every context token may be part of the answer, a special token typed in the context too (as in
            # the reference, which masks by sequence, not by token).
            in_context = [False] * n_q + [True] * (stop - start) + [False]
            in_context[0] = True  # [CLS] stays eligible: it is the "no answer" position
            rows.append({"input_ids": row_ids, "token_type_ids": [0] * n_q + [1] * (stop - start + 1),
                         "attention_mask": [1] * len(row_ids), "eligible": in_context,
                         "offsets": [(0, 0)] * n_q + offsets[start:stop] + [(0, 0)],
                         "words": [None] * n_q + words[start:stop] + [None]})
        return rows

    def propose(self, row, start_logits, end_logits, context, answers, null, k, max_answer_len, align) -> float:
        """Add this window's ``k`` best spans to ``answers``; return the running minimum "no answer" score."""
        eligible = torch.tensor(row["eligible"])  # (T,) bool
        p_start = start_logits.masked_fill(~eligible, MASKED).softmax(dim=-1)  # (T,)
        p_end = end_logits.masked_fill(~eligible, MASKED).softmax(dim=-1)  # (T,)
        null = min(null, float(p_start[0] * p_end[0]))
        p_start[0] = p_end[0] = 0.0  # [CLS] is not a span
        scores = p_start[:, None] * p_end[None, :]  # (T, T): score of the span starting at s, ending at e
        T = scores.shape[0]
        s_idx, e_idx = torch.arange(T)[:, None], torch.arange(T)[None, :]
        legal = (e_idx >= s_idx) & (e_idx < s_idx + max_answer_len) & eligible[:, None] & eligible[None, :]
        legal[0, :] = legal[:, 0] = False
        flat = scores.masked_fill(~legal, -1.0).flatten()
        values, picks = flat.topk(min(k, int(legal.sum())))
        spans = word_spans(row) if align else None
        for value, pick in zip(values.tolist(), picks.tolist()):
            s, e = divmod(pick, T)
            if align:
                start, end = spans[row["words"][s]][0], spans[row["words"][e]][1]
            else:
                start, end = row["offsets"][s][0], row["offsets"][e][1]
            text = context[start:end]
            same = next((a for a in answers if a["answer"].lower() == text.lower()), None)
            if same is not None:  # another span (or window) already proposed this text: pool the evidence
                same["score"] += value
            else:
                answers.append({"score": value, "start": start, "end": end, "answer": text})
        return null


def word_spans(row: dict) -> dict[int, tuple[int, int]]:
    """Character span of each context word, from its pieces inside this window."""
    spans: dict[int, tuple[int, int]] = {}
    for word, (start, end) in zip(row["words"], row["offsets"]):
        if word is not None:
            first = spans.get(word, (start, end))
            spans[word] = (min(first[0], start), max(first[1], end))
    return spans
