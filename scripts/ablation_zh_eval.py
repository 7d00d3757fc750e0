"""Held-out top-1 / top-5 of a finished Chinese speedrun on whole-word blanks (issue 27's masking comparison).

The report card's protocol hides 15 % of the held-out tokens at random positions, one character at a time: the
rest of a word stays visible, which is the task character masking trains for. This scores the same model on
blanks of whole jieba words instead (15 % of the words, every character of each; mlm_eval.fill_blanks with
``words``), the task whole-word masking trains for. Cached in RUN/whole_word_eval.json.
"""

from __future__ import annotations

import json
from pathlib import Path


def whole_word_scores(run: Path) -> dict:
    cache = run / "whole_word_eval.json"
    if cache.is_file():
        return json.loads(cache.read_text())
    from minibert import BertForMaskedLM
    from minibert.speedrun.prepare import _documents, _tokenizer
    from minibert.speedrun.segments import encode_segments_with_words
    from minibert.training.mlm_eval import fill_blanks

    data = run / "data"
    meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
    tok = _tokenizer(data, meta["max_length"])
    held = json.loads((data / "segments.json").read_text(encoding="utf-8"))["held_out"]
    segments, flags = encode_segments_with_words(_documents((data / "heldout.txt").read_text(encoding="utf-8")),
                                                 tok, meta["max_length"])
    if segments != held:
        raise RuntimeError(f"{data}: the held-out segments made again with their words differ from segments.json")
    model = BertForMaskedLM.from_pretrained(str(run / "model"))
    blanks = fill_blanks(model, held, mask_token_id=tok.mask_token_id, special_ids=set(tok.all_special_ids),
                         words=flags, seed=0)
    scores = {"whole_word_top1": blanks.accuracy(1), "whole_word_top5": blanks.accuracy(5),
              "whole_word_blanks": len(blanks.labels)}
    cache.write_text(json.dumps(scores, indent=2))
    return scores
