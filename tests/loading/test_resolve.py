"""The one resolver every ``from_pretrained`` goes through (minibert/loading/resolve.py): what a name is, decided
once, and the files read from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import huggingface_hub
import pytest

import minibert
from minibert.loading import tf_checkpoint
from minibert.loading.resolve import FILE, FOLDER, HUB, TENSORFLOW, Source, resolve

REPO = Path(__file__).resolve().parents[2]
TF = REPO / "checkpoints" / "tf"
PRETRAIN = TF / "uncased_L-2_H-24_A-3"  # bert_model.ckpt
CLASSIFIER = TF / "cased_L-1_H-20_A-5"  # model.ckpt-7 and a 'checkpoint' file naming it


def hf_folder(where: Path) -> Path:
    where.mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "vocab.txt"):
        (where / name).write_text("{}\n")
    return where


def test_a_folder_reads_its_own_files_and_says_which_are_missing(tmp_path):
    folder = hf_folder(tmp_path / "model")
    source = resolve(folder)
    assert (source.kind, source.path, source.folder, source.tf) == (FOLDER, folder, folder, None)
    assert source.file("vocab.txt") == folder / "vocab.txt"
    assert source.weights() == folder / "model.safetensors"
    assert source.file("tokenizer_config.json", required=False) is None
    with pytest.raises(FileNotFoundError, match=f"^{folder} has no tokenizer_config.json$"):
        source.file("tokenizer_config.json")


def test_a_subfolder_is_where_files_are_read_and_must_exist(tmp_path):
    folder = hf_folder(tmp_path / "st" / "0_Transformer").parent
    source = resolve(folder, subfolder="0_Transformer")
    assert source.kind == FOLDER and source.folder == folder / "0_Transformer"
    assert source.file("config.json") == folder / "0_Transformer" / "config.json"
    with pytest.raises(FileNotFoundError, match="has no subfolder '1_Pooling'"):
        resolve(folder, subfolder="1_Pooling")


def test_a_single_file_is_itself_and_its_neighbours(tmp_path):
    folder = hf_folder(tmp_path / "model")
    source = resolve(folder / "model.safetensors")
    assert (source.kind, source.folder) == (FILE, folder)
    assert source.weights() == folder / "model.safetensors"
    assert source.file("model.safetensors") == folder / "model.safetensors"
    assert source.file("config.json") == folder / "config.json"
    with pytest.raises(FileNotFoundError, match=f"^no added_tokens.json next to {folder / 'model.safetensors'}$"):
        source.file("added_tokens.json")


def test_a_folder_without_weights_says_what_it_looked_for(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"found no weights in '.*empty': looked for model.safetensors, "
                                                r"model.safetensors.index.json, pytorch_model.bin"):
        resolve(tmp_path / "empty").weights()


def test_a_missing_path_is_neither_a_file_nor_a_repo_id(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match="is neither an existing file or folder nor a Hub repo id like "
                                                "'org/name'"):
        resolve(missing)
    with pytest.raises(FileNotFoundError, match="neither"):  # the three callers say the same
        minibert.BertConfig.from_pretrained(missing)
    with pytest.raises(FileNotFoundError, match="neither"):
        minibert.BertTokenizer.from_pretrained(missing)
    with pytest.raises(FileNotFoundError, match="neither"):
        minibert.BertModel.from_pretrained(missing)


@pytest.mark.parametrize("named", ["folder", "prefix", "index", "data"])
def test_a_google_checkpoint_is_found_from_its_folder_prefix_or_files(named):
    name = {"folder": PRETRAIN, "prefix": PRETRAIN / "bert_model.ckpt", "index": PRETRAIN / "bert_model.ckpt.index",
            "data": PRETRAIN / "bert_model.ckpt.data-00000-of-00001"}[named]
    source = resolve(name)
    assert source.kind == TENSORFLOW and source.tf.prefix == PRETRAIN / "bert_model.ckpt"
    assert source.folder == PRETRAIN and source.file("vocab.txt") == PRETRAIN / "vocab.txt"
    with pytest.raises(FileNotFoundError, match=f"^{PRETRAIN} has no config.json$"):
        source.file("config.json")


def test_a_tensorflow_run_folder_reads_the_checkpoint_its_state_file_names(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(CLASSIFIER, run)
    for f in CLASSIFIER.glob("model.ckpt-7.*"):  # an older step beside it: the state file still says 7
        shutil.copy(f, run / f.name.replace("-7", "-3"))
    source = resolve(run)
    assert source.kind == TENSORFLOW and source.tf.prefix == run / "model.ckpt-7"
    (run / "checkpoint").unlink()  # two checkpoints, nothing saying which is the latest: refused, not guessed
    with pytest.raises(ValueError, match=r"holds 2 TensorFlow checkpoints \(model.ckpt-3, model.ckpt-7\) and no "
                                         "'checkpoint' file"):
        resolve(run)
    assert resolve(run, tensorflow=False).kind == FOLDER  # a plain folder to a Hugging Face reader


def test_a_run_folder_is_never_read_outside(tmp_path):
    """A state file naming ``../elsewhere/model.ckpt-7``, which exists there but not here, is refused."""
    shutil.copytree(CLASSIFIER, tmp_path / "elsewhere")
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(CLASSIFIER / "bert_config.json", run)
    (run / "checkpoint").write_text('model_checkpoint_path: "../elsewhere/model.ckpt-7"\n')
    with pytest.raises(FileNotFoundError, match=f"which is outside {run} .* and {run} has no model.ckpt-7.index"):
        resolve(run)


def test_converted_folders_are_hugging_face_ones(tmp_path):
    folder = tmp_path / "converted"
    shutil.copytree(PRETRAIN, folder)
    (folder / "model.safetensors").write_bytes(b"")
    assert resolve(folder).kind == FOLDER  # its Hugging Face weights win over the TensorFlow files beside them


def test_a_repo_id_is_not_looked_up_until_a_file_is_asked_for(tmp_path, monkeypatch):
    def download(repo_id, filename, subfolder=None, revision=None, cache_dir=None, local_files_only=False):
        asked.append((repo_id, filename, subfolder, revision, cache_dir, local_files_only))
        (tmp_path / filename).write_text("{}")
        return str(tmp_path / filename)

    asked = []
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    source = resolve("org/name", revision="v1", cache_dir=tmp_path, local_files_only=True, subfolder="sub")
    assert (source.kind, source.path, source.folder, asked) == (HUB, None, None, [])
    assert source.file("config.json") == tmp_path / "config.json"
    assert asked == [("org/name", "config.json", "sub", "v1", tmp_path, True)]


def test_a_repo_id_not_in_the_cache_with_local_files_only_says_where_it_looked(tmp_path):
    source = resolve("no-org/no-model", cache_dir=tmp_path, local_files_only=True)
    assert source.kind == HUB
    looked = tmp_path / "models--no-org--no-model"
    expected = (f"the Hugging Face cache holds no repo 'no-org/no-model' (looked for {looked}); "
                "with local_files_only=True (--local-files-only) the Hub is not asked. Download it once where the "
                "Hub is reachable (it is then cached), point HF_HOME or cache_dir (--cache-dir) at a cache that "
                "holds it, or pass a local folder path instead.")
    with pytest.raises(OSError) as raised:
        source.file("config.json")
    assert str(raised.value) == expected
    with pytest.raises(OSError) as raised:  # the callers raise the same
        minibert.BertConfig.from_pretrained("no-org/no-model", cache_dir=tmp_path, local_files_only=True)
    assert str(raised.value) == expected
    assert source.file("config.json", required=False) is None


def test_a_source_is_handed_on_as_it_is(tmp_path):
    source = resolve(hf_folder(tmp_path / "model"))
    assert resolve(source) is source and isinstance(source, Source)


def test_a_model_decides_once_what_a_tensorflow_checkpoint_is(monkeypatch):
    """Config and weights come from the same decision: the checkpoint is looked for once per from_pretrained."""
    calls = []
    find = tf_checkpoint.find
    monkeypatch.setattr(tf_checkpoint, "find", lambda name: calls.append(name) or find(name))
    minibert.BertForSequenceClassification.from_pretrained(CLASSIFIER)
    assert calls == [CLASSIFIER]
