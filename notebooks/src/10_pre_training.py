# %% [markdown]
# # 10 · Pre-training: masked LM and next-sentence prediction
#
# **What you will understand by the end**
# * masked-language-model inputs: which tokens are chosen (15%), what the model sees in their place
#   (80% `[MASK]`, 10% a random token, 10% unchanged), and the labels it must predict (visualised);
# * next-sentence-prediction pairs: how `[CLS] A [SEP] B [SEP]` examples are cut from documents, half of them with
#   a B that really follows A;
# * a whole (tiny) pre-training run with the repository's trainer, its loss curve, and what the model learned.
# * why the speedrun's recipe is what it is (model size, rate and schedule for a time budget, batch, masking, dropout,
#   segment length), and what a ten-minute ablation of each choice can and cannot tell, against the noise between
#   seeds;
# * what a Chinese BERT pre-trained that way fills in on pages it never saw, a character at a time and a whole word
#   at a time, against the most-frequent-character baseline (`checkpoints/minibert-zh-docs`).
#
# Devlin et al. (2019), §3.1 and Appendix A: BERT learns from unlabelled text with two tasks. **MLM**: hide some
# tokens and predict them from *both* sides, which a left-to-right language model cannot do. **NSP**: classify
# whether B follows A, meant to teach relations between sentences (later work, e.g. RoBERTa, found it dispensable).
#
# The data: `examples/data/corpus.txt`, 60 tiny "documents" from a toy world in which each animal has its own food,
# place and sound ("the cat eats fish in the kitchen ."), with a 67-token vocabulary
# (`examples/data/make_demo_data.py`): regular enough that a tiny model learns it in seconds.
#
# Modules: `minibert/training/masking.py`,
# `minibert/training/nsp.py`, `minibert/training/data.py`,
# `minibert/training/trainer.py`, `minibert/heads/pretraining.py`, `minibert/training/optim.py`,
# `minibert/speedrun/vocab.py`, `minibert/speedrun/recipe.py`, `minibert/speedrun/budget.py`; the ablations:
# `scripts/speedrun_ablations.py`, `benchmarks/results/ablations-10m/`; the Chinese model:
# `minibert/training/mlm_eval.py`, `minibert/training/chinese_words.py`.
# Exercises: MLM 80/10/10 masking; training a WordPiece vocabulary (17); one AdamW step (16).

# %%
# Setup, the same in every notebook. DEVICE: CUDA when there is a GPU, else the CPU; to force one, set the
# environment variable MINIBERT_DEVICE=cpu (or cuda) before starting Jupyter, or edit the line below.
%matplotlib inline
import logging
import os
import warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's note about Jupyter widgets
# The checkpoints keep their pre-training heads; loading the bare encoder notes them as "not used" on stderr
# (explained in notebook 01). Only that note is hidden: missing weights are still reported.
logging.getLogger("minibert").addFilter(lambda record: "were not used" not in record.getMessage())

DEVICE = os.environ.get("MINIBERT_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
# The repository root: the first folder from here upwards that holds checkpoints/tiny-bert.
ROOT = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "checkpoints" / "tiny-bert").is_dir()), None)
assert ROOT is not None, "start Jupyter inside the minibert repository: checkpoints/tiny-bert was not found"
TINY = ROOT / "checkpoints" / "tiny-bert"
torch.manual_seed(0)
print(f"device: {DEVICE}   repository: {ROOT}")


# %% [markdown]
# ## The corpus and its tokenizer

# %%
from minibert import BertTokenizer
from minibert.training.data import read_documents

DATA = ROOT / "examples" / "data"
assert (DATA / "corpus.txt").is_file(), "examples/data is missing: run python examples/make_demo_data.py"
tokenizer = BertTokenizer(DATA / "vocab.txt")
documents = read_documents(DATA / "corpus.txt")  # documents, each a list of sentences
V = tokenizer.vocab_size
print(f"{len(documents)} documents, {sum(map(len, documents))} sentences, vocabulary of {V} tokens")
print(documents[0][:3])

# %% [markdown]
# ## Where a vocabulary comes from
#
# The toy world's vocabulary is its 67 words, written by hand. A real one is *trained* on the text: minibert's
# speedrun trains its vocabularies with the `tokenizers` library's `WordPieceTrainer`
# (`minibert/speedrun/vocab.py`). Its rule: start from the characters (the first of a word as it is, the others as
# `##c`, "continues a word"), then again and again merge the adjacent pair of pieces that occurs most often in
# the text, until the vocabulary has the size asked for. Frequent words end up as one piece, rare ones as a few.

# %% [markdown]
# **Your turn: exercise 17, `wordpiece_trainer`.** Before you read the next cell, write the trainer: the alphabet,
# then merge the most frequent pair until `vocab_size` pieces, ties broken by the pieces' ids. Write it in the cell
# below (the signature, the exact rule and a worked example are in `minibert/exercises/stubs/wordpiece_trainer.py`)
# and run it: `grade` runs the exercise's grader on your function. Or work in files:
# `.venv/bin/python -m minibert.exercises init my_exercises` once, then
# `.venv/bin/python -m minibert.exercises grade 17 --impl my_exercises`.
#
# *Predict, then run:* the corpus has 60 distinct words; which will be merged into one piece first, the
# frequent short words ("the", "in") or the names? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_wordpiece_trainer(word_counts, vocab_size, special_tokens):
#     ...  # your code
my_wordpiece_trainer = None  # <- delete this line once your function is written above; None skips the grading
grade("wordpiece_trainer", my_wordpiece_trainer)

# %% [answer]
from collections import Counter

word_counts = dict(Counter(w for doc in documents for s in doc for w in s.split()))
VOCAB_SIZE, SPECIALS = 150, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

pieces = list(SPECIALS)  # the vocabulary, in id order
for piece in sorted({c for w in word_counts for c in w}) + ["##" + c for c in sorted({c for w in word_counts
                                                                                     for c in w[1:]})]:
    if piece not in pieces:
        pieces.append(piece)
