# %% [markdown]
# # 06 · The encoder stack: layer after layer
#
# **What you will understand by the end**
# * that `BertEncoder` is a plain loop over identical-shaped `BertLayer`s, and what `output_hidden_states` returns;
# * that one `BertLayer` is two sublayers, each closed by the residual add-and-norm of notebook 05;
# * how the token vectors change from layer to layer.
# * that the stack makes a word's vector depend on its sentence (contextual), where the input table gives one
#   vector per word (static), and how far this model separates two senses of a word.
#
# Every layer maps (B, T, C) to (B, T, C), so layers stack: BERT-base has 12; the first cell below prints how many
# the lesson's model has. What the stack costs in memory and time, and how to pay less (gradient checkpointing, chunking, unpadded inference), is
# notebook 12, "memory and speed".
#
# Modules: `minibert/bert/encoder.py`, `minibert/bert/layer.py`.

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
TINY = ROOT / "checkpoints" / "tiny-bert"  # random weights: for checks of the arithmetic only
# The model the lesson runs on (minibert/defaults.py): MINIBERT_MODEL if set, else the Hub's bert-base-uncased
# (from the local cache, or downloaded once when the Hub is reachable), else the small BERT this project
# pre-trained itself (checkpoints/minibert-pydocs). The line printed below says which, why, and if it is trained.
from minibert.defaults import resolve_model

CHOICE = resolve_model()  # CHOICE.label(config) names it in titles and sentences: never written by hand
MODEL = CHOICE.name_or_path
torch.manual_seed(0)
print(f"device: {DEVICE}   repository: {ROOT}")


# %% [markdown]
# ## Hidden states, layer by layer
#
# `output_hidden_states=True` returns L + 1 tensors: the embeddings, then each layer's output. The last one is
# `last_hidden_state`. Running the layers ourselves in a loop gives the same tensors.

# %%
from minibert import BertModel, BertTokenizer
from minibert.bert.masks import extended_attention_mask

tokenizer = BertTokenizer.from_pretrained(MODEL)
model = BertModel.from_pretrained(MODEL).to(DEVICE)
batch = tokenizer(["The quick brown fox jumps over the lazy dog.", "Hello world!"], padding=True,
                  return_tensors="pt").to(DEVICE)
with torch.no_grad():
    out = model(**batch, output_hidden_states=True)
L = model.config.num_hidden_layers
print(f"{CHOICE.label(model.config)}: {len(out.hidden_states)} hidden states (the embeddings, then each layer's):",
      [tuple(h.shape) for h in out.hidden_states])
assert len(out.hidden_states) == L + 1
assert torch.equal(out.hidden_states[-1], out.last_hidden_state)

mask = extended_attention_mask(batch["attention_mask"], torch.float32)  # (B, 1, 1, T)
with torch.no_grad():
    h = model.embeddings(batch["input_ids"], batch["token_type_ids"])  # (B, T, C)
    assert torch.equal(h, out.hidden_states[0])
    for i, layer in enumerate(model.encoder.layer):
        h, _ = layer(h, mask)  # (B, T, C) -> (B, T, C)
        assert torch.allclose(h, out.hidden_states[i + 1], atol=1e-6)
print("the loop by hand reproduces every hidden state")

# %% [markdown]
# ## One layer, by hand
#
# Each `BertLayer` in that loop is notebook 05's two sublayers, each closed by the same residual step: attention,
# then LayerNorm(x + Dense(attention's context)); the feed-forward's GELU(Dense(x)), then LayerNorm(x + Dense(it)).
#
# **Your turn (a recap of notebook 05): exercise 10, `add_and_norm`.** Before you read the next cell, write the residual sublayer, LayerNorm(x + Dense(h)), or bring the one you wrote in notebook 05; then, in the cell after the grading, build layer 0 of the stack from its sub-modules with it, twice. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/add_and_norm.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 10 --impl my_exercises`.
#
# *Predict, then run:* layer 0 composed by hand from attention, two add-and-norms and the feed-forward, against `model.encoder.layer[0]`: how far apart? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_add_and_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):
#     ...  # your code
my_add_and_norm = None  # <- delete this line once your function is written above; None skips the grading
grade("add_and_norm", my_add_and_norm)

