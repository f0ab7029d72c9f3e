"""Read models for the contract gate's pages: eligibility across the market, advice for the
provider, and suspensions in the order officers work through them. Whether a home is
eligible is only ever asked of dps_portal.contracts.eligibility."""

from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, selectinload

from dps_portal.contracts.eligibility import Barrier, Eligibility, eligibility_of
from dps_portal.contracts.models import Suspension, SuspensionState
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.extensions import db
from dps_portal.framework.models import Category, current_framework
from dps_portal.onboarding.admissions import admitted_pairs
from dps_portal.providers.models import CareHome, ProviderOrganisation

# What a provider can do about each barrier, in plain words.
PROVIDER_ADVICE: dict[Barrier, str] = {
    Barrier.not_admitted: (
        "Apply to join the category, putting this home forward, before it can receive "
        "placements in it."
    ),
    Barrier.no_initial_visit: (
        "A council quality monitor visits each newly admitted home. The home can receive "
        "placements once the visit is finalised as satisfactory."
    ),
    Barrier.terms_not_accepted: (
        "Your authorised signatory must accept the current terms and conditions."
    ),
    Barrier.provider_suspended: (
        "The council has suspended your organisation from new placements. Existing placements "
        "continue. Contact the contracts team about what needs to change."
    ),
    Barrier.home_suspended: (
        "The council has suspended this home from new placements. Existing placements "
        "continue. Contact the contracts team about what needs to change."
    ),
    Barrier.evidence_expired: "Upload current evidence to replace what has expired.",
    Barrier.cqc_not_registered: (
        "The home must be registered with the Care Quality Commission (CQC). Check its CQC "
        "location ID, or tell the contracts team if the registration has changed."
    ),
    Barrier.cqc_inadequate: (
        "A contracts officer reviews every home that CQC rates Inadequate. Contact the "
        "contracts team with your improvement plan."
    ),
    Barrier.declaration_overdue: "Confirm your organisation's self-declaration again.",
}


# Where the provider does it, when the portal has the page.
PROVIDER_ADVICE_PAGES: dict[Barrier, tuple[str, str]] = {
    Barrier.not_admitted: ("onboarding.list_applications", "See your applications"),
    Barrier.terms_not_accepted: ("terms.show_terms", "Read and accept the terms and conditions"),
    Barrier.evidence_expired: ("evidence.list_evidence", "Renew your evidence"),
}


@dataclass(frozen=True)
class Advice:
    text: str
    link_text: str = ""
    href: str = ""


def provider_advice(results: list[Eligibility]) -> list[Advice]:
    """What the provider can do, once per barrier, in the order people read them."""
    barriers = {barrier for result in results for barrier in result.barriers}
    advice = []
    for barrier, text in PROVIDER_ADVICE.items():
        if barrier not in barriers:
            continue
        endpoint, link_text = PROVIDER_ADVICE_PAGES.get(barrier, ("", ""))
        if endpoint in current_app.view_functions:
            advice.append(Advice(text, link_text, url_for(endpoint)))
        else:
            advice.append(Advice(text))
    return advice


# The market's eligibility.

PAGE_SIZE = 50


