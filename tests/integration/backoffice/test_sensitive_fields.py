"""Least privilege down to the field: sensitive questions (tagged in the form files) and
resident particulars (access.toml) come masked to the roles that may not see them, on
every back-office page; those who may reveal one do so with a reason, audited, for
themselves alone and for a while; access.toml's limits narrow by team and area."""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from shared.casetypes.access import AccessRuleError, field_access, parse_field_access
from shared.casetypes.forms import FORMS_DIR, FormDefinitionError, form_for
from shared.db import transaction
from shared.models import (
    AuditEvent,
    CaseParty,
    CasePartyRole,
    Draft,
    PossibleDuplicate,
    RoleCode,
    SensitiveReveal,
    StaffUser,
)
from shared.models.base import utcnow
from shared.permissions import ROLE_PERMISSIONS, Permission
from shared.services import intake, masking
from tests.factories import (
    RECORDED_ANSWERS,
    make_case,
    make_document,
    make_party,
    make_recording,
    make_reply_template,
    make_rule,
    make_staff,
    make_team,
    supervisor,
)
from tests.security.test_permissions import allowed, endpoints, path_of
from tests.staff_signing_in import csrf_token, post_form, signed_in_client, staff_member

BORN = date(1984, 3, 14)
# Every way a page could write that date of birth: long, short, numeric, ISO, the form's
# own three boxes, in English and in Welsh.
BORN_WRITTEN = (
    "14 March 1984", "14 Mar 1984", "March 14, 1984", "1984-03-14", "14/03/1984",
    "14/3/1984", "14.03.1984", "14 3 1984", "14 Mawrth 1984", "14 Maw 1984",
)  # fmt: skip
HIDDEN_BIRTH = "Hidden: date of birth"
SEES_BIRTH = [r for r in RoleCode if Permission.SEE_DATE_OF_BIRTH in ROLE_PERMISSIONS[r]]
MASKED_BIRTH = [r for r in RoleCode if r not in SEES_BIRTH]
READS_CASES = [r for r in RoleCode if Permission.SEE_CASES in ROLE_PERMISSIONS[r]]


def born_on(page: str) -> list[str]:
    return [written for written in BORN_WRITTEN if written in page]


def sensitive_case(app: Flask, assignee_id: int | None = None) -> str:
    """An application with every answer (a date of birth among them) by a resident born
    14 March 1984, a file, another party, and a possible duplicate of the same birthday."""
    with transaction(app.extensions["caseway"].sessions) as session:
        applicant = make_party(session, date_of_birth=BORN)
        case = make_case(session, state="assigned", applicant=applicant,
                         answers=dict(RECORDED_ANSWERS))  # fmt: skip
        case.assignee_id = assignee_id
        document = make_document(session, app.extensions["caseway"].storage, case=case)
        document.public_id = "sample-document"
        witness = make_party(session, given_name="Wyn", family_name="Witness",
                             date_of_birth=BORN)  # fmt: skip
        session.add(CaseParty(case_id=case.id, party_id=witness.id, role=CasePartyRole.WITNESS,
                              added_by_staff_id=assignee_id or supervisor(session).id))  # fmt: skip
        twin = make_party(session, date_of_birth=BORN)
        session.add(PossibleDuplicate(case_id=case.id, party_id=applicant.id,
                                      other_party_id=twin.id))  # fmt: skip
        make_rule(session)
        make_reply_template(session)
        return case.reference


# -- tags in the configuration ------------------------------------------------------------


def test_the_date_of_birth_question_of_each_form_is_tagged_and_keeps_its_version() -> None:
    for case_type in ("application", "complaint"):
        definition = form_for(case_type)
        tagged = masking.sensitive_questions(definition)
        assert tagged == {"date_of_birth": "date_of_birth"}
        # A tag asks nothing new: the form keeps its version, cases keep theirs.
        with (FORMS_DIR / f"{case_type}.toml").open("rb") as config:
            assert definition.version == str(tomllib.load(config)["version"]) == "2"
    assert field_access().party_fields == {"date_of_birth": "date_of_birth"}


def _form_dir(tmp_path: Path, field_lines: str, summary: str = "service") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "probe.toml").write_text(
        f'version = "1"\nsummary_field = "{summary}"\n'
        '[[page]]\nslug = "service"\n[[page.field]]\nname = "service"\ntype = "text"\n'
        '[[page]]\nslug = "health"\n[[page.field]]\nname = "condition"\ntype = "long_text"\n'
        f"{field_lines}\n"
    )
    (tmp_path / "probe.en.toml").write_text(
        '[text]\n"sent.title" = "Sent"\n"send.heading" = "Send"\n"request.name" = "Probe"\n'
        '"service.label" = "Service"\n"condition.label" = "Your condition"\n'
    )
    return tmp_path


