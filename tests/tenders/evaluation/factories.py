"""Evaluated mini-tenders for tests and the demo: bids made through the operations, the
deadline passed, the bids opened, compliance recorded, quality scored by each evaluator,
moderated. Every step is the real operation, so every rule and audit event is the real one."""

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.tenders import operations as tender_operations
from dps_portal.tenders.evaluation import operations
from dps_portal.tenders.models import Bid, BidEvaluation, Tender, TenderState
from tests.factories import make_user
from tests.tenders.factories import Market, bid_values, invitation_of, make_published_tender


def pass_deadline(tender: Tender) -> None:
    """The deadline passes: moved a minute into the past (whatever the test's clock)."""
    past = clock.now() - timedelta(minutes=1)
    tender.clarifications_close_at = min(tender.clarifications_close_at, past)
    tender.closes_at = past
    db.session.flush()


def closed_tender(
    prices: Sequence[Decimal | str] = ("1900.00", "2100.00", "2300.00"),
    *,
    code: str = "MH",
    officer=None,
    answers: Sequence[str] | None = None,
    evaluator_count: int | None = None,
) -> tuple[Tender, Market]:
    """A published tender with one bid per price (from a new eligible provider each, no
    extras: the total is the price), its deadline passed. `answers[i]` is bid i's answer
    text to every question (the default names the bid's number)."""
    officer = officer or make_user(Role.contracts_officer)
    market = Market(providers=len(prices), code=code)
    tender = make_published_tender(code, officer=officer)
    if evaluator_count is not None:
        tender.evaluator_count = evaluator_count
    for number, (price, home, user) in enumerate(
        zip(prices, market.homes, market.users, strict=True)
    ):
        text = answers[number] if answers else f"Answer of bid {number + 1}"
        tender_operations.submit_bid(
            invitation_of(tender, home.provider),
            **bid_values(
                tender,
                home,
                weekly_core_fee=Decimal(price),
                extra_hours_per_week=Decimal(0),
                extra_hourly_rate=Decimal(0),
                answers={q.id: f"{text}, question {q.position}." for q in tender.questions},
            ),
            by=user,
        )
    pass_deadline(tender)
    return tender, market


def evaluations_in_bid_order(tender: Tender) -> list[BidEvaluation]:
    """The tender's evaluations in the order its bids were made (the `prices` order)."""
    return list(
        db.session.scalars(
            select(BidEvaluation)
            .join(Bid, Bid.id == BidEvaluation.bid_id)
            .where(BidEvaluation.tender_id == tender.id)
            .order_by(Bid.id)
        )
    )


def evaluated_tender(
    prices: Sequence[Decimal | str] = ("1900.00", "2100.00", "2300.00"),
    scores: Sequence[int | Sequence[int]] | None = None,
    *,
    compliant: Sequence[bool] | None = None,
    evaluators: Sequence | None = None,
    officer=None,
    code: str = "MH",
    answers: Sequence[str] | None = None,
    until: TenderState = TenderState.moderated,
) -> Tender:
    """A tender with one bid per price, taken through the evaluation up to `until` (opened,
    evaluating with every sheet submitted, or moderated). `scores[i]` is bid i's score for
    every question (an int) or per question (a list): each evaluator's and the agreed one
    (default 3). `compliant[i]` False fails bid i. `evaluators` are the officers who score
    (default: as many new officers as the tender's evaluator count)."""
    officer = officer or make_user(Role.contracts_officer)
    evaluator_count = len(evaluators) if evaluators else None
    tender, _market = closed_tender(
        prices, code=code, officer=officer, answers=answers, evaluator_count=evaluator_count
    )
    if until is TenderState.published:
        return tender
    operations.open_bids(tender, by=officer)
    evaluations = evaluations_in_bid_order(tender)
    for number, evaluation in enumerate(evaluations):
        is_compliant = compliant[number] if compliant else True
        operations.record_compliance(
            evaluation,
            is_compliant=is_compliant,
            reason="" if is_compliant else "Does not meet the requirements.",
            by=officer,
        )
    if until is TenderState.opened:
        return tender
    operations.start_evaluation(tender, by=officer)
    questions = list(tender.questions)
    agreed = {}
    for number, evaluation in enumerate(evaluations):
        if not evaluation.is_compliant:
            continue
        given = scores[number] if scores else 3
        per_question = [given] * len(questions) if isinstance(given, int) else list(given)
        for question, score in zip(questions, per_question, strict=True):
            agreed[(evaluation.id, question.id)] = score
    evaluators = list(evaluators or [])
    while len(evaluators) < tender.evaluator_count:
        evaluators.append(make_user(Role.contracts_officer))
    for evaluator in evaluators:
        sheet = operations.start_sheet(tender, by=evaluator)
        operations.save_scores(
            sheet,
            {
                key: (score, f"Scored {score} by {evaluator.full_name}.")
                for key, score in agreed.items()
            },
            by=evaluator,
        )
        operations.submit_sheet(sheet, by=evaluator)
    if until is TenderState.evaluating:
        return tender
    by_id = {question.id: question for question in questions}
    by_evaluation = {evaluation.id: evaluation for evaluation in evaluations}
    for (evaluation_id, question_id), score in agreed.items():
        operations.record_moderated_score(
            by_evaluation[evaluation_id],
            by_id[question_id],
            score=score,
            rationale=f"Agreed {score}.",
            by=officer,
        )
    operations.complete_moderation(tender, by=officer)
    db.session.flush()
    return tender


def accept_ranked(tender: Tender, *, officer=None, refusals: int = 0):
    """Record the person's choice on a moderated tender: the first `refusals` ranked homes
    refused, the next accepted (its low price checked first when flagged). Answers the
    accepted PersonChoice."""
    from dps_portal.tenders import scoring

    officer = officer or make_user(Role.contracts_officer)
    results = scoring.results_for(tender)
    by_id = {evaluation.id: evaluation for evaluation in evaluations_in_bid_order(tender)}
    for number, result in enumerate(results.ranked[: refusals + 1]):
        evaluation = by_id[result.evaluation_id]
        is_accepted = number == refusals
        if is_accepted and result.is_abnormally_low and evaluation.low_price_checked_at is None:
            operations.check_low_price(
                evaluation, explanation="Explained and credible.", by=officer
            )
        choice = operations.record_person_choice(
            tender,
            evaluation,
            is_accepted=is_accepted,
            reason="" if is_accepted else "The family prefers somewhere nearer.",
            by=officer,
        )
    db.session.flush()
    return choice