alphabet_size = len(pieces)
piece_id = {p: i for i, p in enumerate(pieces)}
split = {w: [w[0]] + ["##" + c for c in w[1:]] for w in word_counts}  # each word, as pieces
while len(pieces) < VOCAB_SIZE:
    pairs = Counter()
    for w, n in word_counts.items():
        for a, b in zip(split[w], split[w][1:]):
            pairs[a, b] += n  # recounted after every merge
    if not pairs:
        break
    a, b = min(pairs, key=lambda ab: (-pairs[ab], piece_id[ab[0]], piece_id[ab[1]]))  # most frequent; ties: ids
    new = a + b[2:]  # "##u" + "##g" -> "##ug", "h" + "##ug" -> "hug"
    if new not in piece_id:
        piece_id[new] = len(pieces)
        pieces.append(new)
    for w, old in split.items():  # merge left to right in every word
        out, k = [], 0
        while k < len(old):
            if old[k:k + 2] == [a, b]:
                out.append(new)
                k += 2
            else:
                out.append(old[k])
                k += 1
        split[w] = out
print(f"{len(word_counts)} distinct words; alphabet {alphabet_size} pieces; {len(pieces) - alphabet_size} merges")

# %% [stub]
# Your turn (exercise 17, `wordpiece_trainer`): the worked answer that stood here is yours to write, in the cell
# above. Until then the `tokenizers` library's WordPieceTrainer (the same rule; it may break ties otherwise)
# stands in for it, so the lesson runs on.
from collections import Counter

from tokenizers import Tokenizer, models, pre_tokenizers, trainers

word_counts = dict(Counter(w for doc in documents for s in doc for w in s.split()))
VOCAB_SIZE, SPECIALS = 150, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
trained = Tokenizer(models.WordPiece(unk_token="[UNK]"))
trained.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
trained.train_from_iterator([" ".join([w] * n) for w, n in word_counts.items()],
                            trainers.WordPieceTrainer(vocab_size=VOCAB_SIZE, min_frequency=0, show_progress=False,
                                                      special_tokens=SPECIALS, continuing_subword_prefix="##"))
pieces = [p for p, _ in sorted(trained.get_vocab().items(), key=lambda kv: kv[1])]
alphabet_size = len(SPECIALS) + len({c for w in word_counts for c in w}) + len({c for w in word_counts for c in w[1:]})

# %%
# The first merges, and a few words cut by minibert's own WordPiece with the trained vocabulary (notebook 02).
from minibert.tokenization.wordpiece import WordpieceTokenizer

print("first merges:", pieces[alphabet_size:alphabet_size + 12])
cutter = WordpieceTokenizer({p: i for i, p in enumerate(pieces)}, unk_token="[UNK]")
for word in ["the", "kitchen", "garden", "barks", "hippopotamus"]:
    print(f"{word:>14} → {cutter.tokenize(word)}")
assert len(pieces) == len(set(pieces)) and len(pieces) <= VOCAB_SIZE
assert "[UNK]" not in cutter.tokenize("hippopotamus")  # every character is in the alphabet: never unknown

# %% [markdown]
# ## Masked-LM inputs
#
# `mask_tokens` draws, for every non-special position, a 15% chance of being a target; then splits the targets
# 80/10/10 into `[MASK]`, random token, unchanged. Labels hold the original id at targets and -100 (ignored by the
# loss) elsewhere. WHY not always `[MASK]`: `[MASK]` never occurs in real text, so a model that only learned "fix
# the [MASK]" would have nothing to do at fine-tuning time; random and kept tokens make it represent every token.

# %%
from minibert.training.masking import IGNORE_INDEX, mask_tokens

sentences = [s for doc in documents for s in doc][:12]
batch = tokenizer(sentences, padding=True, return_special_tokens_mask=True, return_tensors="pt")
g = torch.Generator().manual_seed(3)
masked, labels = mask_tokens(batch["input_ids"], mask_token_id=tokenizer.mask_token_id, vocab_size=V,
                             special_tokens_mask=batch["special_tokens_mask"],
                             attention_mask=batch["attention_mask"], generator=g)
row = 0
print(f"{'original':>10} {'model sees':>11} {'label':>8}")
for orig, seen, lab in zip(batch["input_ids"][row], masked[row], labels[row]):
    if orig == tokenizer.pad_token_id:
        break
    label = tokenizer.convert_ids_to_tokens(int(lab)) if lab != IGNORE_INDEX else "-100"
    print(f"{tokenizer.convert_ids_to_tokens(int(orig)):>10} {tokenizer.convert_ids_to_tokens(int(seen)):>11} {label:>8}")
chosen = labels != IGNORE_INDEX
assert torch.equal(labels[chosen], batch["input_ids"][chosen])  # labels are the original tokens
assert not chosen[batch["special_tokens_mask"].bool() | (batch["attention_mask"] == 0)].any()  # never specials/pad

# %% [markdown]
# A picture of the same batch: each cell a token, coloured by what happened to it.

# %%
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap

ids = batch["input_ids"]
kind = torch.zeros_like(ids)  # 0 = not a target
kind[chosen & (masked == tokenizer.mask_token_id)] = 1  # [MASK]
kind[chosen & (masked != tokenizer.mask_token_id) & (masked != ids)] = 2  # random token
kind[chosen & (masked == ids)] = 3  # unchanged (a random draw can also hit the original: counted here)
kind[batch["attention_mask"] == 0] = 4  # padding
kind[batch["special_tokens_mask"].bool() & (batch["attention_mask"] == 1)] = 5  # [CLS]/[SEP]
colors = ["#f0f0f0", "tab:red", "tab:orange", "tab:green", "white", "#b0b0b0"]
fig, ax = plt.subplots(figsize=(11, 4))
ax.imshow(kind, cmap=ListedColormap(colors), vmin=-0.5, vmax=5.5, aspect="auto")
for b in range(ids.shape[0]):
    for t in range(ids.shape[1]):
        if batch["attention_mask"][b, t]:
            ax.text(t, b, tokenizer.convert_ids_to_tokens(int(masked[b, t])), ha="center", va="center", fontsize=6)
ax.set_xticks([])
ax.set_yticks([])
ax.set_title("what the model sees: red = [MASK], orange = random token, green = unchanged target, grey = not a target")
plt.show()

