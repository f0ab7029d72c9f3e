"""The officers' register of the DPS: every provider with its standing on the DPS (admitted
per category, an application pending, rejected, suspended), its homes with their eligibility
in each category it is admitted to, and the way to its records. Searched, filtered, sorted and
counted in SQL; a page's rows, or the CSV's in batches, read in a fixed number of statements.

The standing is read from the records that decide it, never stored: admissions
(`onboarding.admissions`), applications and their category decisions, suspensions in force
(`contracts.models.Suspension.is_in_force`); eligibility is the contract gate's
(`contracts.eligibility.eligibility_of`), asked once for every home of the page or batch."""

import enum
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import joinedload, load_only

from dps_portal.contracts.eligibility import Eligibility, eligibility_of
from dps_portal.contracts.models import Suspension
from dps_portal.core.clock import to_uk
from dps_portal.core.forms import id_from
from dps_portal.extensions import db
from dps_portal.framework.models import Category, District
from dps_portal.onboarding.models import (
    Admission,
    Application,
    ApplicationCategory,
    CategoryDecision,
)
from dps_portal.placements.models import Placement
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import QualityReturn, ReturnState, Visit, VisitState

# 25 providers a page: with their homes (about 75 at county scale) a page of 50 was 150 homes
# and 200 KB, more than anyone reads before searching or filtering.
PER_PAGE = 25
# A search longer than any name is cut: nothing would match the rest.
SEARCH_LIMIT = 200
# The CSV reads this many providers at a time, so a county streams in steady steps.
CSV_BATCH = 200


class Standing(enum.Enum):
    """A provider's status on the DPS, as the register filters by it. A provider can hold
    several at once (admitted to one category, applying for another)."""

    admitted = "Admitted"
    pending = "Application pending"
    rejected = "Rejected"
    suspended = "Suspended"
    not_applied = "Not applied yet"


class Sort(enum.Enum):
    """The register's orders (short enough for a quarter of the page's width)."""

    name = "Name, A to Z"
    name_desc = "Name, Z to A"
    admitted_newest = "Newest admitted"
    admitted_oldest = "Oldest admitted"
    homes_most = "Most homes"
    homes_fewest = "Fewest homes"


@dataclass(frozen=True)
class RegisterFilters:
    """What the register shows: every search and filter optional, the order named."""

    name: str = ""
    # Upper case without spaces, as the database's values are compared.
    cqc_id: str = ""
    postcode: str = ""
    district_id: int | None = None
    category_id: int | None = None
    status: Standing | None = None
    sort: Sort = Sort.name

    @classmethod
    def from_values(cls, values: dict[str, str]) -> "RegisterFilters":
        """From the search form's valid values (a field with an error comes blank)."""
        return cls(
            name=(values.get("name") or "").strip()[:SEARCH_LIMIT],
            cqc_id=_compact_text(values.get("cqc_id")),
            postcode=_compact_text(values.get("postcode")),
            district_id=id_from(values.get("district")),
            category_id=id_from(values.get("category")),
            status=Standing.__members__.get(values.get("status") or ""),
            sort=Sort.__members__.get(values.get("sort") or "", Sort.name),
        )

    def as_args(self) -> dict[str, str]:
        """The query values that ask for this list again (links, pages, the CSV, the audit)."""
        values = {
            "name": self.name,
            "cqc_id": self.cqc_id,
            "postcode": self.postcode,
            "district": self.district_id or "",
            "category": self.category_id or "",
            "status": self.status.name if self.status else "",
            "sort": self.sort.name if self.sort is not Sort.name else "",
        }
        return {key: str(value) for key, value in values.items() if value}

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, each.name) for each in fields(self) if each.name != "sort")


def _compact_text(value: str | None) -> str:
    """Upper case without spaces: " s40 1aa" is "S401AA"."""
    return "".join((value or "").split()).upper()


# The standing, in SQL: each a condition on ProviderOrganisation, in one category or any.


def _admitted(category_id: int | None) -> ColumnElement[bool]:
    query = select(Admission.provider_id)
    if category_id:
        query = query.where(Admission.category_id == category_id)
    return ProviderOrganisation.id.in_(query)


def _applied_for(category_id: int | None, *conditions) -> ColumnElement[bool]:
    """The provider has an application the council received (naming the category) that
    meets `conditions`."""
    query = select(Application.provider_id).where(Application.received_on.is_not(None))
    if category_id or conditions:
        query = query.join(
            ApplicationCategory, ApplicationCategory.application_id == Application.id
        )
    if category_id:
        query = query.where(ApplicationCategory.category_id == category_id)
    return ProviderOrganisation.id.in_(query.where(*conditions))


