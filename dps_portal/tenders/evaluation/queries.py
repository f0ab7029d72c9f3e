"""Read models for evaluation pages and the tender page's evaluation panel. The blind scoring
page reads `blind_bids` only: labels, question texts and answers, never a name, a home or a
price. Every page reads a fixed number of statements whatever the number of bids."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import abort
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.tenders import scoring
from dps_portal.tenders.models import (
    Bid,
    BidEvaluation,
    BidVersion,
    ModeratedScore,
    PersonChoice,
    QualityScore,
    ScoreSheet,
    Tender,
    TenderInvitation,
    TenderState,
)
from dps_portal.tenders.scoring import check_opened

# After opening: where each step of the evaluation is offered.
ENDABLE_STATES = (TenderState.opened, TenderState.evaluating, TenderState.moderated)
# The results (names and prices joined to the scores) once moderation is complete.
RESULT_STATES = (
    TenderState.moderated,
    TenderState.recommended,
    TenderState.standstill,
    TenderState.awarded,
    TenderState.unsuccessful,
)


def is_officer(user) -> bool:
    return bool(user.is_authenticated and user.role is Role.contracts_officer)


# Counts.


@dataclass(frozen=True)
class ComplianceProgress:
    total: int
    compliant: int
    failed: int

    @property
    def checked(self) -> int:
        return self.compliant + self.failed

    @property
    def unchecked(self) -> int:
        return self.total - self.checked


def compliance_progress(tender: Tender) -> ComplianceProgress:
    row = db.session.execute(
        select(
            func.count(BidEvaluation.id),
            func.count(case((BidEvaluation.is_compliant.is_(True), 1))),
            func.count(case((BidEvaluation.is_compliant.is_(False), 1))),
        ).where(BidEvaluation.tender_id == tender.id)
    ).one()
    return ComplianceProgress(*row)


@dataclass(frozen=True)
class ModerationProgress:
    total: int
    done: int

    @property
    def missing(self) -> int:
        return self.total - self.done


def moderation_progress(tender: Tender) -> ModerationProgress:
    compliant = compliance_progress(tender).compliant
    done = db.session.scalar(
        select(func.count(ModeratedScore.id))
        .join(BidEvaluation, BidEvaluation.id == ModeratedScore.bid_evaluation_id)
        .where(ModeratedScore.tender_id == tender.id, BidEvaluation.is_compliant.is_(True))
    )
    return ModerationProgress(compliant * len(tender.questions), done or 0)


def compliant_evaluation_ids(tender: Tender) -> list[int]:
    return list(
        db.session.scalars(
            select(BidEvaluation.id)
            .where(BidEvaluation.tender_id == tender.id, BidEvaluation.is_compliant.is_(True))
            .order_by(BidEvaluation.id)
        )
    )


def submitted_sheet_count(tender: Tender) -> int:
    return db.session.scalar(
        select(func.count(ScoreSheet.id)).where(
            ScoreSheet.tender_id == tender.id, ScoreSheet.submitted_at.is_not(None)
        )
    )


def invited_provider_ids(tender: Tender) -> list[int]:
    return list(
        db.session.scalars(
            select(TenderInvitation.provider_id).where(TenderInvitation.tender_id == tender.id)
        )
    )


# One bid as evaluated.


def evaluation_or_404(tender: Tender, evaluation_id: int | None) -> BidEvaluation:
    evaluation = db.session.get(BidEvaluation, evaluation_id) if evaluation_id else None
    if evaluation is None or evaluation.tender_id != tender.id:
        abort(404)
    return evaluation


@dataclass(frozen=True)
class NamedBid:
    """A bid with who made it: for compliance, moderation and the results, never the blind
    scoring page."""

    evaluation: BidEvaluation
    provider_name: str
    home_name: str
    version: BidVersion

    @property
    def label(self) -> str:
        return self.evaluation.blind_label

    @property
    def total_weekly_cost(self) -> Decimal:
        return self.version.total_weekly_cost

    @property
    def is_over_maximum(self) -> bool:
        maximum = self.evaluation.tender.max_weekly_price
        return maximum is not None and self.version.total_weekly_cost > maximum


def named_bids(tender: Tender) -> list[NamedBid]:
    """Every opened bid with its provider, home and counting version, in label order."""
    check_opened(tender)
    evaluations = db.session.scalars(
        select(BidEvaluation)
        .where(BidEvaluation.tender_id == tender.id)
        .options(
            joinedload(BidEvaluation.version).joinedload(BidVersion.care_home),
            joinedload(BidEvaluation.bid).joinedload(Bid.invitation),
        )
        .order_by(func.length(BidEvaluation.blind_label), BidEvaluation.blind_label)
    ).all()
    provider_ids = {evaluation.bid.provider_id for evaluation in evaluations}
    names = _provider_names(provider_ids)
    return [
        NamedBid(
            evaluation=evaluation,
            provider_name=names.get(evaluation.bid.provider_id, ""),
            home_name=evaluation.version.care_home.name,
            version=evaluation.version,
        )
        for evaluation in evaluations
    ]


def _provider_names(provider_ids: Iterable[int]) -> dict[int, str]:
    from dps_portal.providers.models import ProviderOrganisation

    ids = set(provider_ids)
    if not ids:
        return {}
    providers = db.session.scalars(
        select(ProviderOrganisation).where(ProviderOrganisation.id.in_(ids))
    )
    return {provider.id: provider.display_name for provider in providers}


def suggested_compliance(named: NamedBid) -> tuple[bool | None, str]:
    """What the compliance form starts from: the recorded decision, or a failure suggested
    when the total is above the tender's maximum weekly price."""
    evaluation = named.evaluation
    if evaluation.is_compliant is not None:
        return evaluation.is_compliant, evaluation.compliance_reason
    if named.is_over_maximum:
        # No figures: the reason goes into the audit trail, which never holds a bid's price.
        return False, "The total weekly cost is above the maximum weekly price the council set."
    return None, ""


