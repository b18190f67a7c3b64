"""A case remembers since when its resident has waited for an answer
(Case.awaiting_reply_since): the oldest of their messages after staff last wrote, kept
with every message delivered, and filled in by migration 0017 the same way for the
conversations there before it. A decided or closed case waits no more (migration 0018
clears the mark on those decided before that rule)."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from shared.models import Case, Message
from shared.models.base import utcnow
from shared.services import cases, messages
from tests.factories import decide_case, make_case, make_staff

MIGRATION = "shared/migrations/versions/0017_replies_awaited_and_queue_filters.py"
MIGRATION_0018 = "shared/migrations/versions/0018_staff_words_in_the_history.py"


def _migration(path: str, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def _sent_at(session: Session, message: Message) -> object:
    session.refresh(message)
    return message.sent_at


def test_the_case_waits_from_the_residents_first_unanswered_message(session: Session) -> None:
    case = make_case(session, state="in_progress")
    member = make_staff(session)
    assert case.awaiting_reply_since is None  # nothing said yet
    first = messages.post_from_resident(session, case=case, party=case.applicant, body="One")
    first.sent_at -= timedelta(hours=2)  # an hour apart, so the two cannot be mistaken
    session.flush()
    messages.post_from_resident(session, case=case, party=case.applicant, body="Two")
    # The second message does not restart the wait: it began with the first.
    case.awaiting_reply_since = None
    messages.post_from_resident(session, case=case, party=case.applicant, body="Three")
    assert case.awaiting_reply_since == _sent_at(session, first)
    messages.post_from_staff(session, case=case, staff=member, body="Answered")
    assert case.awaiting_reply_since is None
    # A reply from another address waits to be accepted and makes nobody wait yet.
    held = messages.receive_email_reply(
        session, case=case, party=case.applicant, from_address="someone@else.example",
        body="Held", email_message_id="<held@else.example>",
    )  # fmt: skip
    assert case.awaiting_reply_since is None
    again = messages.post_from_resident(session, case=case, party=case.applicant, body="Four")
    assert case.awaiting_reply_since == _sent_at(session, again)
    messages.post_from_staff(session, case=case, staff=member, body="Answered again")
    # Accepted after staff answered: older than the answer, so nobody waits.
    messages.accept_held(session, message=held, staff=member)
    assert case.awaiting_reply_since is None


def test_my_work_and_the_inbox_list_exactly_the_cases_waiting(session: Session) -> None:
    member = make_staff(session)
    waiting = make_case(session, state="in_progress")
    answered = make_case(session, state="in_progress")
    for case in (waiting, answered):
        case.assignee_id, case.team_id = member.id, member.team_id
    messages.post_from_resident(session, case=waiting, party=waiting.applicant, body="Hello")
    messages.post_from_resident(session, case=answered, party=answered.applicant, body="Hi")
    messages.post_from_staff(session, case=answered, staff=member, body="Answered")
    new = messages.new_from_resident(session, staff=member)
    assert [item.case.reference for item in new] == [waiting.reference]
    inbox = messages.inbox(session, staff=member)
    assert [item.case.reference for item in inbox.items] == [waiting.reference]


def test_the_migration_fills_in_the_same_as_the_messages_keep(session: Session) -> None:
    member = make_staff(session)
    kept = []
    for steps in ("r", "rs", "rr", "rsr", "s", ""):
        case = make_case(session, state="in_progress")
        for step in steps:
            if step == "r":
                messages.post_from_resident(session, case=case, party=case.applicant, body="R")
            else:
                messages.post_from_staff(session, case=case, staff=member, body="S")
        kept.append((case.id, case.awaiting_reply_since))
    assert sum(1 for _id, since in kept if since is not None) == 3
    ids = [case_id for case_id, _since in kept]
    session.execute(update(Case).where(Case.id.in_(ids)).values(awaiting_reply_since=None))
    migration = _migration(MIGRATION, "migration_0017")
    session.execute(text(migration.FILL_IN))
    session.expire_all()
    query = select(Case.id, Case.awaiting_reply_since).where(Case.id.in_(ids))
    found = {row[0]: row[1] for row in session.execute(query)}
    assert [(case_id, found[case_id]) for case_id in ids] == kept


def test_a_decided_or_closed_case_no_longer_waits(session: Session) -> None:
    """The decision answers the resident: the inbox and My work stop listing the case,
    and a word from them afterwards (a thank you) does not put it back."""
    member = make_staff(session)
    case = make_case(session, case_type="complaint", state="in_progress")
    case.assignee_id, case.team_id = member.id, member.team_id
    messages.post_from_resident(session, case=case, party=case.applicant, body="Any news?")
    assert case.awaiting_reply_since is not None
    decide_case(session, case, outcome="upheld")
    assert case.state == "decided"
    assert case.awaiting_reply_since is None
    assert messages.inbox(session, staff=member).items == []
    assert messages.new_from_resident(session, staff=member) == []
    assert messages.unanswered_count(session, staff=member) == 0
    messages.post_from_resident(session, case=case, party=case.applicant, body="Thank you")
    assert case.awaiting_reply_since is None
    assert messages.inbox(session, staff=member).items == []
    cases.transition(session, case=case, name="close", actor=member)
    assert case.awaiting_reply_since is None


def test_the_migration_clears_the_wait_of_cases_already_decided(session: Session) -> None:
    decided = make_case(session, case_type="complaint", state="in_progress")
    working = make_case(session, case_type="complaint", state="in_progress")
    for case in (decided, working):
        messages.post_from_resident(session, case=case, party=case.applicant, body="Hello")
    decide_case(session, decided, outcome="upheld")
    # As a database from before the fix has it: the decided case still marked waiting.
    session.execute(update(Case).where(Case.id == decided.id).values(awaiting_reply_since=utcnow()))
    migration = _migration(MIGRATION_0018, "migration_0018")
    session.execute(text(migration.NO_LONGER_WAITING))
    session.expire_all()
    assert session.get_one(Case, decided.id).awaiting_reply_since is None
    assert session.get_one(Case, working.id).awaiting_reply_since is not None
