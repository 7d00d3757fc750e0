"""The exercise stubs, one module per function: what a learner fills in.

Work on a copy so the package stays as shipped (and its own tests keep passing):

    python -m minibert.exercises init my_exercises         # copies these files
    python -m minibert.exercises grade gelu --impl my_exercises

Each function's docstring says exactly what to compute, with shapes and dtypes. Replace the
``raise NotImplementedError(...)`` line with your code; you may use anything torch offers unless the
docstring says otherwise. See docs/exercises.md.
"""
