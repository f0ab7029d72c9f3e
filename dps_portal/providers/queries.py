"""Provider-side reads start from the signed-in user's own organisation."""

import functools
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_login import current_user
from sqlalchemy import Date, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import joinedload

from dps_portal.core.pagination import RowsPagination
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome, CqcRating, ProviderOrganisation
from dps_portal.providers.rules import home_gaps, normalise_postcode, organisation_gaps


def own_provider_id() -> int:
    """The signed-in provider user's organisation id; anyone else is refused."""
    if not current_user.is_authenticated or current_user.role is not Role.provider:
        abort(403)
    return current_user.provider_id


def own_rows(model) -> Select:
    """SELECT rows of `model` belonging to the user's organisation, and no one else's.

    `model` must have a provider_id column; another organisation's rows cannot be reached
    by changing an id in a URL, because the query never includes them."""
    return select(model).where(model.provider_id == own_provider_id())


def own_row_or_404(model, row_id: int):
    row = db.session.scalars(own_rows(model).where(model.id == row_id)).first()
    if row is None:
        abort(404)
    return row


def own_organisation() -> ProviderOrganisation:
    """The signed-in provider user's organisation."""
    return db.session.get(ProviderOrganisation, own_provider_id())


def own_homes() -> list[CareHome]:
    return db.session.scalars(own_homes_query()).all()


def _homes_table_loads() -> tuple:
    """The homes table's district and setting, joined into the list's own statement."""
    return joinedload(CareHome.district), joinedload(CareHome.setting)


def own_homes_query() -> Select:
    """The organisation's homes by name, with what the homes table shows loaded."""
    return own_rows(CareHome).options(*_homes_table_loads()).order_by(CareHome.name, CareHome.id)


@dataclass
class OwnHomesPage:
    """A page of the organisation's homes and whether it is admitted to any category (the
    homes page then shows each home's eligibility)."""

    page: RowsPagination
    is_admitted: bool


def own_homes_page() -> OwnHomesPage:
    """A page (`?page=`) of the organisation's homes, counted and asked whether the
    organisation is admitted in the same statement."""
    from dps_portal.onboarding.models import Admission

    is_admitted = select(Admission.id).where(Admission.provider_id == own_provider_id()).exists()
    query = own_homes_query().add_columns(
        func.count().over().label("total"), is_admitted.label("is_admitted")
    )
    page = RowsPagination(
        select=query, session=db.session, per_page=PAGE_SIZE, error_out=False, count=False
    )
    rows, page.items = page.items, [row.CareHome for row in page.items]
    if rows:
        page.total = rows[0].total
    else:  # no homes, or past the last page: count on their own
        page.total = db.session.scalar(
            select(func.count()).where(CareHome.provider_id == own_provider_id())
        )
    return OwnHomesPage(page, is_admitted=bool(rows) and bool(rows[0].is_admitted))


def homes_of(provider: ProviderOrganisation) -> list[CareHome]:
    """A provider's homes by name, with what the homes table shows loaded."""
    return db.session.scalars(
        select(CareHome)
        .where(CareHome.provider_id == provider.id)
        .options(*_homes_table_loads())
        .order_by(CareHome.name, CareHome.id)
    ).all()


def suspensions_waiting_or_in_force(provider_id: int, today: date) -> list:
    """The provider's suspension recommendations waiting for an officer, then its
    suspensions in force (Suspension.is_in_force), each oldest first, with their homes'
    names: one statement."""
    return db.session.scalars(
        _suspensions_waiting_or_in_force(), {"provider_id": provider_id, "today": today}
    ).all()


@functools.cache
def _suspensions_waiting_or_in_force() -> Select:
    """Built once, with bind parameters: building it costs as much as running it."""
    from dps_portal.contracts.models import Suspension, SuspensionState

    is_waiting = Suspension.state == SuspensionState.recommended
    in_force = Suspension.is_in_force(bindparam("today", type_=Date))
    return (
        select(Suspension)
        .where(Suspension.provider_id == bindparam("provider_id"), is_waiting | in_force)
        .options(joinedload(Suspension.care_home).load_only(CareHome.name, raiseload=True))
        .order_by(case((is_waiting, 0), else_=1), Suspension.created_at, Suspension.id)
    )


def users_of(provider: ProviderOrganisation) -> list:
    from dps_portal.accounts.models import User

    return db.session.scalars(
        select(User).where(User.provider_id == provider.id).order_by(User.full_name, User.id)
    ).all()


def home_with_location_id(location_id: str) -> CareHome | None:
    """The home of any provider that has this CQC location ID."""
    return db.session.scalars(
        select(CareHome).where(CareHome.cqc_location_id == location_id)
    ).first()


# What a provider must still do before it can apply.


@dataclass(frozen=True)
class HomeReadiness:
    home: CareHome
    gaps: list[tuple[str, str]]


