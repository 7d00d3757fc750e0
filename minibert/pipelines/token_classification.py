"""``token-classification`` (NER): a label for every token, then grouped into words and entities.

    "Ada Lovelace lived in London"  ─BertForTokenClassification─►  logits (T, L)  ─softmax per token─►
    ada/B-PER  love/I-PER  ##lace/I-PER  lived/O  in/O  london/B-LOC
    ─aggregate─►  [{"entity_group": "PER", "word": "ada lovelace", "start": 0, "end": 12, "score": ...},
                   {"entity_group": "LOC", "word": "london", "start": 22, "end": 28, "score": ...}]

Aggregation strategies (the reference's names):

* ``none``: one dict per token, no grouping;  ``simple``: group neighbouring tokens with the same tag
  (B- starts a new entity, I- continues one), each token keeping its own label, pieces of a word included;
* ``first`` / ``average`` / ``max``: first make each *word* agree on one label -- its first piece's, the
  average of its pieces' probabilities, or the most confident piece's -- then group as ``simple``.

A token is a word continuation when its text in the sentence is not as long as the token (``##lace`` is 6
characters for 4 in the text): the rule the reference uses with its fast tokenizer.
"""

from __future__ import annotations

import torch

from minibert.heads.token_classification import BertForTokenClassification
from minibert.pipelines import words as words_lib
from minibert.pipelines.base import Pipeline, PipelineError, as_batch, logger
from minibert.pipelines.inputs import check_stride, check_text, shown
from minibert.tokenization.windows import window_spans

STRATEGIES = ("none", "simple", "first", "average", "max")


