"""Staff signing in through the organisation's OpenID Connect provider.

The provider has said who the person is (an ID token the caller has validated: issuer,
audience, nonce, expiry). This finds their account by (issuer, subject), else by email
address when configuration trusts the provider's addresses, else creates one when
configured to; and takes their roles, team, name and (verified) address from the
provider's claims at every sign-in, so a role removed there is removed here, except the
administrator role of the last active administrator, which is kept (as the staff page
keeps it). Every sign-in, refusal, new account and change is audited, as password
sign-ins are (shared/services/staff_sign_in.py).

Two first sign-ins of one person at the same instant (a double click, two tabs) can
both find no account and both make or link one: the loser's unique constraint (email,
or issuer and subject) fails, its work is rolled back to a savepoint, and it signs in
once more, to the account the winner has committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.config import SingleSignOn
from shared.models import RoleCode, StaffUser, Team
from shared.models.base import utcnow
from shared.services import audit
from shared.services.staff import NOT_A_HASH, active_administrators, ensure_roles

VIA = "single_sign_on"
# Why a sign-in was refused; the page says which, in words (backoffice/views/single_sign_on.py).
REFUSALS = (
    "unknown",  # no account, and no provisioning
    "deactivated",
    "no_role",  # none of the provider's roles maps to a Caseway role
    "no_email",  # an account was to be matched or made by an address the provider did not give
    "email_taken",  # the address is another account's, which cannot be linked
    "linked_elsewhere",  # the address's account is linked to another subject
    "provider_error",  # the provider answered with an error (access_denied…)
    "bad_response",  # no or stale state, or an ID token that does not validate
)


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: the validated ID token's claims."""

    issuer: str
    subject: str
    claims: Mapping[str, Any]

    @property
    def email(self) -> str | None:
        found = self.claims.get("email")
        return found.strip().lower() if isinstance(found, str) and found.strip() else None

    @property
    def email_verified(self) -> bool:
        return self.claims.get("email_verified") in (True, "true")

    @property
    def name(self) -> str:
        found = self.claims.get("name")
        return found.strip()[:120] if isinstance(found, str) and found.strip() else ""


@dataclass(frozen=True)
class SsoOutcome:
    staff: StaffUser | None  # None: refused, for `refused_because`
    refused_because: str | None = None
    # Signed in, but the provider took away the administrator role of the last active
    # administrator, which was kept: the person is told, and should give it to someone else.
    kept_last_administrator: bool = False


def sign_in(
    session: Session, *, identity: Identity, config: SingleSignOn, now: datetime | None = None
) -> SsoOutcome:
    """Find, link or create the account of `identity` and bring its roles, team, name and
    address into line with the claims; or refuse, saying why. Nothing changes on a refusal
    but the audit trail. The caller commits either way."""
    now = now or utcnow()
    try:
        with session.begin_nested():
            return _sign_in(session, identity, config, now)
    except IntegrityError:
        # Another request made or linked this person's account (or made the roles) between
        # our looking and our writing; it has committed, or our write would still be
        # waiting. Everything of ours since the savepoint is undone: look again, once.
        pass
    with session.begin_nested():
        return _sign_in(session, identity, config, now)


def _sign_in(
    session: Session, identity: Identity, config: SingleSignOn, now: datetime
) -> SsoOutcome:
    staff, linking, refusal = _account_of(session, identity, config)
    if refusal is not None:
        return refused(session, reason=refusal, identity=identity, staff=staff)
    role_codes = mapped_roles(identity.claims, config)
    if not role_codes:  # checked before anything is made or linked
        return refused(session, reason="no_role", identity=identity, staff=staff)
    team, team_value = _mapped_team(session, identity.claims, config)
    if staff is None:
        refusal = _why_not_provision(session, identity, config)
        if refusal is not None or identity.email is None:
            return refused(session, reason=refusal or "no_email", identity=identity)
        staff = _provision(session, identity, identity.email)
    else:
        if linking:
            audit.record(session, actor=staff, action="staff.sso_linked",
                         object_kind="staff_user", object_id=staff.id,
                         details={"issuer": identity.issuer})  # fmt: skip
        _take_name_and_email(session, staff, identity, config)
    staff.oidc_issuer, staff.oidc_subject = identity.issuer, identity.subject
    role_codes |= _roles_kept_here(staff, config)
    kept = _keep_last_administrator(session, staff, role_codes)
    _take_roles_and_team(session, staff, role_codes | kept, team, team_value)
    staff.last_signed_in_at = now
    audit.record(session, actor=staff, action="staff.signed_in", object_kind="staff_user",
                 object_id=staff.id, details={"via": VIA})  # fmt: skip
    session.flush()
    return SsoOutcome(staff=staff, kept_last_administrator=bool(kept))


