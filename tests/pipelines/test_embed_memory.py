"""A long ``iter_embed`` run (what ``python -m minibert embed --file`` streams through) keeps its memory flat.

Sorted, unpadded batches ask for tensors of a new size every time; glibc's heap keeps what they free and
fragments, so the process used to grow with the file (all-MiniLM-L6-v2: +50 MB a chunk of 1,024 lines, with
no end). minibert/pipelines/heap.py hands the freed pages back after each batch. The run here is a small
random model in a fresh process (one thread, so every machine allocates alike), 20 chunks of texts of 3 to
250 words; RSS is read after chunks 5 and 20.

The margin: what may legitimately remain between two chunks is the tokenizer's cache of the words seen (at
most the 2,000 drawn from) and allocator bookkeeping, far below one batch's working set. So RSS after chunk
20 may exceed RSS after chunk 5 by at most one batch's largest tensors (the attention scores, B·heads·T²,
plus the feed-forward's (B·T, 4C), float32): growth beyond that is memory kept from batch to batch. Without
the release, this run grew by 91 MB over those 15 chunks (glibc 2.36), and after it by 2.4 MB; the margin is 23 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minibert.pipelines.heap import release_freed_memory

REPO = Path(__file__).resolve().parents[2]
B, WORDS, HIDDEN, HEADS, CHUNK = 16, 250, 128, 4, 64

SCRIPT = """
import json, os, random, sys
import torch
torch.set_num_threads(1)
from minibert import BertConfig, BertModel, BertTokenizer
from minibert.pipelines import pipeline

B, WORDS, HIDDEN, HEADS, CHUNK = {consts}
tokenizer = BertTokenizer.from_pretrained(sys.argv[1])
torch.manual_seed(0)
config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=HIDDEN, num_hidden_layers=2,
                    num_attention_heads=HEADS, intermediate_size=4 * HIDDEN, max_position_embeddings=512)
pipe = pipeline("feature-extraction", model=BertModel(config), tokenizer=tokenizer, batch_size=B)
words = sorted(w for w in tokenizer.vocab if w.isalpha())[:2000]
rng = random.Random(0)
texts = (" ".join(rng.choice(words) for _ in range(rng.randint(3, WORDS))) for _ in range(20 * CHUNK))
rss = {{}}
for k, _ in enumerate(pipe.iter_embed(texts, chunk_size=CHUNK, progress=False), 1):
    with open("/proc/self/statm") as f:
        rss[k] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
print(json.dumps(rss))
"""


@pytest.mark.skipif(not release_freed_memory(), reason="the C library is not glibc: no malloc_trim, and "
                    "another allocator fragments (or not) in its own way")
def test_rss_after_chunk_20_stays_within_one_batch_of_chunk_5():
    script = SCRIPT.format(consts=(B, WORDS, HIDDEN, HEADS, CHUNK))
    run = subprocess.run([sys.executable, "-c", script, str(REPO / "checkpoints" / "tiny-bert")],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    rss = {int(k): v for k, v in json.loads(run.stdout.splitlines()[-1]).items()}
    assert len(rss) == 20
    T = WORDS + 2  # the longest text: its words (one token each, whole words of the vocabulary) + [CLS], [SEP]
    margin = 4 * (B * HEADS * T * T + B * T * 4 * HIDDEN)  # bytes: one batch's scores and feed-forward, fp32
    growth = rss[20] - rss[5]
    assert growth <= margin, f"RSS grew by {growth / 2**20:.1f} MB from chunk 5 to 20 (margin {margin / 2**20:.1f} MB)"


def test_memory_benchmark_runs_and_plots(tmp_path):
    """benchmarks/bench_memory.py end to end on tiny-bert: both variants per length, a table and a plot."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import bench_memory

    assert bench_memory.main(["--lines", "20,40", "--checkpoint", str(REPO / "checkpoints" / "tiny-bert"),
                              "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "memory.json").read_text())
    assert [(r["lines"], r["variant"]) for r in results["rows"]] == [
        (20, "before"), (20, "after"), (40, "before"), (40, "after")]
    assert all(r["peak_rss_mb"] > 0 and r["cpu_s"] > 0 for r in results["rows"])
    assert "| 40 |" in (tmp_path / "memory.md").read_text()
    assert (tmp_path / "memory.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.json", "memory.md", "memory.png"]
