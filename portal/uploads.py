"""The upload question: its form, the words for files we refuse, and what each upload's
state is called on the page (the same words the live status shows)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField

from shared.casetypes.forms import FormDefinition, Page
from shared.models import Document, ScanState
from shared.services.documents import MAX_SCAN_ATTEMPTS, UploadRejected
from shared.web import widgets


class UploadQuestion(FlaskForm):
    form_version = HiddenField()


def upload_form(definition: FormDefinition, page: Page, locale: str) -> type[UploadQuestion]:
    question = page.fields[0]
    field = FileField(
        definition.text(f"{question.name}.label", locale),
        description=definition.text(f"{question.name}.hint", locale) or None,
        widget=widgets.FileInput(),
    )
    return type(f"Upload_{question.name}", (UploadQuestion,), {question.name: field})


def rejection_message(rejected: UploadRejected) -> str:
    details = rejected.details
    if rejected.reason == "empty":
        return _("The selected file is empty")
    if rejected.reason == "too_large":
        return _("The selected file must be smaller than %(megabytes)d MB", **details)
    if rejected.reason == "wrong_type":
        return _("The selected file must be one of these types: %(kinds)s", **details)
    if rejected.reason == "type_mismatch":
        return _(
            "The selected file is a %(kind)s file, but its name ends in .%(extension)s. "
            "Rename it or choose another file",
            **details,
        )
    if rejected.reason == "too_many_here":
        return ngettext(
            "You can upload %(num)d file for this question. Remove one to upload another",
            "You can upload up to %(num)d files for this question. Remove one to upload another",
            details["limit"],
        )
    return ngettext(
        "You can send %(num)d file with one request",
        "You can send up to %(num)d files with one request",
        details["limit"],
    )


@dataclass(frozen=True)
class UploadStatus:
    code: str  # checking | ready | not_accepted
    label: str
    reason: str | None
    tag_classes: str


def status_of(document: Document) -> UploadStatus:
    state = document.scan_state
    if state is ScanState.CLEAN:
        return UploadStatus("ready", _("Ready"), None, "govuk-tag--green")
    if state is ScanState.INFECTED:
        reason = (
            _("It did not pass our virus check. Remove it and send a new copy.")
            if document.case_id is None
            else _("It did not pass our virus check. Nobody has opened it.")
        )
        return UploadStatus("not_accepted", _("We could not accept this file"), reason,
                            "govuk-tag--red")  # fmt: skip
    if state is ScanState.SCAN_FAILED and document.scan_attempts >= MAX_SCAN_ATTEMPTS:
        reason = _("We could not check it for viruses. Remove it and try another copy.")
        return UploadStatus("not_accepted", _("We could not accept this file"), reason,
                            "govuk-tag--red")  # fmt: skip
    return UploadStatus("checking", _("Checking for viruses"), None, "govuk-tag--blue")


def size_text(size_bytes: int) -> str:
    if size_bytes < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(1, round(size_bytes / 1024))))
    return _("%(size)s MB", size=format_decimal(round(size_bytes / (1024 * 1024), 1)))
