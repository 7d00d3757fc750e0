"""Write small checkpoints in Google's original BERT format with TensorFlow's own saver: checkpoints/tf/.

Runs in its own environment (TensorFlow is never a dependency of minibert):

    python3 -m venv .venv-tf && .venv-tf/bin/pip install torch==2.13.0 tensorflow-cpu==2.21.0 \\
        transformers==4.57.6 pytest hypothesis && .venv-tf/bin/pip install --no-deps -e .
    .venv-tf/bin/python scripts/make_tf_checkpoints.py [OUT_FOLDER]   # default: checkpoints/tf

Each fixture is a folder laid out as Google ships it (``bert_config.json``, ``vocab.txt``, ``bert_model.ckpt.*``)
or as ``run_classifier.py`` / ``run_squad.py`` leave it (``model.ckpt-STEP.*`` and a ``checkpoint`` file), with
the variables named, shaped and typed as google-research/bert's ``modeling.py`` (and ``optimization.py``'s
``AdamWeightDecayOptimizer``, which adds ``NAME/adam_m`` and ``NAME/adam_v`` per weight, and ``global_step``)
create them. Values are random (seeded), LayerNorm gammas and biases included, so that a swapped or
untransposed weight shows. ``tf_values.safetensors`` next to each holds every variable as TensorFlow reads it
back (``tf.train.load_checkpoint``), under its TensorFlow name; ``checkpoints/tf/VERSIONS.json`` records the
versions. The fixtures:

    uncased_L-2_H-24_A-3         pre-training (MLM + NSP heads), Adam slots, global_step; the release layout
    cased_L-1_H-20_A-5           run_classifier.py fine-tune, 3 labels, type_vocab_size 3; model.ckpt-7
    uncased_L-3_H-16_A-2_squad   run_squad.py fine-tune (cls/squad/*); model.ckpt-12
    uncased_L-2_H-12_A-4_shards  pre-training, saved sharded across two devices: two data files
    dtypes                       not BERT: one variable per dtype, a scalar, an empty and a 3-D tensor
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] / "checkpoints" / "tf"
BFLOAT16 = {"dtypes/bfloat16"}  # numpy has no bfloat16: these are cast in TensorFlow before saving
WORDS = ["the", "a", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "hello", "world", "Hello", "World",
         "BERT", "bert", "reads", "both", "ways", "##s", "##ing", "##ed", ",", ".", "!", "?", "un", "##aff", "##able"]


def bert_config(vocab, hidden, layers, heads, intermediate, max_pos, type_vocab):
    return {"attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "hidden_size": hidden, "initializer_range": 0.02, "intermediate_size": intermediate,
            "max_position_embeddings": max_pos, "num_attention_heads": heads, "num_hidden_layers": layers,
            "type_vocab_size": type_vocab, "vocab_size": vocab}


def bert_variables(cfg: dict, heads: str, rng) -> dict[str, np.ndarray]:
    """Google's variable names -> values, as modeling.py creates them; ``heads``: pretrain|classifier|squad."""
    C, I = cfg["hidden_size"], cfg["intermediate_size"]

    def w(*shape):
        return rng.normal(0, 0.5, shape).astype(np.float32)

    v = {"bert/embeddings/word_embeddings": w(cfg["vocab_size"], C),
         "bert/embeddings/token_type_embeddings": w(cfg["type_vocab_size"], C),
         "bert/embeddings/position_embeddings": w(cfg["max_position_embeddings"], C),
         "bert/embeddings/LayerNorm/beta": w(C), "bert/embeddings/LayerNorm/gamma": 1 + w(C)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"bert/encoder/layer_{i}"
        for name in ("query", "key", "value"):
            v[f"{p}/attention/self/{name}/kernel"], v[f"{p}/attention/self/{name}/bias"] = w(C, C), w(C)
        v[f"{p}/attention/output/dense/kernel"], v[f"{p}/attention/output/dense/bias"] = w(C, C), w(C)
        v[f"{p}/attention/output/LayerNorm/beta"], v[f"{p}/attention/output/LayerNorm/gamma"] = w(C), 1 + w(C)
        v[f"{p}/intermediate/dense/kernel"], v[f"{p}/intermediate/dense/bias"] = w(C, I), w(I)  # (in, out)
        v[f"{p}/output/dense/kernel"], v[f"{p}/output/dense/bias"] = w(I, C), w(C)
        v[f"{p}/output/LayerNorm/beta"], v[f"{p}/output/LayerNorm/gamma"] = w(C), 1 + w(C)
    v["bert/pooler/dense/kernel"], v["bert/pooler/dense/bias"] = w(C, C), w(C)
    if heads == "pretrain":
        v["cls/predictions/transform/dense/kernel"], v["cls/predictions/transform/dense/bias"] = w(C, C), w(C)
        v["cls/predictions/transform/LayerNorm/beta"] = w(C)
        v["cls/predictions/transform/LayerNorm/gamma"] = 1 + w(C)
        v["cls/predictions/output_bias"] = w(cfg["vocab_size"])
        v["cls/seq_relationship/output_weights"], v["cls/seq_relationship/output_bias"] = w(2, C), w(2)
    elif heads == "classifier":
        v["output_weights"], v["output_bias"] = w(3, C), w(3)  # run_classifier.py: (num_labels, hidden)
    elif heads == "squad":
        v["cls/squad/output_weights"], v["cls/squad/output_bias"] = w(2, C), w(2)  # run_squad.py: (2, hidden)
    return v


def with_adam(values: dict[str, np.ndarray], rng) -> dict[str, np.ndarray]:
    """AdamWeightDecayOptimizer's slots (m: first moment, v: second moment, >= 0) for every weight."""
    out = dict(values)
    for name, value in values.items():
        out[f"{name}/adam_m"] = rng.normal(0, 1e-3, value.shape).astype(np.float32)
        out[f"{name}/adam_v"] = np.abs(rng.normal(0, 1e-6, value.shape)).astype(np.float32)
    return out


def save(folder: Path, prefix: str, values: dict[str, np.ndarray], step: int | None, devices: int = 1) -> None:
    """tf.compat.v1.train.Saver, the saver of run_pretraining.py's Estimator, in a TF1-style graph."""
    graph = tf.Graph()
    with graph.as_default():
        variables = []
        for k, (name, value) in enumerate(values.items()):
            with tf.device(f"/cpu:{k % devices}"):  # sharded=True writes one data file per device
                init = tf.constant(value) if name not in BFLOAT16 else tf.cast(tf.constant(value), tf.bfloat16)
                variables.append(tf.compat.v1.get_variable(name, initializer=init, use_resource=False))
        if step is not None:
            with tf.device("/cpu:0"):
                variables.append(tf.compat.v1.get_variable("global_step", initializer=tf.constant(step, tf.int64),
                                                           trainable=False, use_resource=False))
        saver = tf.compat.v1.train.Saver(variables, sharded=devices > 1, save_relative_paths=True)
        config = tf.compat.v1.ConfigProto(device_count={"CPU": devices})
        with tf.compat.v1.Session(graph=graph, config=config) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, str(folder / prefix), global_step=None, write_meta_graph=False)


