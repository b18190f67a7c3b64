"""The resident's side of the message centre: the conversation on each of their cases, a
reply with an optional file, and the unread count in the header once signed in.

Only the signed-in resident who filed the case sees its messages (a look-up by reference
and email proves knowing an address, not owning the mailbox); everyone else gets the same
404 as a case that does not exist. Showing the conversation marks the staff messages in it
read, as every mail client does: a read receipt, not anything the resident wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from portal.forms import MessageReplyForm
from portal.uploads import rejection_message, size_text, status_of
from shared import access
from shared.casetypes import case_type_definition
from shared.models import Case, Document, Message, Party
from shared.services import cases as case_service
from shared.services import documents, messages
from shared.storage import StorageUnavailable
from shared.uploads import filetypes
from shared.uploads.receiving import IncomingFile
from shared.web import db_session, services, unit_of_work

blueprint = Blueprint("messages", __name__)
log = logging.getLogger(__name__)

SENT = _l("Your message has been sent")
# Files on a case from messages, beyond what the case type allows with the form: a cap
# against a script filling the store, not a limit anyone writing replies would meet.
MESSAGE_FILES_PER_CASE = 50


def refusal_message(reason: str) -> str:
    if reason == "too_long":
        return _("Your message must be %(limit)s characters or fewer",
                 limit=format_decimal(messages.BODY_MAX_LENGTH))  # fmt: skip
    if reason == "case_closed":
        return _("This case is closed, so you cannot send a message about it")
    return _("Enter your message")


@dataclass(frozen=True)
class CaseMessages:
    """A case on the messages overview: how many of its staff messages are unread."""

    case: Case
    unread: int
    total: int


@blueprint.app_template_global()
def unread_messages(case: Case | None = None) -> int:
    """Staff messages the signed-in resident has not read: on all their cases (the count
    in the header), or on one. 0 when nobody is signed in."""
    party = g.get("party")
    if party is None:
        return 0
    if case is not None:
        return _summary(case).unread
    if "unread_messages" not in g:
        g.unread_messages = messages.unread_for_resident(db_session(), party=party)
    count: int = g.unread_messages
    return count


@blueprint.get("/messages")
def overview() -> str | Response:
    """Each of the resident's cases with its messages and how many are unread."""
    party = g.get("party")
    if party is None:
        return redirect(url_for("tracking.sign_in"))
    listed = [_summary(case) for case in access.cases_of(db_session(), party=party)]
    return render_template("portal/messages/overview.html", cases=listed)


def _summary(case: Case) -> CaseMessages:
    conversation = messages.resident_conversation(db_session(), case=case)
    unread = sum(1 for m in conversation if m.sender_staff_id is not None and m.read_at is None)
    return CaseMessages(case, unread, len(conversation))


@blueprint.route("/cases/<reference>/messages", methods=["GET", "POST"])
def conversation(reference: str) -> str | Response:
    found = _case_to_act_on(reference)
    party: Party = g.party
    form = MessageReplyForm()
    closed = found.state in case_service.ENDED
    if not closed and form.validate_on_submit():
        upload = request.files.get(form.attachment.name)
        if _send(found, party, form, upload if upload and upload.filename else None):
            flash(str(SENT), "success")
            return redirect(url_for(".conversation", reference=found.reference, _anchor="latest"))
    elif request.method == "GET":
        with unit_of_work() as db:
            messages.mark_read_by_resident(db, case=found)
        g.pop("unread_messages", None)  # the header counts what is now read
    return _render(found, form, closed=closed)


def _send(case: Case, party: Party, form: MessageReplyForm, upload: FileStorage | None) -> bool:
    """The message and its file in one transaction: a refused file means no message, and
    the text stays in the form to send again."""
    if upload is not None and not isinstance(upload.stream, IncomingFile):
        abort(400)  # every upload is received as one
    try:
        with unit_of_work() as db:
            message = messages.post_from_resident(db, case=case, party=party,
                                                  body=form.body.data or "")  # fmt: skip
            if upload is not None:
                document = documents.receive_upload(
                    db, services().storage, incoming=upload.stream,  # type: ignore[arg-type]
                    filename=upload.filename, rules=_rules(case), uploaded_by=party, case=case,
                )  # fmt: skip
                messages.attach(db, message=message, document=document)
    except messages.MessageRefused as refused:
        form.body.errors = [refusal_message(refused.reason)]
        return False
    except documents.UploadRejected as rejected:
        form.attachment.errors = [rejection_message(rejected)]
        return False
    except StorageUnavailable:
        log.exception("could not store a message's file")
        form.attachment.errors = [
            _("We could not save your file just now. Try again in a few minutes")
        ]
        return False
    return True


def _rules(case: Case) -> documents.UploadRules:
    case_type = case_type_definition(case.case_type.code)
    return documents.UploadRules(
        allowed=case_type.allowed_files,
        max_documents=case_type.max_documents + MESSAGE_FILES_PER_CASE,
        max_bytes=services().settings.max_upload_bytes,
    )


def _render(case: Case, form: MessageReplyForm, *, closed: bool) -> str:
    conversation = messages.resident_conversation(db_session(), case=case)
    files = _attachments(case, conversation)
    case_type = case_type_definition(case.case_type.code)
    return render_template(
        "portal/messages/conversation.html",
        case=case,
        form=form,
        closed=closed,
        conversation=[(m, files.get(m.id, [])) for m in conversation],
        staff_name=case.team.label(str(get_locale() or "en")) if case.team else _("Caseworker"),
        size_text=size_text,
        status_of=status_of,
        kinds=filetypes.labels(case_type.allowed_files),
        megabytes=services().settings.max_upload_bytes // (1024 * 1024),
        body_limit=format_decimal(messages.BODY_MAX_LENGTH),
    )


def _attachments(case: Case, conversation: list[Message]) -> dict[int, list[Document]]:
    shown = {m.id for m in conversation}
    found: dict[int, list[Document]] = {}
    for document in documents.current_documents(db_session(), case=case):
        if document.message_id in shown:
            found.setdefault(document.message_id, []).append(document)
    return found


def _case_to_act_on(reference: str) -> Case:
    try:
        return access.case_to_act_on(db_session(), reference=reference, party=g.get("party"))
    except access.NotFound:
        abort(404)
