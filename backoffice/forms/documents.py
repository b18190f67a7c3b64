"""Adding a document to a case and changing how one is classified, and the words for a
file the upload pipeline refuses."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice

from backoffice.forms.fields import written_text
from shared.models import Classification
from shared.services.documents import UploadRejected
from shared.web.widgets import CheckboxesInput, FileInput, RadioInput

REASON_MAX_LENGTH = 1000

CLASSIFICATION_NAMES = {
    Classification.PUBLIC: _l("Public"),
    Classification.PERSONAL: _l("Personal"),
    Classification.SENSITIVE: _l("Sensitive"),
}
CLASSIFICATION_HINT = _l(
    "Public: it may be shared with anyone. Personal: it is about the resident. Sensitive: "
    "only the person assigned the case and supervisors may open it."
)
# shared.services.documents.PII_TAGS, in words; a test checks that the two agree.
PII_TAG_NAMES = {
    "name": _l("Name"),
    "address": _l("Address"),
    "date_of_birth": _l("Date of birth"),
    "contact_details": _l("Contact details"),
    "identity_document": _l("Identity document"),
    "financial": _l("Financial information"),
    "health": _l("Health information"),
    "criminal_record": _l("Criminal record"),
    "children": _l("Information about children"),
}
SELECT_CLASSIFICATION = _l("Select how the document is classified")


def _classification() -> RadioField:
    return RadioField(
        _l("Classification"),
        description=CLASSIFICATION_HINT,
        choices=[SelectChoice(c.value, name) for c, name in CLASSIFICATION_NAMES.items()],
        invalid_choice_message=SELECT_CLASSIFICATION,  # nothing chosen, or a made-up value
        widget=RadioInput(),
    )


class AddDocumentForm(FlaskForm):
    document = FileField(
        _l("Upload a file"), validators=[FileRequired(_l("Select a file"))], widget=FileInput()
    )
    classification = _classification()


class ClassificationForm(FlaskForm):
    classification = _classification()
    pii_tags = SelectMultipleField(
        _l("Personal data in it"),
        description=_l("Select all that apply."),
        choices=[SelectChoice(tag, name) for tag, name in PII_TAG_NAMES.items()],
        invalid_choice_message=_l("Select only the kinds of personal data listed"),
        widget=CheckboxesInput(),
    )
    reason = written_text(
        _l("Why are you changing it?"),
        hint=_l("This is kept in the audit trail with the change."),
        required=_l("Enter why you are changing the classification"),
        max_length=REASON_MAX_LENGTH,
    )


def refusal_message(refused: UploadRejected) -> str:
    """What the page says about a file the pipeline refused (GOV.UK file upload wording)."""
    details = refused.details
    if refused.reason == "empty":
        return _("The selected file is empty")
    if refused.reason == "too_large":
        return _("The selected file must be smaller than %(megabytes)d MB", **details)
    if refused.reason == "wrong_type":
        return _("The selected file must be one of these types: %(kinds)s", **details)
    if refused.reason == "type_mismatch":
        return _(
            "The selected file is a %(kind)s file, but its name ends in .%(extension)s. "
            "Rename it or choose another file",
            **details,
        )
    return ngettext(
        "This case has %(num)d document, the most it can hold",
        "This case has %(num)d documents, the most it can hold",
        details.get("limit", 0),
    )
