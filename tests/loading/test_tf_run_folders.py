"""TensorFlow run folders that were moved or copied (minibert/loading/tf_latest.py).

The saver writes the path it was given into the folder's ``checkpoint`` file: relative, absolute (the machine the
run was on) or a bucket (``gs://``). Only the folder the user named is read: a path leading outside it stands for
the folder's own file of that name, with a one-line note; without such a file the error names the path and lists
the checkpoints the folder holds. Everything here runs on the committed fixtures, without TensorFlow.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import pytest
import torch
from test_tf_checkpoint import SQUAD, tf_values

import minibert
from minibert.__main__ import main
from minibert.loading.tf_bundle import BundleError, TensorBundle

KERNEL = "bert/encoder/layer_1/intermediate/dense/kernel"


def run_folder(where: Path, named: str | None = None, steps=(12,)) -> Path:
    """A copy of the SQUAD run (model.ckpt-12) holding the given steps; ``checkpoint`` names ``named``."""
    where.mkdir(parents=True)
    for name in ("bert_config.json", "vocab.txt"):
        shutil.copy(SQUAD / name, where / name)
    for step in steps:
        for f in SQUAD.glob("model.ckpt-12.*"):
            shutil.copy(f, where / f.name.replace("-12", f"-{step}"))
    if named is not None:
        (where / "checkpoint").write_text(f'model_checkpoint_path: "{named}"\nall_model_checkpoint_paths: '
                                          f'"{named}"\n')
    return where


def corrupt(prefix: Path) -> Path:
    """Flip one byte inside a tensor of the data file: the tensor's checksum no longer matches."""
    entry = TensorBundle(prefix).entries[KERNEL]
    path = Path(f"{prefix}.data-00000-of-00001")
    raw = bytearray(path.read_bytes())
    raw[entry.offset + entry.size // 2] ^= 0x10
    path.write_bytes(bytes(raw))
    return path


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def loads_tf_values(folder: Path) -> bool:
    model = minibert.BertForQuestionAnswering.from_pretrained(folder)
    return torch.equal(model.qa_outputs.bias.detach(), tf_values(SQUAD)["cls/squad/output_bias"])


def notes(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "outside this folder" in r.getMessage()]


def test_a_corrupted_copy_is_refused_by_its_checksums_and_the_original_is_untouched(tmp_path):
    original = run_folder(tmp_path / "run", named=str(tmp_path / "run" / "model.ckpt-12"))  # absolute, as saved
    before = digest(original)
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    damaged = corrupt(copy / "model.ckpt-12")
    with pytest.raises(BundleError, match=f"{damaged}: checksum mismatch for '{KERNEL}'"):
        minibert.BertForQuestionAnswering.from_pretrained(copy)  # the copy's own files, not the original's
    assert digest(original) == before and loads_tf_values(original)


def test_a_copy_reads_its_own_files_when_the_original_is_changed(tmp_path, caplog):
    original = run_folder(tmp_path / "run", named=str(tmp_path / "run" / "model.ckpt-12"))
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    corrupt(original / "model.ckpt-12")  # were the original read, the load below would fail its checksum
    with caplog.at_level(logging.WARNING, logger="minibert"):
        assert loads_tf_values(copy)
        assert minibert.BertTokenizer.from_pretrained(copy).tokenize("a") is not None
    assert notes(caplog) == [f"{copy / 'checkpoint'} names {original / 'model.ckpt-12'}, outside this folder; "
                             f"reading the folder's own {copy / 'model.ckpt-12'} instead"]  # once per folder


@pytest.mark.parametrize("named", ["/home/someone/bert-run/model.ckpt-12", "gs://a-bucket/bert-run/model.ckpt-12",
                                   "s3://a-bucket/bert-run/model.ckpt-12", r"C:\Users\a\bert-run\model.ckpt-12"],
                         ids=["absolute", "gs", "s3", "windows"])
def test_a_folder_from_another_machine_or_a_bucket_loads_its_own_latest(named, tmp_path, caplog):
    folder = run_folder(tmp_path / "run", named=named, steps=(3, 12))
    corrupt(folder / "model.ckpt-3")  # an older checkpoint next to it: never the one read
    with caplog.at_level(logging.WARNING, logger="minibert"):
        assert loads_tf_values(folder)
    assert notes(caplog) == [f"{folder / 'checkpoint'} names {named}, outside this folder; reading the folder's "
                             f"own {folder / 'model.ckpt-12'} instead"]


def test_a_relative_path_is_resolved_against_the_folder_without_a_note(tmp_path, caplog):
    folder = run_folder(tmp_path / "run", named="model.ckpt-3", steps=(3, 12))
    corrupt(folder / "model.ckpt-12")  # the latest is 3, as the file says
    with caplog.at_level(logging.WARNING, logger="minibert"):
        assert loads_tf_values(folder)
    assert notes(caplog) == []


def test_a_relative_path_leading_out_of_the_folder_is_not_followed(tmp_path):
    run_folder(tmp_path / "elsewhere", steps=(12,))
    folder = run_folder(tmp_path / "run", named="../elsewhere/model.ckpt-12", steps=(12,))
    damaged = corrupt(folder / "model.ckpt-12")
    with pytest.raises(BundleError, match=f"{damaged}: checksum mismatch"):  # its own file, not ../elsewhere's
        minibert.BertForQuestionAnswering.from_pretrained(folder)
    for f in folder.glob("model.ckpt-12.*"):
        f.unlink()
    with pytest.raises(FileNotFoundError, match=r"names '\.\./elsewhere/model\.ckpt-12'.*outside"):
        minibert.BertForQuestionAnswering.from_pretrained(folder)


def test_a_checkpoint_in_neither_place_is_an_error_naming_the_path_and_the_folders_checkpoints(tmp_path):
    elsewhere = run_folder(tmp_path / "other-run", steps=(1000,))  # exists, but outside the folder named
    folder = run_folder(tmp_path / "run", named=str(elsewhere / "model.ckpt-1000"), steps=(3, 12))
    expected = (f"{folder / 'checkpoint'} names '{elsewhere / 'model.ckpt-1000'}' as the latest checkpoint, which "
                f"is outside {folder} (never read unless you name it) and {folder} has no model.ckpt-1000.index; "
                f"the folder holds model.ckpt-3, model.ckpt-12: pass the one you want, e.g. {folder / 'model.ckpt-12'}")
    for load in (minibert.BertForQuestionAnswering.from_pretrained, minibert.BertConfig.from_pretrained,
                 minibert.BertTokenizer.from_pretrained):
        with pytest.raises(FileNotFoundError) as err:
            load(folder)
        assert str(err.value) == expected
    assert minibert.BertModel.from_pretrained(elsewhere / "model.ckpt-1000") is not None  # named: read
    (folder / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-1000"\n')  # relative, missing
    with pytest.raises(FileNotFoundError, match=r"names 'model.ckpt-1000' as the latest checkpoint, but .* has no "
                                                r"model.ckpt-1000.index; the folder holds model.ckpt-3, model.ckpt-12"):
        minibert.BertModel.from_pretrained(folder)


def test_several_checkpoints_with_and_without_a_checkpoint_file(tmp_path):
    folder = run_folder(tmp_path / "run", named="model.ckpt-12", steps=(3, 12, 100))
    corrupt(folder / "model.ckpt-3")
    corrupt(folder / "model.ckpt-100")
    assert loads_tf_values(folder)  # the one the file names, not the highest step
    (folder / "checkpoint").unlink()
    with pytest.raises(ValueError, match=r"holds 3 TensorFlow checkpoints \(model.ckpt-3, model.ckpt-12, "
                                         r"model.ckpt-100\) and no 'checkpoint' file .* e.g. .*model.ckpt-100$"):
        minibert.BertForQuestionAnswering.from_pretrained(folder)
    assert loads_tf_values(folder / "model.ckpt-12")  # named by the user


def test_convert_and_check_read_the_folder_they_are_given(tmp_path, capsys, caplog):
    original = run_folder(tmp_path / "run", named=str(tmp_path / "run" / "model.ckpt-12"))
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    corrupt(original / "model.ckpt-12")
    with caplog.at_level(logging.WARNING, logger="minibert"):
        assert main(["convert", str(copy), str(tmp_path / "converted")]) == 0
    assert f"read {copy / 'model.ckpt-12'}" in capsys.readouterr().out and len(notes(caplog)) == 1
    converted = minibert.BertForQuestionAnswering.from_pretrained(tmp_path / "converted")
    assert torch.equal(converted.qa_outputs.bias.detach(), tf_values(SQUAD)["cls/squad/output_bias"])
    assert main(["convert", str(original), str(tmp_path / "converted-2")]) == 1  # the damaged one: refused
    assert "checksum mismatch" in capsys.readouterr().err and not (tmp_path / "converted-2").exists()

    bucket = run_folder(tmp_path / "bucket-run", named="gs://a-bucket/run/model.ckpt-12")
    pytest.importorskip("transformers")  # check compares with the reference
    assert main(["check", str(bucket)]) == 0
    assert "result: OK" in capsys.readouterr().out
    (bucket / "checkpoint").write_text('model_checkpoint_path: "gs://a-bucket/run/model.ckpt-99"\n')
    for command in (["check", str(bucket)], ["convert", str(bucket), str(tmp_path / "converted-3")]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert "names 'gs://a-bucket/run/model.ckpt-99' as the latest checkpoint" in err, command
        assert "the folder holds model.ckpt-12" in err and "Traceback" not in err, command
