# %% [markdown]
# # 07 · The pooler and the task heads
#
# **What you will understand by the end**
# * the pooler: how BERT gets one vector per sequence from the `[CLS]` position;
# * each task head of the reference API, what it adds on top of `BertModel`, and its shapes in and out:
#   pre-training (MLM + NSP), masked LM, next-sentence prediction, sequence classification, multiple choice,
#   token classification, question answering;
# * why the masked-LM decoder shares its weight with the word embeddings;
# * that a head saved by minibert is read by `transformers` and gives the same logits;
# * how the same block becomes a decoder: the causal mask, cross-attention, the key/value cache and greedy
#   generation (`BertLMHeadModel`);
# * BERT versus GPT: the two masks, what an MLM and a next-token prediction each read (measured), when to use which.
#
# BERT's recipe (Devlin et al., 2019, §3 and Figure 4): pre-train one encoder, then put a *small* task-specific
# layer on top and fine-tune everything. Almost all parameters live in the shared encoder; a head is one or two
# linear layers reading either the pooled `[CLS]` vector (sequence-level tasks) or every token's vector
# (token-level tasks).
#
# Modules: `minibert/bert/pooler.py`, `minibert.heads`,
# `minibert/bert/outputs.py`. Exercises: the pooler, QA best-span decoding.

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

MODEL = resolve_model().name_or_path
torch.manual_seed(0)
print(f"device: {DEVICE}   repository: {ROOT}")


# %% [markdown]
# ## The pooler
#
# pooled = tanh(W · h[:, 0] + b): a dense layer and tanh on the first position's vector. `[CLS]` has no meaning
# of its own, so through pre-training (next-sentence prediction) its final vector learns to summarise the input.

# %% [markdown]
# **Your turn: exercise 11, `pooler`.** Before you read the next cell, write the pooler: tanh of a dense layer applied to the first position's vector. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/pooler.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 11 --impl my_exercises`.
#
# *Predict, then run:* for this batch of 2 texts, what shape will `pooler_output` have (and `last_hidden_state` before it)? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_pooler(hidden_states, dense_weight, dense_bias):
#     ...  # your code
my_pooler = None  # <- delete this line once your function is written above; None skips the grading
grade("pooler", my_pooler)

# %%
from minibert import BertModel, BertTokenizer

tokenizer = BertTokenizer.from_pretrained(MODEL)
model = BertModel.from_pretrained(MODEL).to(DEVICE)
batch = tokenizer(["Where is the cat?", "Hello world!"], padding=True, return_tensors="pt").to(DEVICE)
with torch.no_grad():
    out = model(**batch)

# %% [answer]
with torch.no_grad():
    by_hand = torch.tanh(model.pooler.dense(out.last_hidden_state[:, 0]))  # (B, C)
print("last_hidden_state", tuple(out.last_hidden_state.shape), "→ pooler_output", tuple(out.pooler_output.shape))
assert torch.allclose(by_hand, out.pooler_output, atol=1e-6)

# %% [stub]
# Your turn (exercise 11, `pooler`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's BertPooler stands in for it, so the lesson runs on.
print("last_hidden_state", tuple(out.last_hidden_state.shape), "→ pooler_output", tuple(out.pooler_output.shape))

# %% [markdown]
# ## Seven heads on one small random config
#
# For each head: the parameters it adds beyond the encoder (`bert.*`), and the shapes of what goes in and comes
# out. Every head computes its loss when given labels (cross-entropy; -100 marks positions to ignore).

# %%
import minibert
from minibert import BertConfig

cfg = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
           max_position_embeddings=32)
