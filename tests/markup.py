"""Markup compared as a browser would read it, and the reference markup of MOJ Frontend's
and GOV.UK Frontend's components, rendered from their own Nunjucks templates
(tests/frontend_reference.mjs): what the Jinja ports in templates/components/ are held to."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class _Canonical(HTMLParser):
    """HTML as a list of tags (attributes sorted, entities decoded) and non-blank text
    with its whitespace collapsed: what a browser would build, not how it was typed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(("start", tag, tuple(sorted((n, v or "") for n, v in attrs))))

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(("end", tag))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.parts.append(("text", text))


def canonical(html: str) -> list[tuple[Any, ...]]:
    parser = _Canonical()
    parser.feed(html)
    parser.close()
    return parser.parts


def reference_markup(
    macro: str, params: dict[str, Any], *, component: str | None = None,
    template: str | None = None,
) -> str:  # fmt: skip
    """The markup of an MOJ component (its folder as `component`) or of any macro in a
    `template` of either package, for these params (timestamps as ISO strings)."""
    request = json.dumps(
        {"macro": macro, "component": component, "template": template, "params": params},
        default=_iso,
    )
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "frontend_reference.mjs")],  # noqa: S607 (node from PATH)
        input=request,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "TZ": "UTC"},
        timeout=60,
    )
    return result.stdout


def _iso(value: object) -> str:
    assert isinstance(value, datetime)
    return value.isoformat()