class TokenClassificationPipeline(Pipeline):
    """``pipe(text, aggregation_strategy="simple", ignore_labels=["O"], stride=None)`` -> list of entity dicts.

    ``stride``: cut a text longer than the model accepts into overlapping windows (else it is truncated);
    entities found twice in the overlap are merged, the longer (then more confident) one kept.
    ``is_split_into_words=True``: the input is already split into words (a list of str, or a list of such
    lists); each word is tokenized on its own, and offsets refer to the words joined by ``delimiter`` (" ").
    The result is a list of entity lists in both cases (the reference's shape).
    """

    task = "token-classification"
    model_class = BertForTokenClassification
    head_prefix = "classifier"
    head_name = "token classifier"

    def __call__(self, inputs, aggregation_strategy: str = "none", ignore_labels=None, stride: int | None = None,
                 is_split_into_words: bool = False, delimiter: str | None = None):
        strategy = str(getattr(aggregation_strategy, "value", aggregation_strategy)).lower()
        if strategy not in STRATEGIES:
            raise PipelineError(f"aggregation_strategy must be one of {STRATEGIES}, got {aggregation_strategy!r}")
        if stride is not None and strategy == "none":
            raise PipelineError("stride needs an aggregation_strategy other than 'none' (overlapping windows are "
                                "merged entity by entity)")
        # >= 0, and smaller than a window ([CLS] and [SEP] aside), or the windows could not move forward
        check_stride(stride, self.max_length - self.tokenizer.num_special_tokens_to_add(False),
                     self.option_names["stride"])
        ignore = ["O"] if ignore_labels is None else list(ignore_labels)
        if is_split_into_words:
            # As in the reference, one list of words also comes back as a list (of one result).
            word_lists, batched = split_word_lists(inputs), True
            encoded = [self.encode_words(words, " " if delimiter is None else delimiter) for words in word_lists]
        else:
            texts, batched = as_batch(inputs)
            encoded = [self.encode_text(text) for text in texts]
        windows = [self.windows(ids, offsets, stride, text) for text, ids, offsets in encoded]
        rows = [w for text_windows in windows for w in text_windows]
        outs = iter(self.run_rows(rows))
        results = []
        for (text, _, _), text_windows in zip(encoded, windows):
            entities = []
            for window in text_windows:
                probs = next(outs)["logits"].softmax(dim=-1)  # (T, L)
                found = self.aggregate(self.pre_entities(text, window, probs), strategy)
                entities += [e for e in found if e.get("entity", e.get("entity_group")) not in ignore]
            results.append(merge_overlaps(entities) if len(text_windows) > 1 else entities)
        return results if batched else results[0]

    def encode_text(self, text: str) -> tuple[str, list[int], list[tuple[int, int]]]:
        """A text -> (text, its WordPiece ids, each piece's character span in the text), no special tokens."""
        check_text(text, "token-classification text")
        return (text, *self.pieces(text))

    def pieces(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """WordPiece ids of ``text`` without special tokens, and each piece's character span in ``text``."""
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]

    def encode_words(self, words: list[str], delimiter: str) -> tuple[str, list[int], list[tuple[int, int]]]:
        """Pre-split words -> (the words joined by ``delimiter``, ids, spans in that joined text).

        Each word is tokenized alone (what ``is_split_into_words`` means to the tokenizer), so its pieces'
        offsets start at 0; adding the word's position in the joined text makes them point into it.
        """
        ids, offsets, start = [], [], 0
        for word in words:
            if not isinstance(word, str):
                raise PipelineError(f"with is_split_into_words=True every word must be a str, got {word!r:.80}")
            word_ids, word_offsets = self.pieces(word)
            ids += word_ids
            offsets += [(start + a, start + b) for a, b in word_offsets]
            start += len(word) + len(delimiter)
        if not ids:
            raise PipelineError(f"token-classification got no words to label: {words!r:.80}")
        return delimiter.join(words), ids, offsets

    def windows(self, ids: list[int], offsets: list[tuple[int, int]], stride: int | None, text: str = ""
                ) -> list[dict]:
        """Rows for one text: ``[CLS] piece ... [SEP]``, one per window (only the first without a stride)."""
        budget = self.max_length - self.tokenizer.num_special_tokens_to_add(False)
        spans = window_spans(len(ids), budget, stride) if stride is not None else [(0, min(len(ids), budget))]
        if stride is None and len(ids) > budget:  # truncated, as in the reference: never silently
            logger.warning("the text %s has %d tokens, more than the %d the model reads at once: entities were "
                           "looked for only up to character %d of %d; pass %s (e.g. %d) to read all of it in "
                           "overlapping windows", shown(text), len(ids), budget, offsets[budget - 1][1], len(text),
                           self.option_names["stride"], budget // 4)
        rows = []
        for start, stop in spans:
            row_ids = self.tokenizer.build_inputs_with_special_tokens(ids[start:stop])
            rows.append({"input_ids": row_ids, "token_type_ids": [0] * len(row_ids),
                         "attention_mask": [1] * len(row_ids), "offsets": [(0, 0)] + offsets[start:stop] + [(0, 0)]})
        return rows

    def pre_entities(self, text: str, row: dict, probs: torch.Tensor) -> list[dict]:
        """One dict per token of the text: its text, label probabilities (L,), offsets, index, is it a ``##``.

        Only the [CLS] and [SEP] this pipeline added are skipped. A special token typed in the text ("[MASK]")
        is a token of the text like any other, as in the reference (its fast tokenizer's special-tokens mask
        marks only the added ones).
        """
        ids, offsets = row["input_ids"], row["offsets"]
        tokens = self.tokenizer.convert_ids_to_tokens(ids)
        found = []
        for index in range(1, len(ids) - 1):  # without the added [CLS] and [SEP]
            token, (start, end) = tokens[index], offsets[index]
            source = text[start:end]
            is_subword = len(token) != len(source)
            if ids[index] == self.tokenizer.unk_token_id:  # show the unknown word itself, not "[UNK]"
                token, is_subword = source, False
            found.append({"word": token, "scores": probs[index], "start": start, "end": end, "index": index,
                          "is_subword": is_subword})
        return found

    def aggregate(self, tokens: list[dict], strategy: str) -> list[dict]:
        if strategy in ("none", "simple"):
            labelled = []
            for t in tokens:
                best = int(t["scores"].argmax())
                labelled.append({"entity": self.config.id2label[best], "score": float(t["scores"][best]),
                                 "index": t["index"], "word": t["word"], "start": t["start"], "end": t["end"]})
            return labelled if strategy == "none" else self.group(labelled)
        by_word: list[list[dict]] = []
        for t in tokens:
            if by_word and t["is_subword"]:
                by_word[-1].append(t)
            else:
                by_word.append([t])
        return self.group([self.word_label(pieces, strategy) for pieces in by_word])

    def word_label(self, pieces: list[dict], strategy: str) -> dict:
        """One label for a word made of ``pieces`` (``first``/``average``/``max``, see the module docstring)."""
        if strategy == "first":
            scores = pieces[0]["scores"]
        elif strategy == "max":
            scores = max(pieces, key=lambda p: float(p["scores"].max()))["scores"]
        else:
            scores = torch.stack([p["scores"] for p in pieces]).mean(dim=0)  # (L,)
        best = int(scores.argmax())
        return {"entity": self.config.id2label[best], "score": float(scores[best]),
                "word": words_lib.join_pieces([p["word"] for p in pieces]),
                "start": pieces[0]["start"], "end": pieces[-1]["end"]}

    def group(self, labelled: list[dict]) -> list[dict]:
        """Merge neighbours with the same tag into entities; ``B-X`` always opens a new one."""
        groups: list[list[dict]] = []
        for entity in labelled:
            prefix, tag = split_tag(entity["entity"])
            if groups and prefix != "B" and tag == split_tag(groups[-1][-1]["entity"])[1]:
                groups[-1].append(entity)
            else:
                groups.append([entity])
        return [{"entity_group": split_tag(g[0]["entity"])[1], "score": sum(e["score"] for e in g) / len(g),
                 "word": words_lib.join_pieces([e["word"] for e in g]), "start": g[0]["start"], "end": g[-1]["end"]}
                for g in groups]


def split_word_lists(inputs) -> list[list[str]]:
    """``["Ada", "Lovelace"]`` -> [that list]; a list of such lists -> itself."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise PipelineError(f"with is_split_into_words=True the input must be a list of words (or a list of such "
                            f"lists), got {inputs!r:.80}")
    if all(isinstance(item, (list, tuple)) for item in inputs):
        return [list(item) for item in inputs]
    return [list(inputs)]


def split_tag(label: str) -> tuple[str, str]:
    """``"B-PER"`` -> ``("B", "PER")``; a label without B-/I- continues like I-: ``"MISC"`` -> ``("I", "MISC")``."""
    if label.startswith(("B-", "I-")):
        return label[0], label[2:]
    return "I", label


def merge_overlaps(entities: list[dict]) -> list[dict]:
    """Entities from overlapping windows: of those starting inside another, keep the longer (then surer) one."""
    if not entities:
        return entities
    ordered = sorted(entities, key=lambda e: e["start"])
    kept, current = [], ordered[0]
    for entity in ordered:
        if current["start"] <= entity["start"] < current["end"]:
            longer = entity["end"] - entity["start"] > current["end"] - current["start"]
            same = entity["end"] - entity["start"] == current["end"] - current["start"]
            if longer or (same and entity["score"] > current["score"]):
                current = entity
        else:
            kept.append(current)
            current = entity
    kept.append(current)
    return kept
