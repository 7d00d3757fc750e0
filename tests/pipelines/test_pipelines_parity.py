"""Parity of minibert.pipeline with the reference's transformers.pipeline (4.57.6) on the same checkpoints.

Labels, token ids, words, spans and offsets must be equal; scores within 1e-5. The reference runs its own
fast (Rust) tokenizer for offsets; minibert uses its pure-Python tokenizer, so these tests also check that
the two agree on every offset and word boundary the pipelines use.
"""

from __future__ import annotations

import warnings

import _pipeline_checkpoints as ckpt
import numpy as np
import pytest
import torch
import transformers
from _numerics import forward_depth, rounding_bound, widest_sum

import minibert

ATOL = 1e-5
TEXTS = [
    "Ada Lovelace lived in London, England.",
    "Unaffable Zürich-born researchers visited New York in 1843!",
    "The café's naïve owner said: \"don't panic\" -- then left.",
    "北京 is the capital of China; Paris is in France.",
]
CONTEXT = ("Ada Lovelace was an English mathematician and writer, chiefly known for her work on Charles Babbage's "
           "proposed mechanical general-purpose computer, the Analytical Engine. She was the first to recognise "
           "that the machine had applications beyond pure calculation. Lovelace was born in London in 1815 and died "
           "in 1852; her unaffable tutor, Augustus De Morgan, taught her advanced mathematics.")
QUESTIONS = ["Who was Ada Lovelace?", "Where was Lovelace born?", "When did she die?"]


