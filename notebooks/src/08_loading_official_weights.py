# %% [markdown]
# # 08 · Loading official weights
#
# **What you will understand by the end**
# * how checkpoint keys (`bert.encoder.layer.0.attention.self.query.weight`, ...) map onto minibert's modules,
#   and the small differences real checkpoints have: a `bert.` prefix or none, TensorFlow-era
#   `LayerNorm.gamma`/`beta` names, a stale `position_ids` buffer, task-head weights the model has no place for;
# * how to read the loading report (missing / unexpected keys);
# * the weight-compatibility table: one row per module, minibert vs the reference on the same weights, and how
#   its first failing row points at a bug;
# * with the official `sentence-transformers/all-MiniLM-L6-v2` checkpoint (when `MINIBERT_OFFICIAL_CHECKPOINT`
#   points at it): real sentence embeddings, by mean pooling, and their similarities.
#
# The module names are the contract: minibert names its submodules exactly as the reference does (`embeddings`,
# `encoder.layer.{i}.attention.self.query`, `LayerNorm`, ...), so a state dict's keys *are* the module paths and
# loading is a rename-free `load_state_dict`, apart from the historical variants above.
#
# Modules: `minibert/loading/model_files.py`, `minibert/loading/keys.py`,
# `minibert/loading/weights.py`, `minibert/loading/hub.py`,
# `minibert/parity/`, `minibert/bert/config.py`.

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
# ## What is in a checkpoint
#
# `checkpoints/tiny-bert` was saved from `BertForPreTraining`: its keys start with `bert.` (the encoder) or
# `cls.` (the pre-training heads). `BertModel` is the encoder alone, with no prefix.

# %%
from safetensors.torch import load_file

from minibert import BertConfig, BertModel

state = load_file(TINY / "model.safetensors")
print(f"{len(state)} tensors in model.safetensors, e.g.")
for key in list(state)[:3] + [k for k in state if k.startswith("cls.")][:2]:
    print(f"   {key:<55} {tuple(state[key].shape)}")

model, info = BertModel.from_pretrained(TINY, output_loading_info=True)
model = model.to(DEVICE)
print("missing:", info["missing_keys"])
print("unexpected (heads BertModel does not have):", info["unexpected_keys"][:3], "...")
assert not info["missing_keys"] and all(k.startswith("cls.") for k in info["unexpected_keys"])
ours_keys = set(model.state_dict())
assert {k.removeprefix("bert.") for k in state if k.startswith("bert.")} == ours_keys

# %% [markdown]
# ## A legacy checkpoint, made on the fly
#
# Checkpoints converted from the original TensorFlow code call LayerNorm's parameters `gamma` and `beta`, and
# older `transformers` versions saved the constant `embeddings.position_ids` buffer. We write such a checkpoint
# ourselves, in the legacy `pytorch_model.bin` format (a pickle, which minibert reads with `weights_only=True`:
# tensors only, no code), and load it.

# %%
import shutil
import tempfile

from minibert.loading.keys import map_keys

legacy = {}
for key, tensor in state.items():
    key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
    legacy[key] = tensor
legacy["bert.embeddings.position_ids"] = torch.arange(BertConfig.from_pretrained(TINY).max_position_embeddings)[None]
legacy_dir = Path(tempfile.mkdtemp())
torch.save(legacy, legacy_dir / "pytorch_model.bin")
shutil.copy(TINY / "config.json", legacy_dir / "config.json")
print(sorted(k for k in legacy if "LayerNorm" in k)[:2])

# What the key mapping does with it (minibert/loading/keys.py):
expected = {k: v.shape for k, v in model.state_dict().items()}
_, report = map_keys(legacy, expected, prefix="bert")
print(f"renamed {len(report.renamed_keys)} keys, e.g.", next(iter(report.renamed_keys.items())))
print("ignored:", report.ignored_keys)

old = BertModel.from_pretrained(legacy_dir).to(DEVICE)
batch = {"input_ids": torch.tensor([[101, 1996, 4248, 2829, 4419, 102]], device=DEVICE)}
with torch.no_grad():
    assert torch.equal(old(**batch).last_hidden_state, model(**batch).last_hidden_state)