# Blind scoring.


@dataclass(frozen=True)
class BlindAnswer:
    question_id: int
    position: int
    question: str
    weight: int
    answer: str


@dataclass(frozen=True)
class BlindBid:
    """What an evaluator sees of a bid: its label and its answers. Nothing else."""

    evaluation_id: int
    label: str
    answers: list[BlindAnswer] = field(default_factory=list)


def blind_bids(tender: Tender) -> list[BlindBid]:
    """The compliant bids as evaluators see them: label, questions and answers only (read
    column by column, so no name, home or price is even loaded)."""
    check_opened(tender)
    rows = db.session.execute(
        select(BidEvaluation.id, BidEvaluation.blind_label, BidVersion.answers)
        .join(BidVersion, BidVersion.id == BidEvaluation.bid_version_id)
        .where(BidEvaluation.tender_id == tender.id, BidEvaluation.is_compliant.is_(True))
        .order_by(func.length(BidEvaluation.blind_label), BidEvaluation.blind_label)
    ).all()
    bids = []
    for evaluation_id, label, answers in rows:
        by_position = {item.get("question"): item.get("answer", "") for item in answers or []}
        bids.append(
            BlindBid(
                evaluation_id,
                label,
                [
                    BlindAnswer(q.id, q.position, q.text, q.weight, by_position.get(q.position, ""))
                    for q in tender.questions
                ],
            )
        )
    return bids


def sheet_of(tender: Tender, user) -> ScoreSheet | None:
    return db.session.scalars(
        select(ScoreSheet)
        .where(ScoreSheet.tender_id == tender.id, ScoreSheet.evaluator_id == user.id)
        .options(selectinload(ScoreSheet.scores))
    ).first()


def sheet_count(tender: Tender) -> int:
    return db.session.scalar(
        select(func.count(ScoreSheet.id)).where(ScoreSheet.tender_id == tender.id)
    )


def submitted_sheets(tender: Tender) -> list[ScoreSheet]:
    """The submitted sheets with their scores and evaluators, in the order they started.
    Only these are ever shown to anyone but their own evaluator."""
    return list(
        db.session.scalars(
            select(ScoreSheet)
            .where(ScoreSheet.tender_id == tender.id, ScoreSheet.submitted_at.is_not(None))
            .options(selectinload(ScoreSheet.scores), joinedload(ScoreSheet.evaluator))
            .order_by(ScoreSheet.started_at, ScoreSheet.id)
        )
    )


def scores_by_answer(
    sheets: Iterable[ScoreSheet],
) -> dict[tuple[int, int], list[tuple[ScoreSheet, QualityScore]]]:
    """(evaluation id, question id) → each sheet's score for that answer, side by side."""
    table: dict[tuple[int, int], list[tuple[ScoreSheet, QualityScore]]] = {}
    for sheet in sheets:
        for score in sheet.scores:
            table.setdefault((score.bid_evaluation_id, score.question_id), []).append(
                (sheet, score)
            )
    return table


