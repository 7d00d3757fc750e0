"""Mapping real-world checkpoint key names onto minibert's parameter names.

Checkpoints in the wild differ in small ways, all of which describe the same weights:
* a ``bert.`` prefix (saved from a model with heads) or none (saved from a bare ``BertModel``);
* ``LayerNorm.gamma`` / ``LayerNorm.beta``, the TensorFlow-era names of ``weight`` / ``bias``;
* a stale ``embeddings.position_ids`` buffer that older versions saved;
* task-head keys (``cls.*``, ``classifier.*``, ``qa_outputs.*``) that the model being loaded may not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

LEGACY_SUFFIXES = {"LayerNorm.gamma": "LayerNorm.weight", "LayerNorm.beta": "LayerNorm.bias"}
STALE_BUFFERS = ("embeddings.position_ids",)


class ShapeMismatchError(RuntimeError, ValueError):
    """The checkpoint's tensors do not have the shapes the config describes.

    A ``RuntimeError``, as the reference raises, and a ``ValueError``, so the command line prints it as one line.
    """


@dataclass
class LoadReport:
    """What loading did: which model weights were missing (newly initialised) and which file keys went unused."""

    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    renamed_keys: dict[str, str] = field(default_factory=dict)
    ignored_keys: list[str] = field(default_factory=list)
    mismatched_keys: list[str] = field(default_factory=list)  # wrong shape, newly initialised (ignore_mismatched_sizes)

    def as_dict(self) -> dict:
        return {"missing_keys": self.missing_keys, "unexpected_keys": self.unexpected_keys,
                "mismatched_keys": self.mismatched_keys, "error_msgs": []}


def map_keys(state: dict[str, torch.Tensor], expected: dict[str, torch.Size], prefix: str = "bert"
             ) -> tuple[dict[str, torch.Tensor], LoadReport]:
    """Rename ``state``'s keys to the model's names; return the renamed dict and a report."""
    report = LoadReport()
    expects_prefix = any(k.startswith(prefix + ".") for k in expected)
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        new = key
        for old, modern in LEGACY_SUFFIXES.items():
            if new.endswith(old):
                new = new[: -len(old)] + modern
        has_prefix = new.startswith(prefix + ".")
        if expects_prefix and not has_prefix and (prefix + "." + new) in expected:
            new = prefix + "." + new  # a bare encoder checkpoint loaded under a task head
        elif not expects_prefix and has_prefix:
            new = new[len(prefix) + 1:]  # a checkpoint with heads loaded into the bare encoder
        if any(new == b or new.endswith("." + b) for b in STALE_BUFFERS) and new not in expected:
            report.ignored_keys.append(key)  # old versions saved this constant buffer; it carries nothing
            continue
        if new != key:
            report.renamed_keys[key] = new
        out[new] = tensor
    report.unexpected_keys = sorted(k for k in out if k not in expected)
    report.missing_keys = sorted(k for k in expected if k not in out)
    return out, report


def check_shapes(state: dict[str, torch.Tensor], expected: dict[str, torch.Size], source: str,
                 ignore_mismatched_sizes: bool = False) -> list[str]:
    """The keys whose tensor has the wrong shape, when ``ignore_mismatched_sizes`` (the caller initialises them anew,
    as for a 3-label checkpoint fine-tuned with ``num_labels=42``); otherwise a ``RuntimeError`` (the reference's
    type) naming the key, both shapes and the file."""
    mismatched = sorted(k for k, t in state.items() if k in expected and tuple(t.shape) != tuple(expected[k]))
    if mismatched and not ignore_mismatched_sizes:
        key = mismatched[0]
        raise ShapeMismatchError(
            f"shape mismatch for {key!r} in {source}: the checkpoint has {tuple(state[key].shape)}, the model "
            f"expects {tuple(expected[key])} (does config.json match the weights?"
            + (f" {len(mismatched)} tensors differ." if len(mismatched) > 1 else "")
            + " To start those weights anew, e.g. a classifier with a different num_labels, pass "
            "ignore_mismatched_sizes=True)")
    return mismatched