# %% [answer]
def add_and_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):  # exercise 10
    y = input_tensor + hidden_states @ dense_weight.T + dense_bias  # the residual: the input plus Dense(h)
    return torch.nn.functional.layer_norm(y, y.shape[-1:], ln_weight, ln_bias, eps)


def close(h, x, part):  # part: the module that closes a sublayer (its .dense and .LayerNorm)
    return add_and_norm(h, x, part.dense.weight, part.dense.bias, part.LayerNorm.weight, part.LayerNorm.bias,
                        part.LayerNorm.eps)


first = model.encoder.layer[0]
with torch.no_grad():
    x = out.hidden_states[0]  # (B, T, C): the embeddings
    context = first.attention.self(x, mask)[0]  # (B, T, C): the heads, merged
    a = close(context, x, first.attention.output)  # sublayer 1: attention
    y = close(first.intermediate(a), a, first.output)  # sublayer 2: feed-forward, (B, T, 4C) -> (B, T, C)
    by_module = first(x, mask)[0]
diff = (y - by_module).abs().max().item()
print(f"layer 0 by hand vs BertLayer: max |Δ| = {diff:.1e}")
assert diff < 1e-5 * max(1.0, by_module.abs().max().item())

# %% [stub]
# Your turn (exercise 10, `add_and_norm`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's BertLayer stands in for it, so the lesson runs on.
first = model.encoder.layer[0]
with torch.no_grad():
    y = first(out.hidden_states[0], mask)[0]  # (B, T, C)

# %% [markdown]
# How much does each layer change the vectors? Below, for each layer, the mean cosine similarity of a token's
# vector with its vector one layer down (how much the layer *keeps*), and the mean cosine similarity between
# different tokens of the same sentence (how alike the tokens become). The legend names each model, its depth and
# whether it is trained: the lesson's model, a random initialisation of the same size for contrast, and, with
# `MINIBERT_OFFICIAL_CHECKPOINT` set, the official MiniLM.

# %%
import matplotlib.pyplot as plt
import torch.nn.functional as F


def layer_stats(hidden_states, n_tokens):
    keep, alike = [], []
    for lower, upper in zip(hidden_states[:-1], hidden_states[1:]):
        keep.append(F.cosine_similarity(lower[0, :n_tokens], upper[0, :n_tokens], dim=-1).mean().item())
    for h in hidden_states:
        unit = F.normalize(h[0, :n_tokens], dim=-1)
        sim = unit @ unit.T
        alike.append(((sim.sum() - n_tokens) / (n_tokens * (n_tokens - 1))).item())  # off-diagonal mean
    return keep, alike


sentence = "The cat sat on the mat because it was tired."
stats = {}
enc = tokenizer(sentence, return_tensors="pt").to(DEVICE)
torch.manual_seed(0)
random_init = BertModel(model.config).to(DEVICE).eval()  # the same architecture, never trained
with torch.no_grad():
    stats[CHOICE.label(model.config)] = layer_stats(model(**enc, output_hidden_states=True).hidden_states,
                                                    enc["input_ids"].shape[1])
    if CHOICE.trained:
        stats[f"{CHOICE.name}, {L} layers, from random init"] = layer_stats(
            random_init(**enc, output_hidden_states=True).hidden_states, enc["input_ids"].shape[1])
official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
if official:
    trained, trained_tok = BertModel.from_pretrained(official).to(DEVICE), BertTokenizer.from_pretrained(official)
    enc = trained_tok(sentence, return_tensors="pt").to(DEVICE)
    with torch.no_grad():
        stats[resolve_model(official, verbose=False).label(trained.config)] = layer_stats(
            trained(**enc, output_hidden_states=True).hidden_states, enc["input_ids"].shape[1])
print("models compared:", list(stats))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for name, (keep, alike) in stats.items():
    ax1.plot(range(1, len(keep) + 1), keep, "o-", label=name)
    ax2.plot(range(len(alike)), alike, "o-", label=name)