def _pending(category_id: int | None) -> ColumnElement[bool]:
    return _applied_for(category_id, Application.is_awaiting_decision)


def _rejected(category_id: int | None) -> ColumnElement[bool]:
    """A category rejected that the provider is neither admitted to since nor applying for
    again."""
    pair = tuple_(Application.provider_id, ApplicationCategory.category_id)
    pending_pairs = (
        select(Application.provider_id, ApplicationCategory.category_id)
        .join(ApplicationCategory, ApplicationCategory.application_id == Application.id)
        .where(Application.is_awaiting_decision)
    )
    return _applied_for(
        category_id,
        ApplicationCategory.decision == CategoryDecision.rejected,
        pair.not_in(select(Admission.provider_id, Admission.category_id)),
        pair.not_in(pending_pairs),
    )


def _suspended(today: date) -> ColumnElement[bool]:
    """A suspension in force: of the whole provider or of one of its homes."""
    return ProviderOrganisation.id.in_(
        select(Suspension.provider_id).where(Suspension.is_in_force(today))
    )


def _not_applied() -> ColumnElement[bool]:
    """No application received (a draft is the provider's own business), nor admitted."""
    return and_(
        ProviderOrganisation.id.not_in(
            select(Application.provider_id).where(Application.received_on.is_not(None))
        ),
        ~_admitted(None),
    )


def standing_condition(
    standing: Standing, category_id: int | None, today: date
) -> ColumnElement[bool]:
    """SQL for "the provider has this standing" (in the category, where one is given)."""
    if standing is Standing.admitted:
        return _admitted(category_id)
    if standing is Standing.pending:
        return _pending(category_id)
    if standing is Standing.rejected:
        return _rejected(category_id)
    if standing is Standing.suspended:
        return _suspended(today)
    return _not_applied()


def _in_category(category_id: int) -> ColumnElement[bool]:
    """Admitted to the category, or applied for it."""
    return or_(_admitted(category_id), _applied_for(category_id))


def _with_homes(*conditions) -> ColumnElement[bool]:
    return ProviderOrganisation.id.in_(select(CareHome.provider_id).where(*conditions))


def _compact(column):
    """A postcode or ID as the search compares it: upper case, without spaces."""
    return func.replace(func.upper(column), " ", "")


def _searched(query, filters: RegisterFilters, today: date, *, with_status: bool = True):
    """The searches and filters as SQL, on a query that selects from ProviderOrganisation."""
    if filters.name:
        query = query.where(
            or_(
                ProviderOrganisation.legal_name.icontains(filters.name, autoescape=True),
                ProviderOrganisation.trading_name.icontains(filters.name, autoescape=True),
                _with_homes(CareHome.name.icontains(filters.name, autoescape=True)),
            )
        )
    if filters.cqc_id:
        query = query.where(
            or_(
                func.upper(ProviderOrganisation.cqc_provider_id).startswith(
                    filters.cqc_id, autoescape=True
                ),
                _with_homes(
                    func.upper(CareHome.cqc_location_id).startswith(filters.cqc_id, autoescape=True)
                ),
            )
        )
    if filters.postcode:
        query = query.where(
            or_(
                _compact(ProviderOrganisation.postcode).startswith(
                    filters.postcode, autoescape=True
                ),
                _with_homes(
                    _compact(CareHome.postcode).startswith(filters.postcode, autoescape=True)
                ),
            )
        )
    if filters.district_id:
        query = query.where(_with_homes(CareHome.district_id == filters.district_id))
    if with_status and filters.status is not None:
        query = query.where(standing_condition(filters.status, filters.category_id, today))
        if filters.status in (Standing.suspended, Standing.not_applied) and filters.category_id:
            query = query.where(_in_category(filters.category_id))
    elif filters.category_id:
        query = query.where(_in_category(filters.category_id))
    return query


# The order: each sort with the id last, so that pages never share or skip a row.


def _display_name():
    return func.lower(
        case(
            (ProviderOrganisation.trading_name != "", ProviderOrganisation.trading_name),
            else_=ProviderOrganisation.legal_name,
        )
    )