# %% [markdown]
# Over many tokens the proportions are those of the paper:

# %%
big = torch.randint(5, V, (2000, 100), generator=g)
m, lab = mask_tokens(big, mask_token_id=tokenizer.mask_token_id, vocab_size=V, generator=g)
target = lab != IGNORE_INDEX
share = target.float().mean().item()
as_mask = (m[target] == tokenizer.mask_token_id).float().mean().item()
as_random = ((m[target] != tokenizer.mask_token_id) & (m[target] != big[target])).float().mean().item()
print(f"targets {share:.1%} of tokens; of the targets: [MASK] {as_mask:.1%}, another token {as_random:.1%}, "
      f"the original {1 - as_mask - as_random:.1%}")
assert abs(share - 0.15) < 0.005 and abs(as_mask - 0.8) < 0.01
assert abs(as_random - 0.1 * (V - 1) / V) < 0.01  # a random draw hits the original token 1 time in V

# %% [markdown]
# ## Next-sentence-prediction pairs
#
# `create_nsp_examples` follows the original `create_pretraining_data.py`: fill a chunk of consecutive sentences up
# to a target length, split it at a random point into A and B, and half of the time replace B by text from another
# document (label 1, NotNext). Segment ids tell the model which part is which (notebook 03).

# %%
from minibert.training.nsp import create_nsp_examples

doc_ids = [[tokenizer.convert_tokens_to_ids(tokenizer.tokenize(s)) for s in doc] for doc in documents]
MAX_LEN = 48
examples = create_nsp_examples(doc_ids, max_seq_length=MAX_LEN, cls_id=tokenizer.cls_token_id,
                               sep_id=tokenizer.sep_token_id, seed=0)
for label in (0, 1):
    ex = next(e for e in examples if e["next_sentence_label"] == label)
    print(f"label {label} ({'IsNext' if label == 0 else 'NotNext'}):", tokenizer.decode(ex["input_ids"]))
not_next = sum(e["next_sentence_label"] for e in examples) / len(examples)
print(f"{len(examples)} pairs, NotNext share {not_next:.0%}")
assert all(len(e["input_ids"]) <= MAX_LEN and len(e["input_ids"]) == len(e["token_type_ids"]) for e in examples)
assert 0.4 < not_next < 0.65

# %% [markdown]
# `BertForPreTraining` reads such pairs with two heads: MLM logits at every position and NSP logits from the pooled
# `[CLS]` vector; its loss is the sum of the two cross-entropies. One collated batch, checked by hand:

# %%
import torch.nn.functional as F

from minibert import BertConfig, BertForPreTraining
from minibert.training.data import Collator, MaskedLMDataset

config = BertConfig(vocab_size=V, hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=256,
                    max_position_embeddings=64)
torch.manual_seed(0)
pretraining = BertForPreTraining(config).eval()
pairs = MaskedLMDataset(examples, mask_token_id=tokenizer.mask_token_id, vocab_size=V, seed=0)
nsp_batch = Collator(tokenizer.pad_token_id)([pairs[i] for i in range(8)])
print({k: tuple(v.shape) for k, v in nsp_batch.items()})
with torch.no_grad():
    out = pretraining(**nsp_batch)
mlm_loss = F.cross_entropy(out.prediction_logits.reshape(-1, V), nsp_batch["labels"].reshape(-1), ignore_index=-100)
nsp_loss = F.cross_entropy(out.seq_relationship_logits, nsp_batch["next_sentence_label"])
print(f"loss {out.loss.item():.4f} = MLM {mlm_loss.item():.4f} + NSP {nsp_loss.item():.4f}")
assert torch.allclose(out.loss, mlm_loss + nsp_loss, atol=1e-6)

# %% [markdown]
# ## The optimizer: one AdamW step
#
# Training turns these losses into weight updates with AdamW (Loshchilov & Hutter, 2019), which minibert
# configures in `minibert/training/optim.py`: `torch.optim.AdamW` with BERT's β2 = 0.999, ε = 1e-6 and a weight
# decay of 0.01 on the weight matrices only. Per weight: decay it, θ ← θ·(1 − lr·wd) ("decoupled": not through the
# gradient); keep running averages of the gradient, m, and of its square, v; correct their bias towards 0 (both
# start at 0); step θ ← θ − lr·m̂/(√v̂ + ε). Each weight gets its own step size, about lr, whatever its gradient's
# scale.

# %% [markdown]
# **Your turn: exercise 16, `adamw_step`.** Before you read the next cell, write one AdamW update of one
# tensor: decoupled weight decay, both moments, bias correction, ε outside the root. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/adamw_step.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 16 --impl my_exercises`.
#
# *Predict, then run:* on the first step, m̂ = g and v̂ = g²; how far does each weight move, roughly? The next cell
# shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
#     ...  # your code
my_adamw_step = None  # <- delete this line once your function is written above; None skips the grading
grade("adamw_step", my_adamw_step)

# %% [answer]
from minibert.training.optim import create_optimizer

pretraining.zero_grad()
pretraining(**nsp_batch).loss.backward()
optimizer = create_optimizer(pretraining, lr=1e-3, weight_decay=0.01)
weight = pretraining.bert.encoder.layer[0].attention.self.query.weight  # a weight matrix: decayed
before, grad = weight.detach().clone(), weight.grad.detach().clone()
optimizer.step()  # torch's AdamW, the first step

group = optimizer.param_groups[0]
lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
m = (1 - beta1) * grad  # the moments start at 0
v = (1 - beta2) * grad * grad
m_hat, v_hat = m / (1 - beta1**1), v / (1 - beta2**1)  # bias correction at step t = 1
by_hand = before * (1 - lr * wd) - lr * m_hat / (v_hat.sqrt() + eps)
diff = (by_hand - weight.detach()).abs().max().item()
# The grader's bound (minibert/exercises/graders/test_adamw_step.py): 2·16 float32 roundings of the largest value
# handled; at step 1 the update is at most lr / (1 - β1) in size.
bound = 32 * 2**-24 * max(before.abs().max().item(), grad.abs().max().item(), lr / (1 - beta1))
print(f"by hand vs torch.optim.AdamW: max |Δ| = {diff:.2e} (bound {bound:.1e})")
assert diff <= bound