def test_a_tag_is_read_and_an_unknown_classification_refused_at_load(tmp_path: Path) -> None:
    good = form_for("probe", _form_dir(tmp_path / "good", 'sensitive = "health"'))
    assert masking.sensitive_questions(good) == {"condition": "health"}
    with pytest.raises(FormDefinitionError, match="condition is tagged sensitive = 'medical'"):
        form_for("probe", _form_dir(tmp_path / "bad", 'sensitive = "medical"'))
    with pytest.raises(FormDefinitionError, match="summary_field and cannot be tagged"):
        form_for("probe", _form_dir(tmp_path / "summary", 'sensitive = "health"', "condition"))


@pytest.mark.parametrize(
    ("limit", "mistake"),
    [
        ('role = "janitor"\nsees = ["health"]', "unknown role 'janitor'"),
        ('role = "caseworker"\nsees = ["shoe_size"]', "unknown classification 'shoe_size'"),
        ('role = "caseworker"\nsees = []', "names no classification"),
        ('role = "caseworker"\nsees = ["health"]\nonly_areas = ["mars"]', "unknown area"),
        ('role = "caseworker"\nsees = ["health"]\nonly_team = ["permits"]', "unknown setting"),
        ('role = "caseworker"\nsees = ["health"]\nonly_teams = "permits"', "a list of codes"),
    ],
)
def test_a_limit_with_a_mistake_is_refused_at_load(limit: str, mistake: str) -> None:
    with pytest.raises(AccessRuleError, match=mistake):
        parse_field_access(tomllib.loads(f"[[limit]]\n{limit}\n"))
    with pytest.raises(AccessRuleError, match="not a field"):
        parse_field_access(tomllib.loads('[party]\npassword_hash = "health"\n'))


# -- who sees what, page by page ----------------------------------------------------------


@pytest.mark.parametrize("role", READS_CASES, ids=lambda role: role.value)
def test_the_answers_show_the_date_of_birth_only_to_roles_that_may_see_it(
    backoffice: Flask, role: RoleCode
) -> None:
    client, member = signed_in_client(backoffice, role)
    reference = sensitive_case(backoffice, member.id)
    page = client.get(f"/cases/{reference}/answers").get_data(as_text=True)
    assert "Ana" in page
    assert "1 Elm Street" in page
    if role in SEES_BIRTH:
        assert "14 March 1984" in page
        assert HIDDEN_BIRTH not in page
    else:
        assert born_on(page) == []
        assert HIDDEN_BIRTH in page


def test_the_triage_page_masks_a_possible_duplicates_date_of_birth_for_a_clerk(
    backoffice: Flask,
) -> None:
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    boss, member = signed_in_client(backoffice, RoleCode.SUPERVISOR)
    reference = sensitive_case(backoffice, member.id)  # theirs: a supervisor sees their team's
    masked = clerk.get(f"/cases/{reference}/triage").get_data(as_text=True)
    assert "Possible duplicate records" in masked
    assert born_on(masked) == []
    assert HIDDEN_BIRTH in masked
    shown = boss.get(f"/cases/{reference}/triage").get_data(as_text=True)
    assert "14 March 1984" in shown


# -- revealing with a reason --------------------------------------------------------------


def _reveal(client: FlaskClient, reference: str, reason: str) -> str:
    answers = f"/cases/{reference}/answers"
    response = post_form(client, f"/cases/{reference}/reveal",
                         {"reveal-field": "date_of_birth", "reveal-reason": reason},
                         form_page=answers)  # fmt: skip
    assert response.status_code in (200, 302)
    return response.get_data(as_text=True) if response.status_code == 200 else ""


