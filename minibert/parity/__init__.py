"""Weight compatibility, module by module: does minibert compute what the reference computes on a checkpoint?

Both libraries name their modules the same way (``embeddings``, ``encoder.layer.0.attention.self``, ...,
``pooler``), so one set of forward hooks captures, on each model, the output of every module for the same
inputs, and a table compares them pair by pair:

    module                           weight                  output          max |Δ|     status
    embeddings                       word_embeddings (V, C)  (B, T, C)       2.4e-07     OK
    encoder.layer.0.attention.self   query (C, C)            (B, T, C)       ...

The reference is ``transformers`` when it is installed (loaded lazily, in reference.py only: the rest of minibert
never touches it), otherwise the outputs stored next to the weights in ``reference_outputs.safetensors`` (written
by ``scripts/make_reference_checkpoints.py``). A row fails when its max |Δ| exceeds the tolerance, so the
first failing row points at the module to look at. Used by ``python -m minibert check`` and the walkthrough.

    table.py       the modules compared, their outputs captured by forward hooks, the rows and the report
    check.py       check_checkpoint: load a checkpoint, pick the reference, run both, make the report
    reference.py   the reference itself: transformers when installed (the one module that loads it), and its
                   outputs on the standard batch (stored next to a checkpoint, or computed now)
"""