class ListPagination(Pagination):
    """A page of a list already in memory, for the pagination macro: the rows of an answer
    that only Python can give (the contract gate's), counted from the list itself."""

    def _query_items(self) -> list:
        return self._query_args["rows"][self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


@dataclass(frozen=True)
class EligibilityRow:
    provider: ProviderOrganisation
    home: CareHome
    category: Category
    result: Eligibility


@dataclass(frozen=True)
class EligibilityCounts:
    pairs: int
    eligible: int

    @property
    def not_eligible(self) -> int:
        return self.pairs - self.eligible


@dataclass(frozen=True)
class MarketEligibility:
    """A page of homes (each with its rows, one per category), the counts of every home and
    category before the "not eligible only" filter, and those counts per category."""

    page: Pagination
    counts: EligibilityCounts
    by_category: list[tuple[Category, EligibilityCounts]]

    @property
    def rows(self) -> list[EligibilityRow]:
        return [row for home_rows in self.page.items for row in home_rows]


def admitted_homes_and_categories(
    category_id: int | None = None,
) -> list[tuple[CareHome, Category]]:
    """Every home admitted to a category, with that category, its provider loaded."""
    pairs = admitted_pairs().subquery()
    query = (
        select(CareHome, Category)
        .join(pairs, pairs.c.care_home_id == CareHome.id)
        .join(Category, Category.id == pairs.c.category_id)
        .join(ProviderOrganisation, ProviderOrganisation.id == CareHome.provider_id)
        .options(contains_eager(CareHome.provider))
        .order_by(
            ProviderOrganisation.legal_name,
            ProviderOrganisation.id,
            CareHome.name,
            CareHome.id,
            Category.position,
            Category.id,
        )
    )
    if category_id is not None:
        query = query.where(Category.id == category_id)
    return [(home, category) for home, category in db.session.execute(query)]


def _counts(rows: list[EligibilityRow]) -> EligibilityCounts:
    return EligibilityCounts(
        pairs=len(rows), eligible=sum(1 for row in rows if row.result.is_eligible)
    )


def market_eligibility(
    category_id: int | None = None,
    *,
    not_eligible_only: bool = False,
    today: date | None = None,
    per_page: int = PAGE_SIZE,
) -> MarketEligibility:
    """Each admitted home and category with its eligibility, paginated by home (the page
    comes from the request's ?page=), and the counts before the "not eligible only" filter.
    The gate is asked once for the whole set, in a fixed number of queries."""
    pairs = admitted_homes_and_categories(category_id)
    answers = eligibility_of(pairs, today)
    rows = [
        EligibilityRow(home.provider, home, category, result)
        for (home, category), result in zip(pairs, answers, strict=True)
    ]
    per_category: dict[int, list[EligibilityRow]] = {}
    chosen: dict[int, Category] = {}
    for row in rows:
        per_category.setdefault(row.category.id, []).append(row)
        chosen[row.category.id] = row.category
    by_category = [
        (category, _counts(per_category[category.id]))
        for category in sorted(chosen.values(), key=lambda each: (each.position, each.id))
    ]
    counts = _counts(rows)
    if not_eligible_only:
        rows = [row for row in rows if not row.result.is_eligible]
    homes: dict[int, list[EligibilityRow]] = {}
    for row in rows:
        homes.setdefault(row.home.id, []).append(row)
    page = ListPagination(per_page=per_page, error_out=False, rows=list(homes.values()))
    return MarketEligibility(page=page, counts=counts, by_category=by_category)


def categories() -> list[Category]:
    framework = current_framework()
    return list(framework.categories) if framework else []


# Suspensions.


@dataclass(frozen=True)
class SuspensionStatus:
    text: str
    tag_class: str
    is_in_force: bool = False


def suspension_status(suspension: Suspension, today: date | None = None) -> SuspensionStatus:
    """Derived from the dates: an active suspension past its end date shows as ended."""
    today = today or clock.today_uk()
    state = suspension.state
    if state is SuspensionState.recommended:
        return SuspensionStatus("Waiting for an officer", "govuk-tag--blue")
    if state is SuspensionState.declined:
        return SuspensionStatus("Recommendation declined", "govuk-tag--grey")
    if state is SuspensionState.lifted:
        return SuspensionStatus(f"Lifted on {format_date(suspension.lifted_at)}", "govuk-tag--grey")
    if suspension.is_in_force(today):
        return SuspensionStatus("Suspended", "govuk-tag--red", is_in_force=True)
    return SuspensionStatus(f"Ended on {format_date(suspension.ends_on)}", "govuk-tag--grey")


@dataclass(frozen=True)
class SuspensionGroups:
    waiting: list[Suspension]
    in_force: list[Suspension]
    # One page of those ended, lifted or declined (they only grow); `ended_page` pages them.
    ended: list[Suspension]
    ended_page: Pagination


def _suspensions() -> Select:
    """Suspensions with what their lists show (the home and the provider) loaded."""
    return select(Suspension).options(
        selectinload(Suspension.provider), selectinload(Suspension.care_home)
    )


def waiting_and_in_force(
    today: date | None = None, *, provider_id: int | None = None
) -> tuple[list[Suspension], list[Suspension]]:
    """Recommendations waiting for an officer and suspensions in force, oldest first: few at
    any time, whatever the history."""
    today = today or clock.today_uk()
    oldest_first = (Suspension.created_at, Suspension.id)
    waiting = _suspensions().where(Suspension.state == SuspensionState.recommended)
    in_force = _suspensions().where(Suspension.is_in_force(today))
    if provider_id is not None:
        waiting = waiting.where(Suspension.provider_id == provider_id)
        in_force = in_force.where(Suspension.provider_id == provider_id)
    return (
        list(db.session.scalars(waiting.order_by(*oldest_first))),
        list(db.session.scalars(in_force.order_by(*oldest_first))),
    )


def suspension_groups(
    today: date | None = None,
    *,
    provider_id: int | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> SuspensionGroups:
    """Recommendations waiting for an officer (oldest first), then those in force, then a
    page of those ended, lifted or declined (newest first)."""
    today = today or clock.today_uk()
    waiting, in_force = waiting_and_in_force(today, provider_id=provider_id)
    ended = _suspensions().where(
        Suspension.state != SuspensionState.recommended, ~Suspension.is_in_force(today)
    )
    if provider_id is not None:
        ended = ended.where(Suspension.provider_id == provider_id)
    ended_page = db.paginate(
        ended.order_by(Suspension.created_at.desc(), Suspension.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return SuspensionGroups(
        waiting=waiting, in_force=in_force, ended=list(ended_page.items), ended_page=ended_page
    )


def recommendations_waiting() -> int:
    return db.session.scalar(
        select(func.count(Suspension.id)).where(Suspension.state == SuspensionState.recommended)
    )
