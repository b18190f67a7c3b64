"""The triage queue: new cases to route and assign, filtered, a page at a time; bulk
route and bulk assign of the cases ticked; saved views (a person's own, and those an
administrator publishes to a role or a team)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from backoffice.auth import acting_staff, requires
from backoffice.forms.queue import MAX_BULK_CASES, BulkActionForm, PublishViewForm, SaveViewForm
from backoffice.sections.sla import FLAG_TAGS
from backoffice.sections.workflow import status_text
from shared import access
from shared.i18n import DEFAULT_LOCALE
from shared.models import (
    Case,
    CaseChannel,
    CasePriority,
    CaseType,
    RoleCode,
    SavedView,
    StaffUser,
    Team,
)
from shared.permissions import Permission, may
from shared.references import normalise_reference
from shared.services import assignment, queue, queue_actions, routing, saved_views
from shared.services.queue import Cursor, QueueFilters
from shared.sla.calendar import AREA_NAMES
from shared.web import db_session, unit_of_work
from shared.web.sorting import Sorting

blueprint = Blueprint("queue", __name__, url_prefix="/queue")
K = TypeVar("K")

CHANNEL_NAMES = {
    CaseChannel.PORTAL: _l("Online"),
    CaseChannel.PHONE: _l("Phone"),
    CaseChannel.POST: _l("Post"),
    CaseChannel.IN_PERSON: _l("In person"),
}
PRIORITY_NAMES = {
    CasePriority.NORMAL: _l("Normal"),
    CasePriority.HIGH: _l("High"),
    CasePriority.URGENT: _l("Urgent"),
}
PRIORITY_TAGS = {
    CasePriority.NORMAL: "govuk-tag--grey",
    CasePriority.HIGH: "govuk-tag--orange",
    CasePriority.URGENT: "govuk-tag--red",
}
# The SLA flags' words and colours are the case page's (backoffice/sections/sla.py).
SLA_NAMES = {flag: name for flag, (name, _tag) in FLAG_TAGS.items()}
SLA_TAGS = {flag: tag for flag, (_name, tag) in FLAG_TAGS.items()}
SORT_KEYS = {"received": "received", "due": "due"}
BAD_CURSOR = _l("That page link was not recognised, so this is the first page of the queue.")
EMPTY_SELECTION = _l("Select at least one case")
TOO_MANY = _l("Select %(max)d cases or fewer")
NO_PERSON = _l("Select who to assign the cases to")
ROLE_AUDIENCES = {
    RoleCode.INTAKE_CLERK.value: _l("Intake clerks"),
    RoleCode.CASEWORKER.value: _l("Caseworkers"),
    RoleCode.SUPERVISOR.value: _l("Supervisors"),
    RoleCode.AUDITOR.value: _l("Auditors"),
    RoleCode.ADMINISTRATOR.value: _l("Administrators"),
}
ASSIGN_REFUSED = {
    "not_allowed": _l("you may not assign cases"),
    "case_closed": _l("the case is closed"),
    "cannot_work_cases": _l("that person does not work cases"),
    "other_team": _l("the case is with another team"),
    "no_skill": _l("that person does not work this type of case"),
    "excluded": _l("that person decided or approved the decision under appeal"),
    "already_theirs": _l("the case is already theirs"),
    "no_reason": _l("someone else has the case: reassign it from its page, with a reason"),
    "workflow": _l("the case cannot be assigned in its current state"),
    "no_team": _l("the case has no team yet"),
    "nobody_fits": _l("nobody in the team works this type of case"),
}
ROUTE_REFUSED = {
    "no_rule": _l("no routing rule matches it: triage it from its page"),
    "not_routable": _l("it is no longer waiting to be routed"),
    "not_found": _l("no such case, or not one you may see"),
}
SAVED_VIEW_REFUSED = {
    "no_name": _l("Enter a name for the view"),
    "too_many": _l("You have too many saved views: delete one first"),
    "no_audience": _l("Select who sees the view"),
    "unknown_role": _l("Select who sees the view"),
    "not_allowed": _l("Only administrators publish views"),
    "not_yours": _l("That view is not yours"),
}


# What a bulk action did to one case: done, nothing to do (it already was so), or
# refused; and the totals' words for each, per action, so each line is true of it.
DONE, UNCHANGED, REFUSED = "done", "unchanged", "refused"
TOTALS = {
    "route": {DONE: _l("Routed: %(num)d"),
              UNCHANGED: _l("Nothing to do, already where the rules send them: %(num)d"),
              REFUSED: _l("Not routed: %(num)d")},
    "assign": {DONE: _l("Assigned: %(num)d"),
               UNCHANGED: _l("Nothing to do, already theirs: %(num)d"),
               REFUSED: _l("Not assigned: %(num)d")},
}  # fmt: skip
# The queue's states as staff name them (the workflows' `staff` words).
STATE_NAMES = {"submitted": _l("Submitted"), "triage": _l("In triage")}


@dataclass(frozen=True)
class Outcome:
    reference: str
    result: str  # DONE, UNCHANGED or REFUSED
    message: str


def _case_types() -> list[CaseType]:
    """The case types, read once a request (the filters, the saved views, the table)."""
    if "queue_case_types" not in g:
        g.queue_case_types = queue.queue_case_types(db_session())
    found: list[CaseType] = g.queue_case_types
    return found


def _filters() -> QueueFilters:
    codes = [case_type.code for case_type in _case_types()]
    return QueueFilters.from_args(request.args, case_types=codes)


def _queue_url(filters: QueueFilters, **extra: str) -> str:
    args = filters.to_args() + list(extra.items())
    return url_for("queue.index") + (f"?{urlencode(args)}" if args else "")


@dataclass(frozen=True)
class QueueSorting(Sorting):
    """The queue's two orders (both ascending: oldest, or soonest due, first); a heading
    links to the first page in its order, with the filters kept."""

    filters: QueueFilters = QueueFilters()

    def href(self, key: str) -> str:
        return _queue_url(replace(self.filters, sort="due" if key == "due" else "received"))


@blueprint.get("")
@requires(Permission.SEE_QUEUE)
def index() -> str:
    """The queue; to those who may only read it (auditors), without its forms."""
    return _render_queue(request.args)


def _render_queue(
    args: Mapping[str, str],
    *,
    bulk_form: BulkActionForm | None = None,
    save_form: SaveViewForm | None = None,
    selected: Collection[str] = (),
    errors: list[dict[str, str]] | None = None,
) -> str:
    """The queue as `args` (a query string) asks; re-shown with a form's errors, the
    cases ticked still ticked."""
    staff = acting_staff()
    session = db_session()
    codes = [case_type.code for case_type in _case_types()]
    filters = QueueFilters.from_args(args, case_types=codes)
    raw_cursor = args.get("cursor")
    cursor = Cursor.decode(raw_cursor)
    bad_cursor = bool(raw_cursor) and cursor is None
    if cursor is not None and cursor.sort != filters.sort:
        cursor = None  # a link from before the order changed: its first page
    page = queue.triage_queue(session, staff=staff, filters=filters, after=cursor)
    count = queue.count_queue(session, staff=staff, filters=filters)
    here = filters.to_args() + ([("cursor", cursor.encode())] if cursor else [])
    next_url = previous_url = None
    if page.next_cursor:
        next_url = _queue_url(filters, cursor=page.next_cursor.encode())
    if page.previous_cursor:
        previous_url = _queue_url(filters, cursor=page.previous_cursor.encode())
    return render_template(
        "backoffice/queue/index.html",
        filters=filters,
        page=page,
        count=count,
        bad_cursor=bad_cursor,
        next_url=next_url,
        previous_url=previous_url,
        sorting=QueueSorting(key=filters.sort, filters=filters),
        **_options(session, filters),
        views=_view_links(saved_views.views_for(session, staff), filters, staff),
        save_form=save_form or SaveViewForm(formdata=None, query=urlencode(filters.to_args())),
        bulk_form=bulk_form or _bulk_form(staff, formdata=None),
        back=urlencode(here),
        selected_cases=set(selected),
        errors=errors or [],
        # A page with a form's errors: its title starts "Error:" (templates/base.html).
        form=(bulk_form or save_form) if errors else None,
        may_assign=may(staff, Permission.ASSIGN),
        may_triage=may(staff, Permission.TRIAGE),
        status_text=status_text,
        clear_url=url_for("queue.index"),
    )


def _options(session: Session, filters: QueueFilters) -> dict[str, object]:
    locale = str(get_locale() or DEFAULT_LOCALE)
    return {
        "filter_groups": _filter_groups(filters, locale),
        "case_types": _case_types(),
        "case_type_labels": {kind.id: kind.label(locale) for kind in _case_types()},
        "channel_names": _translated(CHANNEL_NAMES),
        "priority_names": _translated(PRIORITY_NAMES),
        "priority_tags": PRIORITY_TAGS,
        "area_names": _translated(AREA_NAMES),
        "state_names": _translated(STATE_NAMES),
        "sla_names": _translated(SLA_NAMES),
        "sla_tags": SLA_TAGS,
    }


def _filter_groups(filters: QueueFilters, locale: str) -> list[dict[str, Any]]:
    """The filter panel's groups as GOV.UK checkboxes' and radios' params (drawn by
    components/choices.html): put together here, where it is a tenth of the cost of
    building the same lists in the template."""

    def group(kind: str, name: str, legend: object, items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"kind": kind, "idPrefix": name, "name": name, "classes": f"govuk-{kind}--small",
                "fieldset": {"legend": {"text": str(legend),
                                        "classes": "govuk-fieldset__legend--s"}},
                "items": items}  # fmt: skip

    def choices(names: Mapping[Any, object], chosen: Collection[Any]) -> list[dict[str, Any]]:
        return [{"value": getattr(value, "value", value), "text": str(text),
                 "checked": value in chosen} for value, text in names.items()]  # fmt: skip

    types = {kind.code: kind.label(locale) for kind in _case_types()}
    sla_items = [{"value": "", "text": str(_l("Any")), "checked": not filters.sla}]
    sla_items += choices(SLA_NAMES, [filters.sla])
    priorities = choices(PRIORITY_NAMES, filters.priorities)
    channels = choices(CHANNEL_NAMES, filters.channels)
    return [
        group("checkboxes", "state", _l("State"), choices(STATE_NAMES, filters.states)),
        group("checkboxes", "case_type", _l("Case type"), choices(types, filters.case_types)),
        group("radios", "sla", _l("Target date"), sla_items),
        group("checkboxes", "priority", _l("Priority"), priorities),
        group("checkboxes", "channel", _l("How it reached us"), channels),
        group("checkboxes", "area", _l("Area"), choices(AREA_NAMES, filters.areas)),
        group("checkboxes", "flag", _l("Needs attention"), [
            {"value": "possible_duplicate", "text": str(_l("Possible duplicate resident")),
             "checked": filters.possible_duplicate},
            {"value": "held_upload", "text": str(_l("Has a held (infected) upload")),
             "checked": filters.held_upload},
        ]),
    ]  # fmt: skip


def _translated(names: Mapping[K, object]) -> dict[K, str]:
    """Lazy names translated once for the page, not once for every row that shows them."""
    return {key: str(name) for key, name in names.items()}


def _view_links(
    views: list[SavedView], filters: QueueFilters, staff: StaffUser
) -> list[dict[str, object]]:
    codes = [case_type.code for case_type in _case_types()]
    links = []
    for view in views:
        applied = QueueFilters.from_args(view.filters, case_types=codes)
        links.append({"view": view, "href": _queue_url(applied), "active": applied == filters,
                      "own": view.owner_staff_id == staff.id})  # fmt: skip
    return links


def _bulk_form(staff: StaffUser, *, formdata: object = None) -> BulkActionForm:
    form = BulkActionForm() if formdata is not None else BulkActionForm(formdata=None)
    people = _assignable(staff)
    form.to_staff.choices = [SelectChoice("", _l("Select a person"))] + [
        SelectChoice(str(person.id), person.display_name) for person in people
    ]
    if not may(staff, Permission.ASSIGN):
        form.action.choices = [SelectChoice("route", _l("Route (to the team the rules propose)"))]
    return form


def _assignable(staff: StaffUser) -> list[StaffUser]:
    if not may(staff, Permission.ASSIGN):
        return []
    return assignment.people_who_may_take_cases(db_session(), besides=staff) + (
        [staff] if assignment.may_take_cases(staff) else []
    )


@blueprint.post("/bulk")
@requires(Permission.TRIAGE)
def bulk() -> str | Response:
    """Each case ticked, through the same guards as one at a time, each in a transaction
    of its own: one refusal undoes nothing else. The page says what happened to each."""
    staff = acting_staff()
    form = _bulk_form(staff, formdata=True)
    references = [r[:40] for r in dict.fromkeys(request.form.getlist("case"))]
    back = _back_args(form.back.data)
    valid = form.validate_on_submit()
    if form.action.data == "assign" and not may(staff, Permission.ASSIGN):
        abort(403)
    # Not a field's error: the form's own, so the page's title says "Error:" too.
    if not references:
        form.form_errors.append(str(EMPTY_SELECTION))
    elif len(references) > MAX_BULK_CASES:
        form.form_errors.append(str(TOO_MANY % {"max": MAX_BULK_CASES}))
    problems = [{"text": message, "href": "#bulk"} for message in form.form_errors]
    if not valid:
        problems += [{"text": str(messages[0]), "href": f"#{name}"}
                     for name, messages in form.errors.items() if name]  # fmt: skip
    chosen = None
    if valid and form.action.data == "assign":
        people = {str(person.id): person for person in _assignable(staff)}
        chosen = people.get(form.to_staff.data or "")
        if chosen is None:
            form.to_staff.errors = [str(NO_PERSON)]
            form.form_errors.append(str(NO_PERSON))  # for the title; the summary links it
            problems.append({"text": str(NO_PERSON), "href": "#to_staff"})
    if problems:
        return _render_queue(back, bulk_form=form, selected=references, errors=problems)
    if chosen is not None:
        outcomes = [_assign_one(reference, staff, chosen) for reference in references]
        title, action = _l("Assigning the selected cases"), "assign"
    else:
        outcomes = [_route_one(reference, staff) for reference in references]
        title, action = _l("Routing the selected cases"), "route"
    counts = {result: sum(o.result == result for o in outcomes) for result in TOTALS[action]}
    totals = [str(words % {"num": counts[result]}) for result, words in TOTALS[action].items()
              if counts[result]]  # fmt: skip
    return render_template("backoffice/queue/bulk_result.html", outcomes=outcomes, title=title,
                           back=_queue_url_of(back), totals=totals)  # fmt: skip


def _back_args(value: str | None) -> MultiDict[str, str]:
    """The queue's query string the form came from (filters, cursor): only what the queue
    reads from it is ever used."""
    return MultiDict(parse_qsl((value or "")[:2000], keep_blank_values=False))


def _queue_url_of(args: MultiDict[str, str]) -> str:
    codes = [case_type.code for case_type in _case_types()]
    filters = QueueFilters.from_args(args, case_types=codes)
    cursor = Cursor.decode(args.get("cursor"))
    return _queue_url(filters, **({"cursor": cursor.encode()} if cursor else {}))


def _case_for(reference: str, staff: StaffUser) -> Case | None:
    if normalise_reference(reference[:40]) is None:
        return None
    try:
        return access.case_for_staff(db_session(), reference=reference[:40], staff=staff)
    except access.NotFound:
        return None


def _assign_one(reference: str, staff: StaffUser, to_staff: StaffUser) -> Outcome:
    found = _case_for(reference, staff)
    if found is None:
        return Outcome(reference[:40], REFUSED, str(ROUTE_REFUSED["not_found"]))
    shown = found.reference
    try:
        with unit_of_work() as db:
            assignment.assign(db, case=found, to_staff=to_staff, actor=staff)
    except assignment.AssignmentRefused as refused:
        if refused.reason == "already_theirs":
            message = _l("already assigned to %(name)s", name=to_staff.display_name)
            return Outcome(shown, UNCHANGED, str(message))
        return Outcome(shown, REFUSED, str(ASSIGN_REFUSED[refused.reason]))
    message = _l("assigned to %(name)s", name=to_staff.display_name)
    return Outcome(shown, DONE, str(message))


def _route_one(reference: str, staff: StaffUser) -> Outcome:
    found = _case_for(reference, staff)
    if found is None:
        return Outcome(reference[:40], REFUSED, str(ROUTE_REFUSED["not_found"]))
    shown = found.reference
    try:
        with unit_of_work() as db:
            routed = queue_actions.route_from_queue(db, case=found, actor=staff)
    except routing.RoutingRefused as refused:
        message = ROUTE_REFUSED.get(refused.reason, _l("it could not be routed"))
        return Outcome(shown, REFUSED, str(message))
    team = routed.team_names.get(str(get_locale() or DEFAULT_LOCALE)) or routed.team_name
    if routed.is_unchanged:
        return Outcome(shown, UNCHANGED, str(_l("already with %(team)s", team=team)))
    return Outcome(shown, DONE, str(_l("routed to %(team)s", team=team)))


# ------------------------------------------------------------------ saved views


@blueprint.post("/views")
@requires(Permission.TRIAGE)
def save_view() -> str | Response:
    staff = acting_staff()
    form = SaveViewForm()
    back = _back_args(form.query.data)
    if form.validate_on_submit():
        filters = _filters_of(form.query.data)
        try:
            with unit_of_work() as db:
                saved_views.save_own_view(db, staff=staff, name=form.name.data or "",
                                          filters=filters)  # fmt: skip
        except saved_views.SavedViewRefused as refused:
            form.name.errors = [str(SAVED_VIEW_REFUSED[refused.reason])]
        else:
            flash(str(_l("Your view “%(name)s” is saved.", name=form.name.data)), "success")
            return redirect(_queue_url_of(back))
    problems = [{"text": str(messages[0]), "href": f"#{name}"}
                for name, messages in form.errors.items()]  # fmt: skip
    return _render_queue(back, save_form=form, errors=problems)


def _filters_of(query: str | None) -> QueueFilters:
    args = MultiDict(parse_qsl((query or "")[:2000]))
    codes = [case_type.code for case_type in _case_types()]
    return QueueFilters.from_args(args, case_types=codes)


@blueprint.post("/views/<id:view_id>/delete")
@requires(Permission.TRIAGE)
def delete_view(view_id: int) -> Response:
    staff = acting_staff()
    view = saved_views.view_for(db_session(), view_id=view_id, staff=staff)
    if view is None or view.owner_staff_id != staff.id:
        abort(404)
    name = view.name
    with unit_of_work() as db:
        saved_views.delete_view(db, view=view, actor=staff)
    flash(str(_l("The view “%(name)s” is deleted.", name=name)), "success")
    return redirect(url_for("queue.index"))


@blueprint.route("/views/published", methods=["GET", "POST"])
@requires(Permission.CONFIGURE)
def published() -> str | Response:
    """Administrators choose filters (this page's query string), name the view and
    publish it to a role or a team; and delete published views."""
    staff = acting_staff()
    session = db_session()
    teams = list(session.scalars(select(Team).order_by(Team.name, Team.id)))
    form = PublishViewForm()
    audiences = {f"role:{code}": name for code, name in ROLE_AUDIENCES.items()}
    locale = str(get_locale() or DEFAULT_LOCALE)
    audiences |= {f"team:{team.id}": team.label(locale) for team in teams}
    form.audience.choices = [SelectChoice("", _l("Select who sees it"))] + [
        SelectChoice(key, str(name)) for key, name in audiences.items()
    ]
    if request.method == "GET":
        form.query.data = urlencode(_filters().to_args())
    elif form.validate_on_submit():
        kind, _, value = (form.audience.data or "").partition(":")
        team = next((t for t in teams if kind == "team" and str(t.id) == value), None)
        role = value if kind == "role" and value in ROLE_AUDIENCES else None
        try:
            with unit_of_work() as db:
                saved_views.publish_view(db, actor=staff, name=form.name.data or "",
                                         filters=_filters_of(form.query.data), role=role,
                                         team=team)  # fmt: skip
        except saved_views.SavedViewRefused as refused:
            form.audience.errors = [str(SAVED_VIEW_REFUSED[refused.reason])]
        else:
            flash(str(_l("The view “%(name)s” is published.", name=form.name.data)), "success")
            return redirect(url_for("queue.published"))
    filters = _filters_of(form.query.data)
    codes = [case_type.code for case_type in _case_types()]
    listed = [
        {
            "view": view,
            "audience": ROLE_AUDIENCES.get(view.published_to_role or "")
            or next((t.name for t in teams if t.id == view.published_to_team_id), ""),
            "filters": QueueFilters.from_args(view.filters, case_types=codes),
        }
        for view in saved_views.published_views(session)
    ]
    return render_template("backoffice/queue/published.html", form=form, filters=filters,
                           listed=listed, **_options(session, filters))  # fmt: skip


@blueprint.post("/views/published/<id:view_id>/delete")
@requires(Permission.CONFIGURE)
def delete_published(view_id: int) -> Response:
    staff = acting_staff()
    view = saved_views.view_for(db_session(), view_id=view_id, staff=staff)
    if view is None or view.owner_staff_id is not None:
        abort(404)
    name = view.name
    with unit_of_work() as db:
        saved_views.delete_view(db, view=view, actor=staff)
    flash(str(_l("The view “%(name)s” is deleted.", name=name)), "success")
    return redirect(url_for("queue.published"))
