"""``python -m minibert speedrun``: your own BERT in one sitting, with a report card.

    corpus.py / pydocs.py   the text, documents held out whole
    vocab.py                a WordPiece vocabulary trained on the training split (--language zh: characters)
    segments.py             sentences packed into segments of up to max_length pieces (and jieba word flags)
    prepare.py              DIR/data/: the three above, made once
    recipe.py               model size and settings, picked from the budget
    budget.py               the budget, its stopwatch and the learning-rate schedule tied to it
    pretrain.py             the Trainer run for a time budget (resumable)
    evaluate.py             fill-mask prompts on held-out text
    transfer.py / bow.py    the downstream task, fine-tuning, the baselines
    classifier.py           the fine-tuned classifier: a linear layer on the mean of the last layer
    transfer_runs.py        label counts × seeds × {pre-trained, random} × learning rates chosen on validation
    parity.py               DIR/model/, a Hugging Face folder, and its parity with the reference
    report.py / figures.py  DIR/report.md, report.json, the PNGs
    run.py                  all of it, in order
    redo.py                 --redo-transfer: the transfer again on a finished run, the rest of its report kept
"""
