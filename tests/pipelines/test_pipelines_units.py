"""Pipeline building blocks without the reference: windows, word gluing, pooling configs, devices, bad input."""

from __future__ import annotations

import json
import shutil

import _pipeline_checkpoints as ckpt
import pytest
import torch
from _numerics import forward_depth, probability_bound, rounding_bound, widest_sum

import minibert
from minibert.pipelines import PipelineError
from minibert.pipelines.base import resolve_device
from minibert.pipelines.pooling import read_pooling_config
from minibert.pipelines.words import join_pieces, word_ids
from minibert.tokenization.windows import window_spans


def test_window_spans_cover_everything_with_overlap():
    assert window_spans(10, 4, 2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert window_spans(3, 4, 2) == [(0, 3)]
    assert window_spans(9, 4, 0) == [(0, 4), (4, 8), (8, 9)]
    for n, budget, stride in [(37, 8, 3), (100, 30, 29), (11, 5, 1)]:
        spans = window_spans(n, budget, stride)
        assert spans[0][0] == 0 and spans[-1][1] == n and all(b - a <= budget for a, b in spans)
        assert all(nxt[0] == cur[0] + budget - stride for cur, nxt in zip(spans, spans[1:]))
    with pytest.raises(ValueError, match="stride .5. must be smaller"):
        window_spans(10, 5, 5)


def test_join_pieces_and_word_ids():
    assert join_pieces(["new", "york", "##er", ","]) == "new yorker,"
    assert join_pieces(["##lace"]) == "##lace"  # a leading piece keeps its marker, as the reference prints it
    assert word_ids(["[CLS]", "un", "##aff", "##able", "ed", "[SEP]"], [True, False, False, False, False, True]) \
        == [None, 0, 0, 0, 1, None]


def _sentence_folder(tmp_path, pooling: dict, normalize: bool):
    folder = tmp_path / "st"
    shutil.copytree(ckpt.TINY_BERT, folder)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **pooling}))
    return folder


def test_cls_pooling_config_and_normalize(tmp_path):
    folder = _sentence_folder(tmp_path, {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}, True)
    config = read_pooling_config(folder)
    assert config.modes == ("cls",) and config.normalize
    texts = ["hello world", "a longer sentence than the first one"]
    vectors = minibert.pipeline("sentence-similarity", model=str(folder)).embed(texts)
    model, tok = minibert.BertModel.from_pretrained(ckpt.TINY_BERT), minibert.BertTokenizer.from_pretrained(folder)
    with torch.no_grad():
        cls = torch.stack([model(**tok(t, return_tensors="pt")).last_hidden_state[0, 0] for t in texts])
    torch.testing.assert_close(vectors, torch.nn.functional.normalize(cls, dim=-1), atol=1e-6, rtol=0)


def test_several_pooling_modes_are_concatenated(tmp_path):
    folder = _sentence_folder(tmp_path, {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True}, False)
    pipe = minibert.pipeline("feature-extraction", model=str(folder))
    assert pipe.pooling.modes == ("max", "mean")
    vector = torch.tensor(pipe("hello world", pooling="auto"))
    tokens = torch.tensor(pipe("hello world"))[0]  # (T, C)
    torch.testing.assert_close(vector, torch.cat([tokens.max(0).values, tokens.mean(0)]), atol=1e-6, rtol=0)


def test_unsupported_pooling_is_an_error(tmp_path):
    folder = _sentence_folder(tmp_path, {"pooling_mode_weightedmean_tokens": True}, False)
    with pytest.raises(ValueError, match="weightedmean"):
        read_pooling_config(folder)


def test_devices():
    assert resolve_device(None) == resolve_device(-1) == resolve_device("cpu") == torch.device("cpu")
    pipe = minibert.pipeline("fill-mask", model=str(ckpt.TINY_BERT), device=torch.device("cpu"))
    assert pipe.model.device == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(PipelineError, match="no CUDA GPU"):
            resolve_device(0)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(PipelineError, match="unknown task 'translation'"):
        minibert.pipeline("translation", model=str(ckpt.TINY_BERT))
    unmask = minibert.pipeline("fill-mask", model=str(ckpt.TINY_BERT))
    with pytest.raises(PipelineError, match="empty list"):
        unmask([])
    with pytest.raises(PipelineError, match="no \\[MASK\\] token"):
        unmask("nothing to fill")
    with pytest.raises(PipelineError, match="at most 128"):
        unmask("[MASK] " + "word " * 200)
    with pytest.raises(PipelineError, match="needs its tokenizer"):
        minibert.pipeline("fill-mask", model=unmask.model)
    reused = minibert.pipeline("fill-mask", model=unmask.model, tokenizer=unmask.tokenizer)
    assert reused("a [MASK] b", top_k=2) == unmask("a [MASK] b", top_k=2)


def test_batch_size_does_not_change_results():
    texts = ["a [MASK] b", "the [MASK] of a much longer sentence, padded in a batch", "[MASK]!"]
    single = minibert.pipeline("fill-mask", model=str(ckpt.TINY_BERT), batch_size=1)
    one, three = single(texts), minibert.pipeline("fill-mask", model=str(ckpt.TINY_BERT), batch_size=3)(texts)
    # Batching changes the matrix products' shapes, hence their order of summing: the logits agree within the
    # derived rounding bound for their size (tests/helpers/_numerics.py; the encoder, then the MLM head's 2 sums), and
    # a probability moves by p·(e^(2δ) − 1) when its logits move by δ.
    config = single.model.config
    with torch.no_grad():
        logits = single.model(**single.tokenizer(texts, padding=True, return_tensors="pt")).logits
    delta = rounding_bound(logits, forward_depth(config, head=2), widest_sum(config, config.max_position_embeddings))
    for a, b in zip(one, three):
        assert [p["token"] for p in a] == [p["token"] for p in b]
        for p, q in zip(a, b):
            assert abs(p["score"] - q["score"]) <= probability_bound(max(p["score"], q["score"]), delta)
