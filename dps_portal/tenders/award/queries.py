"""Read models for award pages and the award panels of the tender and opportunity pages, and
the facts the award's PDFs are drawn from (every figure from tenders.scoring.results_for)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.placements.models import Placement
from dps_portal.tenders import scoring
from dps_portal.tenders.models import (
    AwardState,
    Bid,
    BidEvaluation,
    BidVersion,
    ModeratedScore,
    PersonChoice,
    QualityScore,
    ScoreSheet,
    Tender,
    TenderAward,
    TenderInvitation,
    TenderQuestion,
    TenderState,
)

# The kinds of the award's stored documents. A tender's documents are told apart by their
# file names, which carry the tender's (or the placement's) unique reference.
SUMMARY = "tender_assessment_summary"
LETTER = "tender_award_letter"
REPORT = "tender_evaluation_report"
AGREEMENT = "placement_agreement"

AWARD_STATES = (
    TenderState.moderated,
    TenderState.recommended,
    TenderState.standstill,
    TenderState.awarded,
)


def summary_filename(tender: Tender) -> str:
    return f"{tender.reference}-assessment-summary.pdf"


def letter_filename(tender: Tender) -> str:
    return f"{tender.reference}-award-letter.pdf"


def report_filename(tender: Tender) -> str:
    return f"{tender.reference}-evaluation-report.pdf"


def agreement_filename(placement: Placement) -> str:
    return f"{placement.reference}-placement-agreement.pdf"


# The award and its rules.


def live_award(tender: Tender) -> TenderAward | None:
    """The tender's award that is not refused (at most one: a unique index holds it)."""
    return db.session.scalars(
        select(TenderAward).where(
            TenderAward.tender_id == tender.id, TenderAward.state != AwardState.refused
        )
    ).first()


def refused_awards(tender: Tender) -> list[TenderAward]:
    return list(
        db.session.scalars(
            select(TenderAward)
            .where(TenderAward.tender_id == tender.id, TenderAward.state == AwardState.refused)
            .order_by(TenderAward.id)
        )
    )


def accepted_choice(tender: Tender) -> PersonChoice | None:
    """The ranked bid the person (or family) accepted, if recorded: evaluation's answer."""
    from dps_portal.tenders.evaluation import queries as evaluation_queries

    return evaluation_queries.accepted_choice(tender)


def confirmable_from(tender: Tender) -> date | None:
    """The first day the award may be confirmed: the day after the standstill's last day, or
    at once (the day the bidders were told) when the tender has no standstill."""
    if tender.standstill_ends_on is None:
        return None
    if tender.standstill_working_days == 0:
        return tender.standstill_ends_on
    return date.fromordinal(tender.standstill_ends_on.toordinal() + 1)


def is_standstill_over(tender: Tender, today: date | None = None) -> bool:
    start = confirmable_from(tender)
    return start is not None and (today or clock.today_uk()) >= start


def _is_officer(user) -> bool:
    return user.is_authenticated and user.role is Role.contracts_officer


def can_recommend(tender: Tender, user) -> bool:
    return _is_officer(user) and tender.state is TenderState.moderated


def can_decide(award: TenderAward | None, user) -> bool:
    """Approve or refuse: another contracts officer than the one who recommended it."""
    return (
        award is not None
        and _is_officer(user)
        and award.state is AwardState.recommended
        and award.recommended_by_id != user.id
    )


def can_confirm(award: TenderAward | None, user) -> bool:
    return (
        award is not None
        and _is_officer(user)
        and award.state is AwardState.approved
        and award.tender.state is TenderState.standstill
    )


# Documents.