def write_fixture(name: str, cfg: dict | None, values: dict, prefix: str, step: int | None, devices: int = 1,
                  keep_state_file: bool = False) -> None:
    import torch
    from safetensors.torch import save_file

    folder = ROOT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if cfg is not None:
        (folder / "bert_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
        vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
        vocab += [f"[unused{k}]" for k in range(cfg["vocab_size"] - len(vocab))]
        (folder / "vocab.txt").write_text("".join(t + "\n" for t in vocab[: cfg["vocab_size"]]))
    save(folder, prefix, values, step, devices)
    if not keep_state_file:
        (folder / "checkpoint").unlink()  # Google's release zips have no 'checkpoint' state file
    reader = tf.train.load_checkpoint(str(folder / prefix))
    read_back = {}
    for var, dtype in sorted(reader.get_variable_to_dtype_map().items()):
        array = reader.get_tensor(var)
        if dtype == tf.bfloat16:  # numpy has no bfloat16; torch does, and float32 holds it exactly
            read_back[var] = torch.from_numpy(np.asarray(array, dtype=np.float32)).to(torch.bfloat16)
        else:
            read_back[var] = torch.from_numpy(np.ascontiguousarray(array).reshape(array.shape))
    save_file(read_back, str(folder / "tf_values.safetensors"), metadata={"tensorflow": tf.__version__})


def main() -> None:
    global ROOT
    # another folder (tests/loading/test_tf_reference.py checks the committed files are reproduced)
    if len(sys.argv) > 1:
        ROOT = Path(sys.argv[1])
    ROOT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2018)  # the year BERT came out
    cfg = bert_config(vocab=40, hidden=24, layers=2, heads=3, intermediate=37, max_pos=19, type_vocab=2)
    write_fixture("uncased_L-2_H-24_A-3", cfg, with_adam(bert_variables(cfg, "pretrain", rng), rng),
                  "bert_model.ckpt", step=1000)
    cfg = bert_config(vocab=36, hidden=20, layers=1, heads=5, intermediate=29, max_pos=13, type_vocab=3)
    write_fixture("cased_L-1_H-20_A-5", cfg, with_adam(bert_variables(cfg, "classifier", rng), rng),
                  "model.ckpt-7", step=7, keep_state_file=True)
    cfg = bert_config(vocab=38, hidden=16, layers=3, heads=2, intermediate=23, max_pos=23, type_vocab=2)
    write_fixture("uncased_L-3_H-16_A-2_squad", cfg, bert_variables(cfg, "squad", rng), "model.ckpt-12", step=12,
                  keep_state_file=True)
    cfg = bert_config(vocab=34, hidden=12, layers=2, heads=4, intermediate=17, max_pos=11, type_vocab=2)
    write_fixture("uncased_L-2_H-12_A-4_shards", cfg, bert_variables(cfg, "pretrain", rng), "bert_model.ckpt",
                  step=None, devices=2)
    dtypes = {"float32": np.float32, "float16": np.float16, "float64": np.float64, "int32": np.int32,
              "int64": np.int64, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}
    values = {f"dtypes/{k}": (rng.normal(0, 100, (3, 5)) if k.startswith("float") else rng.integers(-100, 100, (3, 5))
                              ).astype(d) for k, d in dtypes.items()}
    values["dtypes/uint8"] = rng.integers(0, 255, (3, 5)).astype(np.uint8)
    values["dtypes/bool"] = rng.integers(0, 2, (3, 5)).astype(np.bool_)
    values["shapes/scalar"] = np.float32(3.25)
    values["shapes/empty"] = np.zeros((0, 4), np.float32)
    values["shapes/three_d"] = rng.normal(0, 1, (2, 3, 4)).astype(np.float32)
    values["dtypes/bfloat16"] = rng.normal(0, 100, (3, 5)).astype(np.float32)  # stored as bfloat16 (BFLOAT16)
    write_fixture("dtypes", None, values, "model.ckpt", step=None)

    import safetensors
    import torch

    versions = {"script": "scripts/make_tf_checkpoints.py", "tensorflow": tf.__version__, "numpy": np.__version__,
                "torch (writes tf_values.safetensors)": torch.__version__, "safetensors": safetensors.__version__,
                "python": platform.python_version(), "platform": sys.platform, "seed": 2018}
    (ROOT / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n")
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote {', '.join(sorted(p.name for p in ROOT.iterdir() if p.is_dir()))} ({total / 1024:.0f} KiB) "
          f"with TensorFlow {tf.__version__}")


if __name__ == "__main__":
    main()
