"""The conversation on a case between the resident and the staff handling it.

One conversation per case, in the portal, the back office and by email. Internal notes
are not messages (they live in `shared.services.notes` as private history entries) and
nothing here reads or writes them.

Read state: the resident's read time is on each staff message (`Message.read_at`); staff
read state is per person (`MessageRead`). Marking a conversation read happens when it is
shown (as every mail client does): that records a read receipt, not anything the person
wrote, so it is allowed on a GET.

Notices: a staff message sends one NEW_MESSAGE notice to the applicant. A request for
information also moves the case through the workflow's `request_information`, which has
no notice of its own in the workflows, so the resident gets exactly one email per message.
The notice's context never carries the body (see templates/notices/new_message.html).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Exists,
    Row,
    ScalarSelect,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, joinedload

from shared import access
from shared.models import (
    Case,
    Document,
    Message,
    MessageChannel,
    MessageRead,
    MessageState,
    Party,
    StaffUser,
)
from shared.models.base import utcnow
from shared.models.case import FINISHED_STATES
from shared.notices.kinds import NoticeKind
from shared.services import audit, cases, notices
from shared.services.sla import sla_flag

BODY_MAX_LENGTH = 5000

# Control characters (tab and line breaks kept), lone surrogates, and characters that only
# change the direction of the text around them: none can be shown or stored safely.
_UNSHOWABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


class MessageRefused(Exception):
    """A message that cannot be written, or a held message that cannot be decided."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # empty, too_long, case_closed, stale (a held message already decided),
        # not_allowed (the workflow does not allow a request for information now)
        self.reason = reason