B, T, N_CHOICES = 2, 8, 4
g = torch.Generator().manual_seed(0)
ids = torch.randint(5, 100, (B, T), generator=g)
label_for = {
    "BertForPreTraining": dict(labels=torch.randint(0, 100, (B, T), generator=g), next_sentence_label=torch.tensor([0, 1])),
    "BertForMaskedLM": dict(labels=torch.randint(0, 100, (B, T), generator=g)),
    "BertForNextSentencePrediction": dict(labels=torch.tensor([0, 1])),
    "BertForSequenceClassification": dict(labels=torch.tensor([2, 0])),
    "BertForMultipleChoice": dict(labels=torch.tensor([3, 1])),
    "BertForTokenClassification": dict(labels=torch.randint(0, 3, (B, T), generator=g)),
    "BertForQuestionAnswering": dict(start_positions=torch.tensor([1, 2]), end_positions=torch.tensor([3, 2])),
}
heads, outputs, inputs_of = {}, {}, {}
for name, labels in label_for.items():
    torch.manual_seed(0)
    config = BertConfig(**{**cfg, "num_labels": 2 if name == "BertForQuestionAnswering" else 3})  # QA: start, end
    head = getattr(minibert, name)(config).to(DEVICE).eval()
    inputs = {"input_ids": ids}
    if name == "BertForMultipleChoice":  # (B, choices, T): each choice is encoded separately
        inputs = {"input_ids": torch.randint(5, 100, (B, N_CHOICES, T), generator=g)}
    inputs = {k: v.to(DEVICE) for k, v in {**inputs, **labels}.items()}
    with torch.no_grad():
        out = head(**inputs)
    heads[name], outputs[name], inputs_of[name] = head, out, inputs
    added = {k: tuple(p.shape) for k, p in head.named_parameters() if not k.startswith("bert.")}
    shapes = {k: tuple(v.shape) for k, v in out.items() if torch.is_tensor(v) and k != "loss"}
    print(f"{name}\n   in   input_ids {tuple(inputs['input_ids'].shape)}\n   out  {shapes}, loss {out.loss.item():.3f}")
    print("   adds", ", ".join(f"{k} {shape}" for k, shape in added.items()))

# %% [markdown]
# Reading the list:
# * **sequence-level** heads read the pooled `[CLS]` vector: NSP → 2 logits (IsNext / NotNext), sequence
#   classification → `num_labels` logits, multiple choice → 1 score per choice (the choices are folded into the
#   batch, scored one by one, and the scores compared by a softmax over choices);
# * **token-level** heads read every position: masked LM → a score for every vocabulary entry at every position,
#   token classification → `num_labels` per token, question answering → a start and an end score per token;
# * the MLM head adds a transform (dense + GELU + LayerNorm) and a per-token bias, but **no** (C, V) matrix of its own.

# %%
C, V = cfg["hidden_size"], cfg["vocab_size"]
expect = {
    "BertForPreTraining": {"prediction_logits": (B, T, V), "seq_relationship_logits": (B, 2)},
    "BertForMaskedLM": {"logits": (B, T, V)},
    "BertForNextSentencePrediction": {"logits": (B, 2)},
    "BertForSequenceClassification": {"logits": (B, 3)},
    "BertForMultipleChoice": {"logits": (B, N_CHOICES)},
    "BertForTokenClassification": {"logits": (B, T, 3)},
    "BertForQuestionAnswering": {"start_logits": (B, T), "end_logits": (B, T)},
}
for name, fields in expect.items():
    for field, shape in fields.items():
        assert tuple(outputs[name][field].shape) == shape, (name, field)
    assert outputs[name].loss.dim() == 0  # a scalar

mlm = heads["BertForMaskedLM"]
decoder = mlm.get_output_embeddings()
assert decoder.weight is mlm.get_input_embeddings().weight  # the same tensor: tied
print(f"decoder weight {tuple(decoder.weight.shape)} is the word-embedding matrix itself "
      f"(saves {decoder.weight.numel():,} parameters here, 23M in bert-base)")

# %% [markdown]
# WHY tie the decoder to the embeddings (Press & Wolf, 2017, "Using the Output Embedding to Improve Language
# Models"): predicting token t means scoring h · e_t against every word vector e_t, with the same vectors that
# represent t at the input. It halves the vocabulary parameters and ties what the model reads to what it writes.
#
# ## From logits to an answer: question answering
#
# A QA head scores each token as the start and as the end of the answer; the answer is the span (s, e) with the
# largest start[s] + end[e], s ≤ e, within a maximum length (`minibert.training.metrics.best_span`).