print("the legacy checkpoint loads into the same model: identical outputs")
shutil.rmtree(legacy_dir)

# %% [markdown]
# ## The weight-compatibility table
#
# `minibert.parity.check.check_checkpoint` (also `python -m minibert check PATH`) loads a checkpoint into minibert and
# into the reference (`transformers` when installed, else the outputs stored with the checkpoint), runs both on the
# same batch, captures every module's output with forward hooks (the module names are the same in both libraries),
# and prints one row per module.

# %%
from minibert.parity.check import check_checkpoint

report = check_checkpoint(TINY)
print(report.format_table())
assert report.ok

# %% [markdown]
# What a bug looks like: we swap layer 0's exact GELU for its tanh approximation (notebook 05: they differ by up
# to 5e-4) and compare with the stored reference outputs. Everything before the feed-forward block still matches;
# the first failing row is `encoder.layer.0.intermediate`, exactly where the bug is, and the error then flows into
# every later module.

# %%
import matplotlib.pyplot as plt

from minibert.bert.activations import gelu_new
from minibert.loading.reference_outputs import load_stored_reference, stored_module_outputs
from minibert.parity.table import capture, compare

stored, _ = load_stored_reference(TINY)
inputs = {k.removeprefix("inputs."): v.to(DEVICE) for k, v in stored.items() if k.startswith("inputs.")}
broken = BertModel.from_pretrained(TINY, attn_implementation="eager").to(DEVICE)
broken.encoder.layer[0].intermediate.intermediate_act_fn = gelu_new  # the bug
rows = compare(broken, capture(broken, inputs), stored_module_outputs(stored), tolerance=1e-5)
first_bad = next(r.module for r in rows if not r.ok)
print("first failing module:", first_bad)
assert first_bad == "encoder.layer.0.intermediate"
assert all(r.ok for r in rows[: [r.module for r in rows].index(first_bad)])

fig, ax = plt.subplots(figsize=(10, 3.5))
ax.bar(range(len(rows)), [max(r.max_abs_diff, 1e-9) for r in rows],
       color=["tab:green" if r.ok else "tab:red" for r in rows])
ax.axhline(1e-5, color="black", ls="--", lw=1, label="tolerance 1e-5")
ax.set_yscale("log")
ax.set_xticks(range(len(rows)), [r.module.replace("encoder.", "") for r in rows], rotation=60, ha="right", fontsize=8)
ax.set_ylabel("max |Δ| vs reference")
ax.set_title("per-module comparison with a wrong activation in layer 0 (zero shown as 1e-9)")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The official MiniLM checkpoint
#
# `sentence-transformers/all-MiniLM-L6-v2`: a 6-layer, 384-wide BERT trained to produce sentence embeddings. Its
# recipe: run the encoder, average the token vectors over the real (non-padding) tokens ("mean pooling", not the
# pooler), and L2-normalise; cosine similarity then measures closeness in meaning (Reimers & Gurevych, 2019,
# "Sentence-BERT"). Set `MINIBERT_OFFICIAL_CHECKPOINT` to a folder holding its files to run this part.

# %%
official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
if not official:
    print("MINIBERT_OFFICIAL_CHECKPOINT is not set: skipping the official checkpoint (everything above ran).")