# %% [stub]
# Your turn (exercise 16, `adamw_step`): the worked answer that stood here is yours to write, in the cell above.
# Until then torch's AdamW alone takes the step, so the lesson runs on.
from minibert.training.optim import create_optimizer

pretraining.zero_grad()
pretraining(**nsp_batch).loss.backward()
optimizer = create_optimizer(pretraining, lr=1e-3, weight_decay=0.01)
weight = pretraining.bert.encoder.layer[0].attention.self.query.weight  # a weight matrix: decayed
before = weight.detach().clone()
optimizer.step()  # torch's AdamW, the first step

# %%
# The first step moves every weight by about lr, whether its gradient is large or tiny: m̂ / √v̂ = g / |g| = ±1
# (less only where |g| is as small as ε, and the decay adds lr·wd·|θ|).
moved = (weight.detach() - before).abs()
lr = optimizer.param_groups[0]["lr"]
print(f"lr {lr:g}: weights moved by {moved.min().item():.2e} to {moved.max().item():.2e}, "
      f"gradients ranged over {weight.grad.abs().min().item():.1e} to {weight.grad.abs().max().item():.1e}")
assert moved.max().item() <= 1.01 * lr + 0.01 * lr * before.abs().max().item()

# %% [markdown]
# ## A tiny pre-training run
#
# Now train, with the repository's `Trainer` (AdamW, linear warm-up and decay, gradient clipping: notebook 11),
# a 2-layer, 64-wide `BertForMaskedLM` on the corpus's sentences, `[CLS] sentence [SEP]`, MLM only: what
# `python -m minibert pretrain` does by default. (NSP is there with `--nsp`, on the pairs above; on this toy
# corpus it needs many more steps than fit in a notebook to get going.) Every epoch draws fresh masks ("dynamic
# masking", Liu et al., 2019, RoBERTa). 300 steps take a few seconds of CPU time.

# %%
import json
import math
import tempfile

from minibert import BertForMaskedLM
from minibert.training.trainer import Trainer, TrainingArguments

sentences = [s for doc in documents for s in doc]
enc = tokenizer(sentences, return_special_tokens_mask=True)
mlm_examples = [{"input_ids": i, "special_tokens_mask": s} for i, s in zip(enc["input_ids"], enc["special_tokens_mask"])]
n_eval = len(mlm_examples) // 10
train_ds = MaskedLMDataset(mlm_examples[n_eval:], mask_token_id=tokenizer.mask_token_id, vocab_size=V, seed=0)
eval_ds = MaskedLMDataset(mlm_examples[:n_eval], mask_token_id=tokenizer.mask_token_id, vocab_size=V, seed=1)
torch.manual_seed(0)
model = BertForMaskedLM(config)
out_dir = tempfile.mkdtemp()
args = TrainingArguments(output_dir=out_dir, max_steps=300, batch_size=32, lr=1e-3, warmup_steps=30, device=DEVICE,
                         progress=False)
result = Trainer(model, args, train_ds, Collator(tokenizer.pad_token_id), eval_ds).train(resume=False)
log = [json.loads(line) for line in open(f"{out_dir}/log.jsonl")]
steps = [r["step"] for r in log if "loss" in r]
losses = [r["loss"] for r in log if "loss" in r]
first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
print(f"{len(train_ds)} training sentences; MLM loss {first:.2f} (first 10 steps) → {last:.2f} (last 10); "
      f"held-out {result['eval_loss']:.2f}; uniform guessing ln V = {math.log(V):.2f}")

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(steps, losses, lw=1, label="training loss (per step)")
ax.axhline(math.log(V), color="gray", ls="--", label="uniform guessing: ln V")
ax.axhline(result["eval_loss"], color="tab:green", ls=":", label="held-out loss at the end")
ax.set(xlabel="optimizer step", ylabel="masked-LM loss (nats)", title="tiny pre-training run")
ax.legend()
plt.show()
assert last < 0.5 * first and result["eval_loss"] < 0.5 * math.log(V)  # far below guessing

# %% [markdown]
# What did it learn? Ask it to fill in blanks.

# %%
FOODS = {"fish", "meat", "grass", "seeds", "hay", "cheese"}
model.eval()
for text in ["the cat eats [MASK] in the kitchen .", "the cow eats [MASK] in the field .",
             "the [MASK] barks in the garden ."]:
    enc = tokenizer(text, return_tensors="pt").to(model.device)
    with torch.no_grad():
        logits = model(**enc).logits  # (1, T, V)
    pos = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero().item()
    top = tokenizer.convert_ids_to_tokens(logits[0, pos].topk(3).indices.tolist())
    print(f"{text:<40} → {top}")
    if "eats" in text:
        assert top[0] in FOODS  # it knows what follows "eats"

# %% [markdown]
# ## What it learned, kind by kind
#
# The loss averages over every kind of blank. Split the blanks by what filling them needs. A **structure word**
# ("eats" in "the cat [MASK] fish ...") needs only the sentence's shape. The animal's **food** or **sound**, or the
# **animal** that a food belongs to, needs one particular other word of the sentence: the context-dependent part,
# which the model can only get by attending from the blank to that word. Sentences of each kind built from the
# generator's tables (the toy world is so small that most of them also occur in the training text: this measures
# what the model learned, not how it generalises), one blank each, scored by the model's top-1:

# %%
import sys

sys.path.insert(0, str(ROOT / "examples"))
import make_demo_data as demo  # the generator of the corpus: ANIMALS = {animal: (food, place, sound)}

PROBES = {
    "structure word": [(f"the {a} [MASK] {f} in the {p} .", "eats") for a, (f, p, s) in demo.ANIMALS.items()],
    "food, given the animal": [(f"the {a} eats [MASK] in the {p} .", f) for a, (f, p, s) in demo.ANIMALS.items()]
    + [(f"{n} gives [MASK] to the {a} once .", f) for n in demo.NAMES[:3] for a, (f, p, s) in demo.ANIMALS.items()],
    "sound, given the animal": [(f"in the {p} the {a} [MASK] today .", s) for a, (f, p, s) in demo.ANIMALS.items()],
    "animal, given its food": [(f"{n} gives {f} to the [MASK] here .", a) for n in demo.NAMES[:3]
                               for a, (f, p, s) in demo.ANIMALS.items()],
}


