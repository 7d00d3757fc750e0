"""Checkpoints in and out: finding files (local or Hub), reading weights safely, mapping key names, saving;
and the rule every command that writes follows (outputs.py: never destroy an input, lock the folder)."""