# %% [markdown]
# **Your turn: exercise 15, `qa_best_span`.** Before you read the next cell, write best-span decoding: the (start, end) with start ≤ end, at most `max_answer_length` long, on allowed positions, with the highest start + end score. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/qa_best_span.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 15 --impl my_exercises`.
#
# *Predict, then run:* with random scores and a maximum length of 5, will the best span usually be a single token or longer? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_qa_best_span(start_logits, end_logits, allowed, max_answer_length):
#     ...  # your code
my_qa_best_span = None  # <- delete this line once your function is written above; None skips the grading
grade("qa_best_span", my_qa_best_span)

# %%
from minibert.training.metrics import best_span

qa = outputs["BertForQuestionAnswering"]
# The untrained head's scores are all near 0; random scores of the same (B, T) shape make a better test.
start_logits, end_logits = torch.randn(B, T, generator=g) * 3, torch.randn(B, T, generator=g) * 3
assert start_logits.shape == qa.start_logits.shape
spans = best_span(start_logits, end_logits, max_answer_length=5)  # (B, 2)
for b, (s, e) in enumerate(spans.tolist()):
    brute = max(((i, j) for i in range(T) for j in range(i, min(T, i + 5))),
                key=lambda ij: (start_logits[b, ij[0]] + end_logits[b, ij[1]]).item())
    print(f"example {b}: best span {s}..{e}  (brute force over all spans: {brute[0]}..{brute[1]})")
    assert (s, e) == brute

# %% [markdown]
# Example 0 as a picture: the start and end score of every token, and the span the search picked (shaded). The
# best span is not simply the argmax of each: it must have start ≤ end and at most 5 tokens.

# %%
import matplotlib.pyplot as plt

