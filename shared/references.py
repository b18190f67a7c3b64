"""Reference numbers citizens read out on the phone: short, unambiguous, self-checking.

The alphabet leaves out 0/O and 1/I; the last character is a Luhn mod 32 check character,
which catches every single mistyped character and most swaps of neighbours.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY_LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-]+")


def check_character(body: str) -> str:
    """The Luhn mod N check character for `body` (characters of ALPHABET)."""
    base = len(ALPHABET)
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // base + addend % base
        factor = 1 if factor == 2 else 2
    return ALPHABET[(base - total % base) % base]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return format_reference(body + check_character(body))


def new_client_id() -> str:
    """A party's persistent client id: the same scheme, marked with a leading C."""
    return "C-" + new_reference()


def format_reference(compact: str) -> str:
    """`ABCD2345X` → `ABCD-2345-X`: groups of four are easier to read aloud."""
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def normalise_reference(typed: str) -> str | None:
    """The canonical form of what a person typed, or None if it cannot be a reference."""
    compact = _SEPARATORS.sub("", typed).upper()
    if len(compact) != BODY_LENGTH + 1 or any(c not in ALPHABET for c in compact):
        return None
    if check_character(compact[:-1]) != compact[-1]:
        return None
    return format_reference(compact)
