"""Refusing guessable passwords when one is set: zxcvbn's estimate, its common-password
list, and the person's own name and address. Length alone lets "password1234" through."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zxcvbn import zxcvbn

# zxcvbn scores 0 (too guessable) to 4; 3 is "safely unguessable" against an online attack
# that is throttled, and well guarded against one on stolen hashes (argon2).
MIN_SCORE = 3
# zxcvbn's passwords are checked up to this length; beyond it the estimate costs more
# than it tells (a 100-character password is not refused for a pattern in it).
CHECKED_LENGTH = 100

# zxcvbn's feedback warning (English) to a kind of weakness, each shown in the reader's
# language by backoffice/forms/password_strength.py.
_KINDS = {
    "This is a top-10 common password.": "common",
    "This is a top-100 common password.": "common",
    "This is a very common password.": "common",
    "This is similar to a commonly used password.": "like_common",
    "A word by itself is easy to guess.": "word",
    "Names and surnames by themselves are easy to guess.": "names",
    "Common names and surnames are easy to guess.": "names",
    "Straight rows of keys are easy to guess.": "keyboard",
    "Short keyboard patterns are easy to guess.": "keyboard",
    'Repeats like "aaa" are easy to guess.': "repeats",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': "repeats",
    'Sequences like "abc" or "6543" are easy to guess.': "sequence",
    "Recent years are easy to guess.": "dates",
    "Dates are often easy to guess.": "dates",
}
KINDS = frozenset(_KINDS.values()) | {"common", "personal", "guessable"}


class WeakPassword(ValueError):
    """A password refused as guessable; `kind` says why (one of KINDS)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def weakness(password: str, *, user_inputs: Iterable[str] = ()) -> str | None:
    """Why `password` is too easy to guess (one of KINDS), or None when it is not.
    `user_inputs` are the person's name and email address: a password made of them is
    weak whatever its score."""
    inputs = [part for text in user_inputs for part in _parts(text)]
    result: dict[str, Any] = zxcvbn(password[:CHECKED_LENGTH], user_inputs=inputs)
    matches = result["sequence"]
    whole = [m for m in matches if m["pattern"] == "dictionary" and m["token"] == password]
    if any(m["dictionary_name"] == "passwords" for m in whole):
        return "common"
    if result["score"] >= MIN_SCORE:
        return None
    if any(m.get("dictionary_name") == "user_inputs" for m in matches):
        return "personal"
    return _KINDS.get(result["feedback"]["warning"], "guessable")


def check(password: str, *, user_inputs: Iterable[str] = ()) -> None:
    """Raise WeakPassword for a password too easy to guess."""
    kind = weakness(password, user_inputs=user_inputs)
    if kind is not None:
        raise WeakPassword(kind)


def _parts(text: str) -> list[str]:
    """A name or an address, and the words in it ("ada.lovelace@x" gives "ada" too)."""
    words = text.lower().replace("@", " ").replace(".", " ").replace("-", " ").split()
    return [text.lower(), *words]
