"""Filing a case: start page, one question per page, check your answers, confirmation.

The questions come from the case type's form definition; answers are kept on a draft
(its token in the session), so they survive errors, the back button and page reloads.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.forms import SaveForm
from portal.limits import PER_ADDRESS_FILING, PER_CLIENT_FILING, limiter
from portal.views import uploads
from shared.casetypes import load_case_types
from shared.casetypes.forms import FormDefinition, Page, form_case_types, form_for
from shared.models import Draft
from shared.services import documents, filing
from shared.services.casetypes import case_type_for
from shared.web import db_session, services, unit_of_work
from shared.web.answers import read_back
from shared.web.links import absolute_url
from shared.web.questions import answers_from, form_data_from, page_form

blueprint = Blueprint("filing", __name__, url_prefix="/file")
FORM_CHANGED = _l(
    "This form has changed since you started. Check your answers, then send them again."
)
APPEAL_CLOSED = _l("The time to appeal this decision has ended, so we could not send your appeal.")
PAGE_CHANGED = _l(
    "This form has changed since you opened this page. Check your answer and continue."
)


# Appeals start from the decided case they challenge, never from a start page.
STARTED_FROM_A_CASE = frozenset({"appeal"})


def _definition(case_type: str, *, starting: bool = False) -> FormDefinition:
    if case_type not in form_case_types() or (starting and case_type in STARTED_FROM_A_CASE):
        abort(404)
    return form_for(case_type)


def _locale() -> str:
    return str(get_locale() or "en")


def _draft(definition: FormDefinition) -> Draft | None:
    token = session.get("drafts", {}).get(definition.case_type)
    return filing.find_draft(db_session(), token)


@blueprint.get("/<case_type>/start")
def start(case_type: str) -> str:
    if case_type in STARTED_FROM_A_CASE:
        # Reached from the decided case, which has already started the draft.
        definition = _definition(case_type)
        if _draft(definition) is None:
            abort(404)
        first = url_for(".question", case_type=case_type, slug=definition.pages[0].slug)
        return render_template("portal/filing/start.html", definition=definition,
                               locale=_locale(), continue_url=first)  # fmt: skip
    definition = _definition(case_type, starting=True)
    return render_template("portal/filing/start.html", definition=definition, locale=_locale())


@blueprint.post("/<case_type>/start")
@limiter.limit(PER_CLIENT_FILING)
def begin(case_type: str) -> Response:
    definition = _definition(case_type, starting=True)
    with unit_of_work() as db:
        draft = filing.start_draft(db, definition=definition, locale=_locale())
    session["drafts"] = {**session.get("drafts", {}), case_type: draft.token}
    return redirect(url_for(".question", case_type=case_type, slug=definition.pages[0].slug))


def _draft_address() -> str:
    """Limits on sending per email address, whichever browser or network sends them."""
    case_type = (request.view_args or {}).get("case_type", "")
    draft = filing.find_draft(db_session(), session.get("drafts", {}).get(case_type))
    email = (draft.answers.get("email") or "") if draft else ""
    return "filing-address:" + str(email).strip().lower()


@blueprint.route("/<case_type>/check", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT_FILING, methods=["POST"])
@limiter.limit(PER_ADDRESS_FILING, methods=["POST"], key_func=_draft_address)
def check(case_type: str) -> str | Response:
    definition = _definition(case_type)
    draft = _draft(definition)
    if draft is None:
        return redirect(url_for(".start", case_type=case_type))
    if draft.submitted_case_id is not None and request.method == "GET":
        # Sent: the browser's Back must not show every answer again on a shared computer.
        return redirect(url_for(".done", case_type=case_type))
    missing = definition.unanswered(draft.answers)
    if missing is not None and draft.submitted_case_id is None:
        return redirect(url_for(".question", case_type=case_type, slug=missing.slug))
    if request.method == "POST":
        return _submit(definition, draft)
    return render_template(
        "portal/filing/check.html",
        definition=definition,
        answers=read_back(definition, draft.answers,
                          documents.current_documents(db_session(), draft=draft)),
        locale=_locale(),
    )  # fmt: skip


def _submit(definition: FormDefinition, draft: Draft) -> Response:
    with unit_of_work() as db:
        locked = filing.find_draft(db, draft.token, lock=True)
        if locked is None:
            abort(404)
        try:
            case = filing.submit(
                db,
                draft=locked,
                definition=definition,
                case_type=case_type_for(db, definition.case_type),
            )
        except filing.FormChanged:
            flash(str(FORM_CHANGED), "info")
            return redirect(url_for(".check", case_type=definition.case_type))
        except filing.AppealWindowClosed as closed:
            flash(str(APPEAL_CLOSED), "info")
            return redirect(url_for("tracking.case", reference=str(closed)))
        reference = case.reference
    session["submitted"] = {**session.get("submitted", {}), definition.case_type: reference}
    return redirect(url_for(".done", case_type=definition.case_type))


@blueprint.get("/<case_type>/done")
def done(case_type: str) -> str | Response:
    definition = _definition(case_type)
    reference = session.get("submitted", {}).get(case_type)
    if reference is None:
        return redirect(url_for(".start", case_type=case_type))
    draft = _draft(definition)
    email = draft.answers.get("email") if draft else None
    target_days = next(d.target_days for d in load_case_types() if d.code == case_type)
    return render_template(
        "portal/filing/done.html",
        definition=definition,
        reference=reference,
        email=email,
        target_days=target_days,
        locale=_locale(),
    )


@blueprint.route("/<case_type>/save", methods=["GET", "POST"])
def save(case_type: str) -> str | Response:
    definition = _definition(case_type)
    draft = _draft(definition)
    if draft is None:
        return redirect(url_for(".start", case_type=case_type))
    form = SaveForm(data={"email": draft.answers.get("email")})
    if form.validate_on_submit():
        with unit_of_work() as db:
            filing.send_resume_link(
                db, draft=draft, email=form.email.data or "",
                secret_key=services().settings.secret_key,
                link_for=lambda token: absolute_url(".resume", token=token),
            )  # fmt: skip
        return render_template("portal/filing/saved.html", email=form.email.data)
    return render_template("portal/filing/save.html", definition=definition, form=form)


@blueprint.get("/resume/<token>")
def resume(token: str) -> str | Response:
    draft = filing.resume(db_session(), token=token, secret_key=services().settings.secret_key)
    if draft is None:
        return render_template("portal/filing/resume_problem.html"), 400  # type: ignore[return-value]
    session["drafts"] = {**session.get("drafts", {}), draft.case_type_code: draft.token}
    carry_on = form_for(draft.case_type_code).first_unvisited(draft.answers)
    if carry_on is None:
        return redirect(url_for(".check", case_type=draft.case_type_code))
    return redirect(url_for(".question", case_type=draft.case_type_code, slug=carry_on.slug))


@blueprint.route("/<case_type>/<slug>", methods=["GET", "POST"])
def question(case_type: str, slug: str) -> str | Response:
    definition = _definition(case_type)
    page = definition.page(slug)
    if page is None:
        abort(404)
    draft = _draft(definition)
    if draft is None:
        return redirect(url_for(".start", case_type=case_type))
    if draft.submitted_case_id is not None:
        return redirect(url_for(".done", case_type=case_type))
    if not page.is_shown(draft.answers):
        return _onwards(definition, page, draft)
    if page.fields[0].type == "file":
        return uploads.file_question(
            definition, page, draft, back=_back_link(definition, page, draft),
            onwards=lambda: _onwards(definition, page, draft), page_changed=str(PAGE_CHANGED),
        )  # fmt: skip
    form = page_form(definition, page, _locale())(data=form_data_from(draft.answers, page))
    if form.validate_on_submit():
        if form.form_version.data != definition.version:
            flash(str(PAGE_CHANGED), "info")
        else:
            with unit_of_work() as db:
                answers = answers_from(form, page)
                filing.record_answers(db, draft=draft, answers=answers, locale=_locale())
            if request.form.get("save"):
                return redirect(url_for(".save", case_type=case_type))
            return _onwards(definition, page, draft)
    form.form_version.data = definition.version
    return render_template(
        "portal/filing/question.html",
        definition=definition,
        page=page,
        form=form,
        locale=_locale(),
        back=_back_link(definition, page, draft),
    )


def _onwards(definition: FormDefinition, page: Page, draft: Draft) -> Response:
    """The next page to show: a newly revealed question first, then where they came from."""
    missing = definition.unanswered(draft.answers)
    if request.args.get("change") and missing is None:
        return redirect(url_for(".check", case_type=definition.case_type))
    following = definition.next_page(page.slug, draft.answers)
    if following is None:
        return redirect(url_for(".check", case_type=definition.case_type))
    target = url_for(".question", case_type=definition.case_type, slug=following.slug)
    return redirect(target + ("?change=1" if request.args.get("change") else ""))


def _back_link(definition: FormDefinition, page: Page, draft: Draft) -> str:
    if request.args.get("change"):
        return url_for(".check", case_type=definition.case_type)
    visible = [p.slug for p in definition.visible_pages(draft.answers)]
    index = visible.index(page.slug) if page.slug in visible else 0
    if index == 0:
        return url_for(".start", case_type=definition.case_type)
    return url_for(".question", case_type=definition.case_type, slug=visible[index - 1])
