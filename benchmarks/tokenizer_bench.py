"""Tokenizer throughput: minibert vs the reference slow BertTokenizer and its Rust BertTokenizerFast.

    python benchmarks/tokenizer_bench.py [OUT.md]   (default benchmarks/results/tokenizer.md, + .json)

The corpus is built here, deterministically (fixed seed): sentences of vocabulary words with English-like
punctuation and casing, numbers, accented words, CJK runs, emoji (with ZWJ sequences), and long made-up words.
"Per text" calls each tokenizer once per text (``tok(text)``), "batched" passes lists of 256 texts.
Every tokenizer starts cold (fresh instance, empty caches); one warm-up pass is not excluded.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
VOCAB = REPO / "checkpoints" / "vocab" / "bert-base-uncased-vocab.txt"
UNICODE_SAMPLES = [
    "café",
    "naïve",
    "façade",
    "Zoë",
    "Øresund",
    "São Paulo",
    "Ñandú",
    "İstanbul",
    "ΟΔΟΣ",
    "Привет",
    "你好世界",
    "东京大学",
    "한국어",
    "カタカナ",
    "ひらがな",
    "العربية",
    "עברית",
    "हिन्दी",
    "😀",
    "👍🏽",
    "👩\u200d👩\u200d👧",
    "🇫🇷",
    "ﬁne",
    "Ｆｕｌｌ",
    "e\u0301t\u00e9",
    "—",
    "…",
    "«quoted»",
    "¿qué?",
    "¡sí!",
]


def build_corpus(n_texts: int = 40000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    words = [w for w in VOCAB.read_text(encoding="utf-8").splitlines() if w.isalpha() and w.isascii()]
    common = words[:3000]
    texts = []
    for _ in range(n_texts):
        parts = []
        for _ in range(rng.randint(5, 60)):
            roll = rng.random()
            if roll < 0.70:
                word = rng.choice(common) if rng.random() < 0.8 else rng.choice(words)
            elif roll < 0.80:
                word = str(rng.choice([rng.randint(0, 100), rng.randint(0, 10**6), round(rng.random() * 100, 2)]))
            elif roll < 0.92:
                word = rng.choice(UNICODE_SAMPLES)
            elif roll < 0.97:
                word = "".join(rng.choice(common) for _ in range(rng.randint(2, 6)))  # long compound words
            else:
                word = rng.choice(["[MASK]", "don't", "it's", "U.S.A.", "e-mail", "#tag", "@user", "$5.00", "50%"])
            if rng.random() < 0.1:
                word = word.capitalize()
            parts.append(word + (rng.choice([",", ".", "!", "?", ";", ":"]) if rng.random() < 0.12 else ""))
        texts.append(" ".join(parts))
    return texts


def _time(fn, timer=time.perf_counter) -> float:
    # Start each timed section without the garbage collector's debt from earlier ones (imports, the previous
    # tokenizer's results): otherwise whoever runs next pays for a full collection of every object in the
    # process. The collector stays on during the run, as in a user's program.
    gc.collect()
    start = timer()
    fn()
    return timer() - start


def main(out_md: Path | None = None, n_texts: int = 40000, timer=time.perf_counter) -> dict:
    """Run the benchmark and write ``out_md`` (+ .json); ``n_texts`` and ``timer`` let the suite
    (benchmarks/run.py) use a smaller corpus and CPU time. Returns what the .json holds."""
    import tokenizers
    import transformers

    from minibert.tokenization import BertTokenizer

    if out_md is None:
        if len(sys.argv) > 1 and sys.argv[1].startswith("-"):
            raise SystemExit("usage: python benchmarks/tokenizer_bench.py [OUT.md]  (default "
                             "benchmarks/results/tokenizer.md; a .json with the same stem is written beside it)")
        out_md = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "benchmarks" / "results" / "tokenizer.md"
    corpus = build_corpus(n_texts)
    n_bytes = sum(len(t.encode("utf-8")) for t in corpus)
    makers = {
        "minibert": lambda: BertTokenizer(VOCAB),
        "reference slow": lambda: transformers.BertTokenizer(str(VOCAB)),
        "reference fast (Rust)": lambda: transformers.BertTokenizerFast(str(VOCAB)),
    }
    # The slow reference is ~10x slower: time it on a prefix of the corpus and scale to texts/s.
    subset = {"reference slow": len(corpus) // 8}
    results = {}
    for name, make in makers.items():
        n = subset.get(name, len(corpus))
        tok = make()
        texts = corpus[:n]
        per_text = _time(lambda: [tok(t) for t in texts], timer)  # noqa: B023
        warm = _time(lambda: [tok(t) for t in texts], timer)  # noqa: B023  (second pass: caches filled)
        tok = make()
        these = [texts[i : i + 256] for i in range(0, n, 256)]
        batched = _time(lambda: [tok(b) for b in these], timer)  # noqa: B023
        tok = make()
        ids_only = _time(lambda: [tok.encode(t) for t in texts], timer)  # noqa: B023
        results[name] = {
            "texts": n,
            "per_text_texts_per_s": n / per_text,
            "per_text_warm_texts_per_s": n / warm,
            "batched_texts_per_s": n / batched,
            "encode_texts_per_s": n / ids_only,
        }
        print(name, results[name], flush=True)
    # Same ids as the reference on the whole corpus (the benchmark only counts if results are unchanged).
    ours, slow = BertTokenizer(VOCAB), transformers.BertTokenizer(str(VOCAB))
    check = corpus[:2000]
    identical = all(ours.encode(t) == slow.encode(t) for t in check)
    base = results["minibert"]
    ratios = {
        other: {
            k: base[k] / results[other][k]
            for k in ("per_text_texts_per_s", "per_text_warm_texts_per_s", "batched_texts_per_s", "encode_texts_per_s")
        }
        for other in ("reference slow", "reference fast (Rust)")
    }
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "corpus_texts": len(corpus),
        "corpus_megabytes": round(n_bytes / 1e6, 2),
        "batch_size": 256,
        "identical_ids_on_first_2000_texts": identical,
    }
    out_md.parent.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "results": results, "ratios": ratios}
    out_md.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    rows = [
        "| tokenizer | per text, cold (texts/s) | per text, warm (texts/s) | batched (texts/s) "
        "| encode() per text (texts/s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['per_text_texts_per_s']:,.0f} | {r['per_text_warm_texts_per_s']:,.0f} | "
            f"{r['batched_texts_per_s']:,.0f} | "
            f"{r['encode_texts_per_s']:,.0f} |"
        )
    for other, r in ratios.items():
        rows.append(
            f"| minibert / {other} | {r['per_text_texts_per_s']:.2f}x | {r['per_text_warm_texts_per_s']:.2f}x | "
            f"{r['batched_texts_per_s']:.2f}x | "
            f"{r['encode_texts_per_s']:.2f}x |"
        )
    text = "\n".join(
        [
            "# Tokenizer throughput",
            "",
            f"{meta['date']} on {meta['machine']} ({meta['cpus']} CPUs, 1-minute load average "
            f"{meta['load_average_1m_at_end']} at the end: other jobs shared the machine); "
            f"Python {meta['python']}, transformers {meta['transformers']}, "
            f"tokenizers {meta['tokenizers']}.",
            f"Corpus: {len(corpus)} texts, {meta['corpus_megabytes']} MB (built by benchmarks/tokenizer_bench.py, "
            "seed 0). Each tokenizer starts cold; 'warm' is a second pass with the same instance. "
            "Per text = one `tok(text)` call per text; batched = `tok(list)` "
            f"of 256 texts. The slow reference ran on the first {subset['reference slow']} texts. minibert ids "
            f"identical to the slow reference on the first 2000 texts: {identical}.",
            "",
            *rows,
            "",
        ]
    )
    out_md.write_text(text)
    print(text)
    return report


if __name__ == "__main__":
    main()
