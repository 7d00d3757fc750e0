# %% [markdown]
# # 02 · The tokenizer: from text to ids and back
#
# **What you will understand by the end**
# * the two stages of BERT's tokenizer: the *basic* tokenizer (clean, lowercase, strip accents, split on
#   whitespace and punctuation) and *WordPiece* (split each word into the longest pieces the vocabulary has);
# * why the vocabulary has `##` pieces, and why almost no word is ever "unknown";
# * the special tokens `[CLS]`, `[SEP]`, `[PAD]`, `[MASK]`, `[UNK]` and where they go, for one text and for a pair;
# * what `token_type_ids`, `attention_mask`, padding, truncation and offsets are for.
# * why Chinese BERTs use one token per character, what that costs, and how they mask whole words.
#
# WordPiece (Schuster & Nakajima, 2012; Wu et al., 2016, §4.1) keeps a fixed vocabulary of ~30k whole words and
# word pieces. A rare word is split into frequent pieces (`tokenization` → `token ##ization`) instead of being
# thrown away as unknown: the model sees every word, through pieces it has seen often.
#
# Modules: `minibert/tokenization/basic.py`,
# `minibert/tokenization/wordpiece.py`, `minibert/tokenization/bert_tokenizer.py`,
# `minibert/tokenization/encoding.py`, `minibert/tokenization/truncation.py`,
# `minibert/tokenization/padding.py`. Exercises: WordPiece longest-match, BasicTokenizer splitting.

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
# ## String → tokens → ids → string
#
# `checkpoints/tiny-bert/vocab.txt` is the bert-base-uncased vocabulary: 30,522 lines, and a token's id is its
# line number.

# %%
from minibert import BertTokenizer

tokenizer = BertTokenizer.from_pretrained(TINY)
text = "Tokenization of naïve, UNBELIEVABLE words!"
words = tokenizer.basic_tokenizer.tokenize(text)  # stage 1: clean, lowercase, strip accents, split
tokens = tokenizer.tokenize(text)  # stage 1 + stage 2 (WordPiece on each word)
ids = tokenizer.convert_tokens_to_ids(tokens)
print("words: ", words)
print("tokens:", tokens)
print("ids:   ", ids)
print("back:  ", tokenizer.decode(ids))
assert words == ["tokenization", "of", "naive", ",", "unbelievable", "words", "!"]  # lowercased, accent gone
assert tokens[:2] == ["token", "##ization"]  # "##": this piece continues the previous one, no space before it
assert tokenizer.decode(ids) == "tokenization of naive, unbelievable words!"  # uncased: case and accents are gone

# %% [markdown]
# WordPiece is greedy longest-match-first: from the start of the word, take the longest prefix that is in the
# vocabulary, then repeat on the rest with the `##` prefix. Written out in five lines it gives the same pieces as
# the tokenizer (try it on other words: this is exercise `wordpiece`):

# %% [markdown]
# **Your turn: exercise 3, `wordpiece`.** Before you read the next cell, write greedy longest-match-first WordPiece for one word: the longest vocabulary prefix, then `##` pieces, and `[UNK]` for the whole word when some part matches nothing. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/wordpiece.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 3 --impl my_exercises`.
#
# *Predict, then run:* into which pieces will `minibert` be cut, and will `transformers` keep its final `s` as a piece of its own? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_wordpiece(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
#     ...  # your code
my_wordpiece = None  # <- delete this line once your function is written above; None skips the grading
grade("wordpiece", my_wordpiece)

# %% [answer]
def longest_match(word, vocab):
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start and (("##" if start else "") + word[start:end]) not in vocab:
            end -= 1  # shrink the candidate until the vocabulary knows it
        if end == start:
            return ["[UNK]"]  # not even one character matched: the whole word is unknown
        pieces.append(("##" if start else "") + word[start:end])
        start = end
    return pieces

for word in ["tokenization", "unbelievable", "minibert", "transformers"]:
    ours = longest_match(word, tokenizer.vocab)
    print(f"{word:>13} → {ours}")
    assert ours == tokenizer.tokenize(word)

# %% [stub]
# Your turn (exercise 3, `wordpiece`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's tokenizer stands in for it, so the lesson runs on.
for word in ["tokenization", "unbelievable", "minibert", "transformers"]:
    print(f"{word:>13} → {tokenizer.tokenize(word)}")

# %% [markdown]
# ## Special tokens, single texts and pairs
#
# BERT reads `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`. `[CLS]`'s final vector summarises the input (the pooler,
# notebook 07); `[SEP]` closes each segment. `token_type_ids` say which segment each token belongs to (0 for A,
# 1 for B): the model adds a learned "segment" vector for each (notebook 03).

