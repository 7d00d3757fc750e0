"""Reference solutions, one module per exercise, same signatures as ``minibert/exercises/stubs``.

Written from scratch for the exercises (they import torch, never minibert): the snapshot script checks
each one against minibert's own implementation and torch/transformers built-ins before it writes the
snapshots the graders compare with. Read one only after trying the exercise yourself.
"""
