"""``python -m minibert walkthrough``: one sentence through BERT, stage by stage, checked against the reference.

    python -m minibert walkthrough                                   # the default model (minibert/defaults.py)
    python -m minibert walkthrough --model PATH_OR_REPO_ID --text "Paris is the capital of France."

Each stage prints what it did (shapes, a few values) and how far its output is from the reference's on the
same weights and tokens: ``transformers`` when installed, else the outputs stored next to the checkpoint
(``reference_outputs.safetensors``, which covers the default sentence). Exit code 1 if any stage differs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

DEFAULT_TEXT = "The quick brown fox jumps over the lazy dog."  # row 0 of checkpoints/tiny-bert's stored batch


def add_arguments(parser) -> None:
    parser.add_argument("--model", default=None, help="checkpoint folder or Hub repo id (default: MINIBERT_MODEL, "
                        "else bert-base-uncased, else the project's trained checkpoints/minibert-pydocs)")
    parser.add_argument("--text", default=DEFAULT_TEXT, help="the sentence to walk through")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--reference", default="auto", choices=["auto", "transformers", "stored"],
                        help="compare with transformers (auto: if installed) or the checkpoint's stored outputs")


def load_tokenizer(model: str | os.PathLike):
    """minibert's BertTokenizer (the full one) or, where that package is absent, the minimal one below."""
    try:
        from minibert.tokenization import BertTokenizer
    except ImportError:
        return MinimalWordPiece.from_folder(Path(model))
    return BertTokenizer.from_pretrained(model)


class MinimalWordPiece:
    """FALLBACK ONLY: a minimal uncased WordPiece (lowercase, strip accents, split on spaces and punctuation,
    greedy longest-match pieces). Not the real tokenizer (no Chinese-character splitting, no control-character
    cleaning, no cased models): minibert/tokenization/ is that.
    """

    def __init__(self, vocab: dict[str, int]):
        self.vocab = vocab
        self.ids_to_tokens = {i: t for t, i in vocab.items()}

    @classmethod
    def from_folder(cls, folder: Path) -> MinimalWordPiece:
        lines = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        return cls({tok: i for i, tok in enumerate(lines)})

    def _words(self, text: str) -> list[str]:
        import unicodedata

        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")  # drop accents
        words, word = [], ""
        for c in text:
            if c.isspace() or unicodedata.category(c).startswith("P") or (c.isascii() and not c.isalnum()):
                words += [word] if word else []
                words += [] if c.isspace() else [c]
                word = ""
            else:
                word += c
        return words + ([word] if word else [])

    def tokenize(self, text: str) -> list[str]:
        pieces = []
        for word in self._words(text):
            start, out = 0, []
            while start < len(word):
                end = len(word)
                while end > start and (("##" if start else "") + word[start:end]) not in self.vocab:
                    end -= 1
                if end == start:
                    out = ["[UNK]"]
                    break
                out.append(("##" if start else "") + word[start:end])
                start = end
            pieces += out
        return pieces

    def __call__(self, text: str) -> dict[str, list[int]]:
        ids = [self.vocab[t] for t in ["[CLS]", *self.tokenize(text), "[SEP]"]]
        return {"input_ids": ids, "token_type_ids": [0] * len(ids), "attention_mask": [1] * len(ids)}

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [self.ids_to_tokens[i] for i in ids]


def stored_reference_for(stored, input_ids):
    """From a folder's stored reference (``load_stored_reference``'s (tensors, metadata), or None), the outputs
    for exactly these token ids (one unpadded row), or None."""
    from minibert.loading.reference_outputs import stored_module_outputs

    if stored is None:
        return None
    ids, mask = stored[0]["inputs.input_ids"], stored[0]["inputs.attention_mask"]
    T = input_ids.shape[1]
    for b in range(ids.shape[0]):
        if int(mask[b].sum()) == T and ids[b, :T].equal(input_ids[0].cpu()):
            # Padding keys get probability exactly 0, so the real positions of a padded row are the outputs of
            # the unpadded sentence: slice them out.
            return {k: (v[b:b + 1, :, :T, :T] if k.endswith(".probs") else v[b:b + 1, :T] if v.dim() > 2
                        else v[b:b + 1]) for k, v in stored_module_outputs(stored[0]).items()}
    return None


