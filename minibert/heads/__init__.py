"""Task heads: small layers on top of `BertModel` that turn its vectors into predictions.

One module per head, in the order the lesson meets them: the pre-training heads first (masked-LM and
next-sentence prediction, `lm_head.py`, `pretraining.py`, `masked_lm.py`, `next_sentence.py`), then the
fine-tuning heads (`sequence_classification.py`, `multiple_choice.py`, `token_classification.py`,
`question_answering.py`), and the decoder: `causal_lm.py` (`BertLMHeadModel`).
Every head keeps the reference's class name, forward arguments, outputs and
parameter names (``bert.*``, ``cls.*``, ``classifier.*``, ``qa_outputs.*``), so checkpoints move both ways.
Import them from the package: ``from minibert import BertForMaskedLM``.
"""
