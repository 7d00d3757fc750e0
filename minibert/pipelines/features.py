"""``feature-extraction`` and ``sentence-similarity``: BERT's vectors themselves, per token or per sentence.

    "a cat sat"  ─BertModel─►  last_hidden_state (T, C)  ─pool (pooling.py)─►  sentence vector (C,)
    cosine(source vector, each other vector)  ->  similarity scores in [-1, 1]

``feature-extraction`` returns what the reference's pipeline returns -- the token vectors, as nested lists
(1, T, C) per text -- unless ``pooling`` is given; ``sentence-similarity`` always pools, as the checkpoint's
sentence-transformers files say (mean pooling + L2 normalisation for all-MiniLM-L6-v2).
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from minibert.compat.model import BertModel
from minibert.pipelines import pooling as pooling_lib
from minibert.pipelines.base import Pipeline, PipelineError, as_batch
from minibert.pipelines.heap import release_freed_memory


class FeatureExtractionPipeline(Pipeline):
    """``pipe(texts)`` -> token vectors (reference layout); ``pipe(texts, pooling="auto")`` -> sentence vectors.

    ``pooling``: ``None`` (token vectors), ``"auto"`` (the checkpoint's pooling config), or one of
    ``"cls"``, ``"mean"``, ``"max"``, ``"mean_sqrt_len"``. ``normalize`` overrides the config's L2 step.
    """

    task = "feature-extraction"
    model_class = BertModel

    def __init__(self, model, tokenizer=None, device=None, batch_size: int = 1, **load_kwargs):
        super().__init__(model, tokenizer, device, batch_size, **load_kwargs)
        hub = {k: load_kwargs[k] for k in ("revision", "cache_dir", "local_files_only") if k in load_kwargs}
        self.pooling = (pooling_lib.read_pooling_config(self.source, **hub) if self.source is not None
                        else pooling_lib.PoolingConfig())
        if self.pooling.max_seq_length:  # sentence-transformers cuts inputs at its own, shorter limit
            self.max_length = min(self.max_length, self.pooling.max_seq_length)

    def __call__(self, inputs, pooling: str | None = None, normalize: bool | None = None,
                 return_tensors: bool = False, truncation: bool = False):
        texts, batched = as_batch(inputs)
        if pooling is None:
            rows = [self.encode(text, truncation=truncation) for text in texts]
            outs = [out["last_hidden_state"].unsqueeze(0) for out in self.run_rows(rows, ("last_hidden_state",))]
            results = outs if return_tensors else [out.tolist() for out in outs]  # each (1, T, C)
        else:
            vectors = self.embed(texts, pooling=pooling, normalize=normalize, truncation=truncation)  # (N, D)
            results = list(vectors) if return_tensors else vectors.tolist()
        return results if batched else results[0]

    def embed(self, texts, pooling: str = "auto", normalize: bool | None = None, truncation: bool = True,
              progress: bool | None = None) -> torch.Tensor:
        """Sentence vectors (N, D) float32 on the CPU for a list of N texts, in their order.

        The texts are sorted by length and run unpadded in batches of ``batch_size`` (``Pipeline.batches``);
        each batch is pooled at once over its real tokens. ``progress``: a tqdm bar (default: for 1,000 texts
        or more, when stderr is a terminal). For a file larger than memory, see ``iter_embed``.
        """
        texts, _ = as_batch(texts)
        config = self.pooling_config(pooling, normalize)
        show = len(texts) >= 1000 if progress is None else progress
        with tqdm(total=len(texts), unit="text", disable=None if show else True, desc="embed") as bar:
            rows = [self.encode(text, truncation=truncation) for text in texts]
            vectors: list = [None] * len(rows)
            for indices, out, mask in self.batches(rows):
                hidden = out["last_hidden_state"].float()  # (B, T, C): zeros at padding, never read
                mask = torch.ones(hidden.shape[:2]) if mask is None else mask
                for i, vector in zip(indices, pooling_lib.embed(hidden, mask, config).cpu()):  # (B, D)
                    vectors[i] = vector
                del out, hidden  # only the (B, D) vectors outlive the batch ...
                release_freed_memory()  # ... and what it freed goes back to the system: memory stays flat (heap.py)
                bar.update(len(indices))
        return torch.stack(vectors)  # (N, D)

    def iter_embed(self, texts, chunk_size: int = 4096, **options):
        """Embed an iterable of texts a chunk at a time: yields (M, D) tensors whose rows follow the input.

        Memory stays bounded by ``chunk_size`` texts whatever the input's length (a file read line by line):
        a chunk holds its texts' ids and (M, D) vectors, never a batch's hidden states, and each batch's freed
        memory goes back to the system (heap.py). Texts are sorted by length within a chunk. ``options`` go
        to ``embed``.
        """
        chunk = []
        for text in texts:
            chunk.append(text)
            if len(chunk) == chunk_size:
                yield self.embed(chunk, **options)
                chunk = []
        if chunk:
            yield self.embed(chunk, **options)

    def pooling_config(self, pooling: str, normalize: bool | None) -> pooling_lib.PoolingConfig:
        if pooling == "auto":
            modes = self.pooling.modes
        elif pooling in pooling_lib.MODES:
            modes = (pooling,)
        else:
            raise PipelineError(f"pooling {pooling!r} is not one of 'auto', {', '.join(map(repr, pooling_lib.MODES))}")
        return pooling_lib.PoolingConfig(modes, self.pooling.normalize if normalize is None else normalize)


class SentenceSimilarityPipeline(FeatureExtractionPipeline):
    """``pipe({"source_sentence": s, "sentences": [a, b]})`` or ``pipe(s, [a, b])`` -> ``[cos(s, a), cos(s, b)]``.

    The input format is the Hugging Face Hub's sentence-similarity task; ``similarity_matrix(texts)`` gives
    all pairs (N, N).
    """

    task = "sentence-similarity"

    def __call__(self, inputs, sentences=None, pooling: str = "auto", normalize: bool | None = None):
        if isinstance(inputs, dict):
            if sentences is not None or set(inputs) != {"source_sentence", "sentences"}:
                raise PipelineError("sentence-similarity takes {'source_sentence': str, 'sentences': [str, ...]}, "
                                    f"got keys {sorted(inputs)}")
            inputs, sentences = inputs["source_sentence"], inputs["sentences"]
        if sentences is None:
            raise PipelineError("sentence-similarity needs sentences to compare the source sentence with")
        others, _ = as_batch(sentences, "sentences to compare with")
        vectors = self.embed([inputs, *others], pooling=pooling, normalize=normalize)  # (1 + M, D)
        return pooling_lib.cosine_similarity(vectors[:1], vectors[1:])[0].tolist()

    def similarity_matrix(self, texts, pooling: str = "auto", normalize: bool | None = None) -> torch.Tensor:
        """(N, N) cosine similarities between all the texts."""
        vectors = self.embed(texts, pooling=pooling, normalize=normalize)
        return pooling_lib.cosine_similarity(vectors, vectors)
