"""minibert never imports the reference implementation.

``transformers`` is a test/dev dependency only. The one place that may load it is the optional live
comparison of the diagnostic commands (``python -m minibert check`` / ``walkthrough``, and the parity row of
``speedrun``'s report card), lazily and only when it is installed; without it they compare against stored
reference outputs. The parity checker is a package (minibert/parity/: the table, check_checkpoint, the
reference), and of its modules only ``reference.py`` loads ``transformers`` (``reference_library``): check.py
calls that function, and table.py works on whichever model it is given. Nothing else, and no model, tokenizer,
pipeline or training code path, loads it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "minibert"
ALLOWED = {PACKAGE / "parity" / "reference.py"}
IMPORT = re.compile(r"^\s*(import\s+transformers|from\s+transformers[\s.]|.*import_module\(\s*[\"']transformers)", re.M)


def test_no_module_imports_transformers_except_the_optional_reference_runner():
    offenders = [str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
                 if p not in ALLOWED and "graders" not in p.parts and IMPORT.search(p.read_text(encoding="utf-8"))]
    assert offenders == [], f"these minibert modules import transformers: {offenders}"


def test_using_the_library_never_loads_transformers(tmp_path):
    code = """
import sys, torch
from minibert import BertConfig, BertModel, BertForMaskedLM, BertTokenizer, pipeline
cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37)
m = BertForMaskedLM(cfg); m.save_pretrained(sys.argv[1])
BertTokenizer.from_pretrained("checkpoints/vocab/bert-base-uncased-vocab.txt").save_pretrained(sys.argv[1])
tok = BertTokenizer.from_pretrained(sys.argv[1])
BertModel.from_pretrained(sys.argv[1])(**tok(["hello world"], return_tensors="pt"))
pipeline("fill-mask", model=sys.argv[1])("hello [MASK]")
import minibert.training.trainer, minibert.training.masking
print("LOADED" if any(k == "transformers" or k.startswith("transformers.") for k in sys.modules) else "CLEAN")
"""
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m")], capture_output=True, text=True,
                         cwd=PACKAGE.parent, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "CLEAN"
