"""The ``check`` table: which modules are compared, how their outputs are captured, and the rows they make.

Both libraries name their modules the same way, so ``capture`` registers one set of forward hooks on either
library's ``BertModel`` and returns every compared module's output for the same inputs; ``compare`` makes one
Row per module (its main weight, the output's shape, the max |Δ| and whether it is within the tolerance), and
Report holds the rows, the notes and the settings, and prints them as the table of ``python -m minibert check``:

    module                           weight                  output          max |Δ|     status
    embeddings                       word_embeddings (V, C)  (B, T, C)       2.4e-07     OK
    encoder.layer.0.attention.self   query (C, C)            (B, T, C)       ...

A row fails when its max |Δ| exceeds the tolerance (TOLERANCES, per dtype) or its output holds NaN/Inf.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import torch

# Default tolerance per dtype when both sides run in that dtype (or against fp32 stored outputs). fp32: the
# issue's bar. Half precision: a few units in the last place of values of size ~1-10 after LayerNorm
# (fp16 has 10 mantissa bits, bf16 7): 3x the worst measured, see HALF_TOLERANCE in tests/bert/test_parity_model.py.
TOLERANCES = {torch.float32: 1e-5, torch.float16: 2e-2, torch.bfloat16: 1.5e-1}


def module_names(num_layers: int) -> list[str]:
    """The modules compared, in data-flow order; ``...attention.probs`` is the attention probabilities."""
    names = ["embeddings"]
    for i in range(num_layers):
        p = f"encoder.layer.{i}"
        names += [f"{p}.attention.self", f"{p}.attention.probs", f"{p}.attention.output", f"{p}.intermediate",
                  f"{p}.output"]
    return names + ["pooler"]


@dataclass
class Row:
    module: str
    weight: str  # the module's main weight matrix and its shape, e.g. "query (32, 32)"
    shape: tuple  # shape of the output compared
    max_abs_diff: float | None
    ok: bool
    note: str = ""


@dataclass
class Report:
    model: str
    reference: str  # "transformers 4.57.6" or "stored reference outputs (...)"
    device: str
    dtype: str
    tolerance: float
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ok_load: bool = True

    @property
    def ok(self) -> bool:
        return self.ok_load and bool(self.rows) and all(r.ok for r in self.rows)

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def format_table(self) -> str:
        lines = [f"model:     {self.model}", f"reference: {self.reference}",
                 f"device:    {self.device}   dtype: {self.dtype}   tolerance: {self.tolerance:g}", ""]
        w = max(len(r.module) for r in self.rows) if self.rows else 10
        ws = max(len(r.weight) for r in self.rows) if self.rows else 10
        lines.append(f"{'module':<{w}}  {'weight':<{ws}}  {'output':<16}  {'max |Δ|':>9}  status")
        for r in self.rows:
            diff = "-" if r.max_abs_diff is None else f"{r.max_abs_diff:.2e}"
            status = ("OK" if r.ok else "FAIL") + (f"  ({r.note})" if r.note else "")
            lines.append(f"{r.module:<{w}}  {r.weight:<{ws}}  {str(tuple(r.shape)):<16}  {diff:>9}  {status}")
        lines += [""] + [f"note: {n}" for n in self.notes]
        n_fail = sum(not r.ok for r in self.rows)
        lines.append(f"result: {'OK' if self.ok else 'FAIL'} ({len(self.rows) - n_fail}/{len(self.rows)} modules "
                     f"within {self.tolerance:g})")
        return "\n".join(lines)


def main_weight(model: torch.nn.Module, name: str) -> str:
    """'query (32, 32)': the first 2-D weight of a module (the probabilities row has none of its own)."""
    if name.endswith(".attention.probs"):
        return "softmax(QKᵀ/√d + M)"
    for pname, p in model.get_submodule(name).named_parameters():
        if p.dim() == 2:
            return f"{pname.removesuffix('.weight')} {tuple(p.shape)}"
    return "-"


@torch.no_grad()
def capture(model: torch.nn.Module, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Run ``model`` (minibert's or the reference's ``BertModel``) and return every compared module's output.

    Works on both libraries because the module names and output conventions are the same: a module returns
    a tensor, or a tuple whose first entry is its output (attention returns (context, probabilities)).
    """
    names = [n for n in module_names(model.config.num_hidden_layers) if not n.endswith(".probs")]
    names = [n for n in names if n != "pooler" or getattr(model, "pooler", None) is not None]
    captured: dict[str, torch.Tensor] = {}
    hooks = []
    for name in names:
        def hook(module, args, output, name=name):
            captured[name] = output[0] if isinstance(output, tuple) else output
        hooks.append(model.get_submodule(name).register_forward_hook(hook))
    try:
        out = model(**inputs, output_attentions=True, output_hidden_states=True, return_dict=True)
    finally:
        for h in hooks:
            h.remove()
    for i, probs in enumerate(out.attentions):
        captured[f"encoder.layer.{i}.attention.probs"] = probs  # (B, H, T, T)
    return captured


def compare(model: torch.nn.Module, ours: dict, theirs: dict, tolerance: float) -> list[Row]:
    rows = []
    for name in module_names(model.config.num_hidden_layers):
        if name not in ours:
            continue
        a = ours[name]
        b = theirs.get(name)
        if b is None:
            rows.append(Row(name, main_weight(model, name), tuple(a.shape), None, False, "no reference output"))
            continue
        if a.shape != b.shape:
            rows.append(Row(name, main_weight(model, name), tuple(a.shape), None, False,
                            f"reference shape {tuple(b.shape)}"))
            continue
        diff = (a.double().cpu() - b.double().cpu()).abs()
        worst = float(diff.max()) if diff.numel() else 0.0
        finite = bool(torch.isfinite(a).all())
        ok = finite and worst <= tolerance  # a NaN diff compares False, so NaN always fails
        rows.append(Row(name, main_weight(model, name), tuple(a.shape), worst, ok, "" if finite else "NaN/Inf"))
    return rows
