"""Command-line commands of ``python -m minibert`` (see minibert/__main__.py)."""