def accuracy_by_kind(m) -> dict[str, float]:
    m.eval()
    result = {}
    for kind, cases in PROBES.items():
        enc = tokenizer([t for t, _ in cases], padding=True, return_tensors="pt").to(m.device)
        with torch.no_grad():
            logits = m(**enc).logits  # (N, T, V)
        blanks = enc["input_ids"] == tokenizer.mask_token_id  # one per row
        guesses = tokenizer.convert_ids_to_tokens(logits[blanks].argmax(-1).tolist())
        result[kind] = sum(g == answer for g, (_, answer) in zip(guesses, cases)) / len(cases)
    return result


after_300 = accuracy_by_kind(model)
for kind, acc in after_300.items():
    print(f"after 300 steps: {kind:<24} top-1 {acc:.0%}")

# %% [markdown]
# After 300 steps it knows the grammar of the toy world (the structure words) but guesses the same food for every
# animal: one in six right, chance. The context-dependent part takes longer. The same model, trained three times
# as long (1,000 steps, about half a minute of CPU time), with the curve of its loss:

# %%
torch.manual_seed(0)
longer = BertForMaskedLM(config)
long_dir = tempfile.mkdtemp()
args = TrainingArguments(output_dir=long_dir, max_steps=1000, batch_size=32, lr=2e-3, warmup_steps=100,
                         device=DEVICE, progress=False)
long_result = Trainer(longer, args, train_ds, Collator(tokenizer.pad_token_id), eval_ds).train(resume=False)
long_log = [json.loads(line) for line in open(f"{long_dir}/log.jsonl")]
after_long = accuracy_by_kind(longer)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
ax1.plot([r["step"] for r in long_log if "loss" in r], [r["loss"] for r in long_log if "loss" in r], lw=0.8,
         label="1,000-step run")
ax1.plot(steps, losses, lw=0.8, label="300-step run (above)")
ax1.set(xlabel="optimizer step", ylabel="masked-LM loss (nats)", yscale="log", title="training loss")
ax1.legend()
kinds = list(PROBES)
x = torch.arange(len(kinds))
ax2.bar(x - 0.2, [after_300[k] for k in kinds], 0.4, label="after 300 steps")
ax2.bar(x + 0.2, [after_long[k] for k in kinds], 0.4, label="after 1,000 steps")
ax2.axhline(1 / len(demo.ANIMALS), color="gray", ls="--", label="chance among the 6")
ax2.set_xticks(x, [k.replace(", ", ",\n") for k in kinds], fontsize=8)
ax2.set(ylabel="top-1 accuracy", ylim=(0, 1.05), title="by kind of blank")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()
for kind in kinds:
    print(f"{kind:<24} {after_300[kind]:>4.0%} → {after_long[kind]:>4.0%}")
context = [k for k in kinds if k != "structure word"]
gain = sum(after_long[k] for k in context) / len(context)
assert gain > 0.4 and all(after_300[k] < 0.3 for k in context)  # chance is 1/6: the longer run uses the context

# %% [markdown]
# Most blanks that need the context are now filled right (not all: more steps take it to 100 %, about 2,000 here).
# The second fall of the loss is the moment the model starts to use the context: the blank's vector now carries
# which animal the sentence is about, through attention. Real text needs the same, on a far larger scale:
# `checkpoints/minibert-pydocs`, the project's own small BERT, was trained the same way on the Python
# documentation, by the speedrun of the next section (4 layers × 256, three CPU-hours); its model card gives its
# held-out accuracy by kind of word and its curve.

# %% [markdown]
# ## A recipe for a budget: `python -m minibert speedrun`
#
# The toy run's settings were picked by hand. `python -m minibert speedrun --budget 1h` pre-trains a BERT on the
# Python documentation for a fixed time on a CPU (docs/pretraining.md), and every setting of its recipe
# (`minibert/speedrun/recipe.py`) answers one question: *what buys the most held-out accuracy per CPU-second?*
#
# | choice | speedrun | BERT | why | from |
# |---|---|---|---|---|
# | objective | masked LM only | MLM + NSP | NSP does not help | RoBERTa (Liu et al. 2019) |
# | model size | 2 layers × 128 | 12 × 768 | the best size grows with the compute; a small budget buys more steps of a small model | Kaplan et al. 2020; Hoffmann et al. 2022 |
# | peak rate | 2e-3 | 1e-4 | small models and short runs take much larger rates | Izsak et al. 2021 |
# | warm-up, schedule | 5 % of the *time*, then linear decay to 0 when the time is up | over a step count | a step count is unknown in advance; time is what the budget fixes | Cramming (Geiping & Goldstein 2022); Izsak et al. 2021 |
# | batch | 32 × 128 (`--batch-ramp`: grow it) | 256 × 512 | many cheap steps; a ramp makes the first steps cheaper | Cramming; GPT-3 (Brown et al. 2020) |
# | masking | 25 %, decoder at the masked positions only | 15 %, every position | more targets a step; the decoder's cost follows the targets | Wettig et al. 2023; MosaicBERT (Portes et al. 2023) |
# | dropout | 0 | 0.1 | a short run underfits; dropout slows fitting | Cramming |
# | segments | 128 pieces | 512 (128 for 90 % of the steps) | attention's cost grows with length; short first | Devlin et al. 2019 §A.2; Cramming |
#
# Two of these are mechanisms worth seeing. **The schedule is tied to the budget**: the rate is a function of the
# share of the budget spent, so it reaches 0 exactly when the time is up, whatever the machine's speed
# (`minibert/speedrun/budget.py`). The shapes that `--schedule` and `--batch-ramp` offer:

# %%
from minibert.speedrun.budget import budget_factor, ramp_parts
from minibert.speedrun.recipe import Recipe

