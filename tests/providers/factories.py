"""Factories for the providers tests: CQC data, provider users, a complete organisation."""

import itertools
from datetime import date

from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.roles import Role
from dps_portal.cqc.models import CqcLocation
from dps_portal.extensions import db
from dps_portal.providers.models import CqcRating, ProviderOrganisation
from tests.factories import make_home, make_provider, make_user

_numbers = itertools.count(1)

COMPLETE_ORGANISATION = {
    "companies_house_number": "01234567",
    "cqc_provider_id": "1-102643096",
    "address_line_1": "1 Market Place",
    "town": "Chesterfield",
    "postcode": "S40 1AB",
    "contact_name": "Ada Contact",
    "email": "contact@example.org",
    "phone": "01632 960001",
    "signatory_name": "Sam Signer",
    "signatory_role": "Director",
    "signatory_email": "sam@example.org",
}


def make_provider_user(provider: ProviderOrganisation | None = None, *, manages=True, **fields):
    return make_user(
        Role.provider,
        provider=provider or make_provider(),
        can_manage_organisation=manages,
        **fields,
    )


def make_complete_provider(**fields) -> ProviderOrganisation:
    """An organisation with every detail an application needs."""
    number = next(_numbers)
    details = {
        **COMPLETE_ORGANISATION,
        "companies_house_number": f"{70000000 + number:08d}",
        "cqc_provider_id": f"1-{500000000 + number}",
    }
    return make_provider(**{**details, **fields})


def make_complete_home(provider, framework, **fields):
    """A home with every detail an application needs."""
    return make_home(
        provider,
        **{
            "address_line_1": "2 Church Lane",
            "town": "Chesterfield",
            "postcode": "S40 2CD",
            "district_id": framework.districts[0].id,
            "setting_id": framework.settings[0].id,
            "registered_beds": 12,
            "registered_manager": "Rita Manager",
            "cqc_rating": CqcRating.good,
            "cqc_rating_on": date(2025, 6, 1),
            **fields,
        },
    )


def make_cqc_location(**fields) -> CqcLocation:
    number = next(_numbers)
    location = CqcLocation(
        location_id=fields.pop("location_id", f"1-{800000000 + number}"),
        name=fields.pop("name", f"CQC Home {number}"),
        **fields,
    )
    db.session.add(location)
    db.session.flush()
    return location


def audit_events(action) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()
