"""Every portal page in every shipped locale: no English left where a translation exists,
no broken placeholder; and every catalog passes Babel's checks and its threshold."""

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import create_portal
from shared import catalogs
from shared.casetypes.forms import form_case_types, form_for
from shared.config import Settings
from shared.i18n import DEFAULT_LOCALE, locales_for
from shared.models import Case, Notice
from shared.notices.kinds import NoticeKind
from shared.notices.render import render_notice
from tests.integration.test_cookies import CSRF
from tests.journeys import ANSWERS, FORM_VERSION
from tests.pages import APPS, page_endpoints, page_path
from tests.signing_in import follow_sign_in_link

TRANSLATED_LOCALES = [code for code in locales_for("portal") if code != DEFAULT_LOCALE]
PLACEHOLDER_LEFT_OVER = re.compile(r"%\(\w+\)[sdfr]|%[sd]\b|\{\{|\}\}|\{n\}|\)s\b")
TAG = re.compile(r"<[^>]+>")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%%")
MIN_FRAGMENT = 14  # shorter English fragments ("Yes", "Beta") can occur legitimately


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes and accessible attributes, not scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.parts.append(value)
            if name == "data-texts" and value:  # the timeout countdown texts
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def load_catalog(code: str) -> Catalog:
    with catalogs.catalog_path(code).open("rb") as po:
        return read_po(po, locale=code)


def english_fragments(catalog: Catalog) -> list[str]:
    """Pieces of English source text, except where the translation is rightly the same."""
    fragments = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if ids[0] in strings:  # e.g. "Beta" in Welsh: the same word, on purpose
            continue
        for source in ids:
            for piece in PLACEHOLDER.split(TAG.sub(" ", source)):
                piece = re.sub(r"\s+", " ", piece).strip(" .,:")
                if len(piece) >= MIN_FRAGMENT:
                    fragments.append(piece)
    return fragments


def tracking_pages(app: Flask, client: FlaskClient) -> dict[str, str]:
    """The filed application looked up, then the sign-in pages, the signed-in list, and the
    case's pages that need signing in."""
    email = str(ANSWERS["application"]["contact"]["email"])
    with app.extensions["caseway"].sessions() as db:
        reference = db.scalars(select(Case.reference).order_by(Case.id)).first()
    pages = {"/track": client.get("/track").get_data(as_text=True)}
    csrf = CSRF.search(pages["/track"]).group(1)  # type: ignore[union-attr]
    pages["/track (sent empty)"] = client.post("/track", data={"csrf_token": csrf}).get_data(
        as_text=True
    )
    client.post("/track", data={"csrf_token": csrf, "reference": reference, "email": email})
    pages[f"/cases/{reference} (looked up)"] = client.get(f"/cases/{reference}").get_data(
        as_text=True
    )
    pages["/sign-in"] = client.get("/sign-in").get_data(as_text=True)
    pages["/sign-in (sent)"] = client.post(
        "/sign-in", data={"csrf_token": csrf, "email": email}
    ).get_data(as_text=True)
    with app.extensions["caseway"].sessions() as db:
        link = db.scalars(select(Notice).where(Notice.kind == "sign_in_link")).one().context["link"]
    pages["/sign-in/<link>"] = client.get(link).get_data(as_text=True)
    follow_sign_in_link(client, link)
    pages["/cases"] = client.get("/cases").get_data(as_text=True)
    pages["/sign-in/<used link>"] = client.get(link).get_data(as_text=True)
    # Signing in starts a new session, with a CSRF token of its own.
    csrf = CSRF.search(pages["/cases"]).group(1)  # type: ignore[union-attr]
    pages[f"/cases/{reference}"] = client.get(f"/cases/{reference}").get_data(as_text=True)
    withdraw = f"/cases/{reference}/withdraw"
    pages[withdraw] = client.get(withdraw).get_data(as_text=True)
    pages[f"{withdraw} (sent empty)"] = client.post(withdraw, data={"csrf_token": csrf}).get_data(
        as_text=True
    )
    pages.update(appeal_pages(app, client, reference))
    return pages