ax1.set(xlabel="layer", ylabel="cosine(token at layer l, same token at l-1)", title="how much each layer keeps")
ax2.set(xlabel="hidden state (0 = embeddings)", ylabel="mean cosine between tokens", title="how alike tokens are")
ax1.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Contextual versus static: one word, two senses
#
# The input embedding table (notebook 03) gives a word one row, whatever surrounds it: a *static* embedding, like
# word2vec's. The layers above mix in the sentence, so the same word leaves the stack with a *contextual* vector.
# Does a word used in two senses get two different vectors? Below, four words the Python documentation uses in
# two senses each, three sentences per sense: "set" (the built-in type / to assign), "list" (the sequence / to
# enumerate), "close" (to shut a file / near), "return" (to give a value back / to go back somewhere). For each
# hidden state we take the word's vector in every sentence and average the cosine similarity over the pairs of
# sentences *within* a sense and over the pairs *across* the two senses. If the model separates the senses, the
# within-sense cosine stays above the across-sense one.
#
# *Predict, then run:* the row of the embedding table in two sentences, what cosine? Hidden state 0 (the
# embeddings, with positions added) in two sentences where the word stands at different places: within = across?

# %%
import itertools

SENSES = {
    "set": {
        "the built-in type": ["A set is an unordered collection with no duplicate elements.",
                              "Use a set to remove duplicate entries from the list.",
                              "The set returned by the method contains every key of the dictionary."],
        "to assign": ["If the flag is set, the loop stops at once.",
                      "You can set the attribute to None before the call.",
                      "The environment variable must be set before the interpreter starts."]},
    "list": {
        "the sequence": ["The list contains three integers and a string.",
                         "Append the new item to the end of the list.",
                         "The function returns a list of all the lines in the file."],
        "to enumerate": ["The command will list the files in the current directory.",
                         "Use this option to list all installed modules.",
                         "The help function can list the methods of any object."]},
    "close": {
        "to shut": ["Remember to close the file when you are done.",
                    "The method will close the socket and release its resources.",
                    "Call close on the connection before the program exits."],
        "near": ["The result is close to zero but not exactly zero.",
                 "Two floating point numbers that are very close may compare unequal.",
                 "The value is close to the maximum allowed."]},
    "return": {
        "to give back": ["The function will return the sum of its arguments.",
                         "A method may return None when it has nothing to give back.",
                         "The call will return a new string."],
        "to go back": ["After the handler finishes, control will return to the main loop.",
                       "Press enter to return to the previous menu.",
                       "The program will return to the start of the loop after each iteration."]},
}


def word_vectors(word, senses):
    """The word's vector in each sentence: its row of the input table, then each hidden state; and its sense."""
    (word_id,) = tokenizer.convert_tokens_to_ids([word])
    static, contextual, sense_of = [], [], []
    for s, sentences in enumerate(senses.values()):
        for sentence in sentences:
            enc = tokenizer(sentence, return_tensors="pt").to(DEVICE)
            ids = enc["input_ids"][0].tolist()
            assert ids.count(word_id) == 1, f"{word!r} is not one piece, once, in {sentence!r}"
            at = ids.index(word_id)
            with torch.no_grad():
                static.append(model.embeddings.word_embeddings(enc["input_ids"])[0, at])  # (C,)
                hs = model(**enc, output_hidden_states=True).hidden_states
            contextual.append(torch.stack([h[0, at] for h in hs]))  # (L + 1, C)
            sense_of.append(s)
    return torch.stack(static), torch.stack(contextual), sense_of  # (N, C), (N, L + 1, C), N senses


def within_across(vectors, sense_of):
    """Mean cosine over the pairs of sentences of the same sense, and over the pairs of different senses."""
    unit = F.normalize(vectors, dim=-1)
    sim = unit @ unit.T
    pairs = list(itertools.combinations(range(len(sense_of)), 2))
    within = torch.stack([sim[i, j] for i, j in pairs if sense_of[i] == sense_of[j]]).mean().item()
    across = torch.stack([sim[i, j] for i, j in pairs if sense_of[i] != sense_of[j]]).mean().item()
    return within, across