def moderated_scores(tender: Tender) -> dict[tuple[int, int], ModeratedScore]:
    return {
        (row.bid_evaluation_id, row.question_id): row
        for row in db.session.scalars(
            select(ModeratedScore).where(ModeratedScore.tender_id == tender.id)
        )
    }


# The person's choice.


def person_choices(tender: Tender) -> list[PersonChoice]:
    return list(
        db.session.scalars(
            select(PersonChoice)
            .where(PersonChoice.tender_id == tender.id)
            .options(joinedload(PersonChoice.evaluation))
            .order_by(PersonChoice.recorded_at, PersonChoice.id)
        )
    )


def accepted_choice(tender: Tender) -> PersonChoice | None:
    """The ranked home the person accepted, if any: what the award is made to."""
    return db.session.scalars(
        select(PersonChoice)
        .where(PersonChoice.tender_id == tender.id, PersonChoice.is_accepted.is_(True))
        .options(joinedload(PersonChoice.evaluation))
    ).first()


def next_candidate(results: scoring.Results, choices: Iterable[PersonChoice]):
    """The highest-ranked bid the person has not refused (None when every one is), or None
    once one is accepted."""
    choices = list(choices)
    if any(choice.is_accepted for choice in choices):
        return None
    refused = {choice.bid_evaluation_id for choice in choices}
    return next((bid for bid in results.ranked if bid.evaluation_id not in refused), None)


# Market intelligence.


@dataclass(frozen=True)
class Decline:
    provider_name: str
    reason: str
    detail: str
    declined_at: datetime


def declines(tender: Tender) -> list[Decline]:
    """Why invitees declined: shown to officers once the deadline has passed, never before."""
    if tender.state is TenderState.draft or not tender.is_past_deadline():
        return []
    invitations = db.session.scalars(
        select(TenderInvitation)
        .where(TenderInvitation.tender_id == tender.id, TenderInvitation.declined_at.is_not(None))
        .options(joinedload(TenderInvitation.provider))
        .order_by(TenderInvitation.declined_at, TenderInvitation.id)
    )
    return [
        Decline(
            invitation.provider.display_name,
            invitation.decline_reason.value,
            invitation.decline_detail,
            invitation.declined_at,
        )
        for invitation in invitations
    ]


# The tender page's panel.


@dataclass(frozen=True)
class Panel:
    tender: Tender
    may_open: bool
    compliance: ComplianceProgress | None
    may_start: bool
    sheets_started: int
    sheets_submitted: int
    own_sheet: ScoreSheet | None
    may_score: bool
    may_moderate: bool
    moderation: ModerationProgress | None
    may_see_results: bool
    may_choose: bool
    accepted: PersonChoice | None
    may_end: bool
    may_copy: bool
    declines: list[Decline]


def tender_panel(tender: Tender, user) -> Panel | None:
    """What the tender page shows of the evaluation (None before the deadline)."""
    if not is_officer(user) or tender.state is TenderState.draft:
        return None
    if tender.state is TenderState.published and not tender.is_past_deadline(clock.now()):
        return None
    state = tender.state
    opened = tender.opened_at is not None
    compliance = compliance_progress(tender) if opened else None
    started = sheet_count(tender) if state is TenderState.evaluating else 0
    submitted = submitted_sheet_count(tender) if state is TenderState.evaluating else 0
    own = sheet_of(tender, user) if state is TenderState.evaluating else None
    all_in = state is TenderState.evaluating and submitted >= tender.evaluator_count
    return Panel(
        tender=tender,
        may_open=state is TenderState.published,
        compliance=compliance,
        may_start=state is TenderState.opened
        and compliance is not None
        and compliance.unchecked == 0
        and compliance.compliant > 0,
        sheets_started=started,
        sheets_submitted=submitted,
        own_sheet=own,
        may_score=state is TenderState.evaluating
        and (own is not None or started < tender.evaluator_count),
        may_moderate=all_in,
        moderation=moderation_progress(tender) if all_in else None,
        may_see_results=opened and state in RESULT_STATES,
        may_choose=state is TenderState.moderated,
        accepted=accepted_choice(tender) if state is TenderState.moderated else None,
        may_end=state in ENDABLE_STATES,
        may_copy=state in (TenderState.unsuccessful, TenderState.cancelled),
        declines=declines(tender),
    )