else:
    from minibert import BertTokenizer
    from minibert.loading.reference_outputs import REFERENCE_FILE
    from minibert.parity.reference import reference_library

    if reference_library() is None and not (Path(official) / REFERENCE_FILE).is_file():
        print(f"transformers is not installed (pip install -e '.[dev]' adds it) and {official} stores no reference "
              "outputs: the compatibility table is skipped")
    else:
        report = check_checkpoint(official)  # the same table, 5 rows per layer: its head and its verdict
        lines = report.format_table().splitlines()
        print("\n".join(lines[:7] + ["..."] + lines[-3:]))
        assert report.ok

    tok = BertTokenizer.from_pretrained(official)
    minilm = BertModel.from_pretrained(official).to(DEVICE)
    sentences = ["A man is playing a guitar.", "Someone is playing an instrument.",
                 "The stock market fell sharply today.", "Shares dropped on Wall Street."]
    enc = tok(sentences, padding=True, return_tensors="pt").to(DEVICE)
    with torch.no_grad():
        tokens = minilm(**enc).last_hidden_state  # (B, T, C)
    mask = enc["attention_mask"].unsqueeze(-1).to(tokens.dtype)  # (B, T, 1)
    embeddings = torch.nn.functional.normalize((tokens * mask).sum(1) / mask.sum(1), dim=-1)  # (B, C)
    sim = (embeddings @ embeddings.T).cpu()  # cosine similarities
    for i in range(len(sentences)):
        print(" ".join(f"{v:5.2f}" for v in sim[i].tolist()), " ", sentences[i])
    assert sim[0, 1] > sim[0, 2] + 0.2 and sim[2, 3] > sim[1, 3] + 0.2  # paraphrases closer than unrelated

    try:
        import transformers
    except ImportError:
        transformers = None
    if transformers is not None:
        ref = transformers.BertModel.from_pretrained(official).to(DEVICE).eval()
        with torch.no_grad():
            diff = (ref(**enc).last_hidden_state - tokens).abs().max().item()
        print(f"vs transformers {transformers.__version__} on the same batch: max |Δ| = {diff:.1e}")
        assert diff <= 1e-5

# %% [markdown]
# ## Sentence similarity as a picture
#
# The `sentence-similarity` pipeline embeds each sentence as the checkpoint's sentence-transformers config says
# (mean pooling, L2-normalised, for MiniLM) and compares them by cosine: `similarity_matrix` gives every pair at
# once. Four topics, two sentences each: a model trained for sentence embeddings lights up the 2 × 2 blocks on the
# diagonal. The model is the official MiniLM when `MINIBERT_OFFICIAL_CHECKPOINT` is set (a sentence-embedding
# model), else the lessons' default; a BERT pre-trained only with masked-LM was not trained to make mean-pooled
# vectors comparable, and its blocks are much fainter.

# %%
from minibert import pipeline
from minibert.defaults import resolve_model

similarity_model = official or resolve_model().name_or_path
similar = pipeline("sentence-similarity", model=similarity_model)
pairs = ["A man is playing a guitar.", "Someone is playing an instrument.",
         "The stock market fell sharply today.", "Shares dropped on Wall Street.",
         "The function returns a sorted list.", "This method gives back the items in order.",
         "It is raining heavily outside.", "The weather is wet and stormy."]
matrix = similar.similarity_matrix(pairs).cpu()  # (8, 8) cosine similarities
fig, ax = plt.subplots(figsize=(8.5, 6.5))
im = ax.imshow(matrix, cmap="viridis", vmin=min(0.0, matrix.min().item()), vmax=1)
ax.set_xticks(range(len(pairs)), pairs, rotation=60, ha="right", fontsize=8)
ax.set_yticks(range(len(pairs)), pairs, fontsize=8)
for i in range(len(pairs)):
    for j in range(len(pairs)):
        ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=7,
                color="black" if matrix[i, j] > 0.6 else "white")
fig.colorbar(im, ax=ax, label="cosine similarity")
ax.set_title(f"sentence similarity: {Path(similarity_model).name}")
fig.tight_layout()
plt.show()
assert torch.allclose(matrix, matrix.T, atol=1e-5) and torch.allclose(matrix.diag(), torch.ones(len(pairs)), atol=1e-4)
topics = torch.block_diag(*[torch.ones(2, 2)] * 4).bool()  # the 2 × 2 blocks: sentences of the same topic
same_topic = topics & ~torch.eye(len(pairs), dtype=torch.bool)
print(f"mean cosine: same topic {matrix[same_topic].mean():.2f}, different topics {matrix[~topics].mean():.2f}")
if official:  # a sentence-embedding model: every paraphrase is closer than every unrelated pair
    assert matrix[same_topic].min() > matrix[~topics].max()

