"""No portal page may be kept by a browser's or a shared cache: nearly every one can show
personal data (a case, a form's answers, a file), so every response but static assets
says `Cache-Control: no-store`. The walk is over the portal's URL map, so a new page
cannot escape it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from shared.casetypes.forms import form_for
from shared.models import Case, Document
from tests import samples
from tests.integration.test_documents import AFTER_EVIDENCE, at_evidence, upload, work
from tests.integration.test_filing import begin, fill, post_page, send
from tests.integration.test_tracking import post, sign_in, sign_in_link
from tests.journeys import ANSWERS

EMAIL = "ana.silva@example.org"  # the address the journey's answers give, as stored


def pages_needing_data(reference: str, document: Document, link: str) -> dict[str, list[str]]:
    """endpoint -> the real pages of a resident with a case, a file and a form half sent"""
    form = form_for("application")
    return {
        "filing.start": ["/file/application/start"],
        "filing.question": [f"/file/application/{page.slug}" for page in form.pages],
        "filing.check": ["/file/application/check"],
        "filing.done": ["/file/application/done"],
        "filing.save": ["/file/application/save"],
        "filing.resume": ["/file/resume/not-a-valid-token"],
        "tracking.signed_in": [link],  # used by now: the "already used" page
        "tracking.case": [f"/cases/{reference}"],
        "tracking.withdraw": [f"/cases/{reference}/withdraw"],
        "tracking.copy": [f"/cases/{reference}/copy.pdf"],
        "messages.conversation": [f"/cases/{reference}/messages"],
        "uploads.status": ["/file/application/evidence/uploads"],
        "uploads.download": [f"/documents/{document.public_id}"],
        "language.choose": ["/language/en?next=/cases"],
    }


def file_with_a_clean_file(portal: Flask, client: FlaskClient) -> TestResponse:
    """An application sent with a file scanned clean; its confirmation page."""
    at_evidence(client)
    upload(client, samples.pdf(b"my tenancy"), "tenancy.pdf")
    fill(client, {"evidence": {}, **AFTER_EVIDENCE})
    assert send(client).status_code == 302
    work(portal)
    return client.get("/file/application/done")


def test_every_page_a_resident_reaches_says_no_store(portal: Flask) -> None:
    client = portal.test_client()
    confirmation = file_with_a_clean_file(portal, client)
    assert confirmation.status_code == 200
    assert confirmation.cache_control.no_store
    with portal.extensions["caseway"].sessions() as session:
        reference = session.scalars(select(Case.reference)).one()
        document = session.scalars(select(Document)).one()
    sign_in(portal, client, EMAIL)
    begin(client)  # a second application, every answer given: check your answers shows them
    fill(client, ANSWERS["application"])
    needing_data = pages_needing_data(reference, document, sign_in_link(portal, EMAIL))
    answered: dict[str, tuple[bool, int, str]] = {}  # path -> no-store, status, page
    for rule in portal.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        if rule.arguments and rule.endpoint not in needing_data:
            pytest.fail(f"{rule.endpoint} ({rule.rule}) needs data: add it to pages_needing_data")
        for path in needing_data[rule.endpoint] if rule.arguments else [rule.rule]:
            with client.get(path) as response:
                body = response.get_data()
                answered[path] = (
                    response.cache_control.no_store,
                    response.status_code,
                    "" if response.mimetype == "application/pdf" else body.decode(),
                )
    assert [path for path, (no_store, _, _) in answered.items() if not no_store] == []
    # The walk saw the personal data it is about, not sign-in or not-found pages.
    check = answered["/file/application/check"][2]
    assert "14 March 1984" in check  # a date of birth
    assert "+44 808 157 0192" in check
    assert reference in answered["/cases"][2]
    assert answered[f"/cases/{reference}"][1] == 200
    assert answered[f"/documents/{document.public_id}"][1] == 200
    assert answered[f"/cases/{reference}/copy.pdf"][1] == 200  # the PDF of their answers


def test_pages_answering_a_form_say_no_store(portal: Flask) -> None:
    """Sent with a mistake, a page shows again what was typed; a look-up shows a case."""
    client = portal.test_client()
    begin(client)
    typed = post_page(client, "application", "details", {"details": "x" * 5000})
    assert typed.status_code == 200
    assert typed.cache_control.no_store
    file_with_a_clean_file(portal, client)
    with portal.extensions["caseway"].sessions() as session:
        reference = session.scalars(select(Case.reference)).one()
    looked_up = post(client, "/track", {"reference": reference, "email": EMAIL})
    assert looked_up.cache_control.no_store
    assert client.get(f"/cases/{reference}").cache_control.no_store
