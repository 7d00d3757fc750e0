"""tests/helpers/_stored_reference.py: stored outputs under the kernels that computed them, else the reference live.

Each case copies a checkpoint folder and rewrites only its stored file's metadata (the kernels it records), so the
helper's choice is seen in what it returns: the stored tensors themselves, the reference's computed now, or a skip.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import torch
from _stored_reference import _live, recorded_kernels, running_kernels, stored_or_live
from safetensors.torch import save_file

from minibert import BertForPreTraining
from minibert.loading.reference_outputs import REFERENCE_FILE, load_stored_reference

PRETRAINING = Path(__file__).resolve().parents[2] / "checkpoints" / "tiny-bert-relu-relative-key-query"
TOL = 1e-5


def recording(tmp_path: Path, capability: str | None, shift: float = 0.0) -> Path:
    """A copy of PRETRAINING whose stored file records ``capability`` (None: no kernels recorded); ``shift`` is
    added to every stored output (not the inputs), so that numbers read from the file can be told apart."""
    folder = tmp_path / "ckpt"
    shutil.copytree(PRETRAINING, folder)
    tensors, metadata = load_stored_reference(folder)
    tensors = {k: v if k.startswith("inputs.") else v + shift for k, v in tensors.items()}
    metadata = {k: v for k, v in metadata.items() if k not in ("cpu_capability", "cpu")}
    if capability is not None:
        metadata.update(cpu_capability=capability, cpu="test", torch_version=torch.__version__)
    save_file(tensors, str(folder / REFERENCE_FILE), metadata=metadata)
    return folder


def test_the_running_kernels_use_the_stored_tensors(tmp_path):
    folder = recording(tmp_path, torch.backends.cpu.get_cpu_capability())
    assert recorded_kernels(load_stored_reference(folder)[1]) == running_kernels()
    stored, got = load_stored_reference(folder)[0], stored_or_live(folder)
    assert set(got) == set(stored) and all(torch.equal(got[k], stored[k]) for k in stored)


@pytest.mark.parametrize("capability", ["OTHER", None], ids=["other kernels", "not recorded"])
def test_other_kernels_compute_the_reference_live(tmp_path, capability):
    pytest.importorskip("transformers")
    folder = recording(tmp_path, capability, shift=1.0)
    stored, live = load_stored_reference(folder)[0], stored_or_live(folder)
    assert set(live) == set(stored)  # the same outputs under the same names, inputs included
    assert all(torch.equal(live[k], stored[k]) for k in stored if k.startswith("inputs."))
    # computed here, not read from the file, whose outputs are all 1.0 off
    assert all(float((live[k] - stored[k]).abs().min()) > 0.5 for k in stored if not k.startswith("inputs."))
    model = BertForPreTraining.from_pretrained(folder).eval()
    inputs = {k.removeprefix("inputs."): v for k, v in stored.items() if k.startswith("inputs.")}
    with torch.no_grad():
        out = model(**inputs)
    for key, ours in (("heads.prediction_logits", out.prediction_logits),
                      ("heads.seq_relationship_logits", out.seq_relationship_logits)):
        assert float((ours.double() - live[key].double()).abs().max()) <= TOL, key


def test_without_transformers_it_skips_naming_both_kernel_sets(tmp_path, monkeypatch):
    folder = recording(tmp_path, "OTHER")
    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers now raises ImportError
    _live.cache_clear()
    with pytest.raises(pytest.skip.Exception) as skipped:
        stored_or_live(folder)
    _live.cache_clear()
    assert f"torch {torch.__version__}, OTHER" in str(skipped.value)
    assert running_kernels() in str(skipped.value) and "not installed" in str(skipped.value)


def test_check_against_stored_outputs_says_when_they_come_from_other_kernels(tmp_path):
    """`check --reference stored` and the walkthrough compare with another machine's numbers only with a note."""
    from minibert.parity.check import check_checkpoint

    def notes(capability):
        folder = recording(tmp_path / str(capability), capability)
        return [n for n in check_checkpoint(folder, reference="stored").notes if "kernels" in n]

    assert notes(torch.backends.cpu.get_cpu_capability()) == []
    other, unrecorded = notes("NO_SUCH_CAPABILITY"), notes(None)
    assert len(other) == 1 and "NO_SUCH_CAPABILITY" in other[0] and running_kernels() in other[0]
    assert len(unrecorded) == 1 and "does not record" in unrecorded[0]
