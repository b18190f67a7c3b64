"""Showing text someone typed (a message body, a note) as plain text on a page.

Nothing anyone sends is ever rendered as HTML: every character is escaped, line breaks are
kept (as <br>), and only http and https addresses become links, opening without telling
the site where they came from. "javascript:", "data:" and every other scheme stay text.
Both apps register it as the Jinja filter `plain_text`.
"""

from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup, escape

# An address runs to the next space or character that cannot be in one unescaped; the
# punctuation that usually ends a sentence after it is left outside (see _trimmed).
_ADDRESS = re.compile(r"\bhttps?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}»”’"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def plain_text(value: object) -> Markup:
    """The text escaped, with line breaks kept and http(s) addresses as safe links."""
    if value is None:
        return Markup("")
    lines = _LINE_BREAK.split(str(value))
    # No newline after <br>: inside .caseway-plain-text (white-space: pre-line) it would
    # show as a second line break.
    return Markup("<br>").join(_linked(line) for line in lines)


def _linked(line: str) -> Markup:
    parts: list[Markup] = []
    at = 0
    for found in _ADDRESS.finditer(line):
        address = _trimmed(found.group(0))
        if "://" not in address or address.endswith("://"):
            continue  # only the scheme: nothing to open
        start = found.start()
        parts.append(escape(line[at:start]))
        parts.append(
            Markup('<a class="govuk-link" href="{0}" rel="noreferrer noopener">{0}</a>').format(
                address
            )
        )
        at = start + len(address)
    parts.append(escape(line[at:]))
    return Markup("").join(parts)


def _trimmed(address: str) -> str:
    """ "(see https://example.org/a_(b))." keeps the balanced bracket, drops the rest."""
    while address and address[-1] in _TRAILING:
        if address[-1] == ")" and address.count("(") >= address.count(")"):
            break
        address = address[:-1]
    return address


def install(app: Flask) -> None:
    app.add_template_filter(plain_text, "plain_text")
