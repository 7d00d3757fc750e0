"""Pipelines in sorted, unpadded batches; ``embed`` and ``python -m minibert embed --file``.

* A larger ``batch_size`` costs no accuracy: every task's results equal batch_size=1, in input order, within the
  float32 rounding of the same math summed in another order (tests/helpers/_numerics.py derives the bound).
* ``embed --file`` streams a text file into ``.npy`` / ``.jsonl`` with a progress bar, equal to ``embed``, and
  never leaves a half-written output under its name.
* The vectors equal sentence-transformers' ``encode`` (1e-5) when that package and the official checkpoint
  are there (the benchmark extra; CI installs it for this file's last test), and skip with the reason if not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import _pipeline_checkpoints as ckpt
import numpy as np
import pytest
import torch
from _numerics import forward_depth, largest, max_diff, probability_bound, rounding_bound, widest_sum

from minibert import BertConfig
from minibert.__main__ import main
from minibert.cli.embed_file import embed_file
from minibert.pipelines import pipeline

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / "checkpoints" / "tiny-bert")
TINY_CONFIG = BertConfig.from_pretrained(TINY)
# Lengths from 3 to about 40 tokens, in no order: batches of 4 mix them unless the pipeline sorts.
TEXTS = ["a cat.", "the quick brown fox jumps over the lazy dog while the farmer watches from the old barn door.",
         "paris is the capital of france.", "hello world", "BERT reads both ways, left and right, at once.",
         "one", "Unaffable people rarely say hello; the weather, however, is always a safe topic.",
         "Tokenizers split words into pieces.", "x y z", "In 1815 Ada Lovelace was born in London."]


def close(a, b, scale, head: int = 1):
    """a and b, two routes to the same vectors through tiny-bert, agree within the derived rounding bound
    (tests/helpers/_numerics.py) for values of size ``scale`` that went through the encoder and ``head`` more sums
    (pooling: 1). Batches of other sizes and lengths sum in another order, by kernels that vary by CPU."""
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    return a.shape == b.shape and max_diff(a, b) <= tiny_bound(scale, head)


def tiny_bound(scale, head: int = 1, config=TINY_CONFIG) -> float:
    # sums of up to max_position_embeddings keys: as long as any input can be
    return rounding_bound(scale, forward_depth(config, head), widest_sum(config, config.max_position_embeddings))


def token_vectors(texts):
    """tiny-bert's last hidden states, one padded batch: the scale of the values the pipelines pool."""
    pipe = pipeline("feature-extraction", model=TINY)
    with torch.no_grad():
        return pipe.model(**pipe.tokenizer(texts, padding=True, return_tensors="pt")).last_hidden_state


@pytest.fixture(scope="module")
def heads(tmp_path_factory):
    root = tmp_path_factory.mktemp("heads")
    return {"text-classification": str(ckpt.classifier(root / "classifier")),
            "token-classification": str(ckpt.tagger(root / "tagger")), "fill-mask": TINY,
            "feature-extraction": TINY}


def test_feature_extraction_batches_equal_one_by_one():
    one, many = (pipeline("feature-extraction", model=TINY, batch_size=b) for b in (1, 4))
    scale = largest(token_vectors(TEXTS))  # mean pooling: the vectors are averages of these
    assert close(one.embed(TEXTS), many.embed(TEXTS), scale)
    for a, b in zip(one(TEXTS, return_tensors=True), many(TEXTS, return_tensors=True)):  # token vectors (1, T, C)
        # Attention's sums over T keys (T = the batch's longest, not the text's own) and the matrix products
        # for 4 rows or 1 round differently: the derived bound for the encoder alone.
        assert close(a, b, a, head=0)
    assert many.model.config.unpad_inputs is False  # switched on only while the pipeline runs


def test_sorted_batches_hold_similar_lengths():
    pipe = pipeline("feature-extraction", model=TINY, batch_size=4)
    rows = [pipe.encode(t) for t in TEXTS]
    seen = []
    for indices, _out, mask in pipe.batches(rows):
        lengths = [len(rows[i]["input_ids"]) for i in indices]
        assert lengths == sorted(lengths) and mask.shape[1] == max(lengths)
        seen += indices
    assert sorted(seen) == list(range(len(TEXTS)))
    assert [len(rows[i]["input_ids"]) for i in seen] == sorted(len(r["input_ids"]) for r in rows)