def _ordered(query, filters: RegisterFilters):
    name = _display_name()
    sort = filters.sort
    if sort in (Sort.admitted_newest, Sort.admitted_oldest):
        first = select(
            Admission.provider_id.label("provider_id"),
            func.min(Admission.admitted_at).label("admitted_at"),
        ).group_by(Admission.provider_id)
        if filters.category_id:
            first = first.where(Admission.category_id == filters.category_id)
        first = first.subquery("first_admitted")
        query = query.outerjoin(first, first.c.provider_id == ProviderOrganisation.id)
        admitted_at = first.c.admitted_at
        # Never admitted last, whichever way: a portable NULLS LAST.
        never = case((admitted_at.is_(None), 1), else_=0)
        if sort is Sort.admitted_newest:
            return query.order_by(never, admitted_at.desc(), name, ProviderOrganisation.id)
        return query.order_by(never, admitted_at, name, ProviderOrganisation.id)
    if sort in (Sort.homes_most, Sort.homes_fewest):
        counted = (
            select(
                CareHome.provider_id.label("provider_id"),
                func.count(CareHome.id).label("homes"),
            )
            .group_by(CareHome.provider_id)
            .subquery("home_counts")
        )
        query = query.outerjoin(counted, counted.c.provider_id == ProviderOrganisation.id)
        homes = func.coalesce(counted.c.homes, 0)
        if sort is Sort.homes_most:
            return query.order_by(homes.desc(), name, ProviderOrganisation.id)
        return query.order_by(homes, name, ProviderOrganisation.id)
    if sort is Sort.name_desc:
        return query.order_by(name.desc(), ProviderOrganisation.id.desc())
    return query.order_by(name, ProviderOrganisation.id)


def providers_query(filters: RegisterFilters, today: date):
    """SELECT the providers the filters leave, in the order asked."""
    return _ordered(_searched(select(ProviderOrganisation), filters, today), filters)


def standing_counts(filters: RegisterFilters, today: date) -> dict[Standing, int]:
    """Per standing, how many providers the other filters leave: one aggregate statement."""
    row = db.session.execute(_standing_counts_statement(filters, today)).one()
    return {"all": row[0]} | dict(zip(Standing, row[1:], strict=True))


