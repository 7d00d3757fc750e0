"""Pre-training step time: the MLM decoder at every position vs at the masked positions only.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mlm_decoder_bench.py [--vocab 12000] [--batch 64] [--length 128]

One AdamW step (forward, backward, update) of a 4-layer x 256 BertForMaskedLM with 15 % of the tokens labelled,
on one CPU thread, the two ways interleaved; prints the best CPU time of each (CPU time, not wall time: the
machine may be shared) and their ratio. The loss and every gradient are the same both ways
(tests/heads/test_mlm_head_masked_positions.py).
"""

from __future__ import annotations

import argparse
import time

import torch

from minibert import BertConfig, BertForMaskedLM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", type=int, default=12000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = BertConfig(vocab_size=args.vocab, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                        intermediate_size=1024, max_position_embeddings=max(args.length, 64))
    torch.manual_seed(0)
    model = BertForMaskedLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(5, args.vocab, (args.batch, args.length))
    labels = torch.full_like(ids, -100)
    chosen = torch.rand(ids.shape) < 0.15
    labels[chosen] = ids[chosen]
    best = {False: float("inf"), True: float("inf")}
    for _ in range(args.repeats + 1):  # the first round warms up
        for masked_only in (False, True):
            start = time.process_time()
            model(input_ids=ids, labels=labels, masked_positions_only=masked_only).loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            best[masked_only] = min(best[masked_only], time.process_time() - start)
    print(f"4 x 256 BertForMaskedLM, vocabulary {args.vocab}, batch {args.batch} x {args.length} tokens, 1 thread")
    print(f"full decoder (every position):  {best[False]:.2f} CPU s/step")
    print(f"masked positions only:          {best[True]:.2f} CPU s/step   ({best[False] / best[True]:.2f}x faster)")


if __name__ == "__main__":
    main()
