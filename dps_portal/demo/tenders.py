"""The demo's mini-tenders, made through the real operations at the times they would have
happened: one open until tomorrow with two bids and a decline, one closed and waiting for its
bids to be opened, one in moderation, and one awarded where the family chose the home ranked
second."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.workingdays import add_working_days
from dps_portal.demo.applications import working_days_before
from dps_portal.extensions import db
from dps_portal.framework.models import Category, Framework
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.tenders import operations
from dps_portal.tenders.models import DeclineReason, Funding, Tender, TenderInvitation

PEAKLAND = "Peakland Care Ltd"
JUNIPER = "Juniper Care Homes Ltd"
LARCHWOOD = "Larchwood Healthcare Ltd"
HOMES = {PEAKLAND: "Ashgate Lodge", JUNIPER: "Kinder Rise", LARCHWOOD: "Larchwood, Burton"}


@dataclass(frozen=True)
class Offer:
    """A demo bid: its price and how good its answers are (1 plain, 2 good, 3 very good)."""

    provider: str
    core_fee: str
    extra_hours: str
    hourly_rate: str
    quality: int = 2


ANSWERS = {
    1: (
        "We will follow the assessed needs from the first day with a named keyworker and a "
        "care plan written with the person."
    ),
    2: (
        "A keyworker and a deputy are named before the move; the care plan is written with "
        "the person and their family in the first week and reviewed at four and twelve weeks. "
        "Staff on each shift have the training the category needs."
    ),
    3: (
        "Before the move our clinical lead meets the person, their family and the community "
        "team; a transition plan sets visits, a familiar keyworker and a first-week timetable. "
        "The care plan is co-written, reviewed weekly for the first month, and outcomes are "
        "measured against the person's own goals with a monthly report to the council."
    ),
}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return clock.uk_to_utc(datetime.combine(day, time(hour, minute)))


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _provider_user(provider: ProviderOrganisation) -> User:
    return db.session.scalars(
        select(User).where(User.provider_id == provider.id).order_by(User.id)
    ).first()


def _home(name: str) -> CareHome:
    return db.session.scalars(select(CareHome).where(CareHome.name == name)).one()


def _invitation(tender: Tender, provider: ProviderOrganisation) -> TenderInvitation:
    return db.session.scalars(
        select(TenderInvitation).where(
            TenderInvitation.tender_id == tender.id, TenderInvitation.provider_id == provider.id
        )
    ).one()


def _publish(
    framework: Framework,
    code: str,
    *,
    person_reference: str,
    needs: str,
    risks: str,
    one_to_one: str,
    drafted_at: datetime,
    closes_at: datetime,
    officer: User,
    preferences: str = "",
    funding: Funding = Funding.council,
) -> Tender:
    category = db.session.scalars(select(Category).where(Category.code == code)).one()
    with clock.frozen(drafted_at):
        tender = operations.draft_tender(
            category=category,
            setting=framework.settings[0],
            districts=[framework.districts[0], framework.districts[1]],
            by=officer,
            person_reference=person_reference,
            age=31,
            needs_summary=needs,
            risks=risks,
            one_to_one_hours=Decimal(one_to_one),
            two_to_one_hours=Decimal(0),
            required_start_on=add_working_days(closes_at.date(), 10),
            funding=funding,
            preferences=preferences,
        )
        operations.change_criteria(
            tender,
            price_weight=tender.price_weight,
            quality_threshold=tender.quality_threshold,
            max_weekly_price=None,
            closes_at=closes_at,
            clarifications_close_at=closes_at - timedelta(hours=24),
            questions=[(q.text, q.guidance, q.weight, q.word_limit) for q in tender.questions],
            by=officer,
        )
    with clock.frozen(drafted_at + timedelta(minutes=30)):
        operations.publish_tender(tender, by=officer)
    return tender


def _bid(tender: Tender, provider: ProviderOrganisation, offer: Offer, at: datetime) -> None:
    with clock.frozen(at):
        operations.submit_bid(
            _invitation(tender, provider),
            care_home_id=_home(HOMES[offer.provider]).id,
            weekly_core_fee=Decimal(offer.core_fee),
            extra_hours_per_week=Decimal(offer.extra_hours),
            extra_hourly_rate=Decimal(offer.hourly_rate),
            available_from=max(tender.required_start_on, at.date() + timedelta(days=7)),
            answers={question.id: ANSWERS[offer.quality] for question in tender.questions},
            declaration="I declare that this bid is accurate and complete.",
            by=_provider_user(provider),
        )


def _decline(tender: Tender, provider: ProviderOrganisation, at: datetime) -> None:
    with clock.frozen(at):
        operations.decline_tender(
            _invitation(tender, provider),
            reason=DeclineReason.no_vacancy,
            detail="No bed free before the spring; we would like to be asked again then.",
            by=_provider_user(provider),
        )


def seed_tenders(framework: Framework, providers: dict[str, ProviderOrganisation]) -> int:
    """Make the demo's tenders once: nothing is added if there is any tender already."""
    if db.session.scalar(select(Tender.id).limit(1)) is not None:
        return 0
    officer = _user("officer@council.example")
    today = clock.today_uk()
    now = clock.now()

    # Open until tomorrow at 5pm: Peakland and Juniper have bid, Larchwood declined.
    tomorrow = today + timedelta(days=1)
    open_tender = _publish(
        framework,
        "MH",
        person_reference="MH-2026-031",
        needs=(
            "A man in his thirties leaving a psychiatric rehabilitation ward after eight months. "
            "Needs prompting with medication, support to manage money and a structured week."
        ),
        risks="History of self-neglect when unwell; no forensic history. Subject to s117.",
        one_to_one="7",
        drafted_at=now - timedelta(days=1, hours=2),
        closes_at=_at(tomorrow, 17),
        officer=officer,
        preferences="Wants to stay near his sister in Chesterfield.",
        funding=Funding.s117,
    )
    _bid(open_tender, providers[PEAKLAND], Offer(PEAKLAND, "1395.00", "7", "22.50"), now)
    _bid(open_tender, providers[JUNIPER], Offer(JUNIPER, "1340.00", "7", "21.00"), now)
    _decline(open_tender, providers[LARCHWOOD], now)

    # Closed yesterday at 5pm with three bids: waiting for an officer to open them.
    closed_on = working_days_before(today, 1)
    closed = _publish(
        framework,
        "LDA",
        person_reference="LDA-2026-044",
        needs=(
            "A young woman with a learning disability and autism moving from her family home. "
            "Communicates with Makaton and a picture timetable; needs a quiet environment."
        ),
        risks="Distressed by noise and change; may leave the building when anxious.",
        one_to_one="14",
        drafted_at=_at(working_days_before(today, 4), 10),
        closes_at=_at(closed_on, 17),
        officer=officer,
        preferences="Her parents would like a home within an hour of Belper.",
    )
    bid_day = working_days_before(today, 2)
    _bid(
        closed, providers[PEAKLAND], Offer(PEAKLAND, "1610.00", "14", "22.50", 3), _at(bid_day, 11)
    )
    _bid(closed, providers[JUNIPER], Offer(JUNIPER, "1525.00", "14", "21.75", 2), _at(bid_day, 15))
    _bid(
        closed,
        providers[LARCHWOOD],
        Offer(LARCHWOOD, "1780.00", "14", "24.00", 2),
        _at(closed_on, 9),
    )
    # Closed a week ago; both evaluators have scored blind: waiting for moderation.
    closed_on = working_days_before(today, 5)
    in_moderation = _publish(
        framework,
        "MH",
        person_reference="MH-2026-027",
        needs=(
            "A woman in her forties with bipolar disorder, stepping down from a secure "
            "rehabilitation unit. Needs a consistent team and support with a daily routine."
        ),
        risks="Ministry of Justice conditions on leave; relapse indicators known to the team.",
        one_to_one="10",
        drafted_at=_at(working_days_before(today, 9), 10),
        closes_at=_at(closed_on, 17),
        officer=officer,
    )
    bid_day = working_days_before(today, 6)
    offers = [
        Offer(PEAKLAND, "1480.00", "10", "22.50", 2),
        Offer(JUNIPER, "1455.00", "10", "21.00", 3),
        Offer(LARCHWOOD, "1620.00", "10", "24.00", 2),
    ]
    for hour, offer in enumerate(offers, start=10):
        _bid(in_moderation, providers[offer.provider], offer, _at(bid_day, hour))
    _open_and_score(in_moderation, offers, providers, on=working_days_before(today, 3))

    # Awarded last month: the family chose the home ranked second, nearer to them.
    closed_on = working_days_before(today, 20)
    awarded = _publish(
        framework,
        "LDA",
        person_reference="LDA-2026-019",
        needs=(
            "A man in his twenties with autism and a mild learning disability, moving from a "
            "children's residential placement. Needs a low-arousal home and a structured day."
        ),
        risks="Self-injury when routines change; a positive behaviour support plan is in place.",
        one_to_one="12",
        drafted_at=_at(working_days_before(today, 24), 10),
        closes_at=_at(closed_on, 17),
        officer=officer,
        preferences="His mother lives in Chesterfield and visits twice a week.",
    )
    bid_day = working_days_before(today, 21)
    offers = [
        Offer(JUNIPER, "1560.00", "12", "21.50", 3),
        Offer(PEAKLAND, "1590.00", "12", "22.00", 3),
        Offer(LARCHWOOD, "1710.00", "12", "23.50", 2),
    ]
    for hour, offer in enumerate(offers, start=10):
        _bid(awarded, providers[offer.provider], offer, _at(bid_day, hour))
    evaluated_on = working_days_before(today, 18)
    _open_and_score(awarded, offers, providers, on=evaluated_on)
    _moderate(awarded, offers, providers, on=evaluated_on)
    _award_to_second(awarded, providers, on=working_days_before(today, 16))
    db.session.flush()
    return 4