recipe = Recipe()
share = [i / 400 for i in range(401)]  # progress: the share of the budget spent
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.2))
for schedule, warmup in [("linear", recipe.warmup), ("linear", 0.2), ("cosine", recipe.warmup),
                         ("trapezoid", recipe.warmup)]:
    factors = [budget_factor(p, warmup, schedule) for p in share]
    ax1.plot(share, [recipe.lr * f for f in factors], label=f"{schedule}, warm-up {warmup:.0%}")
    assert max(factors) == budget_factor(warmup, warmup, schedule) == 1 and factors[-1] == 0  # peak, then 0 at the end
ax1.set(xlabel="share of the budget spent", ylabel="learning rate", title="the rate, a function of time spent")
ax1.legend(fontsize=8)
ax2.step(share, [recipe.batch_size // 4 * ramp_parts(p, 0.25, 4) for p in share], where="post")
ax2.set(xlabel="share of the budget spent", ylabel="sequences a step", title="--batch-ramp 0.25", ylim=(0, None))
fig.tight_layout()
plt.show()

# %% [markdown]
# **The decoder runs at the masked positions only.** The loss reads only the blanks' logits, so computing the
# others changes no gradient (Google's `run_pretraining.py` gathers the masked positions first; MosaicBERT does the
# same). With a 12,000-piece vocabulary and a 128-wide model, a decoder at every position would cost more than the
# encoder itself; at the blanks only, the masking rate sets much of the step's cost, not only what it learns.
# Multiply-adds per segment, forward (the backward costs about twice as much, in the same proportions), from the
# recipe:

# %%
h, T, V_speed, L = recipe.hidden_size, recipe.max_length, recipe.vocab_size, recipe.layers
encoder = L * T * (4 * h * h + 2 * h * recipe.intermediate_size + 2 * T * h)  # Q, K, V, out; FFN; scores, mix
decoder_per_position = h * h + h * V_speed  # the head's transform, then the tied decoder
print(f"encoder ({L} × {h}, {T} pieces): {encoder / 1e6:.0f} M multiply-adds a segment")
print(f"decoder at every position:     {T * decoder_per_position / 1e6:.0f} M ({T * decoder_per_position / encoder:.1f}"
      " × the encoder)")
for rate in (0.15, 0.25, 0.40):
    print(f"decoder at {rate:.0%} of positions:  {rate * T * decoder_per_position / 1e6:.0f} M "
          f"({rate * T * decoder_per_position / encoder:.1f} × the encoder)")
assert T * decoder_per_position > encoder > recipe.mlm_probability * T * decoder_per_position

# %% [markdown]
# ## What ten minutes measured
#
# Each recipe choice was tested by changing it alone and pre-training for **10 CPU-minutes** on one thread
# (`--clock cpu`: the process's own CPU time, so other work on the machine does not shorten training), all runs on
# the same data folder (split, vocabulary, segments), scored on the same held-out blanks. The runs take
# CPU-hours, so this lesson does not run them: it reads their results, made on the project's 2-core Intel Xeon
# machine (torch 2.13.0 CPU) by
#
# ```bash
# .venv/bin/python scripts/speedrun_ablations.py queue --out runs/ablations-10m
# .venv/bin/python scripts/speedrun_ablations.py table --out runs/ablations-10m \
#     --write benchmarks/results/ablations-10m --doc docs/pretraining.md
# ```
#
# The recipe ran twice, seeds 0 and 1 (weights, data order, masks): their difference is the **seed spread**, the
# noise every other single run has to beat.

# %%
from matplotlib.patches import Patch

results = json.loads((ROOT / "benchmarks" / "results" / "ablations-10m" / "results.json").read_text())
runs = [r for r in results["runs"] if r["group"] == "en"]  # the English recipe's variants (not the Chinese pair)
by_name = {r["name"]: r for r in runs}
base, seed1 = by_name["recipe"], by_name["recipe-seed1"]
spread = abs(seed1["top1"] - base["top1"])
assert abs(spread - results["seed_spread_top1"]) < 1e-12  # the spread the table script wrote
budgets = [r["train_seconds"] for r in runs]
assert max(budgets) - min(budgets) < 0.01 * min(budgets)  # one fixed budget: every run trained as long

variants = sorted((r for r in runs if r is not base), key=lambda r: r["top1"])
deltas = [100 * (r["top1"] - base["top1"]) for r in variants]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.4 * len(variants) + 2.2))
ax1.axvspan(-100 * spread, 100 * spread, color="tab:orange", alpha=0.2,
            label=f"± the seed spread ({100 * spread:.1f} points)")
ax1.barh([r["name"] for r in variants], deltas,
         color=["tab:orange" if r is seed1 else "tab:green" if d > 100 * spread else "tab:red"
                if d < -100 * spread else "tab:gray" for r, d in zip(variants, deltas)])
ax1.axvline(0, color="black", lw=0.8)
ax1.set(xlabel=f"held-out top-1 minus the recipe's ({100 * base['top1']:.1f} %), points",
        title=f"one change each, {min(budgets) / 60:.0f} CPU-minutes")
keys = [Patch(color=c, label=k) for c, k in [("tab:green", "ahead, beyond the spread"),
                                               ("tab:red", "behind, beyond it"), ("tab:gray", "within it"),
                                               ("tab:orange", "the recipe, seed 1")]]
ax1.legend(handles=ax1.get_legend_handles_labels()[0] + keys, fontsize=8, loc="lower right")
tab20 = plt.get_cmap("tab20").colors  # dark shades first, then light ones; orange (2, 3) is the recipe's
others = iter([c for i, c in enumerate(tab20) if i % 2 == 0 and i != 2] + [c for i, c in enumerate(tab20)
                                                                          if i % 2 == 1 and i != 3])
for r in runs:
    seconds, top1 = zip(*r["curve"])
    ax2.plot(seconds, [100 * t for t in top1], lw=2 if r in (base, seed1) else 1, label=r["name"],
             color="tab:orange" if r in (base, seed1) else next(others), ls="--" if r is seed1 else "-")
ax2.axhline(100 * base["baseline_top1"], color="gray", ls=":", label="most-frequent-token baseline")
ax2.set(xlabel="training seconds (CPU)", ylabel="held-out top-1 (%), 128-segment sample",
        title="on the way")
ax2.legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