@pytest.mark.parametrize("task", ["text-classification", "token-classification", "fill-mask"])
def test_task_pipelines_batches_equal_one_by_one(heads, task):
    texts = [t if task != "fill-mask" else t.replace(" ", " [MASK] ", 1) for t in TEXTS if " " in t]
    one, many = (pipeline(task, model=heads[task], batch_size=b) for b in (1, 4))
    a, b = one(texts), many(texts)
    with torch.no_grad():
        logits = one.model(**one.tokenizer(texts, padding=True, return_tensors="pt")).logits
    logit_bound = tiny_bound(logits, head=2, config=one.model.config)
    assert len(a) == len(b) == len(texts) and sum(map(len, a)) > len(texts)  # several results per text
    for x, y in zip(a, b):
        xs, ys = (x if isinstance(x, list) else [x]), (y if isinstance(y, list) else [y])
        assert [{k: v for k, v in d.items() if k != "score"} for d in xs] == \
               [{k: v for k, v in d.items() if k != "score"} for d in ys]
        # A 5-row matrix product is not summed like a 200-row one, and how depends on the CPU's kernels: the
        # logits differ by the derived rounding bound for their size (two head sums: pooler + classifier,
        # or the MLM transform + decoder), and a probability moves by p·(e^(2δ) − 1) for logits that move by δ.
        # The tagger's head is sharpened on purpose (_pipeline_checkpoints.py), so its larger logits get a
        # proportionally larger bound.
        for p, q in zip([d["score"] for d in xs], [d["score"] for d in ys]):
            assert abs(p - q) <= probability_bound(max(p, q), logit_bound), (p, q, logit_bound)


def test_embed_file_npy_and_jsonl(tmp_path, capsys):
    path = tmp_path / "texts.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    pipe = pipeline("feature-extraction", model=TINY, batch_size=3)
    expected = pipe.embed(TEXTS)
    rows, dim = embed_file(pipe, path, tmp_path / "v.npy", chunk_size=4, progress=True)  # 3 chunks, streamed
    assert (rows, dim) == expected.shape
    scale = largest(token_vectors(TEXTS))  # chunks of 4 batch other texts together than one call of 10
    assert close(np.load(tmp_path / "v.npy"), expected, scale)
    assert "embed" in capsys.readouterr().err  # the tqdm bar
    embed_file(pipe, path, tmp_path / "v.jsonl", chunk_size=4, progress=False)
    records = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in records] == TEXTS
    assert close([r["embedding"] for r in records], expected, scale)


def test_embed_file_errors_and_atomic_output(tmp_path):
    pipe = pipeline("feature-extraction", model=TINY, batch_size=2)
    path = tmp_path / "texts.txt"
    path.write_text("one\n\nthree\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2 is empty"):
        embed_file(pipe, path, tmp_path / "v.npy")
    assert not (tmp_path / "v.npy").exists()

    path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = tmp_path / "v.npy"
    out.write_bytes(b"the previous file")
    real_embed = pipe.embed
    calls = []

    def failing_embed(texts, **options):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user pressed Ctrl-C in the middle of the file
        return real_embed(texts, **options)

    pipe.embed = failing_embed
    with pytest.raises(KeyboardInterrupt):
        embed_file(pipe, path, out, chunk_size=4)
    assert out.read_bytes() == b"the previous file"  # untouched, and no temporary file left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["texts.txt", "v.npy"]


def test_cli_embed_file(tmp_path, capsys):
    path = tmp_path / "texts.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    code = main(["embed", "--file", str(path), "--out", str(tmp_path / "v.jsonl"), "--format", "jsonl",
                 "--model", TINY, "--batch-size", "4"])
    out, _ = capsys.readouterr()
    assert code == 0 and f"wrote {len(TEXTS)} vectors of 32" in out
    vectors = [json.loads(line)["embedding"] for line in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert close(vectors, pipeline("feature-extraction", model=TINY).embed(TEXTS), largest(token_vectors(TEXTS)))
    assert main(["embed", "--file", str(path), "--model", TINY]) == 1
    assert "--file needs --out" in capsys.readouterr().err
    assert main(["embed", "a text", "--out", "x.npy", "--model", TINY]) == 1
    assert "--out and --format go with --file" in capsys.readouterr().err


def test_equal_to_sentence_transformers(official_checkpoint):
    """The benchmark's claim, held in CI: minibert's embed gives sentence-transformers' encode vectors."""
    st = pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed (the "
                             "benchmark extra: pip install -e '.[bench]')")
    sys.path.insert(0, str(REPO / "benchmarks"))
    import corpus

    texts = corpus.build(300)
    theirs = st.SentenceTransformer(str(official_checkpoint), device="cpu").encode(texts, batch_size=32,
                                                                                   convert_to_tensor=True)
    ours = pipeline("sentence-similarity", model=str(official_checkpoint), batch_size=32).embed(texts)
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max().item() <= 1e-5