def _account_of(
    session: Session, identity: Identity, config: SingleSignOn
) -> tuple[StaffUser | None, bool, str | None]:
    """The account `identity` signs in to (None: none yet), whether it is being linked
    now, and why it may not sign in (None: it may)."""
    staff = _linked_account(session, identity)
    linking = False
    if staff is None:
        staff, refusal = _account_by_email(session, identity, config)
        if refusal is not None:
            return staff, False, refusal
        linking = staff is not None and staff.oidc_subject is None  # else: linked just now
    if staff is not None and not staff.is_active:
        return staff, False, "deactivated"
    return staff, linking, None


def _why_not_provision(session: Session, identity: Identity, config: SingleSignOn) -> str | None:
    if not config.provision:
        return "unknown"
    if not _trusted_email(identity, config):
        return "no_email"
    if _account_with_email(session, identity.email):
        return "email_taken"
    return None


def refused(
    session: Session,
    *,
    reason: str,
    identity: Identity | None = None,
    staff: StaffUser | None = None,
    detail: str = "",
) -> SsoOutcome:
    """Record a refused single sign-on (also those that never reached an identity: the
    provider's own errors, a tampered or stale answer)."""
    details: dict[str, Any] = {"reason": reason, "via": VIA}
    if identity is not None:
        details |= {"issuer": identity.issuer, "subject": identity.subject}
    if detail:
        details["detail"] = detail[:200]
    object_id = staff.id if staff else (identity.email or identity.subject if identity else "")
    audit.record(session, actor=None, action="staff.sign_in_refused", object_kind="staff_user",
                 object_id=object_id, details=details)  # fmt: skip
    session.flush()
    return SsoOutcome(staff=None, refused_because=reason)


def mapped_roles(claims: Mapping[str, Any], config: SingleSignOn) -> set[RoleCode]:
    """The Caseway roles the provider's role values grant, through the configured map."""
    theirs = set(_values(_claim(claims, config.role_claim)))
    return {RoleCode(ours) for their_value, ours in config.role_map if their_value in theirs}


def _roles_kept_here(staff: StaffUser, config: SingleSignOn) -> set[RoleCode]:
    """The roles the role map never grants are given and taken in Caseway, not by the
    provider: with no `=administrator` in the map, administrators stay administrators
    whatever the provider says, instead of losing the role at their next sign-in."""
    managed = {RoleCode(ours) for _, ours in config.role_map}
    return {RoleCode(role.code) for role in staff.roles} - managed


def _linked_account(session: Session, identity: Identity) -> StaffUser | None:
    query = select(StaffUser).where(
        StaffUser.oidc_issuer == identity.issuer, StaffUser.oidc_subject == identity.subject
    )
    return session.scalars(query.with_for_update()).first()


def _account_by_email(
    session: Session, identity: Identity, config: SingleSignOn
) -> tuple[StaffUser | None, str | None]:
    """An unlinked account the provider's address may be linked to, or why not."""
    if config.link_by_email == "never" or not _trusted_email(identity, config):
        return None, None
    staff = _account_with_email(session, identity.email)
    if staff is None:
        return None, None
    if (staff.oidc_issuer, staff.oidc_subject) == (identity.issuer, identity.subject):
        # Linked to this very person a moment ago, by a sign-in that was looking up the
        # address at the same time as this one (and locked the row until it committed).
        return staff, None
    if staff.oidc_subject is not None:  # someone else at a provider: never take it over
        return staff, "linked_elsewhere"
    return staff, None


def _account_with_email(session: Session, email: str | None) -> StaffUser | None:
    if email is None:
        return None
    query = select(StaffUser).where(StaffUser.email == email).with_for_update()
    return session.scalars(query).first()


def _trusted_email(identity: Identity, config: SingleSignOn) -> bool:
    """Whether the provider's address is the person's: it says it verified it, or it owns
    every address it gives (CASEWAY_OIDC_LINK_BY_EMAIL=always)."""
    if identity.email is None:
        return False
    return config.link_by_email == "always" or identity.email_verified


