"""How a mini-tender's bids are scored and ranked (domain.md section 6): the one place for
the arithmetic, so the evaluation page, the assessment summaries and the evaluation report
all show the same figures, computed from the stored moderated scores.

- Quality per cent = sum over the questions of (agreed score / 5 x question weight), divided
  by the sum of the weights, x 100. Quality score = quality per cent x the quality weight / 100.
- A bid whose quality per cent is below the tender's threshold fails, whatever its price.
- Price score = price weight x the lowest compliant total weekly cost / this bid's total.
- Abnormally low: a compliant bid whose total is below the tender's per cent (default 70%)
  of the median compliant total; flagged for an officer to check, not excluded.
- Ranking of the compliant bids that meet the threshold: the higher total score; a tie goes
  to the higher quality score, then to the earlier submission.

Every figure is rounded half up to 2 decimal places as it is computed, and the ranking reads
the rounded figures: what the table shows is exactly what decided the order."""

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dps_portal.extensions import db
from dps_portal.tenders import rules
from dps_portal.tenders.models import BidEvaluation, ModeratedScore, Tender, TenderQuestion

HUNDREDTH = Decimal("0.01")
HUNDRED = Decimal(100)


class BidsSealed(LookupError):
    """A read of bids for evaluation before they were opened after the deadline: a bug."""


def check_opened(tender: Tender) -> None:
    """The evaluation's side of the seal: every read of bids for evaluation (the results,
    the compliance and moderation pages, the blind scoring page, the award's documents)
    starts here, so a bug cannot show a bid before its tender's bids are opened."""
    if not tender.are_bids_opened():
        raise BidsSealed(f"{tender.label}: the bids are sealed until opened after the deadline")


