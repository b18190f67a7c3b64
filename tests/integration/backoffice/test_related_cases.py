"""Related cases on the staff case page, on SQLite and PostgreSQL: an appeal and the
decision it challenges link each other; other cases of the same person (the same
applicant, or the same email address once proved by signing in) are listed only where the
person may see them; none is a plain sentence."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.db import transaction
from shared.models import Case, Party, RoleCode
from shared.workflow import workflow_for
from tests.factories import decide_case, make_case, make_party, make_staff, make_team
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import sign_in_staff


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def in_team(case: Case, session, team: str = "permits") -> Case:  # type: ignore[no-untyped-def]
    case.team = make_team(session, team, team.title())
    return case


def member_of(app: Flask, *roles: RoleCode, team: str = "permits") -> FlaskClient:
    with transaction(sessions(app)) as session:
        email = make_staff(session, roles=roles, team=make_team(session, team, team.title())).email
    client = app.test_client()
    assert sign_in_staff(client, email).status_code == 302
    return client


def related_part(client: FlaskClient, reference: str) -> str:
    response = client.get(f"/cases/{reference}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_page_checks_itself(html, reference, english=True)
    part = re.search(r'id="related">.*?(?=<h2 |</main>)', html, re.S)
    assert part, "no related cases part"
    return part.group(0)


def linked(part: str) -> list[str]:
    return re.findall(r'href="/cases/([A-Z0-9-]+)"', part)


def test_an_appeal_and_the_decision_it_challenges_link_each_other(backoffice: Flask) -> None:
    with transaction(sessions(backoffice)) as session:
        original = in_team(make_case(session), session)
        decision = decide_case(
            session,
            original,
            outcome="refused",
            reason_codes=["not_eligible"],
            explanation="You live outside the area.",
        )
        appeal = in_team(make_case(session, case_type="appeal", applicant=original.applicant),
                         session)  # fmt: skip
        appeal.appealed_decision_id = decision.id
        original_ref, appeal_ref = original.reference, appeal.reference
        appeal_label = appeal.case_type.label("en")
        original_label = original.case_type.label("en")
        original_status = workflow_for("application", original.workflow_version).staff_text(
            original.state, "en"
        )
    client = member_of(backoffice, RoleCode.CASEWORKER)

    on_original = related_part(client, original_ref)
    assert "Appeals against this decision" in on_original
    assert linked(on_original) == [appeal_ref]  # not listed again as "the same person"
    assert appeal_label in on_original
    assert "Other cases of the same person" not in on_original

    on_appeal = related_part(client, appeal_ref)
    assert "The decision this appeal challenges" in on_appeal
    assert linked(on_appeal) == [original_ref]
    assert original_label in on_appeal
    assert original_status in on_appeal  # its status, in the workflow's words for staff


def test_only_cases_the_person_may_see_are_listed(backoffice: Flask) -> None:
    with transaction(sessions(backoffice)) as session:
        person = make_party(session, email="ana@example.org", is_email_verified=True)
        case = in_team(make_case(session, applicant=person), session)
        same_team = in_team(make_case(session, applicant=person), session)
        other_team = in_team(make_case(session, applicant=person), session, "licensing")
        # Filed before signing in, under a record of its own, with the address she proved.
        same_address = in_team(make_case(session, applicant=make_party(
            session, email="ana@example.org")), session)  # fmt: skip
        # Someone else who typed an address nobody proved is no proof of the same person.
        unproved = make_party(session, email="typed@example.org")
        alone = in_team(make_case(session, applicant=unproved), session)
        typed_again = in_team(make_case(session, applicant=make_party(
            session, email="typed@example.org")), session)  # fmt: skip
        references = {name: c.reference for name, c in [("case", case), ("same_team", same_team),
                      ("other_team", other_team), ("same_address", same_address), ("alone", alone),
                      ("typed_again", typed_again)]}  # fmt: skip
    caseworker = member_of(backoffice, RoleCode.CASEWORKER)
    part = related_part(caseworker, references["case"])
    assert "Other cases of the same person" in part
    assert sorted(linked(part)) == sorted([references["same_team"], references["same_address"]])
    assert references["other_team"] not in part  # as if it did not exist
    # The auditor sees every case, so the other team's is listed for them.
    auditor = member_of(backoffice, RoleCode.AUDITOR)
    assert references["other_team"] in linked(related_part(auditor, references["case"]))
    # Two unproved records with one typed address: nothing related.
    assert "No related cases." in related_part(caseworker, references["alone"])
    assert linked(related_part(caseworker, references["alone"])) == []


def test_a_case_with_nothing_related_says_so(backoffice: Flask) -> None:
    with transaction(sessions(backoffice)) as session:
        reference = in_team(make_case(session), session).reference
    part = related_part(member_of(backoffice, RoleCode.CASEWORKER), reference)
    assert "No related cases." in part
    assert linked(part) == []


def test_a_busy_person_s_cases_are_listed_newest_first_up_to_a_limit(backoffice: Flask) -> None:
    with transaction(sessions(backoffice)) as session:
        person = make_party(session)
        made = [in_team(make_case(session, applicant=person), session) for _ in range(13)]
        references = [c.reference for c in made]
        newest_first = [
            c.reference
            for c in session.scalars(
                select(Case).join(Party).where(Party.id == person.id)
                .order_by(Case.submitted_at.desc(), Case.id.desc())
            )
        ]  # fmt: skip
    part = related_part(member_of(backoffice, RoleCode.SUPERVISOR), references[0])
    listed = linked(part)
    assert listed == [r for r in newest_first if r != references[0]][:10]
    assert "These are the newest 10. Find others by their reference number." in part
