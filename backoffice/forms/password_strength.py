"""Refusing a new password that is too easy to guess, with the reason on the page in the
reader's language (zxcvbn's own feedback is English only)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import Field

from shared.services import password_strength

# Why a password is refused (shared/services/password_strength.py), in the reader's
# language; zxcvbn's own feedback is English only.
WEAK_PASSWORD = {
    "common": _l("This password is one of the most common ones. Choose a password of your own."),
    "like_common": _l(
        "This password is too like a common one. Changing letters for numbers or symbols "
        "does not make it hard to guess."
    ),
    "word": _l("A single word is easy to guess. Use a few words together."),
    "names": _l("Names and surnames are easy to guess. Add some words that are not names."),
    "keyboard": _l("Rows and patterns of keys are easy to guess."),
    "repeats": _l("Repeated letters or words are easy to guess."),
    "sequence": _l("Sequences like abc or 6543 are easy to guess."),
    "dates": _l("Dates and years are easy to guess."),
    "personal": _l("Do not use your name or email address in your password."),
    "guessable": _l("This password is too easy to guess. Add another word or two."),
}


def strong_enough(field: Field, *, user_inputs: Iterable[str]) -> bool:
    """False, with the reason as the field's error, for a guessable password."""
    kind = password_strength.weakness(field.data or "", user_inputs=user_inputs)
    if kind is None:
        return True
    field.errors = [*field.errors, str(WEAK_PASSWORD[kind])]
    return False
