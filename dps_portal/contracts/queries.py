"""Read models for the contract gate's pages: eligibility across the market, advice for the
provider, and suspensions in the order officers work through them. Whether a home is
eligible is only ever asked of dps_portal.contracts.eligibility."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, load_only

from dps_portal.contracts.eligibility import (
    Barrier,
    Eligibility,
    barrier_conditions,
    eligibility_of,
    passed_gate_visit_home_ids,
)
from dps_portal.contracts.models import Suspension, SuspensionState
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.core.pagination import RowsPagination
from dps_portal.extensions import db
from dps_portal.framework.models import Category, council_contact, current_framework
from dps_portal.onboarding.admissions import admitted_home_ids, admitted_pairs
from dps_portal.onboarding.models import Admission
from dps_portal.providers.models import CareHome, ProviderOrganisation

# What a provider can do about each barrier, in plain words; "{contact}" is how to reach the
# council's contracts team (council_contact().in_words(): "the Contracts team at ...").
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
        "continue. Contact {contact} about what needs to change."
    ),
    Barrier.home_suspended: (
        "The council has suspended this home from new placements. Existing placements "
        "continue. Contact {contact} about what needs to change."
    ),
    Barrier.evidence_expired: "Upload current evidence to replace what has expired.",
    Barrier.cqc_not_registered: (
        "The home must be registered with the Care Quality Commission (CQC). Check its CQC "
        "location ID, or tell {contact} if the registration has changed."
    ),
    Barrier.cqc_inadequate: (
        "A contracts officer reviews every home that CQC rates Inadequate. Send your "
        "improvement plan to {contact}."
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
    contact = council_contact().in_words() if barriers else ""
    for barrier, words in PROVIDER_ADVICE.items():
        if barrier not in barriers:
            continue
        text = words.format(contact=contact)
        endpoint, link_text = PROVIDER_ADVICE_PAGES.get(barrier, ("", ""))
        if endpoint in current_app.view_functions:
            advice.append(Advice(text, link_text, url_for(endpoint)))
        else:
            advice.append(Advice(text))
    return advice


# The market's eligibility.

PAGE_SIZE = 50


@dataclass(frozen=True)
class EligibilityRow:
    provider: ProviderOrganisation
    home: CareHome
    category: Category
    result: Eligibility


@dataclass
class EligibilityCounts:
    pairs: int = 0
    eligible: int = 0

    @property
    def not_eligible(self) -> int:
        return self.pairs - self.eligible


@dataclass(frozen=True)
class MarketEligibility:
    """A page of homes (`page`, by home; `rows`, one per home and category on it, with the
    gate's answer and its reasons), the counts of every admitted home and category before
    the "not eligible only" filter, those counts per category, and how many pairs each
    barrier holds back."""

    page: Pagination
    rows: list[EligibilityRow]
    counts: EligibilityCounts
    by_category: list[tuple[Category, EligibilityCounts]]
    by_barrier: list[tuple[Barrier, int]]


def _admitted_pairs_joined(columns: Iterable, category_id: int | None) -> Select:
    """SELECT `columns` of every admitted home and category (CareHome and Category joined,
    so the gate's barrier_conditions apply), of one category when given: from the admitted
    pairs' own join, which holds CareHome already (joining it again costs a county's hash)."""
    query = (
        admitted_pairs()
        .join(Category, Category.id == Admission.category_id)
        .with_only_columns(*columns)
    )
    if category_id is not None:
        query = query.where(Category.id == category_id)
    return query


def _admitted_pair_barriers(today: date) -> dict[Barrier, ColumnElement[bool]]:
    """The gate's barrier_conditions for rows of admitted pairs: "not admitted" cannot hold
    for them (it is the same set), so PostgreSQL is spared hashing the county's pairs again."""
    conditions = barrier_conditions(today)
    del conditions[Barrier.not_admitted]
    return conditions


@functools.lru_cache(maxsize=8)
def _counts_statement(today: date, of_one_category: bool) -> Select:
    """eligibility_counts' aggregate, built once a day (the category a parameter): SQLAlchemy
    keeps a statement's cache key with it, and walking this one costs about a millisecond."""
    flags = list(_admitted_pair_barriers(today).values())
    category_id = bindparam("category_id") if of_one_category else None
    return _admitted_pairs_joined([Category.id, func.count(), *flags], category_id).group_by(
        Category.id, *flags
    )


def eligibility_counts(
    category_id: int | None = None, today: date | None = None
) -> tuple[EligibilityCounts, list[tuple[Category, EligibilityCounts]], list[tuple[Barrier, int]]]:
    """The admitted homes and categories counted in one aggregate query, by category and by
    which barriers hold: every pair, those eligible, each category's, and each barrier's."""
    today = today or clock.today_uk()
    conditions = _admitted_pair_barriers(today)
    rows = db.session.execute(
        _counts_statement(today, category_id is not None),
        {"category_id": category_id} if category_id is not None else {},
    ).all()
    counts = EligibilityCounts()
    per_category: dict[int, EligibilityCounts] = {}
    per_barrier = dict.fromkeys(barrier_conditions(today), 0)
    for category_id_, number, *holds in rows:
        held = [barrier for barrier, holding in zip(conditions, holds, strict=True) if holding]
        for each in (counts, per_category.setdefault(category_id_, EligibilityCounts())):
            each.pairs += number
            each.eligible += 0 if held else number
        for barrier in held:
            per_barrier[barrier] += number
    chosen = db.session.scalars(
        select(Category)
        .where(Category.id.in_(per_category))
        .order_by(Category.position, Category.id)
    ).all()
    return (
        counts,
        [(category, per_category[category.id]) for category in chosen],
        [(barrier, number) for barrier, number in per_barrier.items() if number],
    )


def market_eligibility(
    category_id: int | None = None,
    *,
    not_eligible_only: bool = False,
    passed_visit_only: bool = False,
    today: date | None = None,
    per_page: int = PAGE_SIZE,
) -> MarketEligibility:
    """Each admitted home and category with its eligibility, paginated by home (the page
    comes from the request's ?page=), and the counts before the "not eligible only" filter.
    The counts, the filter and the page are SQL (the gate's barrier_conditions); the gate is
    asked in words for the page's homes only."""
    today = today or clock.today_uk()
    counts, by_category, by_barrier = eligibility_counts(category_id, today)
    shown = admitted_home_ids(category_id)
    if not_eligible_only:
        shown = _admitted_pairs_joined([CareHome.id], category_id).where(
            or_(*_admitted_pair_barriers(today).values())
        )
    homes = (
        # The homes shown, counted in the same pass (a window over them all, before the
        # page's LIMIT): no second pass over the county to count them.
        select(CareHome.id, func.count().over().label("total"))
        .join(ProviderOrganisation, ProviderOrganisation.id == CareHome.provider_id)
        .where(CareHome.id.in_(shown))
        .order_by(
            ProviderOrganisation.legal_name, ProviderOrganisation.id, CareHome.name, CareHome.id
        )
    )
    if passed_visit_only:
        # Past the quality gate's visit: a home not eligible now has lost its eligibility.
        homes = homes.where(CareHome.id.in_(passed_gate_visit_home_ids()))
    page = RowsPagination(
        select=homes, session=db.session, per_page=per_page, error_out=False, count=False
    )
    if page.items:
        page.total = page.items[0].total
    else:  # past the last page, or nothing to show: count on their own
        page.total = db.session.scalar(
            select(func.count()).select_from(homes.order_by(None).subquery())
        )
    page.items = [home_id for home_id, _total in page.items]
    pairs = admitted_homes_and_categories(category_id, list(page.items)) if page.items else []
    rows = [
        EligibilityRow(home.provider, home, category, result)
        for (home, category), result in zip(pairs, eligibility_of(pairs, today), strict=True)
    ]
    if not_eligible_only:
        rows = [row for row in rows if not row.result.is_eligible]
    return MarketEligibility(
        page=page, rows=rows, counts=counts, by_category=by_category, by_barrier=by_barrier
    )


def admitted_homes_and_categories(
    category_id: int | None = None, home_ids: list[int] | None = None
) -> list[tuple[CareHome, Category]]:
    """Every admitted home and category (of one category, of some homes, when given), each
    home's provider loaded, by provider, home and category: of the home and the provider,
    only what the list and the gate's words read (a template reading more fails in the
    tests)."""
    query = (
        _admitted_pairs_joined([CareHome, Category], category_id)
        .join(ProviderOrganisation, ProviderOrganisation.id == CareHome.provider_id)
        .options(
            load_only(
                CareHome.provider_id,
                CareHome.name,
                CareHome.cqc_review_required_since,
                raiseload=True,
            ),
            contains_eager(CareHome.provider).load_only(
                ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
            ),
        )
        .order_by(
            ProviderOrganisation.legal_name,
            ProviderOrganisation.id,
            CareHome.name,
            CareHome.id,
            Category.position,
            Category.id,
        )
    )
    if home_ids is not None:
        query = query.where(CareHome.id.in_(home_ids))
    return [(home, category) for home, category in db.session.execute(query)]


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


def _suspensions(*, listed: bool = False) -> Select:
    """Suspensions with what their lists show (the home and the provider) joined in; when
    `listed`, only the columns the suspensions table shows (a template reading more fails in
    the tests)."""
    if not listed:
        return select(Suspension).options(
            joinedload(Suspension.provider, innerjoin=True), joinedload(Suspension.care_home)
        )
    return select(Suspension).options(
        load_only(
            Suspension.provider_id,
            Suspension.care_home_id,
            Suspension.state,
            Suspension.reason,
            Suspension.ends_on,
            Suspension.recommended_at,
            Suspension.started_at,
            Suspension.lifted_at,
            raiseload=True,
        ),
        joinedload(Suspension.provider, innerjoin=True).load_only(
            ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
        ),
        joinedload(Suspension.care_home).load_only(CareHome.name, raiseload=True),
    )


def waiting_and_in_force(
    today: date | None = None, *, provider_id: int | None = None, listed: bool = False
) -> tuple[list[Suspension], list[Suspension]]:
    """Recommendations waiting for an officer and suspensions in force, oldest first: few at
    any time, whatever the history. `listed`: only what the suspensions table shows."""
    today = today or clock.today_uk()
    oldest_first = (Suspension.created_at, Suspension.id)
    waiting = _suspensions(listed=listed).where(Suspension.state == SuspensionState.recommended)
    in_force = _suspensions(listed=listed).where(Suspension.is_in_force(today))
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
    waiting, in_force = waiting_and_in_force(today, provider_id=provider_id, listed=True)
    ended = _suspensions(listed=True).where(
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