# %% [markdown]
# ## The original release
#
# Google released BERT as TensorFlow checkpoints: `uncased_L-12_H-768_A-12.zip`, the 24 small BERTs
# (`uncased_L-2_H-128_A-2`, ...), `multi_cased_…`, `chinese_…`, and every model people trained with
# `run_pretraining.py`, `run_classifier.py` or `run_squad.py`. minibert reads them without TensorFlow. The folders in
# `checkpoints/tf/` are tiny stand-ins written by TensorFlow's own saver, in the original variable layout
# (`scripts/make_tf_checkpoints.py`); next to each, `tf_values.safetensors` holds what TensorFlow reads back.
#
# A checkpoint `PREFIX` is a `PREFIX.index` (which variable is where) and one or more `PREFIX.data-0000k-of-0000N`
# (the raw bytes of the tensors, one after the other). Modules: `minibert/loading/tf_bundle.py` (the bundle),
# `minibert/loading/sstable.py` (the index's table, drawn in its docstring), `minibert/loading/protobuf_wire.py`
# (its values' encoding), `minibert/loading/crc32c.py`, `minibert/loading/tf_names.py`,
# `minibert/loading/tf_checkpoint.py`.

# %%
TF_RELEASE = ROOT / "checkpoints" / "tf" / "uncased_L-2_H-24_A-3"
for f in sorted(TF_RELEASE.iterdir()):
    print(f"   {f.name:<38} {f.stat().st_size:>8,} bytes")

# %% [markdown]
# ### Inside a `.index` file
#
# The index is a sorted key → value table in LevelDB's "SSTable" format: blocks of entries, an index block saying
# where each block is, and a 48-byte footer ending in a magic number. The keys are variable names; each value is a
# `BundleEntryProto`, a protocol-buffer message. We decode one by hand: a protobuf message is a run of fields, each
# introduced by a varint `field_number << 3 | wire_type`.

# %%
from minibert.loading import tf_bundle
from minibert.loading.crc32c import crc32c, unmask
from minibert.loading.protobuf_wire import fields, varint
from minibert.loading.sstable import read_table

index_bytes = (TF_RELEASE / "bert_model.ckpt.index").read_bytes()
print("footer magic:", hex(int.from_bytes(index_bytes[-8:], "little")), "(the table's signature)")
entries = read_table(TF_RELEASE / "bert_model.ckpt.index")
print(f"{len(entries)} keys; the first ones:", [k.decode() for k in list(entries)[:3]])

value = entries[b"bert/pooler/dense/kernel"]
print("\nthe entry of bert/pooler/dense/kernel, byte by byte:", value.hex(" "))
NAMES = {1: "dtype", 2: "shape", 3: "shard_id", 4: "offset", 5: "size", 6: "crc32c (masked)"}
pos = 0
while pos < len(value):
    key, after = varint(value, pos, len(value), "demo")
    number, wire = key >> 3, key & 7
    if wire == 0:
        field, end = varint(value, after, len(value), "demo")
    elif wire == 5:
        field, end = int.from_bytes(value[after:after + 4], "little"), after + 4
    else:  # wire type 2: a length, then that many bytes (here: the nested TensorShapeProto)
        length, start = varint(value, after, len(value), "demo")
        field, end = value[start:start + length], start + length
    print(f"   bytes {value[pos:end].hex(' '):<28} field {number} ({NAMES[number]}), wire type {wire}: {field!r}")
    pos = end
shape = [dict(fields(dim, "demo"))[1] for n, dim in fields(dict(fields(value, ""))[2], "")]
print("shape, from the nested message: dim { size: 24 } dim { size: 24 } ->", shape)

# The checksum: CRC-32C of the tensor's bytes in the data file, stored "masked" (rotated, plus a constant).
bundle = tf_bundle.TensorBundle(TF_RELEASE / "bert_model.ckpt")
e = bundle.entries["bert/pooler/dense/kernel"]
raw = (TF_RELEASE / "bert_model.ckpt.data-00000-of-00001").read_bytes()[e.offset:e.offset + e.size]
print(f"dtype {e.dtype}, {e.size} bytes at offset {e.offset}; crc32c of those bytes {crc32c(raw):#010x}, "
      f"the index says {unmask(dict(fields(value, ''))[6]):#010x}")