# %%
print({name: (tok, tokenizer.convert_tokens_to_ids(tok)) for name, tok in tokenizer.special_tokens_map.items()})
pair = tokenizer("Where is the cat?", "It sleeps on the mat.")
print(tokenizer.convert_ids_to_tokens(pair["input_ids"]))
print(pair["token_type_ids"])
first_sep = pair["input_ids"].index(tokenizer.sep_token_id)
assert pair["input_ids"][0] == tokenizer.cls_token_id and pair["input_ids"][-1] == tokenizer.sep_token_id
assert set(pair["token_type_ids"][: first_sep + 1]) == {0} and set(pair["token_type_ids"][first_sep + 1:]) == {1}

# %% [markdown]
# ## Padding and truncation: a batch is a rectangle
#
# Texts of different lengths are padded with `[PAD]` (id 0) to a common length T; `attention_mask` marks real
# tokens with 1 and padding with 0, so attention can ignore the padding (notebook 04). Truncation cuts inputs
# longer than `max_length`; for a pair, `"longest_first"` removes tokens from the longer text first.

# %%
batch = tokenizer(["A short one.", "A somewhat longer sentence, with more words in it."],
                  padding=True, return_tensors="pt")
for row_ids, row_mask in zip(batch["input_ids"], batch["attention_mask"]):
    print(f"{' '.join(tokenizer.convert_ids_to_tokens(row_ids)):<75} mask {row_mask.tolist()}")
assert batch["input_ids"].shape == batch["attention_mask"].shape
assert ((batch["input_ids"] == tokenizer.pad_token_id) == (batch["attention_mask"] == 0)).all()

cut = tokenizer("Where is the cat?", "It sleeps on the mat in the sun all afternoon.", truncation="longest_first",
                max_length=12)
print(tokenizer.convert_ids_to_tokens(cut["input_ids"]))
assert len(cut["input_ids"]) == 12  # the 3 special tokens are always kept

# %% [markdown]
# The same batch as a picture, and a pair of texts: every row has T cells; `attention_mask` greys out the
# padding, `token_type_ids` colours the second text of a pair (segment 1) differently from the first.

# %%
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap

pair = tokenizer(["Where is the cat?", "Who won?"], ["It sleeps on the mat.", "Nobody."], padding=True,
                 return_tensors="pt")
rows = [(batch, "padded batch"), (pair, "padded batch of pairs")]
fig, axes = plt.subplots(len(rows), 1, figsize=(12, 3.6))
for ax, (enc, title) in zip(axes, rows):
    kind = enc["token_type_ids"] + 1  # 1 = segment 0, 2 = segment 1
    kind[enc["attention_mask"] == 0] = 0  # 0 = padding
    ax.imshow(kind, cmap=ListedColormap(["#d9d9d9", "#cfe2f3", "#fde9c9"]), vmin=0, vmax=2, aspect="auto")
    for b, row in enumerate(enc["input_ids"]):
        for t, token in enumerate(tokenizer.convert_ids_to_tokens(row)):
            ax.text(t, b, token, ha="center", va="center", fontsize=8)
    ax.set(title=f"{title}: shape {tuple(enc['input_ids'].shape)} (B, T)", yticks=range(len(enc["input_ids"])),
           xticks=range(enc["input_ids"].shape[1]))
    ax.set_xticks([x - 0.5 for x in range(enc["input_ids"].shape[1] + 1)], minor=True)
    ax.grid(which="minor", color="white", lw=2)
fig.text(0.01, 0.01, "grey: padding (attention_mask 0)   blue: segment 0   orange: segment 1 (token_type_ids)",
         fontsize=8)
fig.tight_layout(rect=(0, 0.04, 1, 1))
plt.show()
assert (pair["token_type_ids"][pair["attention_mask"] == 0] == 0).all()  # padding is segment 0, and masked

# %% [markdown]
# ## Offsets: which characters each token came from
#
# For tasks that answer with a span of the original text (question answering, named entities) we need to map
# tokens back to characters. `return_offsets_mapping=True` gives a (start, end) character span per token;
# special tokens get (0, 0). Even after lowercasing and accent stripping the spans point into the *original*
# string:

# %%
enc = tokenizer(text, return_offsets_mapping=True)
for token, (start, end) in zip(tokenizer.convert_ids_to_tokens(enc["input_ids"]), enc["offset_mapping"]):
    print(f"{token:>12}  {start:>2}:{end:<2}  {text[start:end]!r}")
