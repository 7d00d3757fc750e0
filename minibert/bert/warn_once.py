"""`warn_once`: a warning a training loop would otherwise repeat at every step, logged the first time only.

Once per process (a deprecated keyword, a setting the model overrides) or once per object (a model that looks
fed padded inputs without a mask: each model warns for itself). The per-object record lives on the object, not
in a table keyed by ``id()``: ids are reused once an object is freed, and a new model would then stay silent.
"""

from __future__ import annotations

import logging

LOGGER = logging.getLogger("minibert")
_SEEN: set[str] = set()  # keys already warned about in this process
_ATTRIBUTE = "_warned_once"  # the per-object record: a set of keys in the object's __dict__


def warn_once(key: str, message: str, *args, logger: logging.Logger = LOGGER, owner: object | None = None) -> bool:
    """Log ``message % args`` as a warning unless ``key`` was warned about before; return whether it was logged.

    ``owner``: count once per that object (e.g. a model) instead of once per process.
    """
    seen = _SEEN if owner is None else owner.__dict__.setdefault(_ATTRIBUTE, set())
    if key in seen:
        return False
    seen.add(key)
    logger.warning(message, *args)
    return True


def warned(key: str, owner: object | None = None) -> bool:
    """Whether ``key`` was warned about (lets a caller skip the work of deciding whether to warn again)."""
    return key in (_SEEN if owner is None else owner.__dict__.get(_ATTRIBUTE, ()))


def forget(key: str, owner: object | None = None) -> None:
    """Warn about ``key`` again next time (tests use it to see a once-per-process warning a second time)."""
    (_SEEN if owner is None else owner.__dict__.get(_ATTRIBUTE, set())).discard(key)
