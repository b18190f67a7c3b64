"""The case page shows a signed-in resident what they sent and, once decided, the
decision with its reasons; they can download both as an accessible PDF (issue 14, item 11)."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from shared.db import transaction
from shared.models import Case, RoleCode
from shared.services import decisions
from tests import samples
from tests.factories import decide_case, make_staff
from tests.integration.test_documents import AFTER_EVIDENCE, at_evidence, upload
from tests.integration.test_filing import fill, send
from tests.integration.test_tracking import looked_up, sign_in

EMAIL = "Ana.Silva@example.org"
EXPLANATION = "Your permit starts on 1 June.\nShow it in the windscreen. <script>alert(1)</script>"


def filed(app: Flask, client: FlaskClient) -> str:
    """An application sent through the portal with one file, as a resident sends it."""
    at_evidence(client)
    assert upload(client, samples.pdf(), "lease agreement.pdf").status_code == 302
    fill(client, AFTER_EVIDENCE)
    assert send(client).status_code == 302
    with app.extensions["caseway"].sessions() as session:
        return session.scalars(select(Case.reference)).one()


def decide(app: Flask, reference: str) -> None:
    with transaction(app.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        decide_case(session, case, outcome="approved", reason_codes=["meets_criteria"],
                    explanation=EXPLANATION)  # fmt: skip


def signed_in_client(app: Flask) -> tuple[FlaskClient, str]:
    client = app.test_client()
    reference = filed(app, client)
    sign_in(app, client, EMAIL.lower())  # stored as the address is compared
    return client, reference


def test_signed_in_the_case_page_shows_every_answer_and_file(portal: Flask) -> None:
    client, reference = signed_in_client(portal)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    told = page[page.index("What you told us") :]
    for shown in (
        "Resident parking permit",  # a choice, in words
        "1 June 2027",  # a date, the GB way
        "14 March 1984",
        "1 Elm Street<br>Cardiff<br>CF10 1AA",  # an address, line by line
        "Email<br>Post",  # several choices
        "lease agreement.pdf",  # the file, by its name
        "+44 808 157 0192",
    ):
        assert shown in told, shown
    # An email address or phone number stays left to right inside right-to-left text.
    assert '<bdi dir="ltr" class="caseway-ltr">+44 808 157 0192</bdi>' in told
    assert f'href="/cases/{reference}/copy.pdf"' in page
    assert "Our decision" not in page  # nothing decided yet


def test_a_look_up_shows_no_answers_and_gives_no_copy(portal: Flask) -> None:
    client = portal.test_client()
    reference = filed(portal, client)
    other = portal.test_client()
    page = looked_up(other, reference, EMAIL)
    assert f"Case {reference}" in page
    for hidden in ("What you told us", "1 Elm Street", "+44 808 157 0192", "copy.pdf"):
        assert hidden not in page, hidden
    assert other.get(f"/cases/{reference}/copy.pdf").status_code == 404
    assert portal.test_client().get(f"/cases/{reference}/copy.pdf").status_code == 404


def test_a_decided_case_shows_the_decision_its_reasons_and_the_explanation(
    portal: Flask,
) -> None:
    client, reference = signed_in_client(portal)
    decide(portal, reference)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    decision = page[page.index("Our decision") : page.index("What you told us")]
    assert "Approved" in decision
    assert "You meet the criteria for the service" in decision
    # The explanation is text: its line break kept (by CSS), its markup shown, not run.
    assert "Your permit starts on 1 June.\nShow it in the windscreen." in decision
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decision
    assert "<script>alert(1)" not in page
    assert "You can appeal until" in page


def test_a_decision_must_use_the_outcomes_and_reasons_its_case_type_lists(
    portal: Flask,
) -> None:
    reference = filed(portal, portal.test_client())
    with transaction(portal.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        worker = make_staff(session, roles=[RoleCode.CASEWORKER])
        for outcome, reasons in (("upheld", []), ("approved", ["delay"])):  # a complaint's
            with pytest.raises(decisions.UnknownDecision):
                decisions.record_decision(session, case=case, outcome=outcome, reason_codes=reasons,
                                          explanation="", decided_by=worker)  # fmt: skip
        assert case.state == "submitted"


def test_the_decision_is_in_the_residents_language(portal: Flask) -> None:
    client, reference = signed_in_client(portal)
    decide(portal, reference)
    client.get("/language/cy")
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Ein penderfyniad" in page
    assert "Cymeradwywyd" in page
    assert "Rydych yn bodloni&#39;r meini prawf ar gyfer y gwasanaeth" in page
    assert "Beth ddywedoch chi wrthym" in page


def pdf_of(client: FlaskClient, reference: str) -> PdfReader:
    response = client.get(f"/cases/{reference}/copy.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert f'filename="case-{reference}.pdf"' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    return PdfReader(io.BytesIO(response.data))


def text_of(pdf: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))


@pytest.mark.parametrize(
    ("locale", "lang", "heading", "outcome"),
    [
        ("en", "en", "What you told us: case", "Approved"),
        ("cy", "cy", "Beth ddywedoch chi wrthym: achos", "Cymeradwywyd"),
        ("ar", "ar", "ما أخبرتنا به: المعاملة", "تمت الموافقة"),
        ("zh_Hans", "zh-Hans", "您告诉我们的信息：案件", "已批准"),
    ],
)
def test_the_copy_is_a_tagged_pdf_in_the_residents_language(
    portal: Flask, locale: str, lang: str, heading: str, outcome: str
) -> None:
    client, reference = signed_in_client(portal)
    decide(portal, reference)
    client.get(f"/language/{locale}")
    pdf = pdf_of(client, reference)
    catalog = pdf.trailer["/Root"]
    # Tagged (PDF/UA-1): marked content with a structure tree, the language declared,
    # and the title shown instead of the file name.
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == lang
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert pdf.metadata is not None
    assert heading in str(pdf.metadata.title)
    text = text_of(pdf)
    assert reference in text
    # Extracted text follows the page's drawing order, which for right-to-left runs is
    # not the reading order: look for each word.
    for words in (heading, outcome):
        assert all(word in text for word in re.findall(r"\w+", words)), words
    for answer in ("Ana", "Silva", "CF10 1AA", "lease agreement.pdf", "+44 808 157 0192"):
        assert answer in text, answer
    # The explanation's markup, as text (mirrored in a right-to-left run).
    assert re.search(r"[<>]script[<>]", text)


def test_the_pdf_tags_its_headings_and_table(portal: Flask) -> None:
    client, reference = signed_in_client(portal)
    pdf = pdf_of(client, reference)
    kinds: set[str] = set()

    def walk(element: object) -> None:
        node = element.get_object() if hasattr(element, "get_object") else element
        if isinstance(node, dict):
            if "/S" in node:
                kinds.add(str(node["/S"]))
            walk(node.get("/K"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(pdf.trailer["/Root"]["/StructTreeRoot"])
    assert {"/H1", "/H2", "/Table", "/TH", "/TD"} <= kinds, kinds
