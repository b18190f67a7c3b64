"""Assisted intake: an intake clerk records a case that came in by phone, post or in
person, on the resident's behalf: what the case is and how it came in, the answers,
check them, and the reference number to give the resident.

The answers are one long page rather than the portal's one question per page: a clerk
on the phone types while the resident talks, in the order the resident tells it, and
moves about the form with the keyboard and their eyes; a page load per question would
make the caller wait. The record lives on a draft named in the address (so a colleague
can finish it, and two people sending it at once make one case).

A colleague who did not record the answers sees the sensitive ones their roles may not
see masked (shared/services/masking.py): on the check page a placeholder, on the form
empty boxes, to ask the resident again. Who recorded them is kept in the browser
session, so this needs nothing stored.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, declared_permission, requires
from backoffice.forms.intake import (
    CHANNEL_NAMES,
    StartRecordingForm,
    answers_form,
    first_box,
    language_name,
    prefilled,
)
from shared import access
from shared.casetypes import case_type_definition
from shared.casetypes.forms import FormDefinition, form_for
from shared.models import CaseChannel, Draft
from shared.permissions import Permission, may
from shared.services import filing, intake, masking
from shared.services.casetypes import case_type_for
from shared.web import db_session, unit_of_work
from shared.web.answers import read_back

blueprint = Blueprint("intake", __name__, url_prefix="/intake")

PAGE_CHANGED = _l(
    "The form has changed since this page was opened. Check the answers and continue."
)
FORM_CHANGED = _l(
    "The form has changed since these answers were recorded. Check them, then send them again."
)
# Where staff add a document to a case (backoffice/views/documents.py): the confirmation
# says that files sent by post go there, while the back office has that page.
ADD_DOCUMENT_PAGE = "/cases/<reference>/documents/new"
# The records this browser session started or recorded answers on (their tokens), the
# newest last: its own, shown whole. A clerk has a handful open in a day at most.
RECORDED_HERE = "intake_recorded"
RECORDED_KEPT = 20


def _locale() -> str:
    return str(get_locale() or "en")


def _recording(token: str, *, lock: bool = False) -> Draft:
    try:
        return access.recording_for_staff(db_session(), token=token, staff=acting_staff(),
                                          lock=lock)  # fmt: skip
    except access.NotFound:
        abort(404)


@blueprint.route("/", methods=["GET", "POST"])
@requires(Permission.RECORD_CASES)
def start() -> str | Response:
    form = StartRecordingForm()
    form.case_type.choices = [
        (code, case_type_definition(code).label(_locale()))
        for code in intake.recordable_case_types()
    ]
    if form.validate_on_submit():
        with unit_of_work() as db:
            draft = intake.start_recording(db, case_type=form.case_type.data,
                                           channel=CaseChannel(form.channel.data),
                                           clerk=acting_staff())  # fmt: skip
            token = draft.token
        _recorded_here(token)
        return redirect(url_for(".answers", token=token))
    return render_template("backoffice/intake/start.html", form=form)


@blueprint.route("/<token>", methods=["GET", "POST"])
@requires(Permission.RECORD_CASES)
def answers(token: str) -> str | Response:
    draft = _recording(token)
    if draft.submitted_case_id is not None:  # sent: Back shows no personal details again
        return redirect(url_for(".done", token=token))
    definition = form_for(draft.case_type_code)
    form_class = answers_form(definition, _locale())
    hidden = _hidden(token, definition)
    shown = {name: value for name, value in draft.answers.items() if name not in hidden}
    form = form_class(data=prefilled(form_class, shown, draft.locale), clerk_locale=_locale())
    if form.validate_on_submit():
        if form.form_version.data != definition.version:
            flash(str(PAGE_CHANGED), "info")
        else:
            with unit_of_work() as db:
                intake.record_answers(
                    db, draft=draft, definition=definition, answers=form.answers(),
                    resident_locale=form.language.data,
                )  # fmt: skip
            _recorded_here(token)
            return redirect(url_for(".check", token=token))
    form.form_version.data = definition.version
    return render_template(
        "backoffice/intake/answers.html",
        draft=draft,
        definition=definition,
        form=form,
        resident_pages=intake.resident_pages(definition),
        case_pages=intake.case_pages(definition),
        file_questions=intake.file_questions(definition),
        hidden_questions=[
            definition.text(f"{name}.label", _locale())
            for name in hidden
            if draft.answers.get(name) not in (None, "", [], {})
        ],
        **_about(draft),
    )


@blueprint.route("/<token>/check", methods=["GET", "POST"])
@requires(Permission.RECORD_CASES)
def check(token: str) -> str | Response:
    if request.method == "POST":
        return _send(token)
    draft = _recording(token)
    if draft.submitted_case_id is not None:
        return redirect(url_for(".done", token=token))
    definition = form_for(draft.case_type_code)
    if not draft.answers or intake.missing_answer(definition, draft.answers) is not None:
        return redirect(url_for(".answers", token=token))
    files = {question.name for question in intake.file_questions(definition)}
    return render_template(
        "backoffice/intake/check.html",
        draft=draft,
        definition=definition,
        answers=masking.masked_rows(
            [row for row in read_back(definition, draft.answers, []) if row.question not in files],
            _hidden(token, definition),
        ),
        anchors={q.name: first_box(q) for page in definition.pages for q in page.fields},
        address_asked_here="address" not in {f.name for p in definition.pages for f in p.fields},
        language=language_name(draft.locale, _locale()),
        **_about(draft),
    )


def _send(token: str) -> Response:
    with unit_of_work() as db:
        draft = _recording(token, lock=True)
        definition = form_for(draft.case_type_code)
        try:
            intake.record_case(db, draft=draft, definition=definition,
                               case_type=case_type_for(db, draft.case_type_code),
                               clerk=acting_staff())  # fmt: skip
        except filing.FormChanged:
            flash(str(FORM_CHANGED), "info")
            return redirect(url_for(".answers", token=token))
        except intake.Incomplete:
            return redirect(url_for(".answers", token=token))
    return redirect(url_for(".done", token=token))


@blueprint.get("/<token>/done")
@requires(Permission.RECORD_CASES)
def done(token: str) -> str | Response:
    draft = _recording(token)
    recorded = filing.submitted_case(db_session(), draft)
    if recorded is None:
        return redirect(url_for(".check", token=token))
    try:
        case = access.case_for_staff(
            db_session(), reference=recorded.reference, staff=acting_staff()
        )
    except access.NotFound:
        abort(404)
    return render_template(
        "backoffice/intake/done.html",
        case=case,
        email=draft.answers.get("email") or "",
        **_adding_documents(case.reference, draft.channel),
        **_about(draft),
    )


def _recorded_here(token: str) -> None:
    recorded = [t for t in browser_session.get(RECORDED_HERE, []) if t != token]
    browser_session[RECORDED_HERE] = [*recorded, token][-RECORDED_KEPT:]


def _hidden(token: str, definition: FormDefinition) -> dict[str, str]:
    """The sensitive answers masked for this person: none on a record they recorded."""
    if token in browser_session.get(RECORDED_HERE, []):
        return {}
    return masking.hidden_before_case(acting_staff(), definition)


def _about(draft: Draft) -> dict[str, object]:
    """What every page of the record says of it: the case type and how it came in."""
    return {
        "case_type_label": case_type_definition(draft.case_type_code).label(_locale()),
        "channel_name": CHANNEL_NAMES[draft.channel],
        "token": draft.token,
    }


def _adding_documents(reference: str, channel: CaseChannel) -> dict[str, object]:
    """Whether papers they gave us (by post, in person) can be added to the case as
    documents, and the link to do it if this clerk may."""
    if channel is CaseChannel.PHONE:
        return {"documents_later": False, "add_documents_url": None}
    for rule in current_app.url_map.iter_rules():
        if rule.rule == ADD_DOCUMENT_PAGE and "GET" in (rule.methods or set()):
            needed = declared_permission(current_app, rule.endpoint)
            allowed = not isinstance(needed, Permission) or may(acting_staff(), needed)
            link = url_for(rule.endpoint, reference=reference) if allowed else None
            return {"documents_later": True, "add_documents_url": link}
    return {"documents_later": False, "add_documents_url": None}
