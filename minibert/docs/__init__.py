"""The annotated-source site: every minibert module as prose beside code, in data-flow order.

``python -m minibert.docs build --out site/`` writes static HTML that opens from ``file://`` with no
network. The lesson is the code it shows; this package is only the glue between Python-Markdown (prose),
Pygments (code) and latex2mathml (TeX math), and is itself left out of the site.
"""