def rounded(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Criteria:
    price_weight: int
    quality_weight: int
    quality_threshold: int  # per cent
    abnormally_low_percent: int
    # (question id, weight) in the questions' order.
    questions: Sequence[tuple[int, int]]


@dataclass(frozen=True)
class BidFigures:
    """What the scoring reads of one bid: its price, when it came, its compliance and its
    agreed score per question id (missing until moderated)."""

    evaluation_id: int
    total_weekly_cost: Decimal
    submitted_at: datetime
    is_compliant: bool | None
    scores: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    weight: int
    score: int | None
    # score / 5 x weight, to 2 places.
    weighted: Decimal | None


@dataclass(frozen=True)
class BidResult:
    evaluation_id: int
    total_weekly_cost: Decimal
    submitted_at: datetime
    is_compliant: bool | None
    questions: list[QuestionResult]
    quality_percent: Decimal | None
    quality_score: Decimal | None
    price_score: Decimal | None
    total_score: Decimal | None
    meets_threshold: bool | None
    is_abnormally_low: bool
    rank: int | None

    @property
    def is_ranked(self) -> bool:
        return self.rank is not None

    @property
    def outcome(self) -> str:
        """Why a bid is or is not in the ranking, in words."""
        if self.is_compliant is None:
            return "Compliance not yet checked"
        if not self.is_compliant:
            return "Not compliant"
        if self.quality_percent is None:
            return "Quality not yet moderated"
        if not self.meets_threshold:
            return "Below the quality threshold"
        return f"Ranked {self.rank}"


@dataclass(frozen=True)
class Results:
    criteria: Criteria
    lowest_compliant_total: Decimal | None
    median_compliant_total: Decimal | None
    # Compliant totals below this are abnormally low.
    abnormally_low_below: Decimal | None
    # Ranked bids first, in rank order; then the others in the order they came.
    bids: list[BidResult]

    @property
    def ranked(self) -> list[BidResult]:
        return [bid for bid in self.bids if bid.is_ranked]

    @property
    def is_complete(self) -> bool:
        """Every compliant bid has a quality score: the ranking is final."""
        return all(bid.quality_percent is not None for bid in self.bids if bid.is_compliant)

    def of(self, evaluation_id: int) -> BidResult:
        for bid in self.bids:
            if bid.evaluation_id == evaluation_id:
                return bid
        raise KeyError(evaluation_id)


def score_bids(criteria: Criteria, bids: Iterable[BidFigures]) -> Results:
    """Score and rank `bids` by `criteria`: the pure arithmetic, with no database."""
    bids = list(bids)
    compliant_totals = [bid.total_weekly_cost for bid in bids if bid.is_compliant]
    lowest = min(compliant_totals) if compliant_totals else None
    median = rounded(Decimal(statistics.median(compliant_totals))) if compliant_totals else None
    low_below = (
        rounded(median * criteria.abnormally_low_percent / HUNDRED) if median is not None else None
    )
    scored = [_score(criteria, bid, lowest, low_below) for bid in bids]
    rankable = [bid for bid in scored if bid.is_compliant and bid.meets_threshold]
    rankable.sort(
        key=lambda bid: (-bid.total_score, -bid.quality_score, bid.submitted_at, bid.evaluation_id)
    )
    ranks = {bid.evaluation_id: position for position, bid in enumerate(rankable, start=1)}
    unranked = len(scored) + 1
    results = sorted(
        (_with_rank(bid, ranks.get(bid.evaluation_id)) for bid in scored),
        key=lambda bid: (bid.rank or unranked, bid.submitted_at, bid.evaluation_id),
    )
    return Results(criteria, lowest, median, low_below, results)


def _score(
    criteria: Criteria, bid: BidFigures, lowest: Decimal | None, low_below: Decimal | None
) -> BidResult:
    questions = []
    for question_id, weight in criteria.questions:
        score = bid.scores.get(question_id)
        weighted = rounded(Decimal(score) / rules.MAX_SCORE * weight) if score is not None else None
        questions.append(QuestionResult(question_id, weight, score, weighted))
    quality_percent = quality_score = price_score = total = meets = None
    if bid.is_compliant and all(question.score is not None for question in questions):
        total_weight = sum(weight for _, weight in criteria.questions)
        achieved = sum(
            (Decimal(question.score) / rules.MAX_SCORE * question.weight for question in questions),
            Decimal(0),
        )
        quality_percent = rounded(achieved / total_weight * HUNDRED)
        quality_score = rounded(quality_percent * criteria.quality_weight / HUNDRED)
        meets = quality_percent >= criteria.quality_threshold
    if bid.is_compliant and lowest is not None:
        if bid.total_weekly_cost == 0:
            price_score = rounded(Decimal(criteria.price_weight))
        else:
            price_score = rounded(criteria.price_weight * lowest / bid.total_weekly_cost)
    if quality_score is not None and price_score is not None:
        total = quality_score + price_score
    is_low = bool(bid.is_compliant and low_below is not None and bid.total_weekly_cost < low_below)
    return BidResult(
        evaluation_id=bid.evaluation_id,
        total_weekly_cost=bid.total_weekly_cost,
        submitted_at=bid.submitted_at,
        is_compliant=bid.is_compliant,
        questions=questions,
        quality_percent=quality_percent,
        quality_score=quality_score,
        price_score=price_score,
        total_score=total,
        meets_threshold=meets,
        is_abnormally_low=is_low,
        rank=None,
    )


def _with_rank(bid: BidResult, rank: int | None) -> BidResult:
    return BidResult(**{**bid.__dict__, "rank": rank})


def criteria_of(tender: Tender, questions: Iterable[TenderQuestion]) -> Criteria:
    return Criteria(
        price_weight=tender.price_weight,
        quality_weight=tender.quality_weight,
        quality_threshold=tender.quality_threshold,
        abnormally_low_percent=tender.abnormally_low_percent,
        questions=[(question.id, question.weight) for question in questions],
    )


def results_for(tender: Tender) -> Results:
    """The tender's results from what is stored (its opened bids' versions, compliance and
    moderated scores), in three statements whatever the number of bids."""
    check_opened(tender)
    evaluations = list(
        db.session.scalars(
            select(BidEvaluation)
            .where(BidEvaluation.tender_id == tender.id)
            .options(selectinload(BidEvaluation.version))
            .order_by(BidEvaluation.id)
        )
    )
    questions = list(
        db.session.scalars(
            select(TenderQuestion)
            .where(TenderQuestion.tender_id == tender.id)
            .order_by(TenderQuestion.position)
        )
    )
    scores: dict[int, dict[int, int]] = {}
    for row in db.session.execute(
        select(
            ModeratedScore.bid_evaluation_id, ModeratedScore.question_id, ModeratedScore.score
        ).where(ModeratedScore.tender_id == tender.id)
    ):
        scores.setdefault(row.bid_evaluation_id, {})[row.question_id] = row.score
    return score_bids(
        criteria_of(tender, questions),
        [
            BidFigures(
                evaluation_id=evaluation.id,
                total_weekly_cost=evaluation.version.total_weekly_cost,
                submitted_at=evaluation.version.submitted_at,
                is_compliant=evaluation.is_compliant,
                scores=scores.get(evaluation.id, {}),
            )
            for evaluation in evaluations
        ],
    )