for r, d in zip(variants[::-1], deltas[::-1]):
    beyond = "twice the spread" if abs(d) > 200 * spread else "the spread"
    verdict = ("the same recipe, another seed: this difference is the spread" if r is seed1
               else f"ahead, beyond {beyond}" if d > 100 * spread else f"behind, beyond {beyond}"
               if d < -100 * spread else "within the spread: no evidence either way")
    flat = " (still at the baseline)" if r["top1"] - r["baseline_top1"] < 0.005 else ""
    print(f"{r['name']:>15} {d:+5.1f} points, {r['steps']:>5,} steps: {verdict}{flat}   [{r['what']}; {r['source']}]")
print(f"{'recipe':>15} {100 * base['top1']:.1f} % top-1, {base['steps']:,} steps")

# %% [markdown]
# How to read it:
#
# * **Against the band, not against zero.** Seed 1 of the *same* recipe is one spread away from seed 0, so a bar
#   inside the band says nothing, and one just outside it is a hint; only twice the spread starts to be evidence.
#   Two seeds are one sample of the noise: a variant worth adopting deserves a second seed of its own.
# * **A flat curve is a failure no seed explains.** A run whose held-out curve never leaves the most-frequent-token
#   baseline has not started to use the context at all: 4 × 256 (it trained a third of the recipe's steps in the
#   same time: too big for the budget) and peak rate 4e-3 (too large a rate for this model, behind step for step).
# * **Steps are the cost.** The budget is time, so a cheaper step is more steps: 15 % masking trains more steps
#   than 25 % (the decoder above), each learning from fewer blanks. And lr 4e-3 trained about half the recipe's
#   steps for a reason outside the recipe: values computed in its steps (not its weights) became *subnormal*
#   floats (below 1.2e-38), which the CPU handles on a slow path; with `torch.set_flush_denormal(True)` its step
#   takes the recipe's time again (`benchmarks/subnormal_steps.py`). On a CPU-time budget that costs twice: fewer
#   steps, and worse ones.
# * **Ten minutes is not an hour.** Segments of 64 pieces lead by far at ten minutes: 2.8 times the steps while
#   the recipe is still on the plateau. Run for an hour (`benchmarks/results/speedrun-1h-len64/`), the lead shrinks
#   to 38.4 % against 34.7 %, on blanks with half the context, and the transfer gain is level (+21.0 points at 16
#   labels against +21.4); a 64-piece model has also never trained its position vectors past 63. BERT's way to have
#   both, 64 pieces first and 128 for the last tenth (`short64`, `--short-first 0.9`), leads at ten minutes on the
#   recipe's own 128-piece blanks, at both seeds; at an hour it falls 9.6 points behind (25.5 % against 35.1 %,
#   `benchmarks/results/speedrun-1h-short/`): six minutes at 128 pieces did not teach the rest. A short ablation
#   ranks choices for a short budget; a default for a longer one needs a check at that length.
#
# The verdicts are in the print-out above, computed from the file; docs/pretraining.md keeps the table, what was
# kept and what was not, and which runs had not finished when the file was written (`table.md` lists them).

# %% [markdown]
# ## A Chinese BERT fills blanks
#
# The same speedrun with `--language zh` pre-trains a Chinese BERT (docs/pretraining.md, "Chinese:
# `--language zh`"): a vocabulary of characters as `bert-base-chinese` has, and whole-word masking with words from
# the segmenter jieba. Notebook 02's last two sections teach both; this one asks what the model learned.
# `checkpoints/minibert-zh-docs` is such a run, shipped by `scripts/ship_speedrun.py` as a standard Hugging Face
# folder: the lines written for `bert-base-chinese` run on it offline. Its model card (`README.md`, figures in
# `eval.json`) says how it was trained; `heldout_sample.txt` beside the weights holds 100 segments of the held-out
# pages (Debian's Chinese documentation, every 20th page kept out of training), the model's unseen text.
#
# On a few of its sentences, one two-character word (jieba's) is hidden two ways: **one character**, its partner
# left in view (what single-character masking trains on), and **the whole word**, both characters hidden (what
# whole-word masking trains on). The pipeline gives each `[MASK]` its own top 5, independently of the other.

# %%
import random

from minibert import pipeline
from minibert.speedrun.segments import sentences as split_sentences
from minibert.tokenization.chars import is_cjk
from minibert.training.chinese_words import words as jieba_words  # needs jieba: pip install 'minibert[zh]'

# The Chinese checkpoint this section reads: the shipped one, or another folder shipped the same way
# (scripts/ship_speedrun.py: eval.json and heldout_sample.txt beside the weights) named by MINIBERT_ZH_CHECKPOINT.
ZH_CHECKPOINT = Path(os.environ.get("MINIBERT_ZH_CHECKPOINT") or ROOT / "checkpoints" / "minibert-zh-docs")
assert (ZH_CHECKPOINT / "config.json").is_file(), f"{ZH_CHECKPOINT}: no Chinese checkpoint there"

unmask = pipeline("fill-mask", model=str(ZH_CHECKPOINT))  # what pipeline("fill-mask", model="bert-base-chinese") does
zh_tokenizer, zh_model = unmask.tokenizer, unmask.model
card = json.loads((ZH_CHECKPOINT / "eval.json").read_text(encoding="utf-8"))
held_lines = [ln for ln in (ZH_CHECKPOINT / "heldout_sample.txt").read_text(encoding="utf-8").splitlines()
              if ln.strip()]
print(f"{ZH_CHECKPOINT.name}: {zh_model.config.num_hidden_layers} layers × {zh_model.config.hidden_size}, "
      f"{zh_tokenizer.vocab_size:,}-token vocabulary, {card['trained_steps']:,} steps ({card['hours']:.2f} h of "
      f"training, {card['settings']['clock']} clock), whole-word masking: {card['whole_word_mask']}; "
      f"{len(held_lines)} held-out segments")

