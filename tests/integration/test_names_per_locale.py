"""Defect 17 of issue 23: words kept in the database stayed English in Welsh. A case's
summary is composed when shown from the answer it is made of, in the reader's language;
a team has its name per locale, shown in the portal and the back office."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from shared.casetypes.forms import form_for
from shared.db import transaction
from shared.models import Case, RoleCode, Team
from shared.services import filing
from shared.services.casetypes import case_type_for
from tests.factories import decide_case, make_case, make_party, make_staff, make_team
from tests.integration.test_tracking import sign_in
from tests.staff_signing_in import sign_in_staff


def a_welsh_complaint_about_staff(app: Flask) -> str:
    """Filed in Welsh on the portal's form ("Aelod o staff"), in a team named in Welsh."""
    with transaction(app.extensions["caseway"].sessions) as session:
        definition = form_for("complaint")
        draft = filing.start_draft(session, definition=definition, locale="cy")
        filing.record_answers(session, draft=draft, locale="cy", answers={
            "complaint_about": "staff", "what_happened": "Roedd yn anghwrtais.",
            "happened_on": "2026-10-01", "given_name": "Nia", "family_name": "Williams",
            "date_of_birth": "1980-03-31", "email": "nia@example.org",
        })  # fmt: skip
        case = filing.submit(session, draft=draft, definition=definition,
                             case_type=case_type_for(session, "complaint"))  # fmt: skip
        team = make_team(session, "complaints", "Customer complaints")
        team.names = {"cy": "Cwynion cwsmeriaid"}
        case.team = team
        return case.reference


def test_a_summary_is_composed_in_the_reader_s_language(backoffice: Flask) -> None:
    reference = a_welsh_complaint_about_staff(backoffice)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.summary == "A member of staff"  # kept, for cases older than the rule
        assert filing.summary_in(case, "cy") == "Aelod o staff"
        assert filing.summary_in(case, "en") == "A member of staff"
        team = session.scalars(select(Team).where(Team.code == "complaints")).one()
        email = make_staff(session, roles=(RoleCode.CASEWORKER,), team=team).email
    client = backoffice.test_client()
    assert sign_in_staff(client, email).status_code == 302
    english = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "A member of staff" in english
    assert "Customer complaints" in english
    client.get("/language/cy")
    welsh = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Aelod o staff" in welsh
    assert "Cwynion cwsmeriaid" in welsh
    assert "A member of staff" not in welsh
    assert "Customer complaints" not in welsh


def test_a_summary_with_no_answer_behind_it_stays_as_stored(backoffice: Flask) -> None:
    """Cases filed before summaries were composed, or with no such answer (recorded from
    an older form, the demo's first cases), keep the words they were given."""
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = make_case(session, summary="Resident parking permit for Elm Street", answers={})
        odd = make_case(session, summary="Old words", answers={"service": "withdrawn-option"})
        assert filing.summary_in(case, "cy") == "Resident parking permit for Elm Street"
        assert filing.summary_in(odd, "cy") == "Old words"


def test_an_appeal_s_summary_is_composed_in_the_reader_s_language(backoffice: Flask) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        decided = make_case(session)
        decision = decide_case(session, decided, outcome="refused")
        appeal = make_case(session, case_type="appeal", summary="Appeal against it: x",
                           answers={"grounds": "Mae'r cyfeiriad yn yr ardal."})  # fmt: skip
        assert filing.summary_in(appeal, "cy") == "Mae'r cyfeiriad yn yr ardal."  # not linked
        appeal.appealed_decision_id = decision.id
        session.flush()
        session.expire(appeal)
        with backoffice.test_request_context(), force_locale("cy"):
            welsh = filing.summary_in(appeal, "cy")
        with backoffice.test_request_context(), force_locale("en"):
            english = filing.summary_in(appeal, "en")
        assert english == f"Appeal against {decided.reference}: Mae'r cyfeiriad yn yr ardal."
        assert welsh == f"Apêl yn erbyn {decided.reference}: Mae'r cyfeiriad yn yr ardal."


def test_the_portal_names_the_team_in_the_resident_s_language(portal: Flask) -> None:
    with transaction(portal.extensions["caseway"].sessions) as session:
        party = make_party(session, email="nia@example.org")
        case = make_case(session, applicant=party, state="triage")
        team = make_team(session, "permits", "Permits and licences")
        team.names = {"cy": "Trwyddedau a hawlenni"}
        case.team = team
        reference = case.reference
    client = portal.test_client()
    sign_in(portal, client, "nia@example.org")
    assert "Permits and licences" in client.get(f"/cases/{reference}").get_data(as_text=True)
    client.get("/language/cy")
    for path in ("/cases", f"/cases/{reference}"):
        page = client.get(path).get_data(as_text=True)
        assert "Trwyddedau a hawlenni" in page, path
        assert "Permits and licences" not in page, path