vocab = tokenizer.get_vocab()
words = [w for w in SENSES if w in vocab]  # a word split into pieces in another model's vocabulary is left out
print("words left out (not one piece in this vocabulary):", [w for w in SENSES if w not in vocab] or "none")
curves, tables = {}, {}
print(f"{CHOICE.label(model.config)}: mean cosine within a sense / across senses")
print(f"{'word':8}{'table':>13}" + "".join(f"{'hidden ' + str(i):>13}" for i in range(L + 1)))
for word in words:
    static, contextual, sense_of = word_vectors(word, SENSES[word])
    tables[word] = within_across(static, sense_of)  # computed, not assumed: the same row in every sentence
    curves[word] = [within_across(contextual[:, i], sense_of) for i in range(L + 1)]
    cells = [tables[word], *curves[word]]
    print(f"{word:8}" + "".join(f"{f'{w:.2f} / {a:.2f}':>13}" for w, a in cells))
gap = [sum(cells[i][0] - cells[i][1] for cells in ([tables[w], *curves[w]] for w in words)) / len(words)
       for i in range(L + 2)]  # the table, then each hidden state
print(f"{'gap':8}" + "".join(f"{g:>13.2f}" for g in gap), "  (within - across, mean over the words)")

# %%
fig, axes = plt.subplots(1, len(words), figsize=(3.2 * len(words), 3.2), sharey=True)
for ax, word in zip(axes, words):
    within, across = zip(*curves[word])
    ax.axhline(1.0, color="grey", ls=":", label="input table (static)")
    ax.plot(range(L + 1), within, "o-", label="within a sense")
    ax.plot(range(L + 1), across, "s--", label="across senses")
    ax.set(title=f'"{word}": ' + " / ".join(SENSES[word]), xlabel="hidden state (0 = embeddings)")
    ax.title.set_fontsize(9)
axes[0].set(ylabel="mean cosine of the word's vectors")
axes[0].legend(fontsize=8)
fig.suptitle(f"one word, two senses: {CHOICE.label(model.config)}")
fig.tight_layout()
plt.show()

# %% [markdown]
# **What the numbers show.** The table column is the static embedding: the word's row is the same vector in all six
# sentences, so every cosine is 1.00 and the two senses cannot be told apart at all. Measured on
# minibert-pydocs (4 layers) when this lesson was written (the printout above is your run's), the contextual
# vectors do separate the senses, but only somewhat:
# * hidden state 0 (the embeddings, positions added) shows no separation: a gap of 0.01 on average, within
#   0.79-0.93 and across 0.81-0.93. What differs there is only where the word stands in the sentence.
# * layer 1 opens it a little (gap 0.07); layers 2-4 more: 0.16, 0.14, 0.11. The widest, at layer 2: "set"
#   0.54 within / 0.40 across, "list" 0.65 / 0.45, "close" 0.55 / 0.42, "return" 0.83 / 0.65.
# * that is a weak separation. Across senses the vectors still keep a cosine of 0.40-0.65: the word itself
#   dominates its vector. And within a sense the cosine falls too (to 0.54-0.83), since every sentence differs:
#   the layers make each occurrence unique, and the sense is one part of that, not two tight clusters.
# * for "set", "list" and "close" the two senses are also two parts of speech (a noun after "a"/"the", a verb
#   after "to"/"will"), so some of the gap may be grammar rather than meaning; "return" is a verb in both senses
#   and still opens a gap of 0.18 at layer 2.
# * three sentences per sense (6 pairs within, 9 across, per word) and four words: a demonstration, not a
#   measurement. Whether a bigger model trained on more text separates the senses further is not measured
#   here: set MINIBERT_MODEL (bert-base-uncased, say) and rerun this section to see.

# %% [markdown]
# **What to remember.** The encoder is a loop; `output_hidden_states` hands you every step of it. What it costs
# in memory and time (gradient checkpointing, chunking, unpadded inference) is notebook 12. Next, notebook 07:
# what sits on top of the stack.
