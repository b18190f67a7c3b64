"""PDFs made from pages we render ourselves, tagged for assistive technology."""

from __future__ import annotations

from typing import Any, NoReturn

import weasyprint


def _fetch_nothing(url: str, *_args: Any, **_kwargs: Any) -> NoReturn:
    # The page carries its own styles; a reference to anything else (a resident's answer
    # cannot make one, but a template might) must not reach the network or the disk.
    raise PermissionError(f"PDF pages load nothing from elsewhere: {url}")


def pdf_from_html(html: str) -> bytes:
    """A PDF/UA-1 document: tagged headings, lists and tables in reading order, with the
    language of `<html lang>` and the title of `<title>`, so screen readers can read it."""
    document = weasyprint.HTML(string=html, url_fetcher=_fetch_nothing)
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf
