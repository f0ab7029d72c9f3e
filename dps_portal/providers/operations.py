"""Every change to a provider's organisation, its care homes and its users."""

import enum
from datetime import date

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.accounts.operations import (
    find_user,
    invite,
    normalise_email,
    tell_invited_account_holder,
)
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_event
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock
from dps_portal.cqc.operations import rating_for_location
from dps_portal.extensions import db
from dps_portal.framework.models import council_contact
from dps_portal.providers.models import CareHome, CqcRating, ProviderOrganisation
from dps_portal.providers.queries import home_with_location_id

ORGANISATION_FIELDS = (
    "legal_name",
    "trading_name",
    "companies_house_number",
    "cqc_provider_id",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "contact_name",
    "email",
    "phone",
    "signatory_name",
    "signatory_role",
    "signatory_email",
)
# Unique across the portal, so kept as NULL (not "") while unknown.
_UNIQUE_ORGANISATION_FIELDS = {
    "companies_house_number": "Companies House number",
    "cqc_provider_id": "CQC provider ID",
}
HOME_FIELDS = (
    "cqc_location_id",
    "name",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "district_id",
    "setting_id",
    "registered_beds",
    "registered_manager",
)
# Not among them: the CQC rating and its date. The provider a rating gates never sets it; it
# comes from the CQC's data or an officer's entry (dps_portal/cqc/operations.py).


class RefusedForField(OperationRefused):
    """A refusal about one detail; `field` is the form field that holds it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AlreadyInPortal(RefusedForField):
    """An identifier another organisation or home already has."""


def _contact_the_council() -> str:
    return f"contact {council_contact().in_words()}"


def _audit_value(value):
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    return value


def _apply(row, changes: dict, fields: tuple[str, ...]) -> tuple[dict, dict]:
    """Set the given fields on `row`; the before and after of those that changed."""
    before, after = {}, {}
    for field in fields:
        if field not in changes:
            continue
        value = changes[field]
        if getattr(row, field) != value:
            before[field] = _audit_value(getattr(row, field))
            after[field] = _audit_value(value)
            setattr(row, field, value)
    return before, after


# The organisation.


def update_organisation(provider: ProviderOrganisation, *, by: User, **changes) -> dict:
    """Change the organisation's details; the fields that changed, with their new values.

    Raises AlreadyInPortal when another organisation has the Companies House number or CQC
    provider ID."""
    unknown = changes.keys() - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"not organisation fields: {sorted(unknown)}")
    for field, label in _UNIQUE_ORGANISATION_FIELDS.items():
        if field not in changes:
            continue
        value = changes[field] or None
        changes[field] = value
        if value is None:
            continue
        column = getattr(ProviderOrganisation, field)
        other = db.session.scalars(
            select(ProviderOrganisation.id).where(
                column == value, ProviderOrganisation.id != provider.id
            )
        ).first()
        if other is not None:
            raise AlreadyInPortal(
                field,
                f"Another organisation in the portal has this {label}. If you believe it is "
                f"yours, {_contact_the_council()}.",
            )
    before, after = _apply(provider, changes, ORGANISATION_FIELDS)
    if after:
        record_event(
            AuditAction.provider_updated, actor=by, subject=provider, before=before, after=after
        )
    return after


# Care homes.


def ensure_location_id_free(
    location_id: str, *, provider_id: int, home: CareHome | None = None
) -> None:
    """Raise AlreadyInPortal when a home other than `home` has this CQC location ID."""
    holder = home_with_location_id(location_id)
    if holder is None or holder is home:
        return
    if holder.provider_id == provider_id:
        raise AlreadyInPortal(
            "cqc_location_id",
            f"This CQC location ID is already one of your care homes: {holder.name}.",
        )
    raise AlreadyInPortal(
        "cqc_location_id",
        "Another care home in the portal has this CQC location ID. If you believe the home "
        f"is yours, {_contact_the_council()}.",
    )


def add_home(provider: ProviderOrganisation, *, by: User, **details) -> CareHome:
    """Add a care home to the organisation. Raises AlreadyInPortal when any home in the
    portal already has the CQC location ID."""
    ensure_location_id_free(details["cqc_location_id"], provider_id=provider.id)
    unknown = details.keys() - set(HOME_FIELDS)
    if unknown:
        raise TypeError(f"not care home fields: {sorted(unknown)}")
    home = CareHome(provider_id=provider.id, **details)
    db.session.add(home)
    db.session.flush()
    after = {field: _audit_value(getattr(home, field)) for field in HOME_FIELDS}
    record_event(
        AuditAction.home_added,
        actor=by,
        subject=home,
        after={"provider_id": provider.id, **after},
    )
    rating_for_location(home)
    return home


def update_home(home: CareHome, *, by: User, **details) -> dict:
    """Change a care home's details; the fields that changed, with their new values."""
    unknown = details.keys() - set(HOME_FIELDS)
    if unknown:
        raise TypeError(f"not care home fields: {sorted(unknown)}")
    moves = details.get("cqc_location_id", home.cqc_location_id) != home.cqc_location_id
    if "cqc_location_id" in details:
        ensure_location_id_free(details["cqc_location_id"], provider_id=home.provider_id, home=home)
    if moves:
        lock(home)
        ensure_location_may_change(home)
    before, after = _apply(home, details, HOME_FIELDS)
    if after:
        record_event(AuditAction.home_updated, actor=by, subject=home, before=before, after=after)
    if moves:
        rating_for_location(home)
    return after


def ensure_location_may_change(home: CareHome) -> None:
    """A home's rating belongs to its CQC location, so a new location ID brings the new
    location's rating. While the home's rating is Inadequate or waiting for an officer's
    review, that would let a provider step round the contract gate: the council changes it."""
    if home.cqc_rating is CqcRating.inadequate or home.cqc_review_required_since is not None:
        raise RefusedForField(
            "cqc_location_id",
            "You cannot change the CQC location ID while the home’s CQC rating is Inadequate "
            f"or waiting for the council’s review. If it is wrong, {_contact_the_council()}.",
        )


# Colleagues.


def invite_colleague(*, by: User, email: str, full_name: str, can_manage: bool) -> User | None:
    """Make an inactive user of the inviter's own organisation and email them a link to set
    a password (accepted through accounts.accept_invitation). An address with an account
    elsewhere is not revealed: its owner is told instead, and the answer is None."""
    if by.role is not Role.provider or not by.can_manage_organisation:
        raise OperationRefused("Only a user who manages the organisation can invite colleagues.")
    email = normalise_email(email)
    existing = find_user(email)
    if existing is not None and existing.provider_id == by.provider_id:
        raise AlreadyInPortal(
            "email", f"{existing.full_name} is already a user of your organisation."
        )
    if existing is not None:
        tell_invited_account_holder(existing, by=by)
        return None
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=Role.provider,
        provider_id=by.provider_id,
        is_active=False,
        can_manage_organisation=can_manage,
    )
    after = fields_of(user, "provider_id", "can_manage_organisation")
    return invite(user, AuditAction.colleague_invited, by=by, after=after)