# Evaluation: both evaluators score each bid by how good its answers are, moderation agrees
# the second evaluator's scores, the family refuses the top-ranked home and accepts the second.

SCORES = {1: (2, 3), 2: (3, 3), 3: (4, 5)}
REASONS = {
    2: "Meets the need with a clear plan; little on how outcomes are measured.",
    3: "Sound plan, named staff and reviews; some detail missing.",
    4: "Strong, specific plan with named staff, reviews and measured outcomes.",
    5: "Excellent: specific to this person, with a transition plan and measured outcomes.",
}


def _evaluations(tender: Tender, providers: dict[str, ProviderOrganisation]) -> dict:
    """{provider name: its bid's evaluation} for an opened tender."""
    from dps_portal.tenders.models import BidEvaluation

    by_provider = {provider.id: name for name, provider in providers.items()}
    return {
        by_provider[evaluation.bid.provider_id]: evaluation
        for evaluation in db.session.scalars(
            select(BidEvaluation).where(BidEvaluation.tender_id == tender.id)
        )
    }


def _open_and_score(tender, offers, providers, *, on: date) -> None:
    from dps_portal.tenders.evaluation import operations as evaluation

    officer = _user("officer@council.example")
    second = _user("officer2@council.example")
    with clock.frozen(_at(on, 9)):
        evaluation.open_bids(tender, by=officer)
        evaluations = _evaluations(tender, providers)
        for item in evaluations.values():
            evaluation.record_compliance(
                item,
                is_compliant=True,
                reason="All documents and the declaration given",
                by=officer,
            )
        evaluation.start_evaluation(tender, by=officer)
    for turn, evaluator in enumerate((officer, second)):
        with clock.frozen(_at(on, 11 + 2 * turn)):
            sheet = evaluation.start_sheet(tender, by=evaluator)
            scores = {}
            for offer in offers:
                score = SCORES[offer.quality][turn]
                for question in tender.questions:
                    key = (evaluations[offer.provider].id, question.id)
                    scores[key] = (score, REASONS[score])
            evaluation.save_scores(sheet, scores, by=evaluator)
            evaluation.submit_sheet(sheet, by=evaluator)