def appeal_pages(app: Flask, client: FlaskClient, reference: str) -> dict[str, str]:
    """The case decided, then every page of an appeal against the decision."""
    from tests.integration.test_tracking import decide

    decide(app, reference)
    pages = {
        f"/cases/{reference} (decided)": client.get(f"/cases/{reference}").get_data(as_text=True)
    }
    csrf = CSRF.search(pages[f"/cases/{reference} (decided)"]).group(1)  # type: ignore[union-attr]
    client.post(f"/cases/{reference}/appeal", data={"csrf_token": csrf})
    pages["/file/appeal/start"] = client.get("/file/appeal/start").get_data(as_text=True)
    grounds = "/file/appeal/grounds"
    pages[grounds] = client.get(grounds).get_data(as_text=True)
    version = FORM_VERSION["appeal"]
    sent_empty = client.post(grounds, data={"csrf_token": csrf, "form_version": version})
    pages[f"{grounds} (sent empty)"] = sent_empty.get_data(as_text=True)
    client.post(grounds, data={"csrf_token": csrf, "form_version": version, "grounds": "Wrong."})
    pages["/file/appeal/outcome"] = client.get("/file/appeal/outcome").get_data(as_text=True)
    client.post("/file/appeal/outcome", data={"csrf_token": csrf, "form_version": version})
    pages["/file/appeal/evidence"] = client.get("/file/appeal/evidence").get_data(as_text=True)
    client.post("/file/appeal/evidence", data={"csrf_token": csrf, "form_version": version})
    pages["/file/appeal/check"] = client.get("/file/appeal/check").get_data(as_text=True)
    client.post("/file/appeal/check", data={"csrf_token": csrf})
    pages["/file/appeal/done"] = client.get("/file/appeal/done").get_data(as_text=True)
    return pages


def upload_pages(client: FlaskClient, path: str, csrf: str, version: str) -> dict[str, str]:
    """A file question's states: nothing chosen, a refused file, a file being checked."""
    base = {"csrf_token": csrf, "form_version": version, "upload": "yes"}
    pages = {
        f"{path} (upload without a file)": client.post(path, data=base).get_data(as_text=True),
        f"{path} (a refused file)": client.post(
            path, data={**base, "evidence": (io.BytesIO(b"<html></html>"), "page.html")}
        ).get_data(as_text=True),
    }
    client.post(path, data={**base, "evidence": (io.BytesIO(b"A note.\n"), "note.txt")})
    pages[f"{path} (a file being checked)"] = client.get(path).get_data(as_text=True)
    return pages


def journey_pages(client: FlaskClient) -> dict[str, str]:
    """Every page of every filing journey: each question empty (its error state) and
    answered, then check your answers and the confirmation."""
    pages = {}
    for case_type, answers in ANSWERS.items():
        start = f"/file/{case_type}/start"
        pages[start] = client.get(start).get_data(as_text=True)
        client.post(start, data={"csrf_token": CSRF.search(pages[start]).group(1)})  # type: ignore[union-attr]
        for slug, data in answers.items():
            path = f"/file/{case_type}/{slug}"
            html = client.get(path).get_data(as_text=True)
            csrf = CSRF.search(html).group(1)  # type: ignore[union-attr]
            pages[path] = html
            version = FORM_VERSION[case_type]
            if slug == "evidence":
                pages.update(upload_pages(client, path, csrf, version))
            empty = client.post(path, data={"csrf_token": csrf, "form_version": version})
            if empty.status_code == 200:  # optional questions accept an empty answer
                pages[f"{path} (sent empty)"] = empty.get_data(as_text=True)
            client.post(path, data={"csrf_token": csrf, "form_version": version, **data})
        save = f"/file/{case_type}/save"
        pages[save] = client.get(save).get_data(as_text=True)
        token = CSRF.search(pages[save]).group(1)  # type: ignore[union-attr]
        pages[f"{save} (sent)"] = client.post(
            save, data={"csrf_token": token, "email": "a@example.org"}
        ).get_data(as_text=True)
        pages["/file/resume/<bad link>"] = client.get("/file/resume/not-a-token").get_data(
            as_text=True
        )
        check = f"/file/{case_type}/check"
        pages[check] = client.get(check).get_data(as_text=True)
        client.post(check, data={"csrf_token": CSRF.search(pages[check]).group(1)})  # type: ignore[union-attr]
        pages[f"/file/{case_type}/done"] = client.get(f"/file/{case_type}/done").get_data(
            as_text=True
        )
    return pages