def assert_same(ours, theirs, path="output"):
    """Same structure, same keys in the same order, equal labels/ids/spans, scores within ATOL."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{path}: {type(ours).__name__} instead of a dict"
        assert list(ours) == list(theirs), f"{path}: keys {list(ours)} != {list(theirs)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)), f"{path}: {type(ours).__name__} instead of a list"
        assert len(ours) == len(theirs), f"{path}: {len(ours)} items != {len(theirs)}\n{ours}\n{theirs}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(theirs, (float, np.floating)):
        assert isinstance(ours, float), f"{path}: {ours!r} is not a float"
        assert abs(ours - float(theirs)) <= ATOL, f"{path}: {ours} vs {float(theirs)}"
    else:
        assert ours == theirs and type(ours) is type(int(theirs) if isinstance(theirs, np.integer) else theirs), \
            f"{path}: {ours!r} != {theirs!r}"


def reference(task: str, folder) -> transformers.Pipeline:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return transformers.pipeline(task, model=str(folder), tokenizer=str(folder), device=-1)


def run_reference(pipe, *args, **kwargs):
    with warnings.catch_warnings():  # "Tokenizer does not support real words" and similar notices
        warnings.simplefilter("ignore")
        return pipe(*args, **kwargs)


@pytest.fixture(scope="module")
def fill_mask():
    return minibert.pipeline("fill-mask", model=str(ckpt.TINY_BERT)), reference("fill-mask", ckpt.TINY_BERT)


@pytest.fixture(scope="module")
def classify(tmp_path_factory):
    folder = ckpt.classifier(tmp_path_factory.mktemp("classifier"))
    return minibert.pipeline("text-classification", model=str(folder)), reference("text-classification", folder)


@pytest.fixture(scope="module")
def ner(tmp_path_factory):
    # model_max_length 24: long texts are truncated, or cut into windows with a stride.
    folder = ckpt.tagger(tmp_path_factory.mktemp("tagger"), model_max_length=24)
    return minibert.pipeline("token-classification", model=str(folder)), reference("token-classification", folder)


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    folder = ckpt.reader(tmp_path_factory.mktemp("reader"))
    return minibert.pipeline("question-answering", model=str(folder)), reference("question-answering", folder)


# -- fill-mask ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"top_k": 1}, {"top_k": 12}, {"targets": ["capital", "city", "the"]},
                                    {"targets": "city", "top_k": 3}, {"targets": ["zzyzx", "paris"], "top_k": 2}])
def test_fill_mask_one_text(fill_mask, kwargs):
    ours, theirs = fill_mask
    text = "Paris is the [MASK] of France."
    assert_same(ours(text, **kwargs), run_reference(theirs, text, **kwargs))


def test_fill_mask_batch_and_several_masks(fill_mask):
    ours, theirs = fill_mask
    texts = ["The [MASK] sat on the mat.", "[MASK] is a [MASK] city.", "Héllo, [MASK] wörld!", "un [MASK] ##able"]
    assert_same(ours(texts, top_k=4), run_reference(theirs, texts, top_k=4))
    padded = minibert.pipeline("fill-mask", model=str(ckpt.TINY_BERT), batch_size=4)  # one padded batch
    assert_same(padded(texts, top_k=4), run_reference(theirs, texts, top_k=4))
    assert_same(ours(texts[:1]), run_reference(theirs, texts[:1]))  # a one-element list gives the bare result


def test_fill_mask_tokenizer_kwargs(fill_mask):
    """``tokenizer_kwargs`` reach the tokenizer: truncation to max_length keeps the mask, drops the rest."""
    ours, theirs = fill_mask
    text = "The [MASK] sat on the mat while " + "the dog slept by the door " * 5
    for tokenizer_kwargs in ({"truncation": True, "max_length": 8}, {"padding": "max_length", "max_length": 80}):
        assert_same(ours(text, tokenizer_kwargs=tokenizer_kwargs, top_k=3),
                    run_reference(theirs, text, tokenizer_kwargs=tokenizer_kwargs, top_k=3))


# -- feature-extraction -----------------------------------------------------------------------------------------
def test_feature_extraction_token_vectors(fill_mask):
    ours = minibert.pipeline("feature-extraction", model=str(ckpt.TINY_BERT), batch_size=3)
    theirs = reference("feature-extraction", ckpt.TINY_BERT)
    mine, ref = ours(TEXTS), run_reference(theirs, TEXTS)
    assert len(mine) == len(ref) == len(TEXTS)
    for a, b in zip(mine, ref):
        a, b = torch.tensor(a), torch.tensor(b)
        assert a.shape == b.shape and a.shape[0] == 1  # (1, T, C) per text, padding removed
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)
    one = ours(TEXTS[0], return_tensors=True)
    torch.testing.assert_close(one, run_reference(theirs, TEXTS[0], return_tensors=True), atol=ATOL, rtol=0)


def _reference_sentence_vectors(folder, texts, normalize: bool, max_length=None) -> torch.Tensor:
    """The sentence-transformers recipe on transformers.BertModel: mean over real tokens, then L2 if asked."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model = transformers.BertModel.from_pretrained(folder).eval()
    batch = tokenizer(texts, padding=True, truncation=max_length is not None, max_length=max_length,
                      return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    vectors = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(vectors, dim=-1) if normalize else vectors


def test_sentence_similarity_plain_checkpoint_mean_pools():
    """No modules.json: mean pooling without normalisation, as sentence-transformers does for a plain BERT."""
    ours = minibert.pipeline("sentence-similarity", model=str(ckpt.TINY_BERT), batch_size=2)
    ref = _reference_sentence_vectors(ckpt.TINY_BERT, TEXTS, normalize=False)
    torch.testing.assert_close(ours.embed(TEXTS), ref, atol=ATOL, rtol=0)
    cos = torch.nn.functional.cosine_similarity(ref[:1], ref[1:])
    assert ours(TEXTS[0], TEXTS[1:]) == pytest.approx(cos.tolist(), abs=ATOL)
    assert ours({"source_sentence": TEXTS[0], "sentences": TEXTS[1:]}) == pytest.approx(cos.tolist(), abs=ATOL)
    cls = ours.embed(TEXTS, pooling="cls")
    features = minibert.pipeline("feature-extraction", model=str(ckpt.TINY_BERT))
    # Batches of 2 against one text at a time: the same math summed in another order, within the derived
    # rounding bound for the encoder's output at its size (tests/helpers/_numerics.py).
    config = features.model.config
    limit = rounding_bound(cls, forward_depth(config), widest_sum(config, config.max_position_embeddings))
    torch.testing.assert_close(cls, torch.stack([torch.tensor(v)[0, 0] for v in features(TEXTS)]), atol=limit, rtol=0)


def test_official_minilm_sentence_embeddings(official_checkpoint):
    """all-MiniLM-L6-v2 end to end, offline: equal to the model card's recipe (mean pooling + L2) on the reference."""
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse.",
             "The new movie is awesome", "Le café est très bon."]
    ours = minibert.pipeline("sentence-similarity", model=str(official_checkpoint))
    ref = _reference_sentence_vectors(official_checkpoint, texts, normalize=True, max_length=256)
    mine = ours.embed(texts)
    torch.testing.assert_close(mine, ref, atol=ATOL, rtol=0)
    assert mine.norm(dim=-1) == pytest.approx([1.0] * len(texts), abs=1e-6)
    assert ours(texts[0], texts[1:]) == pytest.approx((ref[1:] @ ref[0]).tolist(), abs=ATOL)
    torch.testing.assert_close(ours.similarity_matrix(texts), ref @ ref.T, atol=ATOL, rtol=0)
    pooled = minibert.pipeline("feature-extraction", model=str(official_checkpoint))(texts[:2], pooling="auto")
    torch.testing.assert_close(torch.tensor(pooled), ref[:2], atol=ATOL, rtol=0)


