"""The exercise graders: one pytest file per exercise, comparing an implementation with its snapshot.

Run them with ``python -m minibert.exercises grade [NAME ...] [--impl SOURCE]`` (a summary table) or with
``pytest minibert/exercises/graders [--impl SOURCE]`` (pytest's own report). SOURCE is ``stubs`` (default),
``solutions`` or a path; see minibert/exercises/adapters.py.
"""
