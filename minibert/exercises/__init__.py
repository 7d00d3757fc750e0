"""Graded exercises: write the core pieces of BERT yourself and check them against reference snapshots.

    python -m minibert.exercises list
    python -m minibert.exercises grade [NAME ...] [--impl stubs|solutions|PATH] [--seed N] [--timeout S]
    python -m minibert.exercises grade --batch SUBMISSIONS --out GRADEBOOK [NAME ...]

Layout (one name per exercise, e.g. ``gelu``):

* ``stubs/<name>.py``        what you edit: the function's docstring says what to compute;
* ``solutions/<name>.py``    the reference solutions;
* ``graders/test_<name>.py`` the pytest grader, with its tolerance and the reason for it;
* ``snapshots/<name>.json``  inputs and expected outputs, made by scripts/make_exercise_snapshots.py;
* ``adapters.py``            picks which implementation the graders call;
* ``catalog.py``             the list of exercises;
* ``drawn.py``               the cases drawn at grade time, besides the snapshot's (the drawers:
                             ``drawn_text.py``, ``drawn_model.py``, ``drawn_training.py``);
* ``grading.py``             runs the graders (pytest) in this process; ``isolation.py`` and ``sandbox.py``
                             run each exercise in a fenced process of its own; ``batch.py`` grades a class.

Nothing here is imported by ``import minibert``. See docs/exercises.md.
"""
