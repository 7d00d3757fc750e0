"""The default-model rule (minibert/defaults.py): MINIBERT_MODEL → bert-base-uncased (cache, or a reachable Hub)
→ the shipped trained checkpoint; random checkpoints are named as such; an unreachable Hub costs a short timeout."""

from __future__ import annotations

import time
from pathlib import Path

import huggingface_hub
import huggingface_hub.constants
import pytest

import minibert
from minibert import defaults
from minibert.pipelines import PipelineError

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "checkpoints" / "tiny-bert"
HUB_FILES = {name: (TINY / name).read_bytes() for name in defaults.HUB_FILES if (TINY / name).is_file()}
HUB_FILES["model.safetensors"] = (TINY / "model.safetensors").read_bytes()


@pytest.fixture
def offline_world(monkeypatch, tmp_path):
    """No MINIBERT_MODEL, an empty Hub cache, and a Hub that cannot be reached (instantly)."""
    monkeypatch.delenv("MINIBERT_MODEL", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    defaults._hub_unavailable.cache_clear()

    def unreachable(self, repo_id, **kw):
        raise ConnectionError("no route to huggingface.co")

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", unreachable)
    yield tmp_path / "hub"
    defaults._hub_unavailable.cache_clear()


def add_snapshot(cache: Path, repo_id: str, files: dict[str, bytes], commit: str = "c" * 40) -> Path:
    """The huggingface_hub cache layout: blobs, a snapshot of relative symlinks, refs/main."""
    import hashlib

    repo = cache / ("models--" + repo_id.replace("/", "--"))
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name, data in files.items():
        blob = hashlib.sha256(data).hexdigest()
        (repo / "blobs" / blob).write_bytes(data)
        (snapshot / name).symlink_to(Path("..", "..", "blobs", blob))
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


def test_explicit_model_and_env_come_first(offline_world, monkeypatch, capsys):
    chosen = defaults.resolve_model(str(TINY))
    assert chosen.name_or_path == str(TINY) and chosen.reason == "given explicitly" and chosen.trained is False
    assert "RANDOM weights" in capsys.readouterr().err
    monkeypatch.setenv("MINIBERT_MODEL", "/some/where/model")
    chosen = defaults.resolve_model()
    assert chosen.name_or_path == "/some/where/model" and "MINIBERT_MODEL" in chosen.reason and chosen.trained
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("model: /some/where/model (MINIBERT_MODEL is set; trained")


@pytest.mark.parametrize("repo_id", ["google-bert/bert-base-uncased", "bert-base-uncased"])
def test_bert_base_from_the_local_cache(offline_world, repo_id, monkeypatch):
    snapshot = add_snapshot(offline_world, repo_id, HUB_FILES)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda *a, **k: pytest.fail("no network when cached"))
    chosen = defaults.resolve_model(verbose=False)
    assert Path(chosen.name_or_path) == snapshot and chosen.trained and "local Hugging Face cache" in chosen.reason
    # and it is what the pipeline loads (these test files are tiny-bert's: the same predictions)
    text = "paris is the [MASK] of france."
    assert minibert.pipeline("fill-mask")(text) == minibert.pipeline("fill-mask", model=str(TINY))(text)


def test_a_partial_cache_is_not_enough(offline_world):
    add_snapshot(offline_world, "google-bert/bert-base-uncased", {"config.json": HUB_FILES["config.json"]})
    assert "bert-base-uncased" not in defaults.resolve_model(verbose=False).name_or_path


def test_unreachable_hub_falls_back_to_the_shipped_checkpoint(offline_world):
    chosen = defaults.resolve_model(verbose=False)
    if (defaults.SHIPPED / "config.json").is_file():
        assert chosen.name_or_path == str(defaults.SHIPPED) and chosen.trained
    assert "could not be reached (ConnectionError)" in chosen.reason


def test_offline_mode_never_touches_the_network(offline_world, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda *a, **k: pytest.fail("network in offline mode"))
    assert "HF_HUB_OFFLINE=1 skips the network" in defaults.resolve_model(verbose=False).reason


def test_a_hanging_hub_costs_only_the_timeout(offline_world, monkeypatch):
    monkeypatch.setattr(defaults, "HUB_TIMEOUT_S", 0.2)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda *a, **k: time.sleep(30))
    start = time.monotonic()
    chosen = defaults.resolve_model(verbose=False)
    # 0.2 s of timeout against a Hub that would take 30 s: 15 s leaves room for a busy machine and still tells.
    assert time.monotonic() - start < 15 and "did not answer" in chosen.reason


def test_reachable_hub_downloads_bert_base_once(offline_world, monkeypatch):
    snapshot = offline_world / "downloaded"
    calls = []

    def fake_download(repo_id, filename, cache_dir=None):  # the real one fills the cache, with a progress bar
        calls.append((repo_id, filename))
        snapshot.mkdir(parents=True, exist_ok=True)
        (snapshot / filename).write_bytes(HUB_FILES[filename])
        return str(snapshot / filename)

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda *a, **k: object())
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    chosen = defaults.resolve_model(verbose=False)
    assert Path(chosen.name_or_path) == snapshot and "downloaded" in chosen.reason and chosen.trained
    assert calls == [(defaults.HUB_MODEL, f) for f in defaults.HUB_FILES]


def test_random_reference_checkpoints_are_marked(tmp_path):
    for name in ("tiny-bert", "tiny-bert-silu-8-heads"):
        assert not defaults.is_trained(REPO / "checkpoints" / name)
        assert not defaults.is_trained(REPO / "checkpoints" / name / "model.safetensors")
    assert defaults.is_trained(tmp_path) and defaults.is_trained("org/some-model")
    if (defaults.SHIPPED / "config.json").is_file():
        assert defaults.is_trained(defaults.SHIPPED)


def test_pipeline_without_model_uses_the_rule_and_refuses_head_tasks(offline_world, monkeypatch, capsys):
    monkeypatch.setenv("MINIBERT_MODEL", str(TINY))
    unmask = minibert.pipeline("fill-mask")
    assert unmask("paris is the [MASK] of france.", top_k=2)[0]["token_str"]
    assert "MINIBERT_MODEL is set; RANDOM weights" in capsys.readouterr().err
    with pytest.raises(PipelineError, match="fine-tuned for text-classification"):
        minibert.pipeline("sentiment-analysis")