def _provision(session: Session, identity: Identity, email: str) -> StaffUser:
    """A new account with no password: it signs in through the provider only."""
    staff = StaffUser(
        email=email,
        display_name=identity.name or email,
        password_hash=NOT_A_HASH,
        roles=[],
    )
    session.add(staff)
    session.flush()
    audit.record(session, actor=None, action="staff.provisioned", object_kind="staff_user",
                 object_id=staff.id, details={"via": VIA, "issuer": identity.issuer})  # fmt: skip
    return staff


def _take_name_and_email(
    session: Session, staff: StaffUser, identity: Identity, config: SingleSignOn
) -> None:
    """The name the provider gives, and its address when trusted and no other account's
    (an address taken is left as it was, and the audit says so): the provider is where
    people's details are kept up to date."""
    before = {"display_name": staff.display_name, "email": staff.email}
    if identity.name and identity.name != staff.display_name:
        staff.display_name = identity.name
    details: dict[str, Any] = {"via": VIA}
    email = identity.email
    if email is not None and email != staff.email and _trusted_email(identity, config):
        if _account_with_email(session, email) is None:
            staff.email = email
        else:
            details["email_taken"] = email
    after = {"display_name": staff.display_name, "email": staff.email}
    if after != before or "email_taken" in details:
        details |= {"before": before, "after": after}
        audit.record(session, actor=staff, action="staff.sso_details_updated",
                     object_kind="staff_user", object_id=staff.id, details=details)  # fmt: skip


def _keep_last_administrator(
    session: Session, staff: StaffUser, role_codes: set[RoleCode]
) -> set[RoleCode]:
    """The administrator role, when the claims take it from the last active administrator
    (the staff page refuses the same change, shared/services/staff.py): left without one,
    nobody could manage staff accounts. Audited, saying why; empty otherwise."""
    if RoleCode.ADMINISTRATOR in role_codes or not staff.has_role(RoleCode.ADMINISTRATOR):
        return set()
    if active_administrators(session) > 1:
        return set()
    audit.record(session, actor=staff, action="staff.sso_role_kept", object_kind="staff_user",
                 object_id=staff.id, details={"via": VIA, "role": RoleCode.ADMINISTRATOR.value,
                                              "reason": "last_administrator"})  # fmt: skip
    return {RoleCode.ADMINISTRATOR}


def _mapped_team(
    session: Session, claims: Mapping[str, Any], config: SingleSignOn
) -> tuple[Team | None, str | None]:
    """The team whose code the team claim names, and the claim's value (None: teams are not
    taken from the provider)."""
    if not config.team_claim:
        return None, None
    values = _values(_claim(claims, config.team_claim))
    if not values:
        return None, ""
    team = session.scalars(select(Team).where(Team.code.in_(values)).order_by(Team.code)).first()
    return team, ",".join(values)


def _take_roles_and_team(
    session: Session,
    staff: StaffUser,
    role_codes: set[RoleCode],
    team: Team | None,
    team_value: str | None,
) -> None:
    before = {"roles": sorted(role.code for role in staff.roles), "team": _team_code(staff)}
    all_roles = ensure_roles(session)
    if {role.code for role in staff.roles} != {code.value for code in role_codes}:
        staff.roles = [all_roles[code] for code in sorted(role_codes, key=lambda c: c.value)]
    if team_value is not None and staff.team_id != (team.id if team else None):
        staff.team = team
    after = {"roles": sorted(code.value for code in role_codes), "team": _team_code(staff)}
    if after != before:
        details: dict[str, Any] = {"via": VIA, "before": before, "after": after}
        if team_value and team is None:
            details["unknown_team"] = team_value[:120]
        audit.record(session, actor=staff, action="staff.sso_roles_updated",
                     object_kind="staff_user", object_id=staff.id, details=details)  # fmt: skip


def _team_code(staff: StaffUser) -> str | None:
    return staff.team.code if staff.team is not None else None


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    """A claim by name, or by a dotted path into nested claims (Keycloak's
    "realm_access.roles")."""
    if name in claims:
        return claims[name]
    found: Any = claims
    for part in name.split("."):
        if not isinstance(found, Mapping) or part not in found:
            return None
        found = found[part]
    return found


def _values(claim: Any) -> list[str]:
    """A claim's values: a list of strings, or one string (some providers send a single
    group as a string)."""
    if isinstance(claim, str):
        return [claim] if claim.strip() else []
    if isinstance(claim, list | tuple):
        return [str(item) for item in claim if isinstance(item, str | int) and str(item).strip()]
    return []
