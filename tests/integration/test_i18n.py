"""Locale choice, right-to-left pages and plurals, in the apps with the compiled catalogs."""

import pytest
from flask import Flask, g
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select

from shared.db import transaction
from shared.models import AuditEvent, Notice, Party
from shared.services import parties
from tests.integration.test_cookies import CSRF
from tests.signing_in import follow_sign_in_link

LANGUAGE_LINKS = ('hreflang="cy"', 'hreflang="ar"', 'hreflang="zh-Hans"')


def html_of(app: Flask, path: str = "/", **headers: str) -> str:
    return app.test_client().get(path, headers=headers).get_data(as_text=True)


def test_default_is_english(portal_app: Flask) -> None:
    assert '<html lang="en" dir="ltr"' in html_of(portal_app)


def test_the_browser_language_is_used_when_nothing_was_chosen(portal_app: Flask) -> None:
    page = html_of(portal_app, **{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr" dir="ltr"' in page


def test_an_explicit_choice_beats_the_browser(portal_app: Flask) -> None:
    client = portal_app.test_client()
    response = client.get("/language/cy?next=/cookies", headers={"Accept-Language": "fr"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/cookies"
    page = client.get("/cookies", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="cy" dir="ltr"' in page
    assert client.get_cookie("locale") is None  # no consent to settings cookies yet


def test_the_choice_is_remembered_only_with_consent(portal_app: Flask) -> None:
    client = portal_app.test_client()
    client.set_cookie("cookies_policy", "settings-yes")
    client.get("/language/es")
    remembered = client.get_cookie("locale")
    assert remembered is not None
    assert remembered.value == "es"
    fresh = portal_app.test_client()  # a later visit: no session, the cookie remains
    fresh.set_cookie("locale", "es")
    assert '<html lang="es"' in fresh.get("/").get_data(as_text=True)


def test_a_signed_in_citizens_party_record_beats_cookie_and_browser(portal_app: Flask) -> None:
    with portal_app.test_request_context("/", headers={"Accept-Language": "fr"}):
        from shared.web.language import select_locale

        g.party = Party(preferred_locale="ar")
        assert select_locale() == "ar"


def test_a_signed_in_citizens_choice_is_stored_on_their_party_record(portal_app: Flask) -> None:
    sessions = portal_app.extensions["caseway"].sessions
    with transaction(sessions) as session:
        party_id = parties.register_person(
            session, given_name="Ana", family_name="Silva", email="ana@example.org"
        ).id
    client = portal_app.test_client()  # signs in for real, with the one-time link
    token = CSRF.search(client.get("/sign-in").get_data(as_text=True))
    assert token is not None
    client.post("/sign-in", data={"csrf_token": token.group(1), "email": "ana@example.org"})
    with sessions() as session:
        link = session.scalars(select(Notice).where(Notice.kind == "sign_in_link")).one()
    assert follow_sign_in_link(client, link.context["link"]).status_code == 302

    # A link (GET) changes the visit's language only: an image tag on any page could
    # otherwise change what the person's emails are written in.
    assert client.get("/language/cy").status_code == 302
    with sessions() as session:
        stored = session.get(Party, party_id)
        assert stored is not None
        assert stored.preferred_locale == "en"

    page = client.get("/cases").get_data(as_text=True)
    assert 'action="/language/ar"' in page  # the switcher is a form for a signed-in person
    token = CSRF.search(page)
    assert token is not None
    refused = client.post("/language/ar", data={"next": "/cases"})  # no CSRF token
    assert refused.status_code == 400
    response = client.post("/language/ar", data={"csrf_token": token.group(1), "next": "/cases"})
    assert response.headers["Location"] == "/cases"
    with sessions() as session:
        stored = session.get(Party, party_id)
        assert stored is not None
        assert stored.preferred_locale == "ar"
        changes = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "party.language_changed")
        ).all()
        assert [c.details for c in changes] == [{"from": "en", "to": "ar"}]


def test_unknown_or_unoffered_language_is_not_found(
    portal_app: Flask, backoffice_app: Flask
) -> None:
    assert portal_app.test_client().get("/language/de").status_code == 404
    assert backoffice_app.test_client().get("/language/ar").status_code == 404  # English there


def test_switcher_names_each_language_in_itself_with_lang_and_hreflang(portal_app: Flask) -> None:
    page = html_of(portal_app, "/accessibility")
    for link in LANGUAGE_LINKS:
        assert link in page
    assert 'lang="ar" hreflang="ar">العربية</a>' in page
    assert 'aria-current="true" lang="en">English</span>' in page
    assert "next=/accessibility" in page


def test_arabic_pages_are_right_to_left_with_the_mirrored_stylesheet(portal_app: Flask) -> None:
    page = html_of(portal_app, **{"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl"' in page
    assert "/static/caseway.rtl.css" in page
    assert "/static/caseway.css" not in page


def test_back_office_falls_back_to_english_for_locales_staff_do_not_need(
    backoffice_app: Flask,
) -> None:
    assert '<html lang="en"' in html_of(backoffice_app, "/sign-in", **{"Accept-Language": "ar"})
    assert '<html lang="cy"' in html_of(backoffice_app, "/sign-in", **{"Accept-Language": "cy"})


@pytest.mark.parametrize(
    ("locale", "numbers"),
    [("ar", [0, 1, 2, 3, 11, 100]), ("cy", [0, 1, 2, 3, 6, 4])],
)
def test_six_plural_forms(portal_app: Flask, locale: str, numbers: list[int]) -> None:
    with portal_app.test_request_context("/"), force_locale(locale):
        forms = [
            ngettext("Time left: %(num)d minute", "Time left: %(num)d minutes", n) for n in numbers
        ]
        english = gettext("Time left: less than a minute")
    assert len(set(forms)) == 6, forms
    assert not any("Time left" in form for form in forms)
    assert "Time left" not in english


def test_a_missing_translation_falls_back_to_english(portal_app: Flask) -> None:
    with portal_app.test_request_context("/"), force_locale("cy"):
        assert (
            gettext("A sentence no catalog has ever seen.")
            == "A sentence no catalog has ever seen."
        )
        assert gettext("Cookies") != "Cookies"


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("fr", "N&#39;est pas un choix valide."),
        ("zh_Hans", "不是有效的选择。"),
        ("ar", "اختيار غير صحيح."),
    ],
)
def test_wtforms_own_messages_are_translated(portal_app: Flask, locale: str, message: str) -> None:
    client = portal_app.test_client()
    client.get(f"/language/{locale}")
    token = CSRF.search(client.get("/cookies").get_data(as_text=True))
    assert token is not None
    page = client.post("/cookies", data={"csrf_token": token.group(1), "settings": "perhaps"})
    text = page.get_data(as_text=True)
    assert message in text
    assert "Not a valid choice" not in text
