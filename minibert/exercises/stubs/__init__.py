"""The exercises, one module per function: edit these (or a copy of this folder) and run the graders.

    python -m minibert.exercises list                 # what there is to do
    python -m minibert.exercises grade gelu           # grade one exercise (name or number)
    python -m minibert.exercises grade                # grade them all

Each function's docstring says exactly what to compute, with shapes and dtypes. Replace the
``raise NotImplementedError(...)`` line with your code; you may use anything torch offers unless the
docstring says otherwise. See docs/exercises.md.
"""