@dataclass(frozen=True)
class Readiness:
    """What a provider must still give before it can apply: (field, message) pairs for the
    organisation and for each home, so a page can link each to the field to fill in."""

    organisation_gaps: list[tuple[str, str]]
    homes: list[HomeReadiness]

    @property
    def is_ready(self) -> bool:
        return (
            not self.organisation_gaps
            and bool(self.homes)
            and not any(home.gaps for home in self.homes)
        )


def readiness(provider: ProviderOrganisation, homes: list[CareHome]) -> Readiness:
    return Readiness(
        organisation_gaps=organisation_gaps(provider),
        homes=[HomeReadiness(home, home_gaps(home)) for home in homes],
    )


# Details the CQC has published about a location, to fill in a new home.


@dataclass(frozen=True)
class CqcDetails:
    """What the imported CQC data says about a location: the home form's fields, and the
    rating that adding the home will record (not a field: a provider never sets it)."""

    values: dict
    provider_name: str
    rating: CqcRating | None = None
    rating_on: date | None = None

    @property
    def has_details(self) -> bool:
        """Whether the data names or places the location: a ratings file alone gives a
        location only its rating, and the provider then enters the rest."""
        return any(self.values.get(field) for field in ("name", "address_line_1", "postcode"))


def _split_address(address: str) -> tuple[str, str, str]:
    """The CQC's one-line address ("12 Ashgate Road, Brimington, Chesterfield") as line 1,
    line 2 and town."""
    parts = [part.strip() for part in address.replace("\n", ",").split(",") if part.strip()]
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return parts[0], "", ""
    return parts[0], ", ".join(parts[1:-1]), parts[-1]


def _rating_named(label: str) -> CqcRating | None:
    wanted = " ".join(label.split()).lower()
    return next((rating for rating in CqcRating if rating.value.lower() == wanted), None)


def _setting_for(service_types: str, framework) -> int | None:
    """Residential or nursing, when the CQC's service types say which (and only one)."""
    text = service_types.lower()
    codes = set()
    if "with nursing" in text:
        codes.add("nursing")
    if "without nursing" in text:
        codes.add("residential")
    if len(codes) != 1:
        return None
    code = codes.pop()
    return next((s.id for s in framework.settings if s.code == code), None)


def cqc_details(location_id: str, framework) -> CqcDetails | None:
    """The home form's values from the imported CQC data, or None if the CQC data has no
    such location. The district is guessed only when one of the framework's districts is
    named like the town."""
    from dps_portal.cqc.models import CqcLocation

    location = db.session.get(CqcLocation, location_id)
    if location is None:
        return None
    line_1, line_2, town = _split_address(location.address)
    rating = _rating_named(location.overall_rating)
    districts = {d.name.lower(): d.id for d in framework.districts} if framework else {}
    values = {
        "cqc_location_id": location.location_id,
        "name": location.name,
        "address_line_1": line_1,
        "address_line_2": line_2,
        "town": town,
        "postcode": normalise_postcode(location.postcode),
        "district_id": districts.get(town.lower()),
        "setting_id": _setting_for(location.service_types, framework) if framework else None,
    }
    return CqcDetails(
        values=values,
        provider_name=location.provider_name,
        rating=rating,
        rating_on=location.rating_published_on if rating else None,
    )


# The council's view of every provider.


@dataclass(frozen=True)
class ProviderRow:
    provider: ProviderOrganisation
    homes: int
    beds: int


PAGE_SIZE = 50


def providers_named(name: str = "") -> Select:
    """Every organisation by name, optionally only those whose legal or trading name
    contains `name`."""
    query = select(ProviderOrganisation).order_by(
        func.lower(ProviderOrganisation.legal_name), ProviderOrganisation.id
    )
    name = name.strip()
    if name:
        pattern = f"%{_escape_like(name.lower())}%"
        query = query.where(
            or_(
                func.lower(ProviderOrganisation.legal_name).like(pattern, escape="\\"),
                func.lower(ProviderOrganisation.trading_name).like(pattern, escape="\\"),
            )
        )
    return query


def with_capacity(providers: list[ProviderOrganisation]) -> list[ProviderRow]:
    """Each organisation with its number of homes and registered beds: one aggregate query
    for the page's organisations."""
    homes = func.count(CareHome.id)
    beds = func.coalesce(func.sum(CareHome.registered_beds), 0)
    totals = {
        provider_id: (count, total)
        for provider_id, count, total in db.session.execute(
            select(CareHome.provider_id, homes, beds)
            .where(CareHome.provider_id.in_([provider.id for provider in providers]))
            .group_by(CareHome.provider_id)
        )
    }
    return [ProviderRow(provider, *totals.get(provider.id, (0, 0))) for provider in providers]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
