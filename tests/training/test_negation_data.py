"""examples/data/negation.csv (notebook 11's transfer lesson): what its script writes, and a task that really needs
context: no single word decides the label, and the test sentences' subjects never occur in the training pool."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "examples" / "data" / "negation.csv"


def test_the_committed_file_is_what_the_script_writes():
    result = subprocess.run([sys.executable, str(REPO / "examples" / "make_negation_data.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_no_word_decides_the_label_and_test_subjects_are_new():
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    labels_of = defaultdict(set)
    for r in rows:
        for word in r["text"].split():
            labels_of[word].add(r["label"])
    one_sided = sorted(w for w, labels in labels_of.items() if len(labels) == 1)
    assert "not" not in one_sided and "good" not in one_sided and "bad" not in one_sided, one_sided
    # Words seen with a single label are only subject words and rare filler, never an adjective or a negation.
    from importlib import util

    spec = util.spec_from_file_location("make_negation_data", REPO / "examples" / "make_negation_data.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not set(one_sided) & set(module.POSITIVE + module.NEGATIVE + ["not", "never", "hardly"])
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    assert len(train) == 216 and len(test) == 108
    assert sum(r["label"] == "positive" for r in test) == len(test) // 2  # balanced: chance is 50 %
    assert not {s for s in module.TEST_SUBJECTS if any(r["text"].find(s) >= 0 for r in train)}