# Three held-out sentences of 12-40 characters, each with a two-character word (not the first) of two Chinese
# characters of the vocabulary; seeded, so the same ones on every run.
vocab, rng = zh_tokenizer.get_vocab(), random.Random(0)
candidates = [s for line in held_lines for s in split_sentences(line) if 12 <= len(s) <= 40]
rng.shuffle(candidates)
examples = []  # (sentence, word, where it starts)
for s in candidates:
    two = [(w, start) for w, start, end in jieba_words(s) if end - start == 2 and start > 0
           and all(is_cjk(c) and c in vocab for c in w)]
    if two:
        examples.append((s, *rng.choice(two)))
    if len(examples) == 3:
        break

for s, w, i in examples:
    print(f"\n{s}   (the word: {w})")
    for how, text, hidden in (("one character", s[:i + 1] + "[MASK]" + s[i + 2:], w[1]),
                              ("whole word", s[:i] + "[MASK][MASK]" + s[i + 2:], w)):
        answers = unmask(text, top_k=5)
        answers = answers if len(hidden) > 1 else [answers]  # several masks: one list per [MASK]
        print(f"  {how:<13} {text}")
        for ch, top in zip(hidden, answers):
            print(f"    {ch} → " + "  ".join(f"{a['token_str']} {a['score']:.2f}" for a in top))

# %% [markdown]
# On the shipped checkpoint (another folder prints other answers): 之间 is found both ways, 间 with 之 in view
# (0.96) and both characters with the word hidden (0.95 and 0.98); the sentence's two 上边缘 leave little else to
# put between them. 内部 shows the partner's help and its limit: with 内 in view the model still prefers 的
# (0.78; the training text's most frequent character, though 所有内的线条 reads oddly), 部 only third; with the
# word hidden it proposes 边 for 内, echoing 外边框 earlier in the sentence. 目标 is missed both ways: it offers 控 and 主, as in 主控文档
# (LibreOffice's "master document"), which its training text has 51 times against 8 for 目标文档.
#
# The same from the command line (here called in-process; a shell runs
# `python -m minibert fill-mask "…[MASK]…" --model checkpoints/minibert-zh-docs`), on the first sentence with
# its one character hidden; the `sequence` column puts a space between characters, as `transformers`' decoding does:

# %%
from minibert.__main__ import main as minibert_cli  # what `python -m minibert ...` runs

s, w, i = examples[0]
exit_code = minibert_cli(["fill-mask", s[:i + 1] + "[MASK]" + s[i + 2:], "--model", str(ZH_CHECKPOINT)])
assert exit_code == 0

# %% [markdown]
# Three sentences are anecdotes. Measured on all of the held-out sample, with the model card's protocol
# (`minibert/training/mlm_eval.py`: `fill_blanks`, 15 % of the tokens hidden, seed 0) and with whole words (its
# `words=` option: 15 % of jieba's words, every character of a chosen word hidden), against the most-frequent-character
# baseline (always guess the training text's five most frequent tokens, listed in `eval.json`):

# %%
from minibert.training.chinese_words import chinese_continuation
from minibert.training.masking import continuation_table
from minibert.training.mlm_eval import Blanks, fill_blanks

enc = zh_tokenizer(held_lines, truncation=True, return_offsets_mapping=True)  # each segment ≤ 128 tokens
pieces = continuation_table(zh_tokenizer.convert_ids_to_tokens(range(zh_tokenizer.vocab_size)))
word_flags = [chinese_continuation(text, ids, offsets, pieces)  # True where a token continues a jieba word
              for text, ids, offsets in zip(held_lines, enc["input_ids"], enc["offset_mapping"])]
hide = dict(mask_token_id=zh_tokenizer.mask_token_id, special_ids=set(zh_tokenizer.all_special_ids))
blanks = {"characters": fill_blanks(zh_model, enc["input_ids"], **hide),
          "whole words": fill_blanks(zh_model, enc["input_ids"], words=word_flags, **hide)}
frequent = card["baseline_most_frequent"]["tokens"]
guess = torch.tensor(zh_tokenizer.convert_tokens_to_ids(frequent))  # (5,): the same guess for every blank
print(f"{'blanks hidden as':<13} {'blanks':>6} {'top-1':>6} {'top-5':>6}   baseline ({' '.join(frequent)}) top-1, top-5")
for how, b in blanks.items():
    base = Blanks(b.labels, guess.expand(len(b.labels), -1))  # (N,), (N, 5)
    print(f"{how:<13} {len(b.labels):>6} {b.accuracy(1):>6.1%} {b.accuracy(5):>6.1%}   "
          f"{base.accuracy(1):.1%}, {base.accuracy(5):.1%}")
print(f"the model card: top-1 {card['top1']:.1%} on the {card['blanks']:,} character blanks of all "
      f"{card['held_out_segments']} held-out segments")
chars, whole = blanks["characters"], blanks["whole words"]
assert chars.accuracy(1) > Blanks(chars.labels, guess.expand(len(chars.labels), -1)).accuracy(1)  # above guessing
assert whole.accuracy(1) < chars.accuracy(1)  # a hidden partner makes a blank harder

# %% [markdown]
# On the shipped checkpoint: 60.1 % of the character blanks (the baseline 3.2 %), 39.9 % of the whole-word blanks
# (the baseline 4.0 %); the card's 60.4 % is on all 220 held-out segments. A character whose word partner is in
# view is partly given away by its word; with the whole word hidden, only the sentence is left to go on. That is
# the reason whole-word masking hides words, not characters, in pre-training (notebook 02); whether it buys a
# better model within a small budget is another question, which docs/pretraining.md's pair of runs (`zh-wwm`,
# `zh-char`) answers. The card's accuracy by kind of character is in `eval.json` (`per_kind`).

# %% [markdown]
# **What to remember.** Pre-training needs no labels: MLM hides 15% of the tokens (80/10/10) and scores only those;
# NSP pairs are cut from documents, half with a random B. The loss falls below guessing as soon as the model
# learns the frequent words; using the context comes later, and takes most of the training. On a budget, each
# setting is a trade between the cost of a step and what it learns, and a change is worth keeping only when it
# beats the noise between seeds. A Chinese BERT is the same recipe on a vocabulary of characters; hiding a word's
# characters one at a time leaves its partner as a clue, hiding the whole word leaves only the sentence. Next,
# notebook 11: fine-tuning for a task.
