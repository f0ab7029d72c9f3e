"""Building a provider's pending work for the home page tests, and reading the page back:
each work line's count and link, and the rows of the list a link leads to."""

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from dps_portal.awards.models import (
    DirectAwardOffer,
    OfferState,
)
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.models import AdmittedHome
from dps_portal.placements.models import Placement, PlacementState
from dps_portal.providers.models import EvidenceItem
from dps_portal.quality import rules
from dps_portal.quality.models import (
    ActionPriority,
    ActionState,
    QualityReturn,
    ReturnState,
    Visit,
    VisitAction,
    VisitOutcome,
    VisitState,
    VisitType,
)
from dps_portal.quality.returns.return_forms import ensure_return_form
from dps_portal.tenders import operations as tender_operations
from dps_portal.tenders.models import (
    BidState,
    DeclineReason,
    TenderInvitation,
    TenderState,
)
from dps_portal.vacancies.models import Vacancy
from tests.awards.factories import offer_waiting
from tests.awards.helpers import add_vacancy
from tests.contracts.factories import admit_home, make_eligible_home, make_visit
from tests.factories import make_home, make_user
from tests.onboarding.factories import ready_framework
from tests.placements.factories import add_placements
from tests.tenders.factories import bid_values, invitation_of, make_published_tender

_periods = itertools.count(1)


def add_action(visit, *, state=ActionState.open, due_in_days=7) -> VisitAction:
    action = VisitAction(
        visit_id=visit.id,
        provider_id=visit.provider_id,
        description="Update the care plans",
        priority=ActionPriority.medium,
        due_on=clock.today_uk() + timedelta(days=due_in_days),
        state=state,
        closed_at=clock.now() if state is ActionState.closed else None,
    )
    db.session.add(action)
    db.session.flush()
    return action


def add_offer(provider_user, officer):
    """An offer to a new home of the provider user's organisation, waiting for its answer."""
    number = next(_periods)
    return offer_waiting(
        provider_user, officer, home_name=f"Offered {number}", reference=f"DA-HOME-{number:04d}"
    )


def add_return(home, *, due_in_days: int, state=ReturnState.due) -> QualityReturn:
    """A return of a quarter of its own (years back, so each home's are distinct)."""
    start = date(2000, 1, 1) + timedelta(days=100 * next(_periods))
    quality_return = QualityReturn(
        provider_id=home.provider_id,
        care_home_id=home.id,
        form_id=ensure_return_form(ready_framework()).id,
        period_start=start,
        period_end=start + timedelta(days=89),
        due_on=clock.today_uk() + timedelta(days=due_in_days),
        state=state,
        submitted_at=None if state is ReturnState.due else clock.now(),
        reviewed_at=clock.now() if state is ReturnState.reviewed else None,
    )
    db.session.add(quality_return)
    db.session.flush()
    return quality_return


