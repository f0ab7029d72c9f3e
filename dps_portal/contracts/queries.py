"""Read models for the contract gate's pages: eligibility across the market, advice for the
provider, and suspensions in the order officers work through them. Whether a home is
eligible is only ever asked of dps_portal.contracts.eligibility."""

from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from sqlalchemy import func, select

from dps_portal.contracts.eligibility import Barrier, Eligibility, eligibility
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


def admitted_homes_and_categories(
    category_id: int | None = None,
) -> list[tuple[CareHome, Category]]:
    """Every home admitted to a category, with that category."""
    pairs = admitted_pairs().subquery()
    query = (
        select(CareHome, Category)
        .join(pairs, pairs.c.care_home_id == CareHome.id)
        .join(Category, Category.id == pairs.c.category_id)
        .join(ProviderOrganisation, ProviderOrganisation.id == CareHome.provider_id)
        .order_by(ProviderOrganisation.legal_name, CareHome.name, CareHome.id, Category.position)
    )
    if category_id is not None:
        query = query.where(Category.id == category_id)
    return [(home, category) for home, category in db.session.execute(query)]


def market_eligibility(
    category_id: int | None = None, *, not_eligible_only: bool = False, today: date | None = None
) -> tuple[list[EligibilityRow], EligibilityCounts]:
    """Each admitted home and category with its eligibility, and the counts before the
    "not eligible only" filter. One call of the gate per pair: fine for a county's market."""
    today = today or clock.today_uk()
    rows = [
        EligibilityRow(home.provider, home, category, eligibility(home, category, today))
        for home, category in admitted_homes_and_categories(category_id)
    ]
    counts = EligibilityCounts(
        pairs=len(rows), eligible=sum(1 for row in rows if row.result.is_eligible)
    )
    if not_eligible_only:
        rows = [row for row in rows if not row.result.is_eligible]
    return rows, counts


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
    ended: list[Suspension]


def suspension_groups(
    today: date | None = None, *, provider_id: int | None = None
) -> SuspensionGroups:
    """Recommendations waiting for an officer (oldest first), then those in force, then
    those ended, lifted or declined (newest first)."""
    today = today or clock.today_uk()
    query = select(Suspension).order_by(Suspension.created_at, Suspension.id)
    if provider_id is not None:
        query = query.where(Suspension.provider_id == provider_id)
    rows = list(db.session.scalars(query))
    waiting = [s for s in rows if s.is_recommended]
    in_force = [s for s in rows if s.is_in_force(today)]
    ended = [s for s in reversed(rows) if s not in waiting and s not in in_force]
    return SuspensionGroups(waiting=waiting, in_force=in_force, ended=ended)


def recommendations_waiting() -> int:
    return db.session.scalar(
        select(func.count(Suspension.id)).where(Suspension.state == SuspensionState.recommended)
    )
