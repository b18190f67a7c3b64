"""Following a case: by reference number and email without an account, or signed in
with a one-time link to see every case the person filed."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.due_date import due_date_explanation
from portal.forms import ConfirmSignInForm, SignInForm, TrackForm, WithdrawForm
from portal.limits import (
    PER_ADDRESS_SIGN_IN,
    PER_CLIENT_LOOKUP,
    PER_CLIENT_SIGN_IN,
    email_in_form,
    limiter,
)
from portal.uploads import size_text, status_of
from shared import access
from shared.casetypes import case_type_definition
from shared.casetypes.answers import AnswerRow
from shared.casetypes.forms import form_for
from shared.models import Case, Document
from shared.references import normalise_reference
from shared.services import cases as case_service
from shared.services import decisions, documents, filing, signin
from shared.web import db_session, redirects, services, unit_of_work
from shared.web.answers import read_back
from shared.web.links import absolute_url
from shared.web.pdf import pdf_from_html

blueprint = Blueprint("tracking", __name__)
WITHDRAWN = _l("You have withdrawn your request. We have told the team handling it.")


@blueprint.route("/track", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT_LOOKUP, methods=["POST"])
def track() -> str | Response:
    form = TrackForm()
    if form.validate_on_submit():
        try:
            case = access.case_by_reference_and_email(
                db_session(), reference=form.reference.data or "", email=form.email.data or ""
            )
        except access.NotFound:
            form.reference.errors = [str(TrackForm.NOT_FOUND)]
        else:
            session["looked_up"] = sorted({*session.get("looked_up", []), case.id})
            return redirect(url_for(".case", reference=case.reference))
    return render_template("portal/tracking/track.html", form=form)


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT_SIGN_IN, methods=["POST"])
@limiter.limit(PER_ADDRESS_SIGN_IN, methods=["POST"], key_func=email_in_form)
def sign_in() -> str | Response:
    form = SignInForm()
    if form.validate_on_submit():
        with unit_of_work() as db:
            signin.request_link(
                db, email=form.email.data or "", secret_key=services().settings.secret_key,
                link_for=lambda token: absolute_url(".signed_in", token=token),
            )  # fmt: skip
        return render_template("portal/tracking/check_email.html", email=form.email.data)
    return render_template("portal/tracking/sign_in.html", form=form)


@blueprint.route("/sign-in/<token>", methods=["GET", "POST"])
def signed_in(token: str) -> str | Response:
    secret_key = services().settings.secret_key
    form = ConfirmSignInForm()
    if not form.validate_on_submit():  # opening the link: a page with one button
        try:
            signin.check_link(db_session(), token=token, secret_key=secret_key)
        except signin.SignInProblem as problem:
            return render_template("portal/tracking/link_problem.html", reason=problem.reason), 400  # type: ignore[return-value]
        return render_template("portal/tracking/confirm_sign_in.html", form=form)
    try:
        with unit_of_work() as db:
            party = signin.redeem(db, token=token, secret_key=secret_key)
            party_id, version = party.id, party.session_version
    except signin.SignInProblem as problem:
        return render_template("portal/tracking/link_problem.html", reason=problem.reason), 400  # type: ignore[return-value]
    locale = session.get("locale")
    going_to = redirects.safe_return_path(session.get("after_sign_in"), url_for(".cases"))
    session.clear()  # a new session for the signed-in person (no fixation)
    session["party_id"] = party_id
    session["session_version"] = version
    if locale:
        session["locale"] = locale
    return redirect(going_to)


@blueprint.post("/sign-out")
def sign_out() -> Response:
    if g.get("party") is not None:
        with unit_of_work() as db:
            signin.sign_out(db, party=g.party)
    session.clear()
    return redirect(url_for("home.index"))


@blueprint.get("/cases")
def cases() -> str | Response:
    if g.get("party") is None:
        return redirect(url_for(".sign_in"))
    found = access.cases_of(db_session(), party=g.party)
    return render_template("portal/tracking/cases.html", cases=found)


@blueprint.get("/cases/<reference>")
def case(reference: str) -> str | Response:
    if g.get("party") is None and not session.get("looked_up"):
        # The link in an email: sign in first, then straight back here. Asked of every
        # reference alike, so it says nothing about which exist.
        canonical = normalise_reference(reference)
        if canonical is not None:  # only a well-formed reference is worth coming back to
            session["after_sign_in"] = url_for(".case", reference=canonical)
        return redirect(url_for(".sign_in"))
    found = _case_to_see(reference)
    may_act = access.may_act_on(found, g.get("party"))
    documents = _resident_documents(found)
    decision = decisions.latest_decision(db_session(), found)
    return render_template(
        "portal/tracking/case.html",
        case=found,
        timeline=access.public_timeline(db_session(), case=found),
        may_act=may_act,
        can_withdraw=case_service.may_withdraw(found, found.applicant),
        appeal=decisions.appeal_window(found, decision) if decision else None,
        # A look-up proves knowing an email address, not owning its mailbox: what the
        # resident told us (and the decision about them) shows once they have signed in.
        answers=_answers(found, documents) if may_act else None,
        decision=decisions.published_decision(db_session(), found) if may_act else None,
        case_type=case_type_definition(found.case_type.code),
        documents=[(document, status_of(document)) for document in documents],
        size_text=size_text,
        due_date_explanation=due_date_explanation(found),
    )


@blueprint.get("/cases/<reference>/copy.pdf")
def copy(reference: str) -> Response:
    """What the resident sent (and the decision, once made) as an accessible PDF."""
    found = _case_to_act_on(reference)
    documents = _resident_documents(found)
    html = render_template(
        "portal/tracking/copy.html",
        case=found,
        answers=_answers(found, documents),
        decision=decisions.published_decision(db_session(), found),
        case_type=case_type_definition(found.case_type.code),
    )
    response = make_response(pdf_from_html(html))
    response.content_type = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="case-{found.reference}.pdf"'
    return response


def _resident_documents(case: Case) -> list[Document]:
    return [
        document
        for document in documents.current_documents(db_session(), case=case)
        # Files sent with messages are listed with their message, not here.
        if document.uploaded_by_staff_id is None and document.message_id is None
    ]


def _answers(case: Case, files: list[Document]) -> list[AnswerRow]:
    return read_back(form_for(case.case_type.code), case.answers, files)


@blueprint.post("/cases/<reference>/appeal")
def appeal(reference: str) -> str | Response:
    """Start an appeal against the case's decision, inside the case type's window."""
    found = _case_to_act_on(reference)
    decision = decisions.latest_decision(db_session(), found)
    if decision is None:
        abort(404)
    window = decisions.appeal_window(found, decision)
    if not window.is_open:
        return render_template("portal/tracking/appeal_closed.html", case=found, window=window)
    with unit_of_work() as db:
        draft = filing.start_appeal(db, case=found, definition=form_for("appeal"),
                                    locale=str(get_locale() or "en"))  # fmt: skip
    session["drafts"] = {**session.get("drafts", {}), "appeal": draft.token}
    return redirect(url_for("filing.start", case_type="appeal"))


@blueprint.route("/cases/<reference>/withdraw", methods=["GET", "POST"])
def withdraw(reference: str) -> str | Response:
    found = _case_to_act_on(reference)
    if not case_service.may_withdraw(found, found.applicant):
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                case_service.withdraw(db, case=found, applicant=found.applicant,
                                      reason=form.reason.data or "")  # fmt: skip
        except case_service.TransitionRefused:
            # Sent twice at once, or the case moved on meanwhile: the page now says where
            # it stands, and nothing was written twice.
            return redirect(url_for(".case", reference=found.reference))
        flash(str(WITHDRAWN), "success")
        return redirect(url_for(".case", reference=found.reference))
    return render_template("portal/tracking/withdraw.html", case=found, form=form)


def _case_to_see(reference: str) -> Case:
    try:
        return access.case_for_citizen(
            db_session(), reference=reference, party=g.get("party"),
            looked_up_case_ids=session.get("looked_up", []),
        )  # fmt: skip
    except access.NotFound:
        abort(404)


def _case_to_act_on(reference: str) -> Case:
    try:
        return access.case_to_act_on(db_session(), reference=reference, party=g.get("party"))
    except access.NotFound:
        abort(404)