# -- text-classification ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"top_k": None}, {"top_k": 2}, {"top_k": 1}, {"function_to_apply": "sigmoid"},
                                    {"function_to_apply": "none", "top_k": None}])
def test_text_classification(classify, kwargs):
    ours, theirs = classify
    for inputs in (TEXTS[0], TEXTS, {"text": TEXTS[0], "text_pair": TEXTS[1]}):
        assert_same(ours(inputs, **kwargs), run_reference(theirs, inputs, **kwargs))


@pytest.mark.parametrize("kwargs", [{"return_all_scores": True}, {"return_all_scores": False},
                                    {"return_all_scores": True, "top_k": 2}])
def test_text_classification_deprecated_return_all_scores(classify, kwargs):
    ours, theirs = classify
    for inputs in (TEXTS[0], TEXTS, {"text": TEXTS[0], "text_pair": TEXTS[1]}):
        if "top_k" in kwargs:  # top_k wins, silently, as in the reference
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                got = ours(inputs, **kwargs)
        else:
            with pytest.warns(UserWarning, match="return_all_scores is deprecated"):
                got = ours(inputs, **kwargs)
        assert_same(got, run_reference(theirs, inputs, **kwargs))


@pytest.mark.parametrize("kwargs", [{"truncation": True, "max_length": 6}, {"max_length": 5},
                                    {"padding": "max_length", "max_length": 40, "top_k": None},
                                    {"truncation": "only_second", "max_length": 20}])
def test_text_classification_tokenizer_kwargs(classify, kwargs):
    """Keyword arguments the pipeline does not know go to the tokenizer, as in the reference."""
    ours, theirs = classify
    pair = {"text": TEXTS[0], "text_pair": TEXTS[1]}
    for inputs in ([pair] if kwargs.get("truncation") == "only_second" else [TEXTS[1], TEXTS, pair]):
        if isinstance(inputs, dict) and kwargs.get("truncation") is True:
            continue  # pairs cut "longest_first": below, against the slow reference tokenizer
        assert_same(ours(inputs, **kwargs), run_reference(theirs, inputs, **kwargs))


def test_text_classification_truncated_pair(tmp_path):
    """A pair cut ``longest_first`` follows the slow reference tokenizer, as minibert's tokenizer does; the
    reference's default (fast) tokenizer shares the budget out differently (docs/tokenizer.md, row 7)."""
    folder = ckpt.classifier(tmp_path / "head")
    ours = minibert.pipeline("text-classification", model=str(folder))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = transformers.pipeline("text-classification", model=str(folder), device=-1,
                                     tokenizer=transformers.BertTokenizer.from_pretrained(folder))
    pair = {"text": TEXTS[0], "text_pair": TEXTS[1]}
    for kwargs in ({"truncation": True, "max_length": 6}, {"truncation": "longest_first", "max_length": 12}):
        assert_same(ours(pair, **kwargs, top_k=None), run_reference(slow, pair, **kwargs, top_k=None))
    fast = transformers.BertTokenizerFast.from_pretrained(folder)
    kept = fast(TEXTS[0], TEXTS[1], truncation=True, max_length=6)["input_ids"]
    assert kept != ours.tokenizer(TEXTS[0], TEXTS[1], truncation=True, max_length=6)["input_ids"]