s0, e0 = spans[0].tolist()
fig, ax = plt.subplots(figsize=(9, 3))
positions = torch.arange(T)
ax.bar(positions - 0.2, start_logits[0], width=0.4, label="start score")
ax.bar(positions + 0.2, end_logits[0], width=0.4, label="end score")
ax.axvspan(s0 - 0.5, e0 + 0.5, color="tab:green", alpha=0.15, label=f"best span {s0}..{e0}")
ax.set(xlabel="token position", ylabel="logit", title="question answering: from two scores per token to a span (random scores)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Saved by minibert, read by the reference
#
# Each head is saved with `save_pretrained` and loaded by `transformers`' class of the same name; both must give
# the same logits and loss on the same inputs.

# %%
import tempfile

try:
    import transformers
except ImportError:
    transformers = None
    print("transformers is not installed: skipping the comparison")
if transformers is not None:
    transformers.logging.set_verbosity_error()
    with tempfile.TemporaryDirectory() as tmp:
        for name, head in heads.items():
            head.save_pretrained(f"{tmp}/{name}")
            ref = getattr(transformers, name).from_pretrained(f"{tmp}/{name}", attn_implementation="eager")
            ref = ref.to(DEVICE).eval()
            with torch.no_grad():
                theirs = ref(**inputs_of[name])
            worst = max((outputs[name][k] - theirs[k]).abs().max().item()
                        for k in outputs[name].keys() if torch.is_tensor(outputs[name][k]))
            print(f"{name:<31} max |Δ| over logits and loss = {worst:.1e}")
            assert worst <= 1e-5

# %% [markdown]
# **What to remember.** The pooler is tanh(dense(h_CLS)); every head is a thin layer over the shared encoder,
# reading `[CLS]` for sequence tasks or every token for token tasks; the MLM decoder reuses the input embeddings.

# %% [markdown]
# ## The same block, as a decoder
#
# Everything so far was an *encoder*: every token reads every other, left and right. A Transformer *decoder*
# (Vaswani et al., 2017, §3.1) is the same `BertLayer` with one change and one addition:
# * **a causal mask**: token i may attend to tokens 0..i only (`config.is_decoder=True`). Then position i's
#   vector knows nothing of token i + 1, and can honestly be asked to predict it: a left-to-right language model;
# * **cross-attention** (`config.add_cross_attention=True`): a third sublayer between attention and feed-forward,
#   whose queries are the decoder's tokens and whose keys and values are an encoder's output. This is how
#   `EncoderDecoderModel` builds bert2bert (Rothe et al., 2020) from two BERT checkpoints.
#
# `BertLMHeadModel` is that decoder with the masked-LM head on top; the weights and their names are the encoder's
# (plus `crossattention.*`). Below, the two masks for one padded row `[a b c PAD]` (white = may attend), and a
# decoder's attention probabilities: nothing above the diagonal.

# %%
import matplotlib.pyplot as plt

from minibert import BertLMHeadModel
from minibert.bert.masks import causal_attention_mask, extended_attention_mask

pad_mask = torch.tensor([[1, 1, 1, 0]])  # (1, 4): three real tokens, one padding
bidirectional = extended_attention_mask(pad_mask, torch.float32).expand(1, 1, 4, 4)  # (1, 1, T, T) additive
causal = causal_attention_mask(pad_mask, 1, 4, 0, torch.float32, torch.device("cpu"))  # (1, 1, T, T) additive

torch.manual_seed(0)
decoder_lm = BertLMHeadModel(BertConfig(**cfg, is_decoder=True, attn_implementation="eager")).to(DEVICE).eval()
with torch.no_grad():
    dec_ids = ids.to(DEVICE)  # (B, T)
    probs = decoder_lm(dec_ids, output_attentions=True).attentions[0][0, 0]  # layer 0, row 0, head 0: (T, T)
assert probs.triu(1).abs().max() == 0  # no query attends to a later key

fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
labels = ["a", "b", "c", "PAD"]
for ax, m, title in ((axes[0], bidirectional, "encoder: bidirectional"), (axes[1], causal, "decoder: causal")):
    ax.imshow((m[0, 0] == 0).float(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_xticks(range(4), labels)
    ax.set_yticks(range(4), labels)
    ax.set_xlabel("key (attended to)")
axes[0].set_ylabel("query")
axes[2].imshow(probs.cpu(), cmap="viridis", vmin=0, vmax=1)
axes[2].set_title(f"decoder attention, head 0 (T={T})")
axes[2].set_xlabel("key")
plt.tight_layout()
plt.show()

# %% [markdown]
# What the mask buys, measured: change the *last* token. In the encoder every position's vector changes; in the
# decoder only the last one does, because no earlier position could see it. And the language-model loss is the
# masked-LM cross-entropy with the labels shifted by one: position t is scored on token t + 1.

# %%
import torch.nn.functional as F

encoder_lm = minibert.BertForMaskedLM(BertConfig(**cfg)).to(DEVICE).eval()
encoder_lm.load_state_dict(decoder_lm.state_dict())  # the very same weights: only the mask differs
changed = dec_ids.clone()
changed[:, -1] = (changed[:, -1] + 1) % 100
with torch.no_grad():
    for name, m in (("encoder", encoder_lm), ("decoder", decoder_lm)):
        delta = (m(dec_ids).logits - m(changed).logits).abs().amax(dim=(0, 2))  # (T,): per position
        print(f"{name}: logits changed at positions {delta.gt(1e-6).nonzero().flatten().tolist()}")
    assert (decoder_lm(dec_ids).logits - decoder_lm(changed).logits)[:, :-1].abs().max() == 0

    out = decoder_lm(dec_ids, labels=dec_ids)
    by_hand = F.cross_entropy(out.logits[:, :-1].reshape(-1, cfg["vocab_size"]), dec_ids[:, 1:].reshape(-1))
print(f"next-token loss {out.loss.item():.4f} = cross-entropy(logits[:, :-1], ids[:, 1:]) {by_hand.item():.4f}")
assert torch.allclose(out.loss, by_hand)

# %% [markdown]
# ## Decoding with a key/value cache
#
# To generate, the decoder predicts the next token, appends it, and runs again. Because of the causal mask the
# earlier tokens' keys and values never change, so the model keeps them (`past_key_values`, minibert/bert/cache.py)
# and each later step feeds only the newest token. `generate` decodes greedily (the most likely token each
# step); the reference's `generate(do_sample=False)` gives the same tokens. Our tiny random model writes random
# tokens, of course: a decoder must be *trained* to predict the next token.

# %%
with torch.no_grad():
    full = decoder_lm(dec_ids, use_cache=False).logits  # (B, T, V), every position at once
    step = decoder_lm(dec_ids[:, :5])  # the prompt: 5 tokens, cache returned
    cache = step.past_key_values
    print("cache after the prompt:", len(cache), "layers, keys", tuple(cache[0][0].shape), "(B, H, T_kept, d)")
    for t in range(5, T):  # then one token at a time, reading the cache
        step = decoder_lm(dec_ids[:, t:t + 1], past_key_values=cache)
        assert torch.allclose(step.logits[:, 0], full[:, t], atol=1e-5)
print("one token at a time with the cache = all at once without it; cache now holds", cache.get_seq_length())

generated = decoder_lm.generate(dec_ids[:, :4], max_new_tokens=6)  # (B, 4 + 6)
print("greedy continuation:", generated[:, 4:].tolist())
if transformers is not None:
    with tempfile.TemporaryDirectory() as tmp:
        decoder_lm.save_pretrained(tmp)
        ref = transformers.BertLMHeadModel.from_pretrained(tmp).to(DEVICE).eval()
        theirs = ref.generate(dec_ids[:, :4], max_new_tokens=6, do_sample=False)
    print("transformers' generate(do_sample=False):", theirs[:, 4:].tolist())
    assert theirs.tolist() == generated.tolist()

# %% [markdown]
# **What to remember about the decoder.** Same block, same weights: a causal mask turns the encoder into a
# left-to-right language model, a cross-attention sublayer lets it read an encoder, and the cache makes each
# generated token cost one token's work.

# %% [markdown]
# ## BERT versus GPT: what each objective sees
#
# BERT is an encoder pre-trained with masked language modelling (MLM): hide ~15% of the tokens, predict each from
# the whole sentence. GPT (Radford et al., 2018) is a decoder pre-trained as a causal language model (CLM): predict
# every token from the tokens before it. The block is the same; what differs is the mask, and so what a prediction
# may read. First the two masks, as minibert computes them (`self_attention_mask`, the function `BertModel` calls),
# for one real sentence of the model's tokenizer, padded by two to show the padding columns.

# %%
from minibert.bert.masks import self_attention_mask

sentence = "this function always returns a new reference."
n_real = len(tokenizer(sentence)["input_ids"])
padded = tokenizer(sentence, padding="max_length", max_length=n_real + 2, return_tensors="pt")
labels = tokenizer.convert_ids_to_tokens(padded["input_ids"][0].tolist())  # the tick labels, from the tokenizer
T_s = len(labels)
visible = {}
for name, is_decoder in (("BERT (encoder): padding mask", False), ("GPT-style (decoder): causal mask", True)):
    additive = self_attention_mask(padded["attention_mask"], is_decoder, 1, T_s, 0, torch.float32,
                                   torch.device("cpu"))  # (1, 1, 1, T) encoder or (1, 1, T, T) decoder
    visible[name] = (additive == 0).expand(1, 1, T_s, T_s)[0, 0]  # (T, T) True = query may attend to key
    print(f"{name:<34} additive mask {tuple(additive.shape)}; keys each query sees: "
          f"{visible[name].sum(dim=1).tolist()}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
for ax, (name, v) in zip(axes, visible.items()):
    ax.imshow(v.float(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(name)
    ax.set_xticks(range(T_s), labels, rotation=90)
    ax.set_yticks(range(T_s), labels)
    ax.set_xlabel("key (attended to)")
axes[0].set_ylabel("query")
plt.tight_layout()
plt.show()

# %% [markdown]
# The mask is a statement about the wiring; what a *prediction* actually depends on can be measured. Take the
# trained checkpoint's MLM model, and a `BertLMHeadModel` built from the same config with `is_decoder=True` and
# given the very same weights. For one sentence, predict one token t both ways:
# * **MLM**: replace token t with `[MASK]` and read the logit of the true token at position t;
# * **CLM**: read the logit of token t at position t − 1 (the next-token prediction, which must not see token t).
#
# Then ask how much that logit depends on each input token: the norm of its gradient with respect to that token's
# input embedding. A zero means the prediction cannot change whatever that token is. (The decoder's weights were
# trained for MLM, not CLM, so its *predictions* are poor; what it can see is fixed by the mask alone.)

# %%
from minibert import BertForMaskedLM

mlm = BertForMaskedLM.from_pretrained(MODEL).to(DEVICE).eval()
clm = BertLMHeadModel(BertConfig.from_pretrained(MODEL, is_decoder=True)).to(DEVICE).eval()
clm.load_state_dict(mlm.state_dict())  # the same weights: only the mask differs

ids_s = tokenizer(sentence, return_tensors="pt")["input_ids"].to(DEVICE)  # (1, T), no padding
words = tokenizer.convert_ids_to_tokens(ids_s[0].tolist())
t = len(words) // 2  # the token to predict: the middle one
target = ids_s[0, t]


def saliency(model, input_ids, position):
    """|d logit(target at position) / d input embedding| for each input token: (T,)."""
    embeds = model.get_input_embeddings()(input_ids).detach().requires_grad_(True)  # (1, T, C)
    model(inputs_embeds=embeds).logits[0, position, target].backward()
    return embeds.grad[0].norm(dim=-1)


masked_ids = ids_s.clone()
masked_ids[0, t] = tokenizer.mask_token_id
seen = {"MLM": saliency(mlm, masked_ids, t), "CLM": saliency(clm, ids_s, t - 1)}
print(f"predicting token {t} {words[t]!r}: MLM at position {t} ([MASK]), CLM at position {t - 1} ({words[t - 1]!r})")
print(f"{'input token':>14} {'MLM |grad|':>11} {'CLM |grad|':>11}   (* = [MASK] in the MLM input)")
for j, w in enumerate(words):
    shown = f"{w}*" if j == t else w
    print(f"{j:>3} {shown:>10} {seen['MLM'][j].item():11.3e} {seen['CLM'][j].item():11.3e}")
print("MLM reads tokens", seen["MLM"].gt(0).nonzero().flatten().tolist(),
      "; CLM reads tokens", seen["CLM"].gt(0).nonzero().flatten().tolist())
assert seen["MLM"].gt(0).all()  # both sides of the masked position
assert seen["CLM"][:t].gt(0).all() and seen["CLM"][t:].eq(0).all()  # left of the target only, not the target

# %% [markdown]
# What each costs, counted with a hook on the embeddings (it runs once per forward pass): BERT reads a whole input
# in one pass, every token at once. A decoder that *writes* n tokens needs n passes: the first reads the prompt
# and gives the first new token, each later one is fed only the newest token, thanks to the cache.

# %%
fed = {"encoder": [], "decoder": []}  # the number of tokens each forward pass reads
hooks = [m.bert.embeddings.register_forward_hook(lambda module, args, out, key=key: fed[key].append(out.shape[1]))
         for key, m in (("encoder", mlm), ("decoder", clm))]
with torch.no_grad():
    mlm(masked_ids)  # fill every [MASK] of the sentence
    clm.generate(ids_s[:, :4], max_new_tokens=5)  # write 5 tokens after a 4-token prompt
for hook in hooks:
    hook.remove()
print(f"encoder, reading {ids_s.shape[1]} tokens: {len(fed['encoder'])} forward pass, tokens fed {fed['encoder']}")
print(f"decoder, writing 5 tokens: {len(fed['decoder'])} forward passes, tokens fed per pass {fed['decoder']}")
assert fed["encoder"] == [ids_s.shape[1]] and fed["decoder"] == [4, 1, 1, 1, 1]

# %% [markdown]
# **When to use which.**
#
# | | encoder (BERT, MLM) | decoder (GPT, causal LM) |
# |---|---|---|
# | each position sees | the whole input, both sides | itself and the tokens to its left |
# | good for | understanding a given text: classification, token tagging, extractive QA, sentence embeddings for search | producing text: continuation, generation, and (at scale) tasks posed as text to continue |
# | cost | one forward pass over all tokens | writing n tokens: n passes, the first over the prompt, then one token each with the cache |
# | training signal per sentence | the ~15% masked tokens | every token (each predicts the next) |
#
# The measurements above are the first row: the MLM prediction read tokens on both sides of `[MASK]`, the
# next-token prediction none at or after its target. An encoder cannot generate left to right without being
# trained to, and a decoder's token vectors have not seen the rest of the sentence, which is why BERT-style
# encoders remain the usual choice for classification, extraction and embeddings, and decoders for generation.
# Encoder-decoder models (T5, bert2bert with cross-attention above) combine both: an encoder reads the input,
# a decoder writes the output.
#
# Next, notebook 08: putting real, trained weights into these modules.