def _moderate(tender, offers, providers, *, on: date) -> None:
    from dps_portal.tenders.evaluation import operations as evaluation

    officer = _user("officer@council.example")
    evaluations = _evaluations(tender, providers)
    with clock.frozen(_at(on, 15)):
        for offer in offers:
            for question in tender.questions:
                score = SCORES[offer.quality][1]
                evaluation.record_moderated_score(
                    evaluations[offer.provider],
                    question,
                    score=score,
                    rationale=f"Agreed at moderation: {REASONS[score].lower()}",
                    by=officer,
                )
        evaluation.complete_moderation(tender, by=officer)


def _award_to_second(tender, providers, *, on: date) -> None:
    from dps_portal.tenders.award import operations as award_operations
    from dps_portal.tenders.evaluation import operations as evaluation
    from dps_portal.tenders.scoring import results_for

    officer = _user("officer@council.example")
    second = _user("officer2@council.example")
    by_id = {item.id: item for item in _evaluations(tender, providers).values()}
    ranked = results_for(tender).ranked
    with clock.frozen(_at(on, 10)):
        evaluation.record_person_choice(
            tender,
            by_id[ranked[0].evaluation_id],
            is_accepted=False,
            reason=(
                "His mother cannot travel to Hope twice a week; the family asked for a home "
                "near Chesterfield."
            ),
            by=officer,
        )
        evaluation.record_person_choice(
            tender, by_id[ranked[1].evaluation_id], is_accepted=True, reason="", by=officer
        )
        award = award_operations.recommend_award(
            tender,
            note="Ranked second; the family's choice of home near his mother, within budget.",
            by=officer,
        )
    with clock.frozen(_at(on, 14)):
        if award.needs_approval:
            award_operations.approve_award(award, by=second)
    with clock.frozen(_at(on + timedelta(days=1), 10)):
        award_operations.confirm_award(award, by=officer)