def tender_documents(
    tender: Tender, provider_id: int | None = None, *, placement: Placement | None
) -> list[StoredDocument]:
    """The award's documents of the tender: every one for staff (provider_id None), or only
    those that belong to `provider_id` (its summary, and its letter and agreement if it won).
    `placement` is the tender's placement (`placement_of`), which the caller has read."""
    names = [summary_filename(tender), letter_filename(tender), report_filename(tender)]
    if placement is not None:
        names.append(agreement_filename(placement))
    query = select(StoredDocument).where(
        StoredDocument.kind.in_([SUMMARY, LETTER, REPORT, AGREEMENT]),
        StoredDocument.original_filename.in_(names),
    )
    if provider_id is not None:
        query = query.where(StoredDocument.provider_id == provider_id)
    return list(db.session.scalars(query.order_by(StoredDocument.id)))


def placement_of(tender: Tender) -> Placement | None:
    return db.session.scalars(select(Placement).where(Placement.tender_id == tender.id)).first()


# Panels.


@dataclass
class TenderPanel:
    tender: Tender
    award: TenderAward | None
    refused: list[TenderAward]
    winner: BidEvaluation | None
    choice: PersonChoice | None
    confirmable_from: date | None
    is_standstill_over: bool
    can_recommend: bool
    can_decide: bool
    can_confirm: bool
    is_recommender: bool
    placement: Placement | None
    documents: list[StoredDocument] = field(default_factory=list)


def tender_panel(tender, user):
    """What the officers' tender page shows of the award (None before moderation)."""
    if tender.state not in AWARD_STATES:
        return None
    awards = db.session.scalars(
        select(TenderAward)
        .where(TenderAward.tender_id == tender.id)
        .options(
            joinedload(TenderAward.evaluation).joinedload(BidEvaluation.bid),
            joinedload(TenderAward.recommended_by),
            joinedload(TenderAward.approved_by),
        )
        .order_by(TenderAward.id)
    ).all()
    award = next((each for each in awards if each.state is not AwardState.refused), None)
    # The person's choice is what a recommendation is made to: asked only before one is made.
    choice = (
        accepted_choice(tender) if award is None or tender.state is TenderState.moderated else None
    )
    winner = award.evaluation if award is not None else (choice.evaluation if choice else None)
    placement = placement_of(tender)
    return TenderPanel(
        tender=tender,
        award=award,
        refused=[each for each in awards if each.state is AwardState.refused],
        winner=winner,
        choice=choice,
        confirmable_from=confirmable_from(tender),
        is_standstill_over=is_standstill_over(tender),
        can_recommend=can_recommend(tender, user),
        can_decide=can_decide(award, user),
        can_confirm=can_confirm(award, user),
        is_recommender=award is not None and award.recommended_by_id == user.id,
        placement=placement,
        documents=tender_documents(tender, placement=placement) if tender.bidders_told_at else [],
    )


@dataclass
class OpportunityPanel:
    tender: Tender
    has_bid: bool
    is_winner: bool
    is_confirmed: bool
    documents: list[StoredDocument]
    placement: Placement | None


def opportunity_panel(invitation, user):
    """What an invited provider's opportunity page shows of the outcome: its own award
    letter or assessment summary, once the bidders have been told (None before)."""
    tender = invitation.tender
    if tender.bidders_told_at is None or tender.state not in (
        TenderState.standstill,
        TenderState.awarded,
    ):
        return None
    award = live_award(tender)
    is_winner = award is not None and award.evaluation.bid.provider_id == invitation.provider_id
    placement = placement_of(tender) if is_winner else None
    has_bid = (
        db.session.scalar(
            select(BidEvaluation.id)
            .join(Bid, Bid.id == BidEvaluation.bid_id)
            .where(BidEvaluation.tender_id == tender.id, Bid.provider_id == invitation.provider_id)
        )
        is not None
    )
    return OpportunityPanel(
        tender=tender,
        has_bid=has_bid,
        is_winner=is_winner,
        is_confirmed=tender.state is TenderState.awarded,
        # Only the winner's placement: another bidder's documents never include the agreement.
        documents=tender_documents(tender, provider_id=invitation.provider_id, placement=placement),
        placement=placement,
    )


# The facts the PDFs are drawn from.