def clean_body(body: str) -> str:
    """The body as stored: line endings made \\n, unshowable characters taken out, outer
    blank space trimmed. Refused when nothing is left or when it is too long."""
    text = _UNSHOWABLE.sub("", body.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise MessageRefused("empty")
    if len(text) > BODY_MAX_LENGTH:
        raise MessageRefused("too_long")
    return text


def _lock_open_case(session: Session, case: Case) -> None:
    # Two messages written at once are ordered: the second waits for the first's commit.
    session.refresh(case, with_for_update=True)
    if case.state in cases.ENDED:
        raise MessageRefused("case_closed")


def awaiting_reply_since(case_id: ColumnElement[int] | int) -> ScalarSelect[datetime]:
    """When the resident began waiting for an answer on the case: the oldest of their
    delivered messages after staff last wrote; None when staff wrote last (or nobody)."""
    staff = aliased(Message)
    staff_last = (
        select(func.max(staff.id))
        .where(
            staff.case_id == case_id,
            staff.state == MessageState.DELIVERED,
            staff.sender_staff_id.is_not(None),
        )  # fmt: skip
        .scalar_subquery()
    )
    return (
        select(func.min(Message.sent_at))
        .where(
            Message.case_id == case_id,
            Message.state == MessageState.DELIVERED,
            Message.sender_staff_id.is_(None),
            Message.id > func.coalesce(staff_last, 0),
        )  # fmt: skip
        .scalar_subquery()
    )


def _note_waiting(session: Session, case: Case) -> None:
    """Keep Case.awaiting_reply_since true to the conversation after a message is
    delivered (a held reply accepted late may be older than staff's answer). A decided
    or closed case waits for nothing: what the resident writes then (a thank you, a
    question) is on its Messages, not in the inbox of open work."""
    session.flush()
    if case.state in FINISHED_STATES:
        case.awaiting_reply_since = None
    else:
        case.awaiting_reply_since = session.scalar(select(awaiting_reply_since(case.id)))
    session.flush()  # before a transition refreshes the case from the database


def post_from_staff(
    session: Session,
    *,
    case: Case,
    staff: StaffUser,
    body: str,
    request_for_information: bool = False,
) -> Message:
    """A member of staff writes to the resident: one NEW_MESSAGE notice to the applicant;
    with `request_for_information` the case also moves to awaiting information (the SLA
    clock stops), the body being the transition's reason."""
    text = clean_body(body)
    _lock_open_case(session, case)
    if request_for_information:
        try:
            cases.transition(session, case=case, name="request_information", actor=staff,
                             reason=text, with_message=True)  # fmt: skip
        except cases.TransitionRefused as refused:
            raise MessageRefused("not_allowed") from refused
    message = Message(case_id=case.id, sender_staff_id=staff.id, body=text,
                      is_request_for_information=request_for_information,
                      channel=MessageChannel.PORTAL, state=MessageState.DELIVERED,
                      sent_at=utcnow())  # fmt: skip
    session.add(message)
    _note_waiting(session, case)
    # The writer has read their own message.
    session.add(MessageRead(message_id=message.id, staff_user_id=staff.id))
    audit.record(session, actor=staff, action="message.sent", object_kind="case",
                 object_id=case.reference,
                 details={"message_id": message.id,
                          "request_for_information": request_for_information})  # fmt: skip
    if case.applicant is not None:
        notices.create_notice(
            session,
            kind=NoticeKind.NEW_MESSAGE,
            recipient=case.applicant,
            case=case,
            context={
                "recipient_name": case.applicant.display_name,
                "reference": case.reference,
                "message_id": message.id,
                "request_for_information": request_for_information,
            },
        )
    session.flush()
    return message


def _resident_replied(session: Session, *, case: Case, party: Party | None) -> None:
    """A delivered message from the resident answers a request for information: the case
    goes back to its caseworker and the SLA clock restarts."""
    if case.state != "awaiting_information":
        return
    actor = party if party is not None and "resident" in cases.roles_of(case, party) else None
    cases.transition(session, case=case, name="information_received", actor=actor)


def post_from_resident(session: Session, *, case: Case, party: Party, body: str) -> Message:
    """The resident writes in the portal."""
    text = clean_body(body)
    _lock_open_case(session, case)
    message = Message(case_id=case.id, sender_party_id=party.id, body=text,
                      channel=MessageChannel.PORTAL, state=MessageState.DELIVERED,
                      sent_at=utcnow())  # fmt: skip
    session.add(message)
    session.flush()
    _note_waiting(session, case)
    audit.record(session, actor=party, action="message.received", object_kind="case",
                 object_id=case.reference,
                 details={"message_id": message.id, "channel": "portal"})  # fmt: skip
    _resident_replied(session, case=case, party=party)
    session.flush()
    return message


def receive_email_reply(
    session: Session,
    *,
    case: Case,
    party: Party,
    from_address: str,
    body: str,
    email_message_id: str,
) -> Message:
    """A reply to a notice email. The same email delivered twice is one message. From
    another address than the resident's it is held for staff to accept or reject."""
    _lock_open_case(session, case)
    earlier = session.scalar(select(Message).where(Message.email_message_id == email_message_id))
    if earlier is not None:
        return earlier
    text = clean_body(body)
    sender = from_address.strip()
    own = bool(party.email) and sender.lower() == (party.email or "").strip().lower()
    message = Message(case_id=case.id, sender_party_id=party.id, body=text,
                      channel=MessageChannel.EMAIL,
                      state=MessageState.DELIVERED if own else MessageState.HELD,
                      from_address=sender[:254], email_message_id=email_message_id,
                      sent_at=utcnow())  # fmt: skip
    session.add(message)
    session.flush()
    audit.record(session, actor=party if own else None, action="message.received",
                 object_kind="case", object_id=case.reference,
                 details={"message_id": message.id, "channel": "email",
                          "held": not own})  # fmt: skip
    if own:
        _note_waiting(session, case)
        _resident_replied(session, case=case, party=party)
    session.flush()
    return message


def _decide(session: Session, *, message: Message, staff: StaffUser, to: MessageState) -> Case:
    case = session.get_one(Case, message.case_id)
    session.refresh(case, with_for_update=True)
    session.refresh(message)
    if message.state is not MessageState.HELD:
        raise MessageRefused("stale")
    message.state = to
    message.decided_by_staff_id = staff.id
    message.decided_at = utcnow()
    action = "message.accepted" if to is MessageState.DELIVERED else "message.rejected"
    audit.record(session, actor=staff, action=action, object_kind="case",
                 object_id=case.reference, details={"message_id": message.id})  # fmt: skip
    return case


def accept_held(session: Session, *, message: Message, staff: StaffUser) -> None:
    """A held emailed reply goes onto the conversation, as the resident's reply."""
    case = _decide(session, message=message, staff=staff, to=MessageState.DELIVERED)
    _note_waiting(session, case)
    if case.state not in cases.ENDED:
        sender = session.get(Party, message.sender_party_id) if message.sender_party_id else None
        _resident_replied(session, case=case, party=sender)
    session.flush()


def reject_held(session: Session, *, message: Message, staff: StaffUser) -> None:
    _decide(session, message=message, staff=staff, to=MessageState.REJECTED)
    session.flush()


def _ordered(case: Case) -> Select[Message]:
    return select(Message).where(Message.case_id == case.id).order_by(Message.sent_at, Message.id)


def resident_conversation(session: Session, *, case: Case) -> list[Message]:
    """What the resident sees: delivered messages, oldest first."""
    query = _ordered(case).where(Message.state == MessageState.DELIVERED)
    return list(session.scalars(query))


def staff_conversation(session: Session, *, case: Case) -> list[Message]:
    """Everything on the case, held and rejected emails included, oldest first."""
    return list(session.scalars(_ordered(case)))


def mark_read_by_resident(session: Session, *, case: Case) -> None:
    session.execute(
        update(Message)
        .where(
            Message.case_id == case.id,
            Message.sender_staff_id.is_not(None),
            Message.state == MessageState.DELIVERED,
            Message.read_at.is_(None),
        )  # fmt: skip
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _read_by(staff_id: int) -> Exists:
    return exists().where(MessageRead.message_id == Message.id,
                          MessageRead.staff_user_id == staff_id)  # fmt: skip


def mark_read_by_staff(session: Session, *, case: Case, staff: StaffUser) -> None:
    unread = session.scalars(
        select(Message.id).where(Message.case_id == case.id, ~_read_by(staff.id))
    ).all()
    if not unread:
        return
    now = utcnow()
    rows = [{"message_id": m, "staff_user_id": staff.id, "read_at": now} for m in unread]
    # Two tabs opening the page at once both try to write the same rows: the second's
    # are skipped rather than failing on the primary key.
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(MessageRead).values(rows).on_conflict_do_nothing())


def unread_for_resident(session: Session, *, party: Party) -> int:
    """Staff messages the resident has not read, on all their cases (as in the portal's
    list of cases: their own, and those under their verified email)."""
    mine: ColumnElement[bool] = Party.id == party.id
    if party.is_email_verified and party.email:
        mine = or_(mine, Party.email == party.email)
    query = (
        select(func.count(Message.id))
        .join(Case, Case.id == Message.case_id)
        .join(Party, Case.applicant_id == Party.id)
        .where(
            mine,
            Message.sender_staff_id.is_not(None),
            Message.state == MessageState.DELIVERED,
            Message.read_at.is_(None),
        )  # fmt: skip
    )
    return session.scalar(query) or 0


def unread_for_staff(session: Session, *, case: Case, staff: StaffUser) -> int:
    """The resident's messages (held ones included: they wait for a decision) this person
    has not read."""
    query = select(func.count(Message.id)).where(
        Message.case_id == case.id,
        Message.sender_staff_id.is_(None),
        Message.state.in_((MessageState.DELIVERED, MessageState.HELD)),
        ~_read_by(staff.id),
    )
    return session.scalar(query) or 0


def attach(session: Session, *, message: Message, document: Document) -> None:
    """Link a document (from the documents pipeline, on the same case) to a message."""
    if document.case_id is not None and document.case_id != message.case_id:
        raise ValueError("the document is on another case")
    document.message_id = message.id
    if document.case_id is None:
        document.case_id = message.case_id
    session.flush()


def message_on_case(session: Session, *, case: Case, message_id: int) -> Message | None:
    """A message of this case (the caller has checked the person may see the case); a
    message of another case is None, as if it did not exist."""
    message = session.get(Message, message_id)
    return message if message is not None and message.case_id == case.id else None


# The staff inbox and "My work": cases whose latest delivered message is the resident's,
# that nobody has answered yet. Messages are compared by id, the order they arrived in.
INBOX_PAGE_SIZE = 25
HELD_SHOWN = 50
NEW_MESSAGES_SHOWN = 50


@dataclass(frozen=True)
class WaitingMessage:
    message: Message
    case: Case
    sla: str | None  # shared.services.sla.sla_flag
    unread: bool  # by the person looking


@dataclass(frozen=True)
class InboxPage:
    items: list[WaitingMessage]
    next: int | None  # the last message id shown, when there are more after it
    previous: int | None  # the first message id shown, when there are more before it


@cache  # the same condition every time: made once (aliasing is costly to build)
def _latest_is_residents() -> ColumnElement[bool]:
    later = aliased(Message)
    return and_(
        # The case's own mark first: the planner reads the few waiting cases off their
        # partial index, then their latest message, instead of every conversation.
        Case.awaiting_reply_since.is_not(None),
        Message.state == MessageState.DELIVERED,
        Message.sender_staff_id.is_(None),
        ~exists().where(
            later.case_id == Message.case_id,
            later.state == MessageState.DELIVERED,
            later.id > Message.id,
        ),
    )


def _unanswered(staff: StaffUser) -> Select[Message, Case, bool]:
    return (
        select(Message, Case, _read_by(staff.id))
        .join(Case, Case.id == Message.case_id)
        .where(
            _latest_is_residents(), Case.state.not_in(cases.ENDED), access.cases_visible_to(staff)
        )  # fmt: skip
        .options(joinedload(Case.case_type))
    )


def _waiting(rows: Iterable[Row[Message, Case, bool]], now: datetime) -> list[WaitingMessage]:
    return [
        WaitingMessage(message, case, sla_flag(case, now), not read) for message, case, read in rows
    ]


def inbox(
    session: Session,
    *,
    staff: StaffUser,
    after: int | None = None,
    before: int | None = None,
    limit: int = INBOX_PAGE_SIZE,
    now: datetime | None = None,
) -> InboxPage:
    """Cases this person may see waiting for an answer to the resident, the longest
    waiting first, a page at a time by keyset on the message id (after `after`, before
    `before`, else the first page)."""
    now = now or utcnow()
    rows: list[Row[Message, Case, bool]] = []
    has_previous = has_next = False
    if before is not None and after is None:
        query = _unanswered(staff).where(Message.id < before).order_by(Message.id.desc())
        found = list(session.execute(query.limit(limit + 1)))
        if len(found) > limit:
            rows, has_previous, has_next = list(reversed(found[:limit])), True, True
    elif after is not None:
        query = _unanswered(staff).where(Message.id > after).order_by(Message.id)
        found = list(session.execute(query.limit(limit + 1)))
        rows, has_previous, has_next = found[:limit], True, len(found) > limit
    if not rows:  # the first page: asked for, back at the start, or past the end now
        found = list(session.execute(_unanswered(staff).order_by(Message.id).limit(limit + 1)))
        rows, has_previous, has_next = found[:limit], False, len(found) > limit
    items = _waiting(rows, now)
    return InboxPage(
        items=items,
        next=items[-1].message.id if items and has_next else None,
        previous=items[0].message.id if items and has_previous else None,
    )


def unanswered_count(session: Session, *, staff: StaffUser) -> int:
    query = (
        select(func.count(Message.id))
        .join(Case, Case.id == Message.case_id)
        .where(
            _latest_is_residents(), Case.state.not_in(cases.ENDED), access.cases_visible_to(staff)
        )  # fmt: skip
    )
    return session.scalar(query) or 0


def held_waiting(
    session: Session, *, staff: StaffUser, limit: int = HELD_SHOWN, now: datetime | None = None
) -> list[WaitingMessage]:
    """Emailed replies from another address than the resident's, waiting for someone to
    accept or reject them, oldest first, on cases this person may see."""
    query = _messages_waiting(staff, Message.state == MessageState.HELD).limit(limit)
    return _waiting(session.execute(query), now or utcnow())


def new_from_resident(
    session: Session,
    *,
    staff: StaffUser,
    limit: int = NEW_MESSAGES_SHOWN,
    now: datetime | None = None,
) -> list[WaitingMessage]:
    """For "My work": the person's own open cases whose latest message is the resident's
    and which they have not read yet, longest waiting first."""
    query = _messages_waiting(
        staff, _latest_is_residents(), ~_read_by(staff.id), Case.assignee_id == staff.id
    ).limit(limit)
    return _waiting(session.execute(query), now or utcnow())


def _messages_waiting(
    staff: StaffUser, *conditions: ColumnElement[bool]
) -> Select[Message, Case, bool]:
    """Messages on open cases this person may see, oldest first, each with its case and
    whether this person has read it."""
    return (
        select(Message, Case, _read_by(staff.id))
        .join(Case, Case.id == Message.case_id)
        .where(*conditions, Case.state.not_in(cases.ENDED), access.cases_visible_to(staff))
        .options(joinedload(Case.case_type))
        .order_by(Message.id)
    )


def unread_ids_for_staff(session: Session, *, case: Case, staff: StaffUser) -> set[int]:
    """The messages of the case this person has not seen yet (their own are read)."""
    query = select(Message.id).where(Message.case_id == case.id, ~_read_by(staff.id))
    return set(session.scalars(query))
