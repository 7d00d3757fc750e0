"""Special tokens and user-added tokens: the attributes (``cls_token``, ``cls_token_id``, ...) and
``add_tokens`` / ``add_special_tokens``.

Every special token is also an *added token*: it is cut out of the raw text before tokenization, so a
literal ``"[SEP]"`` in a sentence is the separator, not three pieces. Tokens that are already in the
vocabulary keep their id; new ones get ids after the end of the vocabulary (``len(tokenizer)`` grows).
"""

from __future__ import annotations

from collections.abc import Iterable

from minibert.tokenization.added_tokens import AddedToken, AddedTokenMatcher, as_token, is_token

SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


def _make_id_property(name: str) -> property:
    def getter(self) -> int | None:
        token = getattr(self, name)
        return None if token is None else self.convert_tokens_to_ids(token)

    def setter(self, index: int | None) -> None:
        # As the reference: the token becomes whatever the vocabulary holds at that id (None unsets it).
        setattr(self, name, None if index is None else self.convert_ids_to_tokens(index))

    getter.__doc__ = f"int | None: the id of ``{name}`` (settable: ``tokenizer.{name}_id = 5``)."
    return property(getter, setter)


class SpecialTokensMixin:
    """Special-token bookkeeping shared by the tokenizer (needs ``vocab`` and ``do_lower_case``)."""

    bos_token: str | None = None
    eos_token: str | None = None
    unk_token: str | None = None
    sep_token: str | None = None
    pad_token: str | None = None
    cls_token: str | None = None
    mask_token: str | None = None
    pad_token_type_id = 0

    def _init_added_tokens(self, added_tokens: dict[int, AddedToken] | None = None) -> None:
        self._additional_special_tokens: list[str] = []
        self._added: AddedTokenMatcher = AddedTokenMatcher()
        self._added_decoder: dict[int, AddedToken] = {}
        for index, token in sorted((added_tokens or {}).items()):
            token = as_token(token)
            self._register(AddedToken(token, special=True) if isinstance(token, str) else token, index)
        self._add([t for t in self.all_special_tokens if t not in self._added.tokens], special=True)

    # -- attributes -------------------------------------------------------------------------------
    bos_token_id = _make_id_property("bos_token")
    eos_token_id = _make_id_property("eos_token")
    unk_token_id = _make_id_property("unk_token")
    sep_token_id = _make_id_property("sep_token")
    pad_token_id = _make_id_property("pad_token")
    cls_token_id = _make_id_property("cls_token")
    mask_token_id = _make_id_property("mask_token")

    @property
    def additional_special_tokens(self) -> list[str]:
        """list[str]: the extra special tokens, a new list at each call (as the reference): appending to it and
        passing it to ``add_special_tokens(..., replace_additional_special_tokens=False)`` adds the new token."""
        return list(self._additional_special_tokens)

    @additional_special_tokens.setter
    def additional_special_tokens(self, tokens: Iterable[str] | None) -> None:
        self._additional_special_tokens = [str(t) for t in tokens or ()]

    @property
    def additional_special_tokens_ids(self) -> list[int]:
        """list[int]: the ids of ``additional_special_tokens`` (settable, like the single ids)."""
        return self.convert_tokens_to_ids(self.additional_special_tokens)

    @additional_special_tokens_ids.setter
    def additional_special_tokens_ids(self, ids: Iterable[int]) -> None:
        self.additional_special_tokens = [self.convert_ids_to_tokens(i) for i in ids]

    @property
    def special_tokens_map(self) -> dict[str, str | list[str]]:
        """dict[str, str | list[str]]: attribute name -> special token, for the tokens that are set."""
        found: dict[str, str | list[str]] = {n: getattr(self, n) for n in SPECIAL_TOKEN_NAMES if getattr(self, n)}
        if self._additional_special_tokens:
            found["additional_special_tokens"] = self.additional_special_tokens
        return found

    @property
    def all_special_tokens(self) -> list[str]:
        """list[str]: every special token once, in attribute order (``[UNK] [SEP] [PAD] [CLS] [MASK]``)."""
        tokens = [getattr(self, n) for n in SPECIAL_TOKEN_NAMES if getattr(self, n)]
        return list(dict.fromkeys(tokens + self._additional_special_tokens))

    @property
    def all_special_ids(self) -> list[int]:
        """list[int]: the ids of ``all_special_tokens``."""
        return self.convert_tokens_to_ids(self.all_special_tokens)

    @property
    def added_tokens_encoder(self) -> dict[str, int]:
        """dict[str, int]: added token -> id, sorted by id."""
        return {t.content: i for i, t in sorted(self._added_decoder.items())}

    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        """dict[int, AddedToken]: id -> added token, sorted by id."""
        return dict(sorted(self._added_decoder.items()))

    def get_added_vocab(self) -> dict[str, int]:
        """dict[str, int]: the added tokens and their ids."""
        return self.added_tokens_encoder

    # -- adding -----------------------------------------------------------------------------------
    def add_tokens(
        self, new_tokens: str | AddedToken | Iterable[str | AddedToken], special_tokens: bool = False
    ) -> int:
        """Add tokens that will never be split; returns how many were new to the vocabulary (``int``)."""
        if isinstance(new_tokens, str) or is_token(new_tokens):
            new_tokens = [new_tokens]
        return self._add(list(new_tokens), special=special_tokens)

    def add_special_tokens(self, special_tokens_dict: dict[str, str | AddedToken | list],
                           replace_additional_special_tokens: bool = True) -> int:
        """Set special tokens, e.g. ``{"cls_token": "<s>", "additional_special_tokens": ["<x>"]}``.

        ``additional_special_tokens`` replaces the current list (``replace_additional_special_tokens=True``, the
        reference's default) or extends it (False); replaced tokens stay in the vocabulary and are still never
        split, only no longer listed. Returns the number of tokens that were new to the vocabulary (``int``).
        """
        added: list[str | AddedToken] = []
        for name, value in special_tokens_dict.items():
            if name == "additional_special_tokens":
                value = [as_token(v) for v in value]
                new = [str(v) for v in value]
                if not replace_additional_special_tokens:
                    new = [t for t in new if t not in self._additional_special_tokens]
                    value = [v for v in value if str(v) in new]
                if replace_additional_special_tokens and new:
                    self.additional_special_tokens = list(dict.fromkeys(new))
                else:
                    self.additional_special_tokens = list(dict.fromkeys(self._additional_special_tokens + new))
                added += list(value)
            elif name in SPECIAL_TOKEN_NAMES:
                setattr(self, name, str(value))
                added.append(value)
            else:
                raise ValueError(f"{name!r} is not a special token name; use one of {SPECIAL_TOKEN_NAMES}")
        return self._add(added, special=True)

    def _add(self, tokens: list[str | AddedToken], special: bool) -> int:
        full_vocab = self.get_vocab()
        next_id = len(full_vocab)
        count = 0
        for token in tokens:
            token = as_token(token)  # a str, or an AddedToken (also the reference's, copied into ours)
            if str(token) == "" or (isinstance(token, str) and token in self._added.tokens):
                continue
            if isinstance(token, str):
                is_special = special or token in self.all_special_tokens
                token = AddedToken(token, normalized=not is_special, special=is_special)
            elif special:
                token.special = True
            if not token.special and token.normalized and self.do_lower_case:
                # Uncased models see lowercased text, so a normalized token must be stored lowercased to match.
                token.content = token.content.lower()
            if token.special and token.content not in self.all_special_tokens:
                self._additional_special_tokens.append(token.content)
            index = full_vocab.get(token.content)
            if index is None:
                index = full_vocab[token.content] = next_id + count
                count += 1
            self._register(token, index)
        self._cache.clear()  # cached results may contain text that now holds an added token
        return count

    def _register(self, token: AddedToken, index: int) -> None:
        self._added_decoder[index] = token
        self._added.add(token, index)
        self._protect_specials()
