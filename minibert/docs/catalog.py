"""Which pages the site has, in which order, and which notebook goes with each.

The order follows the data: text → tokens → ids → embeddings → attention → feed-forward → layer → encoder →
pooler → model → heads, then what is done *to* a model (pruning, loading, training). The list below is
declared by hand; any module it does not name (someone added one) still gets a page, in "Everything
else", so the site never silently drops code. ``minibert/docs`` itself is left out: it is tooling, not
the lesson.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

# (part title, patterns over module names without the "minibert." prefix). Within a part, modules come
# in the order of the first pattern they match, then by name (so a package's __init__ comes first).
# The parts fall into three groups (GROUPS): the core path a learner reads first, one concept a page in the
# order the data flows; what is done with a model once it exists; and an appendix of tooling (the command
# line, the live comparison, the graders, stubs and solutions of the exercises).
PARTS = [
    ("Text to ids: the tokenizer", ["tokenization", "tokenization.chars", "tokenization.basic",
                                    "tokenization.wordpiece", "tokenization.special_tokens",
                                    "tokenization.added_tokens", "tokenization.lowercase",
                                    "tokenization.bert_tokenizer", "tokenization.decoding",
                                    "tokenization.encoding", "tokenization.truncation", "tokenization.padding",
                                    "tokenization.batch_encoding", "tokenization.files", "tokenization.windows",
                                    "tokenization.fast_paths", "tokenization.options", "tokenization.call_api",
                                    "tokenization.fast", "tokenization.fast_encoding", "tokenization.alignment",
                                    "tokenization.fast_unicode", "tokenization.tokenizer_json", "tokenization.*"]),
    ("The encoder: BERT's core", ["bert", "bert.config", "bert.config_checks", "bert.embeddings", "bert.masks",
                                  "bert.attention", "bert.relative_positions", "bert.cache", "bert.activations",
                                  "bert.feed_forward", "bert.layer", "bert.encoder", "bert.pooler", "bert.model",
                                  "bert.outputs", "bert.validation", "bert.warn_once"]),
    ("Task heads", ["heads", "heads.lm_head", "heads.*"]),
    ("Head pruning", ["bert.pruning"]),
    ("Resizing the vocabulary", ["compat.word_embeddings", "compat.resizing"]),
    ("Memory and speed", ["bert.unpadding", "bert.checkpointing"]),
    ("Loading and saving weights", ["compat", "compat.*", "loading", "loading.*"]),
    ("Training", ["training", "training.masking", "training.nsp", "training.data", "training.optim",
                  "training.schedules", "training.arguments", "training.trainer", "training.*"]),
    ("Reading attention", ["analysis", "analysis.patterns", "analysis.norms", "analysis.rollout", "analysis.*"]),
    ("Pipelines", ["pipelines", "pipelines.*"]),
    ("Everything else", ["*"]),
    ("Appendix: the package and its command line", ["minibert", "__main__", "cli", "cli.*", "parity", "parity.table",
                                                    "parity.check", "parity.reference", "loading.reference_outputs"]),
    ("Appendix: exercises (catalogue, graders, stubs, solutions)", ["exercises", "exercises.*"]),
]
GROUPS = {
    "The core path: from text to a task's answer": "Text to ids: the tokenizer",
    "Working with a model": "Head pruning",
    "Appendix": "Appendix: the package and its command line",
}  # group heading -> the first part under it
CATCH_ALL = "Everything else"
EXCLUDED = ["docs", "docs.*"]
# What `build --no-solutions` leaves out, for a site students may read: the reference solutions and the mistake
# catalogue (whose functions make each mistake on purpose, a near-solution each).
SOLUTIONS = ["exercises.solutions", "exercises.solutions.*", "exercises.mistakes", "exercises.mistakes.*"]

# Notebook number -> title, and module patterns -> the notebooks that teach them (first match wins).
NOTEBOOK_TITLES = {
    1: "Quick start", 2: "Tokenizer", 3: "Embeddings", 4: "Self-attention", 5: "Attention output & feed-forward",
    6: "The encoder stack", 7: "Pooler & heads", 8: "Loading official weights", 9: "Head pruning",
    10: "Pre-training", 11: "Fine-tuning", 12: "Memory and speed",
}
NOTEBOOK_TOPICS = [
    ("minibert", [1]), ("bert", [1]), ("bert.model", [1]), ("cli.*", [1]), ("tokenization*", [2]),
    ("bert.embeddings", [3]), ("bert.masks", [4]), ("bert.attention", [4, 5]), ("bert.relative_positions", [4]),
    ("bert.activations", [5]), ("bert.feed_forward", [5]), ("bert.layer", [6]), ("bert.encoder", [6]),
    ("bert.unpadding", [12]), ("bert.checkpointing", [12]), ("bert.pooler", [7]), ("bert.outputs", [7]),
    ("heads*", [7]), ("bert.cache", [7]), ("bert.config*", [8]), ("compat*", [8]),
    ("loading*", [8]), ("bert.pruning", [9]), ("training.optim", [11]), ("training.schedules", [11]),
    ("training.finetun*", [11]), ("training*", [10]), ("analysis*", [4]),
]

# The docs/*.md pages (minibert.docs.guides), in the order the README lists them; any other page follows, by name.
GUIDES = ["parity", "loading", "tokenizer", "chinese", "training", "checkpoints", "pretraining", "decoder", "advanced",
          "pipelines", "performance", "robustness", "course", "exercises", "teaching"]


@dataclass
class Module:
    """One page: ``name`` without the "minibert." prefix ("minibert" for the package itself)."""

    name: str
    path: Path
    part: str
    summary: str  # first paragraph of the module docstring, Markdown
    source_path: str  # as a reader would type it, e.g. "minibert/heads/lm_head.py"

    @property
    def dotted(self) -> str:
        return "minibert" if self.name == "minibert" else f"minibert.{self.name}"

    @property
    def page(self) -> str:
        return f"{self.name}.html"


def module_name(package_dir: Path, path: Path) -> str:
    parts = list(path.relative_to(package_dir).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or "minibert"


def _matches(name: str, patterns: list[str]) -> int | None:
    for rank, pattern in enumerate(patterns):
        if fnmatch.fnmatchcase(name, pattern):
            return rank
    return None


def _summary(path: Path) -> str:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except SyntaxError:
        return ""
    # The first paragraph, unwrapped: a docstring's first line sometimes stops mid-sentence.
    return " ".join(doc.strip().split("\n\n")[0].split()) if doc else ""


def _place(name: str) -> tuple[int, int]:
    """(part index, pattern index within the part); the catch-all part only when no other part matches."""
    for part_rank, (part, patterns) in enumerate(PARTS):
        rank = _matches(name, patterns)
        if rank is not None and part != CATCH_ALL:
            return part_rank, rank
    return [p for p, _ in PARTS].index(CATCH_ALL), 0


def discover(package_dir: Path, solutions: bool = True) -> list[Module]:
    """Every page-worthy module under ``package_dir``, in reading order (without SOLUTIONS unless ``solutions``)."""
    excluded = EXCLUDED + ([] if solutions else SOLUTIONS)
    ranked = []
    for path in sorted(package_dir.rglob("*.py")):
        name = module_name(package_dir, path)
        if _matches(name, excluded) is not None or "__pycache__" in path.parts:
            continue
        if not path.read_text(encoding="utf-8").strip():
            continue  # an empty __init__.py has nothing to teach
        part_rank, rank = _place(name)
        source = f"{package_dir.name}/{path.relative_to(package_dir).as_posix()}"
        module = Module(name, path, PARTS[part_rank][0], _summary(path), source)
        ranked.append(((part_rank, rank, name != "minibert", name.split(".")), module))
    return [m for _, m in sorted(ranked, key=lambda r: r[0])]


def notebooks_for(module: Module, notebooks_dir: Path | None) -> list[tuple[int, str, Path | None]]:
    """(number, title, the notebook file or None when it is not written yet) for each matching topic."""
    for pattern, numbers in NOTEBOOK_TOPICS:
        if fnmatch.fnmatchcase(module.name, pattern):
            return [(n, NOTEBOOK_TITLES[n], find_notebook(notebooks_dir, n)) for n in numbers]
    return []


def find_notebook(notebooks_dir: Path | None, number: int) -> Path | None:
    if notebooks_dir is None or not notebooks_dir.is_dir():
        return None
    found = sorted(notebooks_dir.glob(f"{number:02d}_*.ipynb"))
    return found[0] if found else None