spans = enc["offset_mapping"]
assert text[slice(*spans[1])] == "Token" and text[slice(*spans[2])] == "ization"
assert text[slice(*spans[4])] == "naïve"  # the span covers the accented original

# %% [markdown]
# ## Same ids as the reference
#
# `transformers` has two BERT tokenizers: the Python one (`BertTokenizer`) and the Rust one (`BertTokenizerFast`,
# the only one with offsets). When it is installed, check that ours gives the same ids, types and masks as the
# first and the same offsets as the second on the inputs of this notebook.

# %%
try:
    import transformers
except ImportError:
    transformers = None
    print("transformers is not installed: skipping the comparison")
if transformers is not None:
    slow = transformers.BertTokenizer.from_pretrained(TINY)
    fast = transformers.BertTokenizerFast.from_pretrained(TINY)
    cases = [(text, None), ("Where is the cat?", "It sleeps on the mat."), ("Ünïcödé café 東京 😀", None)]
    for a, b in cases:
        ours, theirs = tokenizer(a, b), slow(a, b)
        for key in ("input_ids", "token_type_ids", "attention_mask"):
            assert ours[key] == theirs[key], (a, key)
        assert tokenizer(a, b, return_offsets_mapping=True)["offset_mapping"] == \
            [tuple(s) for s in fast(a, b, return_offsets_mapping=True)["offset_mapping"]]
    print(f"ids, types, masks and offsets identical to transformers {transformers.__version__} on {len(cases)} inputs")

# %% [markdown]
# ## Chinese: one token per character
#
# Chinese is written without spaces between words, and BERT's basic tokenizer puts a space around every CJK
# ideograph (`tokenize_chinese_chars=True`), so each Chinese character reaches WordPiece as a word of its own. A
# vocabulary then needs every character as a token, or the character is `[UNK]`. An English vocabulary has few
# or none. Measured on four Chinese sentences, with this project's own vocabulary (`checkpoints/minibert-pydocs`,
# trained on English text) and with bert-base-uncased's (the one `checkpoints/tiny-bert` carries):

# %%
from minibert.tokenization.chars import is_cjk

pairs = [  # (Chinese, English): the same meaning
    ("我爱自然语言处理，BERT 很好用。", "I love natural language processing, BERT is easy to use."),
    ("今天天气不错，我们去公园散步吧。", "The weather is nice today, let's go for a walk in the park."),
    ("北京是中国的首都。", "Beijing is the capital of China."),
    ("这个模型能够理解文字的意思。", "This model can understand the meaning of the text."),
]
zh_text = "".join(zh for zh, _ in pairs)
PYDOCS = ROOT / "checkpoints" / "minibert-pydocs"
english_vocab = BertTokenizer.from_pretrained(PYDOCS)
unk_rate = {}
for name, tok in [(PYDOCS.name, english_vocab), (TINY.name, tokenizer)]:  # names from the folders read
    pieces = tok.tokenize(zh_text)
    unk_rate[name] = pieces.count("[UNK]") / len(pieces)
    print(f"{name:>17} ({len(tok.vocab):,}-token vocabulary): {pieces.count('[UNK]')} of {len(pieces)} tokens "
          f"are [UNK] ({unk_rate[name]:.0%})")
print(f"first sentence with {PYDOCS.name}:", english_vocab.tokenize(pairs[0][0]))
assert unk_rate[PYDOCS.name] > 0.5  # most of the Chinese text is invisible to an English model

# %% [markdown]
# `bert-base-chinese` (Google's Chinese BERT) keeps the tokenizer and changes the vocabulary: its 21,128 entries
# hold the Chinese characters one by one, plus WordPiece pieces for Latin words and digits. Why per character?
# Words would need a segmenter (where one word ends is often ambiguous: 研究生命 is 研究|生命 or 研究生|命), and
# a few thousand characters cover nearly all written Chinese, so almost nothing is `[UNK]`.
#
# Below, a per-character vocabulary made the same way on a small scale: bert-base-uncased's vocabulary with the
# characters of our sentences it lacks added at the end (`minibert/tokenization/char_vocab.py` builds a real one
# from a corpus, and `scripts/make_zh_corpus.py` makes that corpus). The cost shows in the lengths: a token per
# character is more tokens than words. The words here come from the segmenter `jieba` when it is installed
# (`pip install 'minibert[zh]'`).

# %%
import tempfile

