"""The name a person gave their file, made safe to keep and to show.

Files are stored under generated keys; this name is only shown, and offered as the
download name, so it must not carry a path, control or direction-changing characters
(U+202E can make "gpj.exe" look like "exe.jpg"), or run to any length.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 120
FALLBACK = "document"
_SPACES = re.compile(r"\s+")


def sanitise_filename(raw: str | None, *, max_length: int = MAX_LENGTH) -> str:
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]  # no path parts, from any operating system
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = _SPACES.sub(" ", name).strip().lstrip(".").strip()
    if not name:
        return FALLBACK
    if len(name) <= max_length:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 10 and stem:
        return stem[: max_length - len(extension) - 1].rstrip() + "." + extension
    return name[:max_length].rstrip()


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""