def test_an_auditor_reveals_a_masked_answer_with_a_reason_for_themselves_for_a_while(
    backoffice: Flask,
) -> None:
    auditor, member = signed_in_client(backoffice, RoleCode.AUDITOR)
    other_auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    reference = sensitive_case(backoffice)
    answers = f"/cases/{reference}/answers"
    assert "Show a hidden answer" in auditor.get(answers).get_data(as_text=True)

    refused = _reveal(auditor, reference, "   ")
    assert "Enter why you need to see it" in refused
    assert born_on(refused) == []
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(SensitiveReveal)).all() == []
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "case.sensitive_revealed")).all() == []  # fmt: skip

    assert _reveal(auditor, reference, "Complaint audit 2026/14") == ""
    page = auditor.get(answers).get_data(as_text=True)
    assert "14 March 1984" in page
    assert "You revealed “Date of birth”. It is shown to you until" in page
    with backoffice.extensions["caseway"].sessions() as session:
        shown = session.scalars(select(SensitiveReveal)).one()
        assert (shown.staff_id, shown.field, shown.reason) == (
            member.id,
            "date_of_birth",
            "Complaint audit 2026/14",
        )
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "case.sensitive_revealed")).one()  # fmt: skip
        assert audit.actor_id == str(member.id)
        assert audit.object_id == reference
        assert audit.details == {"field": "date_of_birth", "classification": "date_of_birth",
                                 "reason": "Complaint audit 2026/14"}  # fmt: skip
    # Never to anyone else, and not for ever.
    assert born_on(other_auditor.get(answers).get_data(as_text=True)) == []
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        session.execute(update(SensitiveReveal).values(
            revealed_at=utcnow() - timedelta(minutes=masking.REVEAL_MINUTES + 1)))  # fmt: skip
    expired = auditor.get(answers).get_data(as_text=True)
    assert born_on(expired) == []
    assert HIDDEN_BIRTH in expired


def test_only_those_who_may_reveal_can_and_a_get_reveals_nothing(backoffice: Flask) -> None:
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference = sensitive_case(backoffice)
    page = clerk.get(f"/cases/{reference}/answers").get_data(as_text=True)
    assert HIDDEN_BIRTH in page
    assert "Show a hidden answer" not in page  # clerks may not reveal
    token = csrf_token(clerk, f"/cases/{reference}/answers")
    sent = clerk.post(f"/cases/{reference}/reveal", data={
        "csrf_token": token, "reveal-field": "date_of_birth", "reveal-reason": "Curious"})  # fmt: skip
    assert sent.status_code == 403
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    assert auditor.get(f"/cases/{reference}/reveal").status_code == 405
    # Without the CSRF token, nothing.
    assert auditor.post(f"/cases/{reference}/reveal", data={
        "reveal-field": "date_of_birth", "reveal-reason": "Audit"}).status_code == 400  # fmt: skip
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(SensitiveReveal)).all() == []


def _reveal_on(client: FlaskClient, reference: str, page: str, field: str, reason: str,
               back_to: str | None = None) -> TestResponse:  # fmt: skip
    """The reveal form of `page` sent, as that page sends it (back to itself)."""
    return post_form(client, f"/cases/{reference}/reveal",
                     {"reveal-field": field, "reveal-reason": reason,
                      "reveal-next": page if back_to is None else back_to},
                     form_page=page)  # fmt: skip


def test_a_masked_date_of_birth_on_the_triage_page_is_revealed_there_with_a_reason(
    backoffice: Flask,
) -> None:
    # Someone who triages and audits: the records' dates of birth are masked for them
    # (neither role sees them), and they may reveal one.
    client, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK, RoleCode.AUDITOR)
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference = sensitive_case(backoffice)
    triage = f"/cases/{reference}/triage"
    page = client.get(triage).get_data(as_text=True)
    assert HIDDEN_BIRTH in page
    assert born_on(page) == []
    assert "Show a hidden detail" in page
    assert re.search(rf'name="reveal-next"[^>]*value="{triage}"', page)
    assert "Show a hidden detail" not in clerk.get(triage).get_data(as_text=True)
    # The page sent back by another of its forms (a reason too long) still sends it here.
    with backoffice.extensions["caseway"].sessions() as session:
        duplicate_id = session.scalars(select(PossibleDuplicate.id)).one()
    again = post_form(client, f"/cases/{reference}/duplicates/{duplicate_id}",
                      {"decision": "reject", f"duplicate-{duplicate_id}-reason": "x" * 501},
                      form_page=triage).get_data(as_text=True)  # fmt: skip
    assert "Enter 500 characters or fewer" in again
    assert re.search(rf'name="reveal-next"[^>]*value="{triage}"', again)

    # No reason: the triage page again, with the error, and nothing shown or written.
    refused = _reveal_on(client, reference, triage, "party.date_of_birth", "  ")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert f"Triage case {reference}" in body
    assert "Enter why you need to see it" in body
    assert 'class="govuk-error-summary' in body
    assert born_on(body) == []
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(SensitiveReveal)).all() == []

    sent = _reveal_on(client, reference, triage, "party.date_of_birth", "Duplicate check 3/26")
    assert sent.status_code == 302
    assert sent.headers["Location"] == triage  # back to the page it was sent from
    shown = client.get(triage).get_data(as_text=True)
    assert "14 March 1984" in shown
    assert "You revealed “Date of birth” of these records. It is shown to you until" in shown
    assert "Show a hidden detail" not in shown  # nothing left to reveal
    with backoffice.extensions["caseway"].sessions() as session:
        row = session.scalars(select(SensitiveReveal)).one()
        assert (row.staff_id, row.field, row.classification, row.reason) == (
            member.id, "party.date_of_birth", "date_of_birth", "Duplicate check 3/26")  # fmt: skip
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "case.sensitive_revealed")).one()  # fmt: skip
        assert (audit.actor_id, audit.object_id) == (str(member.id), reference)
        assert audit.details == {"field": "party.date_of_birth",
                                 "classification": "date_of_birth",
                                 "reason": "Duplicate check 3/26"}  # fmt: skip
    # The record's field only: the date of birth among the answers stays masked.
    answers = client.get(f"/cases/{reference}/answers").get_data(as_text=True)
    assert HIDDEN_BIRTH in answers
    assert born_on(answers) == []
    # Never to anyone else, and not for ever.
    assert born_on(clerk.get(triage).get_data(as_text=True)) == []
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        session.execute(update(SensitiveReveal).values(
            revealed_at=utcnow() - timedelta(minutes=masking.REVEAL_MINUTES + 1)))  # fmt: skip
    expired = client.get(triage).get_data(as_text=True)
    assert born_on(expired) == []
    assert HIDDEN_BIRTH in expired


