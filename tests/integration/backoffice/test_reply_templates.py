"""Reply templates: administrators keep one text per language, with placeholders; staff
are offered each template in the resident's language, else English, filled in for the
case. Every change is audited with before and after; a stale edit is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from hypothesis import given
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import transaction
from shared.models import AuditEvent, ReplyTemplate, RoleCode
from shared.services import reply_templates
from shared.services.reply_templates import ReplyTemplateRefused
from tests.factories import make_case, make_party, make_reply_template, make_staff
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, csrf, new_client, raw_post
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client, staff_member

ENGLISH = "Dear {name},\nYour case {reference} will be decided by {due_date}."
WELSH = "Annwyl {name},\nBydd eich achos {reference} yn cael ei benderfynu erbyn {due_date}."


def test_templates_come_in_the_residents_language_filled_in_for_the_case(
    session: Session,
) -> None:
    admin = make_staff(session, roles=[RoleCode.ADMINISTRATOR])
    english = reply_templates.add_template(session, locale="en", title="Decision date",
                                           body=ENGLISH, actor=admin)  # fmt: skip
    code = english.code
    assert code == "decision-date"  # made from the title
    reply_templates.save_template(session, code=code, locale="cy", title="Dyddiad penderfynu",
                                  body=WELSH, actor=admin, expected_updated_at="")  # fmt: skip
    only_welsh = make_reply_template(session, code="welsh-only", locale="cy", title="Cymraeg",
                                     body="Helo {name}")  # fmt: skip

    welsh = reply_templates.templates_in(session, locale="cy")
    assert [(t.code, t.locale) for t in welsh] == [("welsh-only", "cy"), (code, "cy")]  # by title
    french = reply_templates.templates_in(session, locale="fr")  # no French text: English
    assert [(t.code, t.locale) for t in french] == [(code, "en")]
    assert only_welsh not in french

    # A name that looks like a placeholder is not filled in again.
    party = make_party(session, given_name="Siân", family_name="{reference} <b>")
    case = make_case(session, applicant=party)
    case.due_at = datetime(2027, 3, 3, 17, 0, tzinfo=UTC)
    filled_cy = reply_templates.fill(welsh[1], case=case, locale="cy")
    assert filled_cy == (f"Annwyl Siân {{reference}} <b>,\nBydd eich achos {case.reference} "
                         "yn cael ei benderfynu erbyn 3 Mawrth 2027.")  # fmt: skip
    assert reply_templates.fill(french[0], case=case, locale="fr").endswith(
        "will be decided by 3 March 2027."  # English text, English date (en_GB style)
    )
    # No due date yet: the placeholder stays for the caseworker to replace.
    case.due_at = None
    assert "{due_date}" in reply_templates.fill(english, case=case, locale="en")

    # Refused: unknown placeholders named, stray braces, a stale edit, an unknown language.
    with pytest.raises(ReplyTemplateRefused) as refused:
        reply_templates.save_template(session, code=code, locale="en", title="T",
                                      body="Hi {nmae} and {case_ref} and {nmae}", actor=admin)  # fmt: skip
    assert (refused.value.reason, refused.value.placeholders) == (
        "unknown_placeholder", ("nmae", "case_ref")
    )  # fmt: skip
    for body, reason in (("a { b", "stray_brace"), ("{{reference}}", "stray_brace"),
                         ("", "empty"), ("x" * 5001, "too_long")):  # fmt: skip
        with pytest.raises(ReplyTemplateRefused, match=reason):
            reply_templates.save_template(session, code=code, locale="en", title="T", body=body,
                                          actor=admin)  # fmt: skip
    with pytest.raises(ReplyTemplateRefused, match="stale"):
        reply_templates.save_template(session, code=code, locale="en", title="T", body="B",
                                      actor=admin, expected_updated_at="2020-01-01T00:00:00")  # fmt: skip
    with pytest.raises(ReplyTemplateRefused, match="stale"):  # someone wrote it meanwhile
        reply_templates.save_template(session, code=code, locale="cy", title="T", body="B",
                                      actor=admin, expected_updated_at="")  # fmt: skip
    with pytest.raises(ReplyTemplateRefused, match="title_braces"):  # nothing fills a title
        reply_templates.save_template(session, code=code, locale="en", title="{name}", body="B",
                                      actor=admin)  # fmt: skip
    with pytest.raises(ReplyTemplateRefused, match="unknown_locale"):
        reply_templates.save_template(session, code=code, locale="xx", title="T", body="B",
                                      actor=admin)  # fmt: skip
    assert english.body == ENGLISH  # nothing refused was written

    groups = reply_templates.all_templates(session)
    decision = next(g for g in groups if g.code == code)
    assert decision.present == ["en", "cy"]
    assert "fr" in decision.missing
    assert "cy" not in decision.missing
    # A second template with the same title gets a code of its own.
    again = reply_templates.add_template(session, locale="en", title="Decision date!",
                                         body="B", actor=admin)  # fmt: skip
    assert again.code == "decision-date-2"


def test_an_administrator_keeps_the_templates_and_each_change_is_audited(
    backoffice: Flask,
) -> None:
    admin, member = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    listing = admin.get("/reply-templates").get_data(as_text=True)
    assert "There are no reply templates yet" in listing
    assert 'href="/reply-templates"' in listing  # the administrators' navigation

    # Bad input: a clear message naming the problem, nothing stored, nothing typed lost.
    form = {"locale": "en", "title": "Decision date", "body": "Hello {nmae}, case {reference}"}
    bad = post_form(admin, "/reply-templates/new", form)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "There is no placeholder {nmae}: use {reference}, {due_date} or {name}" in page
    assert "Hello {nmae}, case {reference}" in page
    assert 'value="Decision date"' in page
    assert _count(backoffice) == 0
    for body, message in (("", "Enter the text of the reply"),
                          ("é" * 5001, "Enter 5000 characters or fewer")):  # fmt: skip
        bad = post_form(admin, "/reply-templates/new", {**form, "body": body})
        assert message in bad.get_data(as_text=True)
    assert _count(backoffice) == 0

    # HTML in a body is stored as typed and only ever shown as text.
    english_body = "Dear {name},\n<script>alert(1)</script> <b>{reference}</b>"
    added = post_form(admin, "/reply-templates/new", {**form, "body": english_body},
                      form_page="/reply-templates/new")  # fmt: skip
    assert added.status_code == 302, added.get_data(as_text=True)
    with backoffice.extensions["caseway"].sessions() as session:
        (stored,) = session.scalars(select(ReplyTemplate))
        code = stored.code
        assert stored.body == english_body

    # The Welsh text, written from the list's "Write" link, with the English alongside.
    welsh_page = admin.get(f"/reply-templates/{code}/cy").get_data(as_text=True)
    assert welsh_page.count("<h1") == 1
    assert "Write the Cymraeg text" in welsh_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in welsh_page
    assert "<script>alert" not in welsh_page
    welsh = post_form(admin, f"/reply-templates/{code}/cy",
                      {"title": "Dyddiad", "body": WELSH, "expected_updated_at": ""})  # fmt: skip
    assert welsh.status_code == 302
    listing = admin.get("/reply-templates").get_data(as_text=True)
    row = listing.split(f'id="template-{code}"', 1)[1].split("</tr>", 1)[0]
    written, missing = row.split("</td>", 2)[1:3]
    assert "govuk-tag--green" in written
    assert "English" in written
    assert "Cymraeg" in written
    assert "Français" in missing
    assert "Cymraeg" not in missing
    assert "govuk-tag--grey" in missing

    # A change, then the same page sent again: stale, refused, what was typed kept.
    version = _version(backoffice, code, "en")
    changed = post_form(admin, f"/reply-templates/{code}/en",
                        {"title": "Decision date", "body": ENGLISH,
                         "expected_updated_at": version})  # fmt: skip
    assert changed.status_code == 302
    stale = post_form(admin, f"/reply-templates/{code}/en",
                      {"title": "Old", "body": "Old text", "expected_updated_at": "2020-01-01"})  # fmt: skip
    stale_page = stale.get_data(as_text=True)
    assert "Someone else changed this text" in stale_page
    assert "Old text" in stale_page
    with backoffice.extensions["caseway"].sessions() as session:
        current = reply_templates.find(session, code=code, locale="en")
        assert current is not None
        assert (current.title, current.body) == ("Decision date", ENGLISH)  # not "Old"

    # Removing the Welsh: asked first; no answer is a message, "No" keeps it, "Yes" removes.
    path = f"/reply-templates/{code}/cy/remove"
    confirm = admin.get(path).get_data(as_text=True)
    assert "Remove the Cymraeg text of “Dyddiad”" in confirm
    assert "Select yes if you want to remove this text" in post_form(admin, path, {}).get_data(
        as_text=True
    )
    assert post_form(admin, path, {"confirm": "no"}).status_code == 302
    assert _count(backoffice) == 2
    removed = post_form(admin, path, {"confirm": "yes"})
    assert removed.status_code == 302
    assert _count(backoffice) == 1
    assert admin.get(f"/reply-templates/{code}/cy/remove").status_code == 404
    assert admin.get(f"/reply-templates/{code}/xx").status_code == 404
    assert admin.get("/reply-templates/no-such-code/en").status_code == 404

    with backoffice.extensions["caseway"].sessions() as session:
        entries = list(session.scalars(
            select(AuditEvent).where(AuditEvent.object_kind == "reply_template")
            .order_by(AuditEvent.id)
        ))  # fmt: skip
        assert [(e.action, e.object_id) for e in entries] == [
            ("reply_template.added", f"{code}/en"),
            ("reply_template.added", f"{code}/cy"),
            ("reply_template.changed", f"{code}/en"),
            ("reply_template.removed", f"{code}/cy"),
        ]
        assert all(e.actor_id == str(member.id) for e in entries)
        change = entries[2]
        assert change.details["before"]["body"] == english_body
        assert change.details["after"]["body"] == ENGLISH
        assert entries[3].details == {"before": {"code": code, "locale": "cy", "title": "Dyddiad",
                                                 "body": WELSH}, "after": None}  # fmt: skip

    # Only administrators: a caseworker is refused every page and form.
    caseworker, _ = signed_in_client(backoffice, RoleCode.CASEWORKER)
    for path in ("/reply-templates", "/reply-templates/new", f"/reply-templates/{code}/en",
                 f"/reply-templates/{code}/en/remove"):  # fmt: skip
        assert caseworker.get(path).status_code == 403, path
    token = csrf(caseworker, "/")
    refused = caseworker.post(
        f"/reply-templates/{code}/en/remove", data={"csrf_token": token, "confirm": "yes"}
    )
    assert refused.status_code == 403
    assert _count(backoffice) == 1
    assert "/reply-templates" not in caseworker.get("/").get_data(as_text=True)


@PROPERTY
@given(title=HOSTILE_TEXT, body=HOSTILE_TEXT, locale=HOSTILE_TEXT)
def test_the_template_form_never_fails(
    backoffice: Flask, title: str, body: str, locale: str
) -> None:
    member = staff_member(backoffice, RoleCode.ADMINISTRATOR)
    client = new_client(backoffice)
    sign_in_staff(client, member.email)
    before = _count(backoffice)
    response = raw_post(client, "/reply-templates/new", [
        ("csrf_token", csrf(client, "/reply-templates/new")), ("title", title), ("body", body),
        ("locale", locale),
    ])  # fmt: skip
    assert response.status_code in (200, 302, 400)
    assert _count(backoffice) == before + (1 if response.status_code == 302 else 0)
    if response.status_code == 200:  # refused: what was typed (if sendable) is on the page
        assert response.get_data(as_text=True).count("govuk-error-message") >= 1


def _count(app: Flask) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(ReplyTemplate.id))) or 0


def _version(app: Flask, code: str, locale: str) -> str:
    with transaction(app.extensions["caseway"].sessions) as session:
        found = reply_templates.find(session, code=code, locale=locale)
        assert found is not None
        return found.updated_at.isoformat()
