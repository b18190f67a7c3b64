"""Saved views of the triage queue: a person keeps the filters they use as a view of
their own; an administrator publishes a view to everyone with a role, or in a team (as
Zammad's overviews). A view keeps the queue's query string, parsed again on use, so a
view saved before a filter value went away simply loses that value."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from shared.models import RoleCode, SavedView, StaffUser, Team
from shared.permissions import Permission, may
from shared.services import audit
from shared.services.queue import QueueFilters

NAME_MAX_LENGTH = 80
# Enough for anyone's working set; the list of links stays short.
MAX_OWN_VIEWS = 30


class SavedViewRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # no_name, too_many, not_yours, not_allowed, no_audience, unknown_role
        self.reason = reason


def views_for(session: Session, staff: StaffUser) -> list[SavedView]:
    """The person's own views, then those published to one of their roles or their team,
    each group by name."""
    roles = [role.code for role in staff.roles]
    published: list[ColumnElement[bool]] = [SavedView.published_to_role.in_(roles)]
    if staff.team_id is not None:
        published.append(SavedView.published_to_team_id == staff.team_id)
    query = select(SavedView).where(
        or_(SavedView.owner_staff_id == staff.id, *published)
    ).order_by(SavedView.owner_staff_id.is_(None), SavedView.name, SavedView.id)  # fmt: skip
    return list(session.scalars(query))


def save_own_view(
    session: Session, *, staff: StaffUser, name: str, filters: QueueFilters
) -> SavedView:
    name = " ".join(name.split())
    if not name:
        raise SavedViewRefused("no_name")
    owned = session.scalars(select(SavedView.id).where(SavedView.owner_staff_id == staff.id))
    if len(owned.all()) >= MAX_OWN_VIEWS:
        raise SavedViewRefused("too_many")
    view = SavedView(name=name[:NAME_MAX_LENGTH], filters=filters.to_saved(),
                     owner_staff_id=staff.id, created_by_staff_id=staff.id)  # fmt: skip
    session.add(view)
    session.flush()
    return view


def publish_view(
    session: Session,
    *,
    actor: StaffUser,
    name: str,
    filters: QueueFilters,
    role: str | None = None,
    team: Team | None = None,
) -> SavedView:
    """A view for everyone with `role`, or in `team` (one of the two): administrators only."""
    if not may(actor, Permission.CONFIGURE):
        raise SavedViewRefused("not_allowed")
    name = " ".join(name.split())
    if not name:
        raise SavedViewRefused("no_name")
    if (role is None) == (team is None):
        raise SavedViewRefused("no_audience")
    if role is not None and role not in {code.value for code in RoleCode}:
        raise SavedViewRefused("unknown_role")
    view = SavedView(name=name[:NAME_MAX_LENGTH], filters=filters.to_saved(),
                     published_to_role=role, published_to_team_id=team.id if team else None,
                     created_by_staff_id=actor.id)  # fmt: skip
    session.add(view)
    session.flush()
    audit.record(session, actor=actor, action="saved_view.published", object_kind="saved_view",
                 object_id=view.id, details={"name": view.name, "role": role,
                                             "team": team.code if team else None,
                                             "filters": view.filters})  # fmt: skip
    return view


def delete_view(session: Session, *, view: SavedView, actor: StaffUser) -> None:
    """One's own view; a published one by an administrator (audited)."""
    if view.owner_staff_id is not None:
        if view.owner_staff_id != actor.id:
            raise SavedViewRefused("not_yours")
    else:
        if not may(actor, Permission.CONFIGURE):
            raise SavedViewRefused("not_allowed")
        audit.record(session, actor=actor, action="saved_view.deleted", object_kind="saved_view",
                     object_id=view.id, details={"name": view.name})  # fmt: skip
    session.delete(view)
    session.flush()


def view_for(session: Session, *, view_id: int, staff: StaffUser) -> SavedView | None:
    """A view this person may use (or, as an administrator, delete); None otherwise."""
    if not 0 < view_id < 2**31:
        return None
    view = session.get(SavedView, view_id)
    if view is None:
        return None
    if view in views_for(session, staff):
        return view
    if view.owner_staff_id is None and may(staff, Permission.CONFIGURE):
        return view
    return None


def published_views(session: Session) -> list[SavedView]:
    """Every published view, for administrators."""
    query = select(SavedView).where(SavedView.owner_staff_id.is_(None))
    return list(session.scalars(query.order_by(SavedView.name, SavedView.id)))