def run(args) -> int:
    import torch

    from minibert.compat.model import BertModel
    from minibert.defaults import resolve_model
    from minibert.parity.reference import reference_library
    from minibert.parity.table import TOLERANCES, capture
    from minibert.pipelines.base import resolve_device
    from minibert.pipelines.inputs import check_text

    check_text(args.text, "--text")  # empty or invisible-only: nothing to walk through
    resolve_device(args.device)  # a missing GPU is a one-line error before anything loads, not a traceback
    chosen = resolve_model(args.model)  # prints which model, why, and whether it is trained
    model_path = Path(chosen.name_or_path)
    src = str(model_path) if model_path.exists() else chosen.name_or_path
    tokenizer = load_tokenizer(src)
    quiet = logging.getLogger("minibert")
    level, quiet.level = quiet.level, logging.ERROR  # unused MLM/NSP head weights are expected here
    try:
        model, info = BertModel.from_pretrained(src, attn_implementation="eager", output_loading_info=True)
    finally:
        quiet.setLevel(level)
    model = model.to(args.device).eval()
    c = model.config
    enc = tokenizer(args.text)
    if len(enc["input_ids"]) > c.max_position_embeddings:  # one sentence is walked through whole, never cut
        raise ValueError(f"--text has {len(enc['input_ids'])} tokens, more than the {c.max_position_embeddings} "
                         "this model reads (max_position_embeddings): give a shorter --text")
    inputs = {k: torch.tensor([enc[k]], device=args.device) for k in ("input_ids", "token_type_ids", "attention_mask")}
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    ours = capture(model, inputs)

    lib = reference_library() if args.reference != "stored" else None
    if args.reference == "transformers" and lib is None:
        raise ValueError("--reference transformers, but transformers is not installed")
    if lib is not None:
        ref_model = lib.BertModel.from_pretrained(src, attn_implementation="eager").to(args.device).eval()
        theirs, source = capture(ref_model, inputs), f"transformers {lib.__version__} on the same weights"
    else:
        from minibert.loading.reference_outputs import kernels_note, load_stored_reference

        stored = load_stored_reference(model_path) if model_path.is_dir() else None
        theirs = stored_reference_for(stored, inputs["input_ids"])
        source = ("stored reference outputs (reference_outputs.safetensors)" if theirs is not None else
                  "none: transformers not used, and this text has no stored outputs (the default text has)")
        if theirs is not None and (note := kernels_note(stored[1])) is not None:
            source += f"\n  note: {note}"
    tol, worst, failed = TOLERANCES[torch.float32], 0.0, []

    def parity(name: str) -> str:
        nonlocal worst
        if theirs is None:
            return "parity: no reference"
        d = float((ours[name].double().cpu() - theirs[name].double().cpu()).abs().max())
        worst = max(worst, d)
        if not d <= tol:
            failed.append(name)
        return f"parity vs reference: max |Δ| = {d:.1e} {'OK' if d <= tol else 'FAIL'}"

    def show(t) -> str:
        return "[" + ", ".join(f"{x:+.3f}" for x in t.flatten()[:4].tolist()) + ", ...]"

    T, C, H, d = len(tokens), c.hidden_size, c.num_attention_heads, c.hidden_size // c.num_attention_heads
    print(f"minibert walkthrough: {src}\n  BertModel with {c.num_hidden_layers} layers, hidden size C={C}, {H} heads "
          f"of d={d}, feed-forward I={c.intermediate_size} ({c.hidden_act}), vocabulary {c.vocab_size}; "
          f"device {args.device}\n  reference: {source}")
    if not chosen.trained:
        print("  RANDOM weights (a test checkpoint): every number below is exact, but what it attends to or "
              "predicts means nothing")
    if info["unexpected_keys"]:
        print(f"  ({len(info['unexpected_keys'])} checkpoint tensors belong to task heads, e.g. "
              f"{info['unexpected_keys'][0]}: BertModel is the encoder alone)")
    print()
    print(f"1. tokenize {args.text!r} with {type(tokenizer).__name__}\n   {T} tokens: {' '.join(tokens)}\n"
          f"   input_ids (1, {T}): {enc['input_ids']}\n")
    e = ours["embeddings"]
    print(f"2. embeddings: word[id] + position[0..{T - 1}] + token_type[0], then LayerNorm → (1, {T}, {C})\n"
          f"   h[0, 0] ([CLS]) = {show(e[0, 0])}  mean {float(e.mean()):+.3f}, std {float(e.std()):.3f}\n"
          f"   {parity('embeddings')}\n")
    for i in range(c.num_hidden_layers):
        p = f"encoder.layer.{i}"
        probs = ours[f"{p}.attention.probs"]  # (1, H, T, T)
        top = probs[0, :, 0].argmax(-1).tolist()  # per head: the token [CLS] attends to most
        print(f"{3 + i}. layer {i}\n   attention: Q, K, V (1, {H}, {T}, {d}) each; softmax(QKᵀ/√{d}) → probs "
              f"(1, {H}, {T}, {T}), each row sums to 1\n   [CLS] looks most at: "
              + ", ".join(f"head {h} → {tokens[j]!r} ({float(probs[0, h, 0, j]):.2f})" for h, j in enumerate(top))
              + ("" if chosen.trained else "  (random weights: meaningless)")
              + f"\n   probs {parity(p + '.attention.probs')}\n   heads merged (1, {T}, {C}) "
              f"{parity(p + '.attention.self')}\n   + residual, LayerNorm → (1, {T}, {C}) "
              f"{parity(p + '.attention.output')}")
        act = ours[f"{p}.intermediate"]
        print(f"   feed-forward: (1, {T}, {C}) → {c.hidden_act} → (1, {T}, {c.intermediate_size}) "
              f"({float((act > 0).float().mean()):.0%} positive) {parity(p + '.intermediate')}\n"
              f"   → (1, {T}, {C}) + residual, LayerNorm: h[0, 0] = {show(ours[p + '.output'][0, 0])} "
              f"{parity(p + '.output')}\n")
    if "pooler" in ours:
        print(f"{3 + c.num_hidden_layers}. pooler: tanh(W · h[CLS] + b) → (1, {C}) = {show(ours['pooler'])}\n"
              f"   {parity('pooler')}\n")
    if theirs is None:
        print("result: ran every stage; no reference to compare with")
        return 0
    print(f"result: {'FAIL in ' + ', '.join(failed) if failed else 'every stage matches the reference'} "
          f"(worst max |Δ| {worst:.1e}, tolerance {tol:.0e})")
    return 1 if failed else 0