def add_evidence(provider, *, expires_in_days: int, replaced=False, home=None) -> EvidenceItem:
    item = EvidenceItem(
        provider_id=provider.id,
        care_home_id=home.id if home else None,
        kind="public_liability",
        label="Public liability insurance",
        amount=Decimal("5000000.00"),
        expires_on=clock.today_uk() + timedelta(days=expires_in_days),
        replaced_at=clock.now() if replaced else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


@dataclass
class ProviderWorld:
    """A provider with pending work of every kind (and rows that must not count)."""

    provider: object
    user: object
    eligible_home: object
    waiting_home: object


def pending_work(provider, user, officer) -> ProviderWorld:
    """Every kind of work the provider's queue counts, each with rows it must leave out."""
    eligible = make_eligible_home("MH", provider=provider)
    waiting = admit_home(make_home(provider, name=f"Waiting {provider.id}"), "MH")
    # Offers: one waiting for the answer, one whose window has passed.
    add_offer(user, officer)
    with clock.frozen(clock.now() - timedelta(days=2)):
        add_offer(user, officer)
    # Invitations: two open tenders, one answered with a bid, one declined, one to answer.
    answered, declined, to_answer = (make_published_tender(officer=officer) for _ in range(3))
    tender_operations.submit_bid(
        invitation_of(answered, provider), **bid_values(answered, eligible), by=user
    )
    tender_operations.decline_tender(
        invitation_of(declined, provider), reason=DeclineReason.price, detail="", by=user
    )
    # Placements: two awarded (to start), one active.
    add_placements(to_answer, eligible, 2, planned_start_on=clock.today_uk() + timedelta(days=3))
    add_placements(to_answer, eligible, 1, state=PlacementState.active)
    # Actions: of a finalised visit, one overdue, one due later, one answered though past its
    # date (not the provider's to answer, and not overdue), one closed.
    visit = make_visit(eligible, outcome=VisitOutcome.satisfactory_with_actions)
    add_action(visit, due_in_days=-2)
    add_action(visit, due_in_days=10)
    add_action(visit, state=ActionState.awaiting_verification, due_in_days=-5)
    add_action(visit, state=ActionState.closed, due_in_days=-9)
    # Visits: one announced at 10:30, one unannounced (never shown before it is made).
    announced = make_visit(waiting, outcome=None, planned_on=clock.today_uk() + timedelta(days=6))
    announced.planned_time = time(10, 30)
    make_visit(
        waiting, outcome=None, planned_on=clock.today_uk() + timedelta(days=2), is_announced=False
    )
    # Returns: one overdue, one to send, one submitted.
    add_return(eligible, due_in_days=-4)
    add_return(waiting, due_in_days=12)
    add_return(eligible, due_in_days=-40, state=ReturnState.submitted)
    # Evidence: one expired, one expiring, one in date, one expired but replaced.
    add_evidence(provider, expires_in_days=-3)
    add_evidence(provider, expires_in_days=20, home=eligible)
    add_evidence(provider, expires_in_days=200)
    add_evidence(provider, expires_in_days=-30, replaced=True)
    # Vacancies: one home's stale, another's fresh.
    add_vacancy(eligible, 2, confirmed_at=clock.now() - timedelta(days=9))
    add_vacancy(waiting, 1, confirmed_at=clock.now())
    db.session.flush()
    return ProviderWorld(provider, user, eligible, waiting)


def provider_with_user(**fields):
    user = make_user(Role.provider, **fields)
    return user.provider, user


# Reading pages.


def text_of(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    text = text.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')
    return " ".join(text.split())


def work_lines(html: str) -> dict[str, tuple[str, str]]:
    """{data-work key: (the line's words, its link)}, in the page's order."""
    lines = {}
    for key, body in re.findall(r'data-work="([^"]+)">(.*?)</li>', html, flags=re.S):
        href = re.search(r'href="([^"]+)"', body).group(1).replace("&amp;", "&")
        lines[key] = (text_of(body), href)
    return lines


def line_count(html: str, key: str) -> int | None:
    """The count a line shows (None when the page has no such line)."""
    line = work_lines(html).get(key)
    if line is None:
        return None
    match = re.search(r": (\d+)", line[0])
    return int(match.group(1)) if match else None


def ids_in(html: str, pattern: str, *, within: str | None = None) -> list[int]:
    """The ids `pattern` (one group) finds in the page, or in the element with id `within`."""
    if within is not None:
        match = re.search(rf'id="{within}".*?</table>', html, flags=re.S)
        html = match.group(0) if match else ""
    return sorted(int(found) for found in re.findall(pattern, html))


def uk_date_today_plus(days: int) -> date:
    return clock.today_uk() + timedelta(days=days)


def at(day: date, hour: int = 10) -> datetime:
    return clock.uk_to_utc(datetime.combine(day, time(hour)))


# What each page should show, worked out in Python from every row.

STALE_AFTER = timedelta(days=7)
PASSING = (VisitOutcome.satisfactory, VisitOutcome.satisfactory_with_actions)
GATE_TYPES = (VisitType.initial, VisitType.follow_up)


def expected_provider_work(provider_id: int) -> dict:
    """Each line's rows, worked out in Python from every row in the database (not with the
    page's SQL)."""
    now, today = clock.now(), clock.today_uk()
    everything = {
        model: db.session.scalars(select(model)).all()
        for model in (
            DirectAwardOffer,
            TenderInvitation,
            Placement,
            VisitAction,
            Visit,
            QualityReturn,
            EvidenceItem,
            Vacancy,
        )
    }

    def own(model):
        return [row for row in everything[model] if row.provider_id == provider_id]

    def is_open(invitation):
        tender = invitation.tender
        return tender.state is TenderState.published and clock.ensure_utc(tender.closes_at) > now

    def has_bid(invitation):
        return invitation.bid is not None and invitation.bid.state is BidState.submitted

    actions = [
        action
        for action in own(VisitAction)
        if action.visit.state is VisitState.finalised and action.state is ActionState.open
    ]
    returns_due = [r for r in own(QualityReturn) if r.state is ReturnState.due]
    evidence = [item for item in own(EvidenceItem) if item.replaced_at is None and item.expires_on]
    return {
        "offers": [
            offer.id
            for offer in own(DirectAwardOffer)
            if offer.state is OfferState.offered and clock.ensure_utc(offer.respond_by) > now
        ],
        "invitations": [
            i.tender_id
            for i in own(TenderInvitation)
            if is_open(i) and i.declined_at is None and not has_bid(i)
        ],
        "bids": [i.tender_id for i in own(TenderInvitation) if is_open(i) and has_bid(i)],
        "placements": [p.id for p in own(Placement) if p.state is PlacementState.awarded],
        "actions": [action.id for action in actions],
        "actions_overdue": [action.id for action in actions if action.due_on < today],
        "visits": [
            visit.id
            for visit in own(Visit)
            if visit.state in (VisitState.scheduled, VisitState.in_progress) and visit.is_announced
        ],
        "returns-overdue": [r.id for r in returns_due if r.due_on < today],
        "returns": [r.id for r in returns_due if r.due_on >= today],
        # Expired, or expiring within 30 days.
        "evidence": [item.id for item in evidence if item.expires_on <= today + timedelta(30)],
        "vacancies": sorted(
            {
                vacancy.care_home_id
                for vacancy in everything[Vacancy]
                if vacancy.care_home.provider_id == provider_id
                and clock.ensure_utc(vacancy.confirmed_at) < now - STALE_AFTER
            }
        ),
    }


# Where each provider line's link leads, and how that list names its rows.
PROVIDER_LIST_ROWS = {
    "offers": (r'href="/offers/(\d+)"', "offers"),
    "invitations": (r'href="/opportunities/(\d+)"', None),
    "bids": (r'href="/opportunities/(\d+)"', None),
    "placements": (r'href="/placements/(\d+)"', None),
    "actions": (r'data-action="(\d+)"', "actions-to-answer"),
    "visits": (r'data-visit="(\d+)"', "planned-visits"),
    "returns-overdue": (r'data-return="(\d+)"', None),
    "returns": (r'data-return="(\d+)"', None),
    "evidence": (r'data-evidence="(\d+)"', None),
}
PROVIDER_LABELS = {
    "offers": "Placement offers waiting for your answer",
    "invitations": "Open invitations to answer",
    "bids": "Bids in for open tenders",
    "placements": "Placements awarded to you waiting for you to confirm the start",
    "actions": "Quality actions to answer",
    "visits": "Quality visits announced",
    "returns-overdue": "Quality returns overdue",
    "returns": "Quality returns to send",
    "evidence": "Insurance and other evidence to renew",
    "vacancies": "Homes with vacancies to confirm",
}


def expected_monitor_work(me) -> dict:
    """Each line's rows worked out in Python from every row (not with the page's SQL)."""
    today = clock.today_uk()
    visits = db.session.scalars(select(Visit)).all()
    admitted = {row.care_home_id for row in db.session.scalars(select(AdmittedHome))}
    status: dict[str, list[int]] = {"overdue": [], "initial": [], "due-soon": []}
    for home_id in admitted:
        finalised = [v for v in visits if v.care_home_id == home_id and v.is_finalised]
        passed = any(v.visit_type in GATE_TYPES and v.outcome in PASSING for v in finalised)
        if not finalised or not passed:
            status["initial"].append(home_id)
            continue
        last = max(finalised, key=lambda v: (v.visited_on, v.finalised_at, v.id))
        due_on = rules.next_visit_due_on(last.visited_on, last.outcome)
        if due_on < today:
            status["overdue"].append(home_id)
        elif due_on <= today + timedelta(days=rules.DUE_SOON_DAYS):
            status["due-soon"].append(home_id)
    monday = today - timedelta(days=today.weekday())
    mine = [v for v in visits if v.monitor_id == me.id and v.is_open]
    actions = db.session.scalars(select(VisitAction)).all()
    returns = db.session.scalars(select(QualityReturn)).all()
    return status | {
        "drafts": [v.id for v in mine if v.state is VisitState.in_progress],
        "this-week": [v.id for v in mine if monday <= v.planned_on <= monday + timedelta(6)],
        "actions": [
            a.id
            for a in actions
            if a.state is ActionState.awaiting_verification and a.visit.is_finalised
        ],
        "returns": [r.id for r in returns if r.state is ReturnState.submitted],
    }


def open_visit_ids(html: str) -> list[int]:
    """The visits of the list's first table (scheduled and being recorded), not the recently
    finalised ones below it."""
    open_part = html.split("Scheduled and being recorded")[1].split("Recently finalised")[0]
    return ids_in(open_part, r'data-visit="(\d+)"')


MONITOR_LIST_ROWS = {
    "overdue": lambda html: ids_in(html, r'data-home="(\d+)"'),
    "initial": lambda html: ids_in(html, r'data-home="(\d+)"'),
    "due-soon": lambda html: ids_in(html, r'data-home="(\d+)"'),
    "drafts": open_visit_ids,
    "this-week": open_visit_ids,
    "actions": lambda html: ids_in(html, r'data-action="(\d+)"'),
    "returns": lambda html: ids_in(html, r'data-return="(\d+)"'),
}


def expected_provider_lines(provider_id: int) -> dict[str, int | None]:
    """{line key: its count (None for a line without one)} that the provider's queue should
    show, worked out from the rows (the homes' standing from the contract gate's one-home
    form, home by home)."""
    from dps_portal.contracts.eligibility import Barrier, home_eligibility
    from dps_portal.contracts.models import TermsAcceptance, TermsVersion
    from dps_portal.onboarding.models import Admission, Application, ApplicationState
    from dps_portal.providers.models import CareHome

    rows = expected_provider_work(provider_id)
    lines: dict[str, int | None] = {key: len(rows[key]) for key in PROVIDER_LABELS if rows[key]}
    applications = sorted(
        db.session.scalars(select(Application).where(Application.provider_id == provider_id)),
        key=lambda application: (application.created_at, application.id),
        reverse=True,
    )[:5]
    states = {application.state for application in applications}
    for state, key in (
        (ApplicationState.draft, "draft"),
        (ApplicationState.clarification_requested, "clarification"),
        (ApplicationState.submitted, "decision"),
    ):
        if state in states:
            lines[key] = None
    newest = applications[0] if applications else None
    is_rejected = newest is not None and newest.state is ApplicationState.decided
    if is_rejected and any(chosen.is_rejected for chosen in newest.categories):
        lines["rejected"] = None
    is_admitted = bool(
        db.session.scalars(select(Admission).where(Admission.provider_id == provider_id)).all()
    )
    if not is_admitted:
        return lines
    today = clock.today_uk()
    in_effect = [
        terms for terms in db.session.scalars(select(TermsVersion)) if terms.effective_on <= today
    ]
    accepted = {
        acceptance.terms_version_id
        for acceptance in db.session.scalars(
            select(TermsAcceptance).where(TermsAcceptance.provider_id == provider_id)
        )
    }
    if in_effect and max(in_effect, key=lambda terms: terms.version).id not in accepted:
        lines["terms"] = None
    homes = db.session.scalars(select(CareHome).where(CareHome.provider_id == provider_id))
    blocked = 0
    for home in homes:
        answers = [
            answer
            for answer in home_eligibility(home)
            if Barrier.not_admitted not in answer.barriers
        ]
        blocked += any(not answer.is_eligible for answer in answers)
    if blocked:
        lines["homes"] = blocked
    return lines