def test_text_classification_pair_given_as_a_list_is_an_error(classify):
    """4.57.6 reads a pair from a dict only; ``[[text, pair]]`` fails there too, with a pointer to the dict."""
    ours, theirs = classify
    for inputs in ([[TEXTS[0], TEXTS[1]]], [[TEXTS[0], TEXTS[1]], [TEXTS[2], TEXTS[3]]]):
        with pytest.raises(ValueError, match="text_pair"):
            run_reference(theirs, inputs)
        with pytest.raises(minibert.pipelines.PipelineError, match="text_pair"):
            ours(inputs)


@pytest.mark.parametrize("fields", [{"problem_type": "multi_label_classification"}, {"problem_type": "regression"},
                                    {"labels": ["score"]}])
def test_text_classification_problem_types(tmp_path, fields):
    """Sigmoid for multi-label and single-output heads, raw logits for regression."""
    folder = ckpt.classifier(tmp_path / "head", seed=3, **fields)
    ours, theirs = minibert.pipeline("text-classification", model=str(folder)), reference("text-classification", folder)
    for kwargs in ({}, {"top_k": None}):
        assert_same(ours(TEXTS, **kwargs), run_reference(theirs, TEXTS, **kwargs))


# -- token-classification ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["none", "simple", "first", "average", "max"])
def test_token_classification_strategies(ner, strategy):
    ours, theirs = ner
    text = "ZZyzx qwertyuiop [MASK] O'Neill's résumé"  # [UNK]s, a typed special token, pieces
    assert_same(ours(text, aggregation_strategy=strategy), run_reference(theirs, text, aggregation_strategy=strategy))
    batch = ours(TEXTS, aggregation_strategy=strategy)
    assert_same(batch, run_reference(theirs, TEXTS, aggregation_strategy=strategy))
    assert sum(len(entities) for entities in batch) > 5  # the test sees real entities, not only "O"
    assert_same(ours(TEXTS[1], aggregation_strategy=strategy, ignore_labels=[]),
                run_reference(theirs, TEXTS[1], aggregation_strategy=strategy, ignore_labels=[]))


@pytest.mark.parametrize(("strategy", "stride"), [("simple", 4), ("first", 10), ("average", 7), ("max", 0)])
def test_token_classification_long_text_with_stride(ner, strategy, stride):
    """Texts longer than model_max_length (24): windows overlapping by ``stride`` tokens, entities merged."""
    ours, theirs = ner
    text = " ".join(TEXTS)
    got = ours(text, aggregation_strategy=strategy, stride=stride)
    assert_same(got, run_reference(theirs, text, aggregation_strategy=strategy, stride=stride))
    assert got[-1]["end"] > len(text) // 2  # entities from beyond the first window
    truncated = ours(text, aggregation_strategy=strategy)  # no stride: only the first 24 tokens are read
    assert_same(truncated, run_reference(theirs, text, aggregation_strategy=strategy))


WORDS = [["Ada", "Lovelace", "lived", "in", "London,", "England."],
         ["Unaffable", "Zürich-born", "researchers", "visited", "New", "York", "in", "1843!"],
         ["ZZyzx", "[MASK]", "O'Neill's", "résumé", "", "qwertyuiop"]]


@pytest.mark.parametrize("strategy", ["none", "simple", "first", "average", "max"])
def test_token_classification_pre_split_words(ner, strategy):
    """is_split_into_words: each word tokenized alone, offsets into the words joined by the delimiter."""
    ours, theirs = ner
    for inputs in (WORDS[0], WORDS, WORDS[2]):
        got = ours(inputs, aggregation_strategy=strategy, is_split_into_words=True)
        assert_same(got, run_reference(theirs, inputs, aggregation_strategy=strategy, is_split_into_words=True))
    got = ours(WORDS[1], aggregation_strategy=strategy, is_split_into_words=True, delimiter="__")
    assert_same(got, run_reference(theirs, WORDS[1], aggregation_strategy=strategy, is_split_into_words=True,
                                   delimiter="__"))
    assert any(entities for entities in got)


