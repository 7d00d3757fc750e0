"""The typical mistakes of each exercise, one module per exercise: ``mistakes/<name>.py`` holds ``MISTAKES``.

Each entry is a :class:`~minibert.exercises.diagnosis.Mistake`: the sentence a learner reads when their
output shows it, and the function that makes exactly that mistake (or a test of the property it breaks).
The grader of exercise ``<name>`` compares a failing output with each of them, in order, and names the first
that matches. These functions are deliberately wrong; they are near-solutions, so read them after trying.
"""
