"""``python -m minibert pretrain``: pre-train a (tiny) BERT with masked-LM (and optionally NSP) on a text corpus.

    python -m minibert pretrain --data examples/data/corpus.txt --vocab examples/data/vocab.txt \\
        --output runs/pretrain --steps 300

The corpus: ``.txt`` (one sentence per line, blank line between documents), or ``.jsonl`` / ``.csv`` with a
text column (each row a document of one sentence). The model size comes from flags or ``--config JSON``.
Works unchanged under ``torchrun --nproc_per_node=N -m minibert pretrain ...``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_VOCAB = Path(__file__).resolve().parents[2] / "checkpoints" / "vocab" / "bert-base-uncased-vocab.txt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="corpus: .txt, .jsonl or .csv")
    parser.add_argument("--text-column", default="text", help="column of .jsonl/.csv rows holding the text")
    parser.add_argument("--vocab", default=str(DEFAULT_VOCAB), help="WordPiece vocab.txt (default: bert-base-uncased)")
    parser.add_argument("--config", help="config.json for the model; overrides the size flags below")
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--intermediate-size", type=int, default=256)
    parser.add_argument("--max-length", type=int, default=64, help="tokens per example, [CLS]/[SEP] included")
    parser.add_argument("--nsp", action="store_true", help="also train next-sentence prediction (BertForPreTraining)")
    parser.add_argument("--whole-word-mask", nargs="?", const="pieces", choices=["pieces", "zh"], default=None,
                        help="mask whole words, not single pieces; 'zh': Chinese words from the jieba segmenter "
                             "(pip install 'minibert[zh]'), all their characters together")
    parser.add_argument("--mlm-probability", type=float, default=0.15)
    parser.add_argument("--full-decoder", action="store_true",
                        help="decode every position in training (default: only the masked ones; same loss and "
                             "gradients, faster)")
    from minibert.cli.training_args import add_training_arguments

    add_training_arguments(parser, steps=300, batch_size=32, lr=1e-3)


def run(args: argparse.Namespace) -> int:
    from minibert.cli.run_record import guard

    with guard(args, "pretrain", {"--data": args.data, "--vocab": args.vocab, "--config": args.config}):
        return _pretrain(args)


def _pretrain(args: argparse.Namespace) -> int:
    import os
    import shutil

    import torch

    from minibert import BertConfig, BertForMaskedLM, BertForPreTraining, BertTokenizer
    from minibert.cli.run_record import train as run_training
    from minibert.cli.training_args import loss_summary, split, training_arguments
    from minibert.training.data import Collator, MaskedLMDataset, column, read_documents, read_records
    from minibert.training.masking import continuation_table
    from minibert.training.nsp import create_nsp_examples
    from minibert.training.trainer import Trainer

    tokenizer = BertTokenizer(args.vocab)
    if Path(args.data).suffix.lower() == ".txt":
        documents = read_documents(args.data)
    else:
        documents = [[str(t)] for t in column(read_records(args.data), args.text_column, args.data)]
    if not documents:
        raise ValueError(f"{args.data}: no text found")

    if args.nsp and args.whole_word_mask == "zh":
        raise ValueError("--whole-word-mask zh works with masked-LM examples only; leave out --nsp")
    if args.nsp:
        docs_ids = [[tokenizer.convert_tokens_to_ids(tokenizer.tokenize(s)) for s in doc] for doc in documents]
        examples = create_nsp_examples(docs_ids, max_seq_length=args.max_length, cls_id=tokenizer.cls_token_id,
                                       sep_id=tokenizer.sep_token_id, seed=args.seed)
    else:  # masked-LM only: one example per sentence, [CLS] sentence [SEP]
        sentences = [s for doc in documents for s in doc]
        enc = tokenizer(sentences, truncation=True, max_length=args.max_length, return_special_tokens_mask=True,
                        return_offsets_mapping=args.whole_word_mask == "zh")
        examples = [{"input_ids": ids, "special_tokens_mask": sp}
                    for ids, sp in zip(enc["input_ids"], enc["special_tokens_mask"])]
        if args.whole_word_mask == "zh":  # word boundaries from the segmenter, stored with each example
            from minibert.training.chinese_words import chinese_continuation

            pieces = continuation_table(tokenizer.convert_ids_to_tokens(range(tokenizer.vocab_size)))
            for ex, text, offsets in zip(examples, sentences, enc["offset_mapping"]):
                ex["is_continuation"] = chinese_continuation(text, ex["input_ids"], offsets, pieces)
    train, held_out = split(examples, args.eval_fraction, args.seed)

    if args.config:
        config = BertConfig.from_json_file(args.config)
    else:
        config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=args.hidden_size,
                            num_hidden_layers=args.layers, num_attention_heads=args.heads,
                            intermediate_size=args.intermediate_size, max_position_embeddings=max(args.max_length, 64))
    if config.vocab_size < tokenizer.vocab_size:
        raise ValueError(f"config vocab_size={config.vocab_size} < the vocabulary's {tokenizer.vocab_size} tokens")
    torch.manual_seed(args.seed)  # the same initial weights on every process (DDP also broadcasts rank 0's)
    model = (BertForPreTraining if args.nsp else BertForMaskedLM)(config)

    masking = dict(mask_token_id=tokenizer.mask_token_id, vocab_size=tokenizer.vocab_size,
                   whole_word_mask=args.whole_word_mask is not None, mlm_probability=args.mlm_probability,
                   is_continuation=continuation_table(tokenizer.convert_ids_to_tokens(range(tokenizer.vocab_size))))
    train_ds = MaskedLMDataset(train, seed=args.seed, **masking)
    eval_ds = MaskedLMDataset(held_out, seed=args.seed + 1, **masking) if held_out else None
    trainer = Trainer(model, training_arguments(args), train_ds, Collator(tokenizer.pad_token_id), eval_ds,
                      forward_kwargs=None if args.full_decoder else {"masked_positions_only": True})
    if trainer.dist.is_main:
        n = sum(p.numel() for p in model.parameters())
        print(f"pre-training {type(model).__name__} ({n / 1e6:.2f}M parameters) on {len(train)} examples "
              f"({len(held_out)} held out), {args.steps} steps")
    result = run_training(trainer, args)
    if trainer.dist.is_main:
        vocab = Path(args.output) / "vocab.txt"  # the model folder is self-contained
        if not (vocab.exists() and os.path.samefile(args.vocab, vocab)):  # --vocab may be that file already
            shutil.copyfile(args.vocab, vocab)
        print(loss_summary(args.output))
        if "eval_loss" in result:
            print(f"held-out masked-LM loss {result['eval_loss']:.3f} (uniform guessing: "
                  f"{torch.log(torch.tensor(float(tokenizer.vocab_size))).item():.3f})")
        print(f"saved to {args.output}")
    return 0
