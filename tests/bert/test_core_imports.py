"""BERT's core (minibert/bert/) imports torch and itself only, lazy imports included.

The files/Hub surface (``from_pretrained``, ``save_pretrained``, the Auto classes) is minibert/compat/, and
loading files is minibert/loading/: a learner reads the core without them, and it runs without them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "minibert" / "bert"


def _imported_modules(tree: ast.AST, package: str):
    """(line, module) of every import in the tree, function bodies included; relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield node.lineno, f"{base}.{node.module}" if node.module else base
            else:
                yield node.lineno, node.module or ""
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            yield node.lineno, str(node.args[0].value)


def test_core_files_import_only_torch_and_the_core():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for line, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")), "minibert.bert"):
            top = module.split(".")[0]
            if top == "minibert" and not (module == "minibert.bert" or module.startswith("minibert.bert.")):
                offenders.append(f"{path.relative_to(CORE.parents[1])}:{line}: imports {module}")
    assert offenders == [], "BERT's core must import only torch and minibert.bert:\n" + "\n".join(offenders)


def test_importing_the_core_model_loads_no_other_minibert_module():
    code = ("import sys, minibert.bert.model, minibert.bert.checkpointing, minibert.bert.relative_positions\n"
            "print(sorted(m for m in sys.modules if m.startswith('minibert')"
            " and m != 'minibert' and not m.startswith('minibert.bert')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parents[1],
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", f"importing the core loaded {out.stdout.strip()}"


def test_the_core_model_runs_without_the_compatible_surface():
    code = """
import sys, torch
from minibert.bert.config import BertConfig
from minibert.bert.model import BertModel
cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=20)
out = BertModel(cfg)(torch.tensor([[1, 2, 3, 0]]), attention_mask=torch.tensor([[1, 1, 1, 0]]))
assert out.last_hidden_state.shape == (1, 4, 16) and out.pooler_output.shape == (1, 16)
print(sorted(m for m in sys.modules if m.startswith('minibert.') and not m.startswith('minibert.bert')))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parents[1],
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