def test_a_reveal_goes_back_only_to_a_page_of_the_back_office_and_reveals_only_what_it_shows(
    backoffice: Flask,
) -> None:
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    reference = sensitive_case(backoffice)
    answers, triage = f"/cases/{reference}/answers", f"/cases/{reference}/triage"
    # An auditor does not triage: the records' fields are not theirs to reveal, even
    # with the triage page named as where the form came from.
    forged = _reveal_on(auditor, reference, answers, "party.date_of_birth", "Audit", triage)
    assert forged.status_code == 200
    assert "Select the answer to show" in forged.get_data(as_text=True)
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(SensitiveReveal)).all() == []
    # Sent back elsewhere than a page of ours: to the answers, which it came from.
    sent = _reveal_on(auditor, reference, answers, "date_of_birth", "Audit 7",
                      "https://elsewhere.example/cases")  # fmt: skip
    assert sent.status_code == 302
    assert sent.headers["Location"] == answers


def recorded_by_a_colleague(app: Flask) -> str:
    """An application an intake clerk recorded the answers of (RECORDED_ANSWERS: born
    14 March 1984) and has not sent yet: its token."""
    with transaction(app.extensions["caseway"].sessions) as session:
        clerk = make_staff(session, roles=[RoleCode.INTAKE_CLERK])
        return make_recording(session, clerk=clerk, answered=True).token


def test_assisted_intake_masks_what_a_colleague_recorded_but_not_what_you_recorded(
    backoffice: Flask,
) -> None:
    recorder, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    colleague, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    started = post_form(recorder, "/intake/", {"case_type": "application", "channel": "phone"})
    token = started.headers["Location"].rsplit("/", 1)[-1]
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        draft = session.scalars(select(Draft).where(Draft.token == token)).one()
        intake.record_answers(session, draft=draft, definition=form_for("application"),
                              answers=dict(RECORDED_ANSWERS), resident_locale="cy")  # fmt: skip
    check, answers = f"/intake/{token}/check", f"/intake/{token}"
    # The clerk who recorded them reads back what they typed.
    assert "14 March 1984" in recorder.get(check).get_data(as_text=True)
    assert 'value="1984"' in recorder.get(answers).get_data(as_text=True)
    # A colleague (a clerk sees dates of birth masked) sees the rest, not that.
    masked = colleague.get(check).get_data(as_text=True)
    assert "Silva" in masked
    assert HIDDEN_BIRTH in masked
    assert born_on(masked) == []
    form = colleague.get(answers).get_data(as_text=True)
    assert 'value="Silva"' in form
    assert 'value="1984"' not in form  # the boxes are empty: they ask again
    assert "Ask the resident for them again" in form


# -- limits by team and area (access.toml) ------------------------------------------------

LIMITS = """
[[limit]]
role = "caseworker"
sees = ["health"]
only_teams = ["care"]
[[limit]]
role = "caseworker"
sees = ["date_of_birth"]
only_areas = ["wales"]
own_team_cases = true
"""