@dataclass
class Facts:
    """Everything stored about a tender's evaluation, read in a fixed number of statements,
    with the results computed from it by tenders.scoring."""

    tender: Tender
    results: scoring.Results
    questions: list[TenderQuestion]
    evaluations: dict[int, BidEvaluation]
    rationales: dict[tuple[int, int], str]
    sheets: list[ScoreSheet]
    # (sheet id, evaluation id, question id) -> QualityScore
    sheet_scores: dict[tuple[int, int, int], QualityScore]
    choices: list[PersonChoice]
    invitations: list[TenderInvitation]

    def question_rows(self, evaluation_id: int) -> list[dict]:
        """A bid's figures per quality question, with the moderation's rationale."""
        result = self.results.of(evaluation_id)
        return [
            {
                "question": question,
                "score": row.score,
                "weighted": row.weighted,
                "rationale": self.rationales.get((evaluation_id, question.id), ""),
            }
            for question, row in zip(self.questions, result.questions, strict=True)
        ]

    def evaluator_scores(self, evaluation_id: int, question_id: int) -> list[tuple]:
        """Each submitted sheet's score and reason for one answer."""
        rows = []
        for sheet in self.sheets:
            score = self.sheet_scores.get((sheet.id, evaluation_id, question_id))
            if score is not None:
                rows.append((sheet, score))
        return rows


def facts_for(tender: Tender) -> Facts:
    results = scoring.results_for(tender)
    questions = list(
        db.session.scalars(
            select(TenderQuestion)
            .where(TenderQuestion.tender_id == tender.id)
            .order_by(TenderQuestion.position)
        )
    )
    evaluations = {
        evaluation.id: evaluation
        for evaluation in db.session.scalars(
            select(BidEvaluation)
            .where(BidEvaluation.tender_id == tender.id)
            .options(
                selectinload(BidEvaluation.bid)
                .selectinload(Bid.invitation)
                .selectinload(TenderInvitation.provider),
                selectinload(BidEvaluation.version).selectinload(BidVersion.care_home),
            )
        )
    }
    rationales = {
        (row.bid_evaluation_id, row.question_id): row.rationale
        for row in db.session.scalars(
            select(ModeratedScore).where(ModeratedScore.tender_id == tender.id)
        )
    }
    sheets = list(
        db.session.scalars(
            select(ScoreSheet)
            .where(ScoreSheet.tender_id == tender.id, ScoreSheet.submitted_at.is_not(None))
            .options(selectinload(ScoreSheet.evaluator), selectinload(ScoreSheet.scores))
            .order_by(ScoreSheet.submitted_at, ScoreSheet.id)
        )
    )
    sheet_scores = {
        (sheet.id, score.bid_evaluation_id, score.question_id): score
        for sheet in sheets
        for score in sheet.scores
    }
    choices = list(
        db.session.scalars(
            select(PersonChoice)
            .where(PersonChoice.tender_id == tender.id)
            .order_by(PersonChoice.recorded_at, PersonChoice.id)
        )
    )
    invitations = list(
        db.session.scalars(
            select(TenderInvitation)
            .where(TenderInvitation.tender_id == tender.id)
            .options(selectinload(TenderInvitation.provider))
            .order_by(TenderInvitation.id)
        )
    )
    return Facts(
        tender=tender,
        results=results,
        questions=questions,
        evaluations=evaluations,
        rationales=rationales,
        sheets=sheets,
        sheet_scores=sheet_scores,
        choices=choices,
        invitations=invitations,
    )


def invited_provider_ids_without_a_bid(tender: Tender) -> list[int]:
    """Invitees with no evaluated bid (declined, silent, or withdrawn before the deadline)."""
    evaluated = (
        select(Bid.provider_id)
        .join(BidEvaluation, BidEvaluation.bid_id == Bid.id)
        .where(BidEvaluation.tender_id == tender.id)
    )
    return list(
        db.session.scalars(
            select(TenderInvitation.provider_id).where(
                TenderInvitation.tender_id == tender.id,
                TenderInvitation.provider_id.not_in(evaluated),
            )
        )
    )
