"""Graded exercises: write the core pieces of BERT yourself and check them against reference snapshots.

    python -m minibert.exercises list
    python -m minibert.exercises grade [NAME ...] [--impl stubs|solutions|PATH]

Layout (one name per exercise, e.g. ``gelu``):

* ``stubs/<name>.py``        what you edit: the function's docstring says what to compute;
* ``solutions/<name>.py``    the reference solutions;
* ``graders/test_<name>.py`` the pytest grader, with its tolerance and the reason for it;
* ``snapshots/<name>.json``  inputs and expected outputs, made by scripts/make_exercise_snapshots.py;
* ``adapters.py``            picks which implementation the graders call;
* ``catalog.py``             the list of exercises.

Nothing here is imported by ``import minibert``. See docs/exercises.md.
"""