def config_fragments(code: str) -> list[str]:
    """English texts of the form definitions, except where the translation is the same."""
    fragments = []
    for case_type in form_case_types():
        definition = form_for(case_type)
        for key in definition.text_keys():
            english = definition.text(key, DEFAULT_LOCALE)
            translated = definition.texts.get(code, {}).get(key)
            if translated != english and len(english) >= MIN_FRAGMENT:
                fragments.append(english)
    return fragments


def rendered_pages(app: Flask, code: str) -> dict[str, str]:
    """Each page, and each form on it sent empty, as a person choosing `code` sees them."""
    client = app.test_client()
    client.get(f"/language/{code}")
    pages = journey_pages(client)
    pages.update(tracking_pages(app, client))
    for endpoint in page_endpoints(APPS["portal"]):
        if endpoint.startswith(("filing.", "tracking.")):
            continue  # walked with data above
        path = page_path(APPS["portal"], endpoint)
        html = client.get(path).get_data(as_text=True)
        pages[path] = html
        token = CSRF.search(html)
        if token and endpoint == "cookies.settings":
            sent = client.post(path, data={"csrf_token": token.group(1)})
            pages[f"{path} (sent empty)"] = sent.get_data(as_text=True)
    return pages


@pytest.fixture
def filing_portal(settings: Settings, fresh_database_url: str, redis_url: str) -> Iterator[Flask]:
    app = create_portal(replace(settings, database_url=fresh_database_url, redis_url=redis_url))
    yield app
    app.extensions["caseway"].engine.dispose()


@pytest.mark.parametrize("code", TRANSLATED_LOCALES)
def test_no_english_and_no_broken_placeholders_on_any_portal_page(
    filing_portal: Flask, code: str
) -> None:
    portal_app = filing_portal
    fragments = english_fragments(load_catalog(code)) + config_fragments(code)
    assert len(fragments) > 50, "the catalog should have been translated"
    for path, html in rendered_pages(portal_app, code).items():
        assert f'lang="{code.replace("_", "-")}"' in html
        text = visible_text(html)
        untranslated = [f for f in fragments if f in text]
        assert untranslated == [], f"{code} {path}: English left: {untranslated}"
        broken = PLACEHOLDER_LEFT_OVER.findall(text)
        assert broken == [], f"{code} {path}: broken placeholders {broken}"


@pytest.mark.parametrize("code", TRANSLATED_LOCALES)
def test_catalog_passes_babels_checks(code: str) -> None:
    problems = [(message.id, errors) for message, errors in load_catalog(code).check()]
    assert problems == []


def test_no_shipped_locale_is_below_its_threshold() -> None:
    below = [
        (row.locale, row.app, f"{row.counts.percent:.1f}%")
        for row in catalogs.status()
        if row.is_below
    ]
    assert below == []


def test_the_template_lists_every_string_in_the_code(tmp_path: Path) -> None:
    """messages.pot is current: a string added without `caseway i18n extract` fails here."""
    fresh = tmp_path / "messages.pot"
    catalogs.extract(fresh)
    with fresh.open("rb") as new, catalogs.TEMPLATE.open("rb") as committed:
        assert {m.id for m in read_po(new)} == {m.id for m in read_po(committed)}


SAMPLE_CONTEXT = {
    "recipient_name": "Ana Silva", "reference": "ABCD-2345-X", "case_type": "complaint",
    "due_date": "2026-12-23", "respond_by": "2026-12-09", "case_url": "https://portal.example/c",
    "link": "https://portal.example/sign-in/t", "expires_minutes": 20,
    "appealed_reference": "WXYZ-6789-Q", "days_overdue": 3, "expires_days": 7, "expires_hours": 48,
    "reason": "I moved house.", "filename": "invoice.pdf",
    "signature": "Caseway.Test.EICAR.UNOFFICIAL",
}  # fmt: skip


@pytest.mark.parametrize("code", TRANSLATED_LOCALES)
@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_notice_renders_in_every_locale(code: str, kind: NoticeKind) -> None:
    fragments = english_fragments(load_catalog(code))
    rendered = render_notice(kind, code, SAMPLE_CONTEXT)
    for part in (rendered.subject, rendered.text, visible_text(rendered.html), rendered.portal):
        assert part.strip()
        assert [f for f in fragments if f in part] == [], f"{kind.value} {code}: {part}"
        assert PLACEHOLDER_LEFT_OVER.findall(part) == []
    assert f'<html lang="{code.replace("_", "-")}"' in rendered.html