def test_limits_narrow_what_a_role_sees_by_team_and_area(session: Session, tmp_path: Path) -> None:
    rules = parse_field_access(tomllib.loads(LIMITS))
    definition = form_for("probe", _form_dir(tmp_path, 'sensitive = "health"'))
    care, permits = make_team(session, "care", "Care"), make_team(session, "permits", "Permits")
    in_care = make_staff(session, roles=[RoleCode.CASEWORKER], team=care)
    in_permits = make_staff(session, roles=[RoleCode.CASEWORKER], team=permits)
    boss = make_staff(session, roles=[RoleCode.SUPERVISOR], team=permits)
    case = make_case(session, answers={"condition": "Asthma"})
    case.team, case.area = care, "wales"

    def seen(staff: StaffUser) -> object:
        shown = masking.mask_answers(session, staff=staff, case=case, answers=case.answers,
                                     definition=definition, access=rules)  # fmt: skip
        return shown["condition"]

    assert seen(in_care) == "Asthma"
    assert seen(in_permits) == "Hidden: health information"  # not their team's work
    assert seen(boss) == "Asthma"  # the limit is on caseworkers only
    # Dates of birth: Welsh cases of their own team only.
    assert masking.may_see(in_care, case, "date_of_birth", access=rules)
    assert not masking.may_see(in_permits, case, "date_of_birth", access=rules)  # not their team
    case.area = "england"
    assert not masking.may_see(in_care, case, "date_of_birth", access=rules)  # not Wales
    # Nothing widens: an auditor has no permission for health, whatever the limits.
    auditor = make_staff(session, roles=[RoleCode.AUDITOR], team=care)
    assert seen(auditor) == "Hidden: health information"
    # A classification no role is granted is masked for everyone.
    assert not any(masking.may_see(s, case, "ethnicity", access=rules)
                   for s in (in_care, boss, auditor))  # fmt: skip


def test_the_shipped_limits_keep_health_to_the_permits_team_and_criminal_records_from_caseworkers(
    session: Session,
) -> None:
    permits, complaints = make_team(session, "permits"), make_team(session, "complaints")
    case = make_case(session)
    in_permits = make_staff(session, roles=[RoleCode.CASEWORKER], team=permits)
    in_complaints = make_staff(session, roles=[RoleCode.CASEWORKER], team=complaints)
    boss = make_staff(session, roles=[RoleCode.SUPERVISOR], team=complaints)
    assert masking.may_see(in_permits, case, "health")
    assert not masking.may_see(in_complaints, case, "health")
    assert not masking.may_see(in_permits, case, "criminal_record")
    assert masking.may_see(boss, case, "criminal_record")
    assert masking.may_see(boss, case, "health")
    assert masking.may_see(in_complaints, case, "date_of_birth")


# -- the walk: every role over every page -------------------------------------------------


def _page_text(body: bytes, mimetype: str) -> str:
    if mimetype.startswith("text/") or mimetype.endswith("json"):
        return body.decode()
    return body.decode("latin-1")  # a file or PDF: searched as bytes


@pytest.mark.parametrize("role", list(RoleCode), ids=lambda role: role.value)
def test_no_page_shows_a_masked_date_of_birth_to_any_role(
    backoffice: Flask, role: RoleCode
) -> None:
    client, member = signed_in_client(backoffice, role)
    other = staff_member(backoffice, RoleCode.CASEWORKER)
    reference = sensitive_case(backoffice, member.id)
    # Assisted intake's pages, on answers a colleague recorded (not a token that finds none).
    recording = recorded_by_a_colleague(backoffice)
    visited: dict[str, int] = {}
    leaks: dict[str, list[str]] = {}
    for endpoint in endpoints({"GET"}):
        path = path_of(endpoint, other.id, reference).replace("not-a-valid-token", recording)
        with client.get(path) as response:
            page = _page_text(response.get_data(), response.mimetype or "")
            visited[endpoint] = response.status_code
        if role in MASKED_BIRTH and born_on(page):
            leaks[path] = born_on(page)
        if role in MASKED_BIRTH:
            # The date is not there in any form, nor in the page's markup (a form's boxes).
            assert not re.search(r'1984-?0?3-?14|14\D{0,3}0?3\D{0,3}1984|value="1984"', page), path
    assert leaks == {}
    # The walk saw the pages with the data, not sign-in or refusals.
    seen = ("cases.case", "cases.section_answers", "triage.triage_page", "intake.answers",
            "intake.check")  # fmt: skip
    for endpoint in seen:
        if allowed(role, endpoint):
            assert visited[endpoint] == 200, (endpoint, visited[endpoint])
    if role in READS_CASES:
        answers = client.get(f"/cases/{reference}/answers").get_data(as_text=True)
        assert ("14 March 1984" in answers) is (role in SEES_BIRTH)
        assert (HIDDEN_BIRTH in answers) is (role in MASKED_BIRTH)