def test_token_classification_typed_special_tokens_are_text(ner):
    """Only the [CLS]/[SEP] the pipeline adds are skipped: "[MASK]" or "[UNK]" typed in the text get labels."""
    ours, theirs = ner
    text = "hello [UNK] [CLS] world [MASK] O'Neill"
    for strategy in ("none", "simple", "first"):
        got = ours(text, aggregation_strategy=strategy, ignore_labels=[])
        assert_same(got, run_reference(theirs, text, aggregation_strategy=strategy, ignore_labels=[]))
    assert [e["word"] for e in ours(text, ignore_labels=[])][:4] == ["hello", "[UNK]", "[CLS]", "world"]


def test_token_classification_pre_split_words_with_stride(ner):
    ours, theirs = ner
    words = [w for sentence in WORDS[:2] for w in sentence] * 3  # longer than model_max_length (24)
    got = ours(words, aggregation_strategy="first", is_split_into_words=True, stride=5)
    assert_same(got, run_reference(theirs, words, aggregation_strategy="first", is_split_into_words=True, stride=5))


def test_token_classification_pre_split_words_bad_input(ner):
    ours, _ = ner
    with pytest.raises(minibert.pipelines.PipelineError, match="list of words"):
        ours("Ada Lovelace", is_split_into_words=True)
    with pytest.raises(minibert.pipelines.PipelineError, match="must be a str"):
        ours(["Ada", 3], is_split_into_words=True)


# -- question-answering -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"top_k": 3}, {"handle_impossible_answer": True},
                                    {"max_answer_len": 2, "top_k": 5}, {"align_to_words": False, "top_k": 2}])
def test_question_answering(qa, kwargs):
    ours, theirs = qa
    for question in QUESTIONS:
        assert_same(ours(question=question, context=CONTEXT, **kwargs),
                    run_reference(theirs, question=question, context=CONTEXT, **kwargs))
    assert_same(ours(question=QUESTIONS, context=CONTEXT, **kwargs),
                run_reference(theirs, question=QUESTIONS, context=CONTEXT, **kwargs))


def test_question_answering_typed_special_tokens_in_the_context(qa):
    """Every context token may start or end an answer, a "[MASK]" typed in the context too (the reference
    masks by sequence, not by token)."""
    ours, theirs = qa
    context = "[MASK] Ada [UNK] Lovelace [SEP] was born in [MASK] London [CLS] in 1815."
    for question in QUESTIONS:
        assert_same(ours(question=question, context=context, top_k=20),
                    run_reference(theirs, question=question, context=context, top_k=20))
    answers = [a["answer"] for q in QUESTIONS for a in ours(question=q, context=context, top_k=20)]
    assert any("[" in a for a in answers)  # the test really reaches the typed special tokens


@pytest.mark.parametrize("kwargs", [{"max_seq_len": 40, "doc_stride": 10, "top_k": 3},
                                    {"max_seq_len": 48, "doc_stride": 16, "handle_impossible_answer": True, "top_k": 4},
                                    {"max_seq_len": 32, "doc_stride": 0}])
def test_question_answering_long_context_with_stride(qa, kwargs):
    """The context needs several windows; answers may come from any of them."""
    ours, theirs = qa
    examples = [{"question": q, "context": CONTEXT + " " + CONTEXT.upper()} for q in QUESTIONS]
    got = ours(examples, **kwargs)
    assert_same(got, run_reference(theirs, examples, **kwargs))
    starts = {a["start"] for result in got for a in (result if isinstance(result, list) else [result])}
    assert len(starts) > 1


def test_question_answering_answer_is_the_context_slice(qa):
    ours, _ = qa
    for answer in ours(question=QUESTIONS[0], context=CONTEXT, top_k=5):
        assert answer["answer"] == CONTEXT[answer["start"]:answer["end"]] and answer["answer"]
