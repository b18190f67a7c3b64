"""The conversation with the resident on the case page: every message oldest first (held
emailed replies marked, with Accept and Reject for those who work cases), attachments
with their virus check, and the reply form with its reply-template picker.

Showing the conversation marks it read for the person looking, as a mail client does:
it records a read receipt, nothing anyone wrote (shared/services/messages.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import request
from flask_wtf import FlaskForm
from sqlalchemy import select

from backoffice.forms.messages import MessageForm
from backoffice.sections.workflow import status_text
from shared import access
from shared.i18n import DEFAULT_LOCALE
from shared.models import Case, Document, Message, Party, ScanState, StaffUser
from shared.permissions import Permission, may
from shared.services import cases, messages, reply_templates
from shared.web import db_session, unit_of_work


@dataclass(frozen=True)
class Attachment:
    document: Document
    may_download: bool


@dataclass(frozen=True)
class ShownMessage:
    message: Message
    from_staff: StaffUser | None
    from_party: Party | None
    attachments: list[Attachment]
    unread: bool


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    session = db_session()
    conversation = messages.staff_conversation(session, case=found)
    unread = messages.unread_ids_for_staff(session, case=found, staff=staff)
    attached: dict[int, list[Attachment]] = {}
    if conversation:
        query = select(Document).where(
            Document.message_id.in_([m.id for m in conversation]), Document.removed_at.is_(None)
        )
        for document in session.scalars(query.order_by(Document.id)):
            may_download = document.scan_state is ScanState.CLEAN and access.may_open_document(
                staff, found, document
            )
            attached.setdefault(document.message_id or 0, []).append(
                Attachment(document, may_download)
            )
    shown = [
        ShownMessage(
            message=message,
            from_staff=session.get(StaffUser, message.sender_staff_id)
            if message.sender_staff_id
            else None,
            from_party=session.get(Party, message.sender_party_id)
            if message.sender_party_id
            else None,
            attachments=attached.get(message.id, []),
            unread=message.id in unread,
        )
        for message in conversation
    ]
    may_write = may(staff, Permission.WORK_CASES) and found.state not in cases.ENDED
    # Asking for information is this form's request (the workflow's transition is taken
    # only with a message): the case page's "Ask the resident for information" comes here
    # with ?request=information, the request ticked.
    asking = next((t for t in cases.open_transitions(found, staff)
                   if t.name == "request_information"), None) if may_write else None  # fmt: skip
    message_form: FlaskForm | None = None
    template_choices: list[tuple[str, str]] = []
    chosen_template = ""
    if may_write:
        locale = found.applicant.preferred_locale or DEFAULT_LOCALE
        offered = reply_templates.templates_in(session, locale=locale)
        template_choices = [(template.code, template.title) for template in offered]
        message_form = forms.get("message")
        if message_form is None:
            chosen = next(
                (t for t in offered if t.code == request.args.get("reply_template")), None
            )
            body = ""
            if chosen is not None:
                chosen_template = chosen.code
                body = reply_templates.fill(chosen, case=found, locale=locale)
            message_form = MessageForm(formdata=None, data={
                "body": body,
                "request_for_information": asking is not None
                and request.args.get("request") == "information",
            })  # fmt: skip
    if unread:
        with unit_of_work() as db:
            messages.mark_read_by_staff(db, case=found, staff=staff)
    return {
        "conversation": shown,
        "message_form": message_form,
        "may_decide_held": may(staff, Permission.WORK_CASES),
        "may_request_information": asking is not None,
        "requested_status": status_text(found, asking.to) if asking else "",
        "reply_template_choices": template_choices,
        "chosen_reply_template": chosen_template,
        "page_forms": [message_form] if message_form else [],
    }
