"""Ids back to text: ``decode`` and ``batch_decode``.

Decoding undoes what it can: ``[101, 7592, 1010, 14477, 20961, 3468, 102]`` -> tokens
``[CLS] hello , una ##ffa ##ble [SEP]`` -> ``"[CLS] hello, unaffable [SEP]"``: ``##`` pieces are glued to
their word and the space tokenization put before punctuation is removed. Lowercasing and stripped accents
cannot be undone: the text that comes back is the text the model saw.
"""

from __future__ import annotations


class DecodingMixin:
    """``decode`` and friends; needs ``convert_ids_to_tokens``, ``_token_to_id`` and the special tokens."""

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """Join tokens, gluing ``##`` pieces to their word: ``["un", "##aff", "##able"]`` -> ``"unaffable"``."""
        return " ".join(tokens).replace(" ##", "").strip()

    def decode(
        self,
        token_ids,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        spaces_between_special_tokens: bool = True,
    ) -> str:
        """Ids (list, tensor or array) -> text: ``[101, 7592, 102]`` -> ``"[CLS] hello [SEP]"``."""
        if hasattr(token_ids, "tolist"):
            token_ids = token_ids.tolist()
        tokens = self.convert_ids_to_tokens(token_ids, skip_special_tokens=skip_special_tokens)
        if isinstance(tokens, str):
            tokens = [tokens]
        # Added tokens that are not special (and extra special tokens beyond the vocabulary) are kept as
        # separate pieces, so no "##" gluing can touch them.
        specials = set(self.all_special_tokens)
        loose = {t for t in self._added.tokens if t not in specials}
        loose |= {t for t in self.additional_special_tokens if self._token_to_id(t) >= self.vocab_size}
        texts: list[str] = []
        run: list[str] = []
        for token in tokens:
            if skip_special_tokens and token in specials:
                continue
            if token in loose:
                if run and (joined := self.convert_tokens_to_string(run)):
                    texts.append(joined)
                run = []
                texts.append(token)
            else:
                run.append(token)
        if run:
            texts.append(self.convert_tokens_to_string(run))
        text = (" " if spaces_between_special_tokens else "").join(texts)
        if clean_up_tokenization_spaces is None:
            clean_up_tokenization_spaces = self.clean_up_tokenization_spaces
        return self.clean_up_tokenization(text) if clean_up_tokenization_spaces else text

    def batch_decode(self, sequences, **kwargs) -> list[str]:
        """``decode`` for each sequence of a batch (list of lists, or a 2-d tensor/array)."""
        if hasattr(sequences, "tolist"):
            sequences = sequences.tolist()
        return [self.decode(sequence, **kwargs) for sequence in sequences]

    @staticmethod
    def clean_up_tokenization(text: str) -> str:
        """Undo the spaces tokenization puts before punctuation: ``"hello , world !"`` -> ``"hello, world!"``."""
        for spaced, glued in (
            (" .", "."),
            (" ?", "?"),
            (" !", "!"),
            (" ,", ","),
            (" ' ", "'"),
            (" n't", "n't"),
            (" 'm", "'m"),
            (" 's", "'s"),
            (" 've", "'ve"),
            (" 're", "'re"),
        ):
            text = text.replace(spaced, glued)
        return text
