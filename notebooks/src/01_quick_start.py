# %% [markdown]
# # 01 · Quick start: one sentence through BERT
#
# **What you will understand by the end**
# * how to load a checkpoint (config + weights + vocabulary) with `from minibert import ...`, the same
#   three lines you would write for Hugging Face `transformers`;
# * what comes out of `BertModel`: one vector per token (`last_hidden_state`) and one for the whole
#   sentence (`pooler_output`), and their shapes;
# * what "minibert computes what the reference computes" means in numbers: the same weights and the same
#   token ids give outputs that differ by less than 1e-5 from `transformers.BertModel`.
#
# **Which model.** Every notebook picks its model by one rule (`minibert/defaults.py`) and prints which, why, and
# whether its weights are trained: `MINIBERT_MODEL` if you set it (a folder or a Hub id, e.g.
# `MINIBERT_MODEL=/path/to/all-MiniLM-L6-v2 jupyter lab`); else the Hub's `bert-base-uncased`, downloaded once
# when the Hub is reachable (or found in your Hugging Face cache; `HF_HUB_OFFLINE=1` skips the network); else
# `checkpoints/minibert-pydocs`, a small BERT this project pre-trained on the Python documentation, shipped in
# the repository, so everything runs offline. (`checkpoints/tiny-bert` has random weights: it tests arithmetic.)
#
# Modules: `minibert/bert/model.py`, `minibert.tokenization`,
# `minibert/loading/model_files.py` (loading). Next: notebook 02, the tokenizer.

# %%
# Setup, the same in every notebook. DEVICE: CUDA when there is a GPU, else the CPU; to force one, set the
# environment variable MINIBERT_DEVICE=cpu (or cuda) before starting Jupyter, or edit the line below.
%matplotlib inline
import os
import warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's note about Jupyter widgets

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
# ## Load a checkpoint
#
# A checkpoint folder holds `config.json` (the sizes), `model.safetensors` (the weights) and `vocab.txt`
# (the tokenizer's vocabulary). `from_pretrained` accepts such a folder, a single weights file or a Hub repo id.

# %%
from minibert import BertModel, BertTokenizer

tokenizer = BertTokenizer.from_pretrained(MODEL)
# A checkpoint saved from BertForPreTraining also holds its pre-training heads (cls.*): the warning lists them,
# the bare encoder has no place for them. Loaded models start in eval mode: dropout is off.
model = BertModel.from_pretrained(MODEL).to(DEVICE)
config = model.config
print(f"{CHOICE.label()}: {config.num_hidden_layers} layers, hidden size {config.hidden_size}, "
      f"{config.num_attention_heads} heads, vocabulary {config.vocab_size}: {model.num_parameters():,} parameters")
assert not model.training

# %% [markdown]
# **About the red line above.** "Some weights of the checkpoint at … were not used when initializing BertModel:
# ['cls.predictions.bias', …]" is a note on stderr, not an error. A checkpoint saved from `BertForPreTraining`
# (the note shows whether this one was) also holds the masked-LM head (`cls.predictions.*`) and the next-sentence
# head (`cls.seq_relationship.*`); `BertModel` is the encoder alone and has no place for them, so they are left
# out and listed, exactly as `transformers` does. It would matter the other way round: weights the model needs but the
# checkpoint lacks are reported as "newly initialized" (random) and must be trained before use. The later
# notebooks load this checkpoint many times, so their setup cells hide this one note (missing weights are still
# reported); `from_pretrained(..., output_loading_info=True)` returns the same lists to read in code (notebook 08).

# %% [markdown]
# ## The whole model in one picture
#
# What `BertModel` computes, drawn from the config of the model just loaded (`minibert/analysis/diagram.py`), with the
# shape of the tensor on every arrow: B sentences of T tokens become (B, T, C) vectors, each encoder layer
# splits them into H heads of d = C / H features for attention, widens them to the intermediate size I in the
# feed-forward, and gives back (B, T, C). The README shows the same picture for BERT-base.

# %%
from IPython.display import SVG

from minibert.analysis.diagram import bert_block_diagram

diagram = bert_block_diagram(model.config)
assert f"(B, T, {model.config.hidden_size})" in diagram  # the shapes come from this model's config
SVG(diagram)

# %% [markdown]
# ## Run a sentence
#
# The tokenizer turns text into ids and adds BERT's special tokens: `[CLS]` in front, `[SEP]` at the end.
# The model maps the (B, T) ids to (B, T, C) vectors, C = hidden size.

# %%
text = "The quick brown fox jumps over the lazy dog."
inputs = tokenizer(text, return_tensors="pt").to(DEVICE)
print(tokenizer.convert_ids_to_tokens(inputs["input_ids"][0]))

with torch.no_grad():
    out = model(**inputs)
B, T = inputs["input_ids"].shape
print("last_hidden_state", tuple(out.last_hidden_state.shape), "  pooler_output", tuple(out.pooler_output.shape))
assert out.last_hidden_state.shape == (B, T, config.hidden_size)  # one vector per token
assert out.pooler_output.shape == (B, config.hidden_size)  # one vector per sentence
assert inputs["input_ids"][0, 0] == tokenizer.cls_token_id and inputs["input_ids"][0, -1] == tokenizer.sep_token_id

# %% [markdown]
# Each row below is one token's output vector. No single dimension has a meaning you could read off (what a
# trained model knows is spread over many of them; the title says which model this is and whether it is trained),
# but note that every row is on the same scale: the last operation of every layer is a LayerNorm (notebook 05).

# %%
import matplotlib.pyplot as plt

tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
fig, ax = plt.subplots(figsize=(8, 3.5))
im = ax.imshow(out.last_hidden_state[0].cpu(), aspect="auto", cmap="RdBu_r")
ax.set_yticks(range(T), tokens)
ax.set_xlabel("hidden dimension")
ax.set_title(f"last_hidden_state of {CHOICE.label(config)}: one row per token")
fig.colorbar(im)
plt.show()

# %% [markdown]
# ## Two texts at once
#
# Question answering, entailment, next-sentence prediction: many tasks hand BERT two texts. They go in as one
# sequence, `[CLS] A [SEP] B [SEP]`, and a second row of ids, `token_type_ids`, says which text each position
# belongs to: 0 for `[CLS]`, A and the [SEP] that closes it, 1 for B and its [SEP]. The embeddings add a learned
# vector per type (notebook 03), so the model can tell the texts apart.
#
# **Your turn: exercise 20, `pair_inputs`.** Before you read the next cell, write the layout: from the word-piece ids of A (and of B, or `None` for one text) and the ids of `[CLS]` and `[SEP]`, return `input_ids` and `token_type_ids`. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/pair_inputs.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 20 --impl my_exercises`.
#
# *Predict, then run:* for "Where is the cat?" and "It sleeps.", how many positions get token type 1? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_pair_inputs(ids_a, ids_b, cls_id, sep_id):
#     ...  # your code
my_pair_inputs = None  # <- delete this line once your function is written above; None skips the grading
grade("pair_inputs", my_pair_inputs)

# %% [answer]
question, passage = "Where is the cat?", "It sleeps."
ids_a = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(question))
ids_b = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(passage))
pair_ids = [tokenizer.cls_token_id, *ids_a, tokenizer.sep_token_id, *ids_b, tokenizer.sep_token_id]
pair_types = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)  # [CLS] A [SEP] -> 0, B [SEP] -> 1
pair = tokenizer(question, passage)
assert pair["input_ids"] == pair_ids and pair["token_type_ids"] == pair_types  # what the tokenizer does
for token, segment in zip(tokenizer.convert_ids_to_tokens(pair_ids), pair_types):
    print(f"{segment}  {token}")
print(f"{sum(pair_types)} positions of type 1: the {len(ids_b)} pieces of B and its [SEP]")

# %% [stub]
# Your turn (exercise 20, `pair_inputs`): the worked answer that stood here is yours to write, in the cell above.
# Until then the tokenizer's own call stands in for it, so the lesson runs on.
question, passage = "Where is the cat?", "It sleeps."
pair = tokenizer(question, passage)
pair_ids, pair_types = pair["input_ids"], pair["token_type_ids"]

# %%
with torch.no_grad():
    pair_out = model(input_ids=torch.tensor([pair_ids], device=DEVICE),
                     token_type_ids=torch.tensor([pair_types], device=DEVICE))
print("one sequence for both texts:", tuple(pair_out.last_hidden_state.shape), "  pooler_output (one vector for the "
      "pair):", tuple(pair_out.pooler_output.shape))

# %% [markdown]
# ## Compare with the reference
#
# The claim of this project: the same weights and inputs give the same numbers as `transformers.BertModel`
# (fp32, max |Δ| ≤ 1e-5). When `transformers` is installed we run it on the same folder; the project's
# checkpoints also store the outputs `transformers` computed when they were made (`reference_outputs.safetensors`),
# so the check works without it too. The stored batch begins with our sentence. A model with neither (a Hub model
# in an install without the dev extra) skips the comparison, and the cell says so.

# %%
from minibert.parity.reference import lesson_reference

stored = lesson_reference(MODEL)  # the stored file next to the weights, or transformers now, or None
if stored is not None:
    n = int(stored["inputs.attention_mask"][0].sum())  # row 0 is our sentence, padded to the batch length
    assert stored["inputs.input_ids"][0, :n].tolist() == inputs["input_ids"][0].tolist(), "the tokenizer differs"
    diff = (out.last_hidden_state[0].cpu() - stored["last_hidden_state"][0, :n]).abs().max().item()
    print(f"vs the reference outputs: max |Δ| = {diff:.2e}")
    assert diff <= 1e-5

try:
    import transformers
except ImportError:
    transformers = None
    print("transformers is not installed: compared with the stored outputs only")
if transformers is not None:
    transformers.logging.set_verbosity_error()  # it would list the checkpoint's unused pre-training heads
    reference = transformers.BertModel.from_pretrained(MODEL).to(DEVICE).eval()
    with torch.no_grad():
        ref = reference(**inputs)
    for name in ("last_hidden_state", "pooler_output"):
        d = (getattr(out, name) - getattr(ref, name)).abs().max().item()
        print(f"vs transformers {transformers.__version__}: {name:<18} max |Δ| = {d:.2e}")
        assert d <= 1e-5

# %% [markdown]
# ## The same check, module by module, from the command line
#
# `python -m minibert walkthrough` runs this sentence stage by stage (embeddings, each layer, pooler) and prints
# each stage's distance from the reference; `python -m minibert check PATH` prints one row per module (notebook
# 08). Here is the walkthrough on the lesson's model, called in-process (a shell would run
# `python -m minibert walkthrough --reference stored`); its first lines say which model and how big:

# %%
from minibert.__main__ import main as minibert_cli  # what `python -m minibert ...` runs

exit_code = minibert_cli(["walkthrough", "--reference", "stored"])
assert exit_code == 0, "a stage differs from the reference"

# %% [markdown]
# **What to remember.** Three lines load and run a BERT; outputs are (B, T, C) per token and (B, C) per sentence;
# "correct" is measured against the reference, to 1e-5. The next notebooks open the model up, one stage at a
# time, in the order the data flows: tokenizer (02), embeddings (03), attention (04), feed-forward (05), the
# stack (06), heads (07).
