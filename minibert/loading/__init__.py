"""Checkpoints in and out: finding files (local or Hub), reading weights safely, mapping key names, saving."""