@functools.lru_cache(maxsize=32)
def _standing_counts_statement(filters: RegisterFilters, today: date):
    """standing_counts' statement, built once a day for each search (most are the blank one):
    SQLAlchemy keeps a statement's cache key with it, and walking this one costs a millisecond."""
    base = _searched(select(ProviderOrganisation.id), filters, today, with_status=False)
    counts = [
        func.coalesce(
            func.sum(
                case(
                    (
                        and_(
                            standing_condition(standing, filters.category_id, today),
                            *(
                                [_in_category(filters.category_id)]
                                if filters.category_id
                                and standing in (Standing.suspended, Standing.not_applied)
                                else []
                            ),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        for standing in Standing
    ]
    return select(func.count(ProviderOrganisation.id), *counts).where(
        ProviderOrganisation.id.in_(base)
    )


# A page's rows, and the facts each shows.


@dataclass
class HomeRow:
    home: CareHome
    # The gate's answer in each category the provider is admitted to.
    eligibility: list[Eligibility] = field(default_factory=list)

    @property
    def eligible_in(self) -> list[Category]:
        return [answer.category for answer in self.eligibility if answer.is_eligible]

    @property
    def address(self) -> str:
        """The postcode and district, as far as known: "S40 1AA, Chesterfield"."""
        district = self.home.district
        return ", ".join(part for part in (self.home.postcode, district and district.name) if part)


@dataclass(frozen=True)
class Records:
    """How many of each record the council holds for the provider, and the latest one."""

    applications: int = 0
    latest_application_id: int | None = None
    visits: int = 0
    latest_visit_id: int | None = None
    returns: int = 0
    latest_return_id: int | None = None
    placements: int = 0


@dataclass
class ProviderRow:
    provider: ProviderOrganisation
    admissions: list[tuple[Category, datetime]] = field(default_factory=list)
    pending: list[Category] = field(default_factory=list)
    decision_due_on: date | None = None
    rejected: list[Category] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    homes: list[HomeRow] = field(default_factory=list)
    records: Records = field(default_factory=Records)

    @property
    def admitted(self) -> list[Category]:
        return [category for category, _ in self.admissions]

    @property
    def first_admitted_at(self) -> datetime | None:
        return min((at for _, at in self.admissions), default=None)

    @property
    def provider_suspension(self) -> Suspension | None:
        return next((each for each in self.suspensions if each.care_home_id is None), None)

    @property
    def suspended_homes(self) -> list[CareHome]:
        return [each.care_home for each in self.suspensions if each.care_home_id is not None]

    @property
    def has_applied(self) -> bool:
        return self.records.applications > 0

    @property
    def eligible_homes(self) -> int:
        return sum(1 for home in self.homes if home.eligible_in)


def rows_for(providers: list[ProviderOrganisation], today: date) -> list[ProviderRow]:
    """Each provider with its standing, homes, eligibility and records: the same fixed
    number of statements for a full page as for 1, however many homes they have."""
    if not providers:
        return []
    ids = [provider.id for provider in providers]
    rows = {provider.id: ProviderRow(provider) for provider in providers}
    for provider_id, category, admitted_at in db.session.execute(
        select(Admission.provider_id, Category, Admission.admitted_at)
        .join(Category, Category.id == Admission.category_id)
        .where(Admission.provider_id.in_(ids))
        .order_by(Category.position, Category.id)
    ):
        rows[provider_id].admissions.append((category, admitted_at))
    _read_applications(rows, ids)
    for suspension in db.session.scalars(
        select(Suspension)
        .where(Suspension.provider_id.in_(ids), Suspension.is_in_force(today))
        .options(joinedload(Suspension.care_home))
        .order_by(Suspension.started_at, Suspension.id)
    ):
        rows[suspension.provider_id].suspensions.append(suspension)
    homes = db.session.scalars(
        select(CareHome)
        .where(CareHome.provider_id.in_(ids))
        .options(
            # Only what the list, the CSV and the gate's words read (a page holds 150 homes).
            load_only(
                CareHome.provider_id,
                CareHome.name,
                CareHome.postcode,
                CareHome.cqc_location_id,
                CareHome.cqc_review_required_since,
                raiseload=True,
            ),
            joinedload(CareHome.district).load_only(District.name, raiseload=True),
        )
        .order_by(func.lower(CareHome.name), CareHome.id)
    ).all()
    for home in homes:
        rows[home.provider_id].homes.append(HomeRow(home))
    _read_eligibility(rows.values(), today)
    for provider_id, records in _records(ids).items():
        rows[provider_id].records = records
    return [rows[provider_id] for provider_id in ids]


def _read_applications(rows: dict[int, ProviderRow], ids: list[int]) -> None:
    """The categories of each provider's applications awaiting a decision (and the date it
    is due), and those rejected that it is neither admitted to nor applying for again."""
    results = db.session.execute(
        select(
            Application.provider_id,
            Application.is_awaiting_decision,
            Application.decision_due_on,
            ApplicationCategory.decision,
            Category,
        )
        .join(ApplicationCategory, ApplicationCategory.application_id == Application.id)
        .join(Category, Category.id == ApplicationCategory.category_id)
        .where(
            Application.provider_id.in_(ids),
            Application.received_on.is_not(None),
            or_(
                Application.is_awaiting_decision,
                ApplicationCategory.decision == CategoryDecision.rejected,
            ),
        )
        .order_by(Category.position, Category.id)
    ).all()
    rejected: dict[int, list[Category]] = defaultdict(list)
    for provider_id, awaiting, due_on, decision, category in results:
        row = rows[provider_id]
        if awaiting:
            if category not in row.pending:
                row.pending.append(category)
            if due_on is not None:
                row.decision_due_on = min(due_on, row.decision_due_on or due_on)
        elif decision is CategoryDecision.rejected:
            rejected[provider_id].append(category)
    for provider_id, categories in rejected.items():
        row = rows[provider_id]
        for category in categories:
            if category not in (*row.admitted, *row.pending, *row.rejected):
                row.rejected.append(category)


def _read_eligibility(rows: Iterable[ProviderRow], today: date) -> None:
    """The gate asked once for every home of these rows, in each category its provider is
    admitted to (a home not put forward for one is told so)."""
    asked = [
        (home_row, category) for row in rows for home_row in row.homes for category in row.admitted
    ]
    answers = eligibility_of([(home_row.home, category) for home_row, category in asked], today)
    for (home_row, _), answer in zip(asked, answers, strict=True):
        home_row.eligibility.append(answer)


def _records(ids: list[int]) -> dict[int, Records]:
    """Counts of each provider's applications, visits, returns and placements, and the latest
    of the first three: one statement of aggregates for the set."""
    provider = ProviderOrganisation.id
    received = and_(Application.provider_id == provider, Application.received_on.is_not(None))
    held = and_(Visit.provider_id == provider, Visit.state != VisitState.cancelled)
    sent = and_(QualityReturn.provider_id == provider, QualityReturn.state != ReturnState.due)

    def counted(model, condition):
        return select(func.count(model.id)).where(condition).scalar_subquery()

    def latest(model, condition, *order):
        return select(model.id).where(condition).order_by(*order).limit(1).scalar_subquery()

    query = select(
        provider,
        counted(Application, received),
        latest(Application, received, Application.received_on.desc(), Application.id.desc()),
        counted(Visit, held),
        latest(Visit, held, Visit.planned_on.desc(), Visit.id.desc()),
        counted(QualityReturn, sent),
        latest(QualityReturn, sent, QualityReturn.submitted_at.desc(), QualityReturn.id.desc()),
        counted(Placement, Placement.provider_id == provider),
    ).where(provider.in_(ids))
    return {provider_id: Records(*values) for provider_id, *values in db.session.execute(query)}


def register_page(filters: RegisterFilters, page: int, today: date):
    """The page asked for (PER_PAGE providers), and its rows."""
    listed = db.paginate(
        providers_query(filters, today), page=page, per_page=PER_PAGE, error_out=False
    )
    return listed, rows_for(list(listed.items), today)


# The CSV: what the list shows, every page of it, one line per home.


def csv_header(categories: list[Category]) -> list[str]:
    return [
        "Provider",
        "Legal name",
        "CQC provider ID",
        "Admitted to",
        "First admitted",
        "Application pending for",
        "Decision due",
        "Rejected for",
        "Suspended",
        "Care homes",
        "Care home",
        "CQC location ID",
        "Postcode",
        "District",
        *(f"Eligibility: {category.name}" for category in categories),
        "Applications",
        "Quality visits",
        "Quality returns",
        "Placements",
    ]


def _codes(categories: list[Category]) -> str:
    return ", ".join(category.code for category in categories)


def _suspended_in_words(row: ProviderRow) -> str:
    if row.provider_suspension is not None:
        return "Whole provider"
    return "; ".join(home.name for home in row.suspended_homes)


def _eligibility_in_words(answer: Eligibility | None) -> str:
    if answer is None:
        return ""
    if answer.is_eligible:
        return "Eligible"
    return "Not eligible: " + "; ".join(reason.text for reason in answer.reasons)


def csv_rows(
    filters: RegisterFilters, today: date, category_ids: list[int]
) -> Iterator[list[object]]:
    """Every line of the register's CSV, in the list's order, read CSV_BATCH providers at a
    time; an eligibility column for each of `category_ids`. A provider without homes has
    one line, its home columns blank."""
    ids = db.session.scalars(
        providers_query(filters, today).with_only_columns(
            ProviderOrganisation.id, maintain_column_froms=True
        )
    ).all()
    for start in range(0, len(ids), CSV_BATCH):
        batch = ids[start : start + CSV_BATCH]
        loaded = {
            provider.id: provider
            for provider in db.session.scalars(
                select(ProviderOrganisation).where(ProviderOrganisation.id.in_(batch))
            )
        }
        # A provider gone since the list was read is left out.
        providers = [loaded[provider_id] for provider_id in batch if provider_id in loaded]
        for row in rows_for(providers, today):
            yield from _csv_lines(row, category_ids)


def _csv_lines(row: ProviderRow, category_ids: list[int]) -> Iterator[list[object]]:
    provider = row.provider
    first_admitted = row.first_admitted_at
    before = [
        provider.display_name,
        provider.legal_name,
        provider.cqc_provider_id or "",
        _codes(row.admitted),
        to_uk(first_admitted).date().isoformat() if first_admitted else "",
        _codes(row.pending),
        row.decision_due_on.isoformat() if row.decision_due_on else "",
        _codes(row.rejected),
        _suspended_in_words(row),
        len(row.homes),
    ]
    records = row.records
    after = [records.applications, records.visits, records.returns, records.placements]
    if not row.homes:
        yield [*before, "", "", "", "", *("" for _ in category_ids), *after]
        return
    for home_row in row.homes:
        home = home_row.home
        answers = {answer.category.id: answer for answer in home_row.eligibility}
        yield [
            *before,
            home.name,
            home.cqc_location_id,
            home.postcode,
            home.district.name if home.district else "",
            *(_eligibility_in_words(answers.get(category_id)) for category_id in category_ids),
            *after,
        ]
