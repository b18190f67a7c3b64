"""What every page must be, checked on its HTML: a title that names the page, exactly
one <h1> with text, no template value leaking ("None", "undefined", "{{", "%("), and on
an English page no US-style date. Used by the browser suite on every page and journey step,
and by the integration tests on every question page in every locale."""

from __future__ import annotations

import re
from html import unescape

LEAKS = re.compile(r"\bNone\b|\bundefined\b|\{\{|\{%|%\(")
US_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}\b"
)


def visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def assert_page_checks_itself(html: str, where: str, *, english: bool) -> None:
    headings = re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert len(headings) == 1, f"{where}: {len(headings)} <h1>"
    assert visible_text(headings[0]).strip(), f"{where}: empty <h1>"
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None, where
    naming_the_page = re.split(r"\s+[–-]\s+", unescape(title.group(1)).strip())[0]
    assert naming_the_page.removeprefix("Error:").strip(), f"{where}: title {title.group(1)!r}"
    text = visible_text(html)
    assert not LEAKS.search(text), f"{where}: {LEAKS.search(text)}"
    if english:
        assert not US_DATE.search(text), f"{where}: US-style date {US_DATE.search(text)}"