assert crc32c(raw) == e.crc32c and shape == [24, 24]

# %% [markdown]
# Where everything sits in the data file: this checkpoint was saved during pre-training, so next to every weight
# lie Adam's two moment estimates (`NAME/adam_m`, `NAME/adam_v`), twice the weights' size, and the step counter.
# They are training state, not model: loading skips them and says so.

# %%
kind_color = {"weight": "tab:blue", "adam_m": "tab:orange", "adam_v": "tab:green", "global_step": "tab:red"}
fig, ax = plt.subplots(figsize=(10, 2.4))
for entry in bundle.entries.values():
    kind = entry.name.rsplit("/", 1)[-1]
    kind = kind if kind in kind_color else "weight"
    ax.broken_barh([(entry.offset, max(entry.size, 200))], (0, 1), color=kind_color[kind])
ax.set_yticks([])
ax.set_xlim(0, max(e.offset + e.size for e in bundle.entries.values()))
ax.set_xlabel("byte offset in bert_model.ckpt.data-00000-of-00001")
ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in kind_color.values()],
          labels=["weight", "adam_m", "adam_v", "global_step (8 bytes)"], ncol=4, loc="lower center",
          bbox_to_anchor=(0.5, 1.0), frameon=False)
fig.suptitle("the data file, tensor by tensor (in name order)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### The name mapping
#
# Google named each variable by its TensorFlow scope; the reference names the same weight by its module path. A
# dense layer's `kernel` is stored (in, out), because TensorFlow computes `x @ W`; `nn.Linear` stores (out, in), so
# kernels are transposed. The output layers Google wrote by hand (`tf.matmul(x, W, transpose_b=True)`) are stored
# (out, in) already and keep their layout. Layer 0 stands for every layer:

# %% [markdown]
# **Your turn: exercise 21, `tf_to_hf_keys`.** Before you read the next cell, write the mapping: for each of Google's variable names, the Hugging Face key (`layer_N` → `layer.N`, `/` → `.`, `kernel` → `weight`, `gamma`/`beta` → `weight`/`bias`, `.weight` after an embedding table, `None` for Adam's slots and the step counter) and whether to transpose it. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/tf_to_hf_keys.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 21 --impl my_exercises`.
#
# *Predict, then run:* of this checkpoint's variables, how many are weights minibert loads, and how many of those are transposed? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_tf_to_hf_keys(names):
#     ...  # your code
my_tf_to_hf_keys = None  # <- delete this line once your function is written above; None skips the grading
grade("tf_to_hf_keys", my_tf_to_hf_keys)

# %% [answer]
import re

from minibert.loading.tf_names import is_training_state, reference_key

HAND_WRITTEN = {"cls/seq_relationship/output_weights": "cls.seq_relationship.weight",
                "cls/seq_relationship/output_bias": "cls.seq_relationship.bias",
                "cls/predictions/output_bias": "cls.predictions.bias"}  # already (out, in): kept as is
tf_names = sorted(bundle.entries)
by_hand = {}
for name in tf_names:
    if name.endswith(("/adam_m", "/adam_v")) or name == "global_step":
        continue  # training state, not a weight
    if name in HAND_WRITTEN:
        by_hand[name] = (HAND_WRITTEN[name], False)
        continue
    key = re.sub(r"/layer_(\d+)/", r"/layer/\1/", name).replace("/", ".")
    scope, _, leaf = key.rpartition(".")
    if leaf.endswith("_embeddings"):
        by_hand[name] = (key + ".weight", False)
    else:
        renamed = {"kernel": "weight", "gamma": "weight", "beta": "bias"}.get(leaf, leaf)
        by_hand[name] = (f"{scope}.{renamed}", leaf == "kernel")
assert by_hand == {n: reference_key(n) for n in tf_names if not is_training_state(n)}  # minibert's own table
print(f"{len(tf_names)} variables: {len(by_hand)} weights, {sum(t for _, t in by_hand.values())} of them "
      f"transposed; {len(tf_names) - len(by_hand)} training state")

# %% [stub]
# Your turn (exercise 21, `tf_to_hf_keys`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's own table (minibert/loading/tf_names.py) stands in for it, so the lesson runs on.
from minibert.loading.tf_names import is_training_state, reference_key

tf_names = sorted(bundle.entries)
by_hand = {n: reference_key(n) for n in tf_names if not is_training_state(n)}

# %%
from minibert.loading.tf_names import mapping_table

for tf_name, key, layout in mapping_table():
    print(f"{tf_name:<55} -> {key:<52} {layout}")

# %% [markdown]
# ### Loading
#
# The folder, the prefix (`.../bert_model.ckpt`, as TensorFlow names a checkpoint) and the `.index` file all load,
# into any head class, with the usual report. `BertConfig` reads `bert_config.json`; the tokenizer reads `vocab.txt`
# and lower-cases because the folder's name says `uncased_`. (The reference's `from_tf=True` is accepted, and not
# needed.) `python -m minibert convert FOLDER OUT` writes the same weights as a normal `model.safetensors` folder.

# %%
from safetensors.torch import load_file as load_safetensors

from minibert import BertForPreTraining, BertForQuestionAnswering, BertTokenizer

tf_model, info = BertForPreTraining.from_pretrained(TF_RELEASE / "bert_model.ckpt", output_loading_info=True)
print("missing:", info["missing_keys"], " unused:", info["unexpected_keys"])
tf_read = load_safetensors(TF_RELEASE / "tf_values.safetensors")  # what TensorFlow itself reads
query = tf_model.bert.encoder.layer[0].attention.self.query.weight.detach()
assert torch.equal(query, tf_read["bert/encoder/layer_0/attention/self/query/kernel"].T)
print("layer 0's query weight = TensorFlow's kernel, transposed:", tuple(query.shape))

tokenizer = BertTokenizer.from_pretrained(TF_RELEASE)
print(tokenizer.tokenize("Hello World, the quick brown fox!"))

squad = ROOT / "checkpoints" / "tf" / "uncased_L-3_H-16_A-2_squad"  # a run_squad.py output folder
qa = BertForQuestionAnswering.from_pretrained(squad)
assert torch.equal(qa.qa_outputs.weight.detach(), load_safetensors(squad / "tf_values.safetensors")["cls/squad/output_weights"])
print("cls/squad/output_weights -> qa_outputs.weight", tuple(qa.qa_outputs.weight.shape))

# %% [markdown]
# ### The compatibility table
#
# `check_checkpoint` on the release folder: minibert reads the TensorFlow files; the reference (which would need
# TensorFlow for them) reads minibert's conversion, so this table checks the computation, while the name mapping is
# checked against the values TensorFlow reads (`tests/loading/test_tf_checkpoint.py`, and live against TensorFlow and the
# reference's own `load_tf_weights_in_bert` in CI: `tests/loading/test_tf_reference.py`, where that function crashes on a
# `BertModel`, on a `run_classifier.py` head and on a `run_squad.py` head into `BertForQuestionAnswering`).

# %%
from minibert.parity.reference import reference_library

if reference_library() is None:  # the TensorFlow release stores no reference outputs: transformers is the reference
    print("transformers is not installed (pip install -e '.[dev]' adds it): no reference for the TensorFlow "
          "release, so this table is skipped")
else:
    tf_report = check_checkpoint(TF_RELEASE)
    print(tf_report.format_table())
    assert tf_report.ok

# %% [markdown]
# **What to remember.** Loading is a key-to-module match; the variants (prefix, gamma/beta, stale buffers, extra
# heads) are renamed, ignored or reported, never silently guessed; an original TensorFlow checkpoint is a sorted
# table of names pointing into a file of raw bytes, and its names map onto the same modules. The compatibility
# table compares module by module, so the first red row says where to look. Next, notebook 09: making a loaded model smaller.