base_tokens = tokenizer.convert_ids_to_tokens(range(tokenizer.vocab_size))
missing = sorted({ch for ch in zh_text if is_cjk(ch)} - set(base_tokens))
zh_vocab = base_tokens + missing
vocab_path = Path(tempfile.mkdtemp()) / "vocab.txt"
vocab_path.write_text("".join(t + "\n" for t in zh_vocab), encoding="utf-8")
zh_tokenizer = BertTokenizer(str(vocab_path))  # lower-case, Chinese characters split: bert-base-chinese's way
print(f"added {len(missing)} characters to the {len(base_tokens):,}-token vocabulary")
print(zh_tokenizer.tokenize(pairs[0][0]))
assert "[UNK]" not in zh_tokenizer.tokenize(zh_text)

from minibert.training.chinese_words import words as jieba_words  # jieba itself is imported at the first call

n_zh = sum(len(zh_tokenizer.tokenize(zh)) for zh, _ in pairs)
n_en = sum(len(tokenizer.tokenize(en)) for _, en in pairs)
print(f"tokens: Chinese {n_zh}, the English translation {n_en}")
try:
    n_words = sum(len([w for w, _, _ in jieba_words(zh) if w.strip()]) for zh, _ in pairs)
except ImportError:
    print("jieba is not installed (pip install 'minibert[zh]'): no word count")
else:
    print(f"Chinese words (jieba) {n_words}: {n_zh / n_words:.2f} tokens per word, "
          f"so self-attention does {(n_zh / n_words) ** 2:.1f}x the work of one token per word")
    assert n_zh > n_words

# %% [markdown]
# The price: longer sequences. `max_length=512` holds 510 characters, fewer words than 510 English tokens would,
# and self-attention's cost grows with the square of the length.
#
# ## Whole-word masking with a segmenter
#
# Pre-training masks 15% of the tokens. With one token per character, masking `处` alone leaves `理` visible and
# the word 处理 is half given away. Chinese whole-word masking (Cui et al., Chinese-BERT-wwm) takes the words from a
# segmenter and masks all characters of a chosen word together; the vocabulary stays characters.
# `minibert/training/chinese_words.py` marks every character of a word after its first as a continuation
# (through the tokenizer's offsets), and `mask_tokens(whole_word_mask=True)` throws one coin per word
# (`python -m minibert pretrain --whole-word-mask zh`). Here with a high masking rate, so that it shows:

# %%
from minibert.training.masking import continuation_table, mask_tokens

try:
    from minibert.training.chinese_words import chinese_continuation, words
    words("热身")  # loads jieba's dictionary (quietly)
except ImportError:
    print("jieba is not installed (pip install 'minibert[zh]'): skipping whole-word masking")
else:
    sentence = "我爱自然语言处理，北京是中国的首都。"
    print("jieba's words:", " | ".join(w for w, _, _ in words(sentence)))
    enc = zh_tokenizer(sentence, return_offsets_mapping=True, return_special_tokens_mask=True)
    ids = torch.tensor(enc["input_ids"])
    cont = torch.tensor(chinese_continuation(sentence, enc["input_ids"], enc["offset_mapping"],
                                             continuation_table(zh_vocab)))
    for whole in (False, True):
        masked, labels = mask_tokens(ids, mask_token_id=zh_tokenizer.mask_token_id, vocab_size=len(zh_vocab),
                                     special_tokens_mask=torch.tensor(enc["special_tokens_mask"]),
                                     mlm_probability=0.4, mask_replace_prob=1.0, random_replace_prob=0.0,
                                     whole_word_mask=whole, is_continuation=cont,
                                     generator=torch.Generator().manual_seed(2))
        shown = "".join("＿" if t == "[MASK]" else t for t in zh_tokenizer.convert_ids_to_tokens(masked)[1:-1])
        print(f"{'whole words' if whole else 'characters ':>11}: {shown}")
    # whole words: a word's characters are all masked or all visible
    chosen = (labels != -100).tolist()
    for w, start, end in words(sentence):
        span = [chosen[i] for i, (s, e) in enumerate(enc["offset_mapping"]) if start <= s < end and e > s]
        assert all(span) or not any(span), (w, span)

# %% [markdown]
# **What to remember.** Text → words (basic tokenizer) → pieces (WordPiece, greedy longest match) → ids (line
# numbers of vocab.txt); special tokens frame the segments; padding + attention mask make batches rectangular;
# offsets lead back to the characters. Chinese BERTs use one token per character, and mask whole words found by a
# segmenter. Next, notebook 03: what the model does with an id.
