"""``python -m minibert attention "TEXT"``: what each head looks at, in the terminal or as an interactive page.

    python -m minibert attention "The cat sat on the mat."                       # a summary table per layer
    python -m minibert attention "The cat sat on the mat." --html attention.html  # the offline, interactive view

The table gives, per layer, the share of attention on [CLS], [SEP] and punctuation, raw and norm-weighted
(minibert/analysis), and the heads that follow the previous or the next token. The page (one self-contained
HTML file: open it in any browser, no network needed) draws every head's attention as lines, in three modes.
"""

from __future__ import annotations

import sys

from minibert.cli.common import table
from minibert.pipelines.inputs import check_text


def add_arguments(parser) -> None:
    parser.add_argument("text", help="the text to look at (one sentence, or a pair as 'first [SEP] second')")
    parser.add_argument("--model", default=None, help="checkpoint folder or Hub repo id; default: the default model "
                        "rule (MINIBERT_MODEL, bert-base-uncased when available, the shipped pre-trained BERT)")
    parser.add_argument("--html", default=None, metavar="OUT.html", help="write the interactive view to this file")
    parser.add_argument("--max-length", type=int, default=None, help="truncate the text to this many tokens "
                        "(default: the model's max_position_embeddings)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, ...")
    parser.add_argument("--local-files-only", action="store_true", help="never reach the Hub; use its local cache")


def run(args) -> int:
    import torch

    from minibert import BertModel, BertTokenizer
    from minibert.analysis import attention_views, find_heads, offset_attention, token_class_masks, token_class_shares
    from minibert.analysis.html_view import attention_page
    from minibert.analysis.views import row_shares
    from minibert.defaults import resolve_model
    from minibert.loading.atomic import atomic_write_bytes

    check_text(args.text)  # empty, or only invisible characters
    if args.max_length is not None and args.max_length < 2:
        raise ValueError(f"--max-length must be at least 2 ([CLS] and [SEP]), got {args.max_length}")
    if args.html:
        from minibert.loading.outputs import check_output_file

        check_output_file(args.html, {"--model": args.model}, "attention.html")  # before any model work
    choice = resolve_model(args.model)
    kwargs = {"local_files_only": True} if args.local_files_only else {}
    tokenizer = BertTokenizer.from_pretrained(choice.name_or_path, **kwargs)
    model = BertModel.from_pretrained(choice.name_or_path, attn_implementation="eager", **kwargs)
    model = model.to(args.device).eval()
    weights = "trained weights" if choice.trained else "RANDOM weights: these patterns mean nothing"
    limit = args.max_length or model.config.max_position_embeddings
    length = len(tokenizer(args.text, verbose=False)["input_ids"])
    if length > limit:  # the views below show the truncated text: say so
        print(f"note: the text has {length} tokens; only its first {limit} are shown (--max-length, at most the "
              "model's max_position_embeddings)", file=sys.stderr)
    if args.html:
        note = f"{choice.name_or_path} ({weights}). Text: {args.text}"
        page = attention_page(model, tokenizer, args.text, title="attention: " + args.text[:60], note=note,
                              max_length=args.max_length)
        atomic_write_bytes(args.html, page.encode("utf-8"))  # a crash never leaves half a page behind
        print(f"wrote {args.html} ({len(page) / 1024:.0f} KiB, self-contained: open it in a browser, offline)")
        return 0

    batch = tokenizer(args.text, truncation=True, max_length=limit, return_tensors="pt").to(args.device)
    views = attention_views(model, **batch)
    mask = batch["attention_mask"].cpu()
    classes = token_class_masks(tokenizer, batch["input_ids"].cpu())
    raw = {n: token_class_shares(views.raw, m, mask).nanmean(1) for n, m in classes.items()}
    normed = {n: token_class_shares([row_shares(a) for a in views.norm], m, mask).nanmean(1)
              for n, m in classes.items()}
    rows = [[layer] + [f"{raw[n][layer]:.2f} / {normed[n][layer]:.2f}" for n in classes]
            for layer in range(len(views.raw))]
    print(f"{len(mask[0])} tokens; share of attention per layer, heads averaged: raw / norm-weighted ({weights})")
    print(table(["layer", *classes], rows))
    for name, offset in (("previous", -1), ("next", 1)):
        heads = find_heads(offset_attention(views.raw, mask, offset))
        found = ", ".join(f"{layer}.{head} ({score:.2f})" for layer, head, score in heads) or "none"
        print(f"heads with more than half their attention on the {name} token (layer.head): {found}")
    if not torch.isfinite(torch.stack(list(raw.values()))).all():
        print("note: some layers have every head pruned (no attention to measure)", file=sys.stderr)
    return 0
