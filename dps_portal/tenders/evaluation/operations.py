"""Every change in evaluating a closed mini-tender (domain.md section 6): an officer opens the
bids (each counted bid gets a blind label drawn at random), records compliance, starts the
evaluation; evaluators score quality blind on their own sheets; moderation agrees a score per
answer; the officer checks abnormally low prices, records the person's choice in rank order,
or ends the tender without award, and may re-run it as a copy. Operations that count or move
states lock the tender's row first. Operations flush; the request commits."""

import secrets
from collections.abc import Mapping

from sqlalchemy import func, select

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_created, record_event
from dps_portal.core import clock
from dps_portal.core.clock import format_datetime
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisations
from dps_portal.tenders import rules, scoring
from dps_portal.tenders.evaluation import queries
from dps_portal.tenders.models import (
    Bid,
    BidEvaluation,
    BidState,
    BidVersion,
    ModeratedScore,
    PersonChoice,
    QualityScore,
    ScoreSheet,
    Tender,
    TenderQuestion,
    TenderState,
)
from dps_portal.tenders.operations import REQUEST_FIELDS

COPYABLE_STATES = (TenderState.unsuccessful, TenderState.cancelled)
# What a copy keeps of the original: the request and the award criteria.
COPIED_FIELDS = (
    *REQUEST_FIELDS,
    "category_id",
    "setting_id",
    "price_weight",
    "quality_weight",
    "quality_threshold",
    "max_weekly_price",
    "evaluator_count",
    "abnormally_low_percent",
    "standstill_working_days",
)


# Opening and compliance.


def open_bids(tender: Tender, *, by: User) -> int:
    """Open the bids once the deadline has passed: one evaluation per submitted bid, fixed to
    the version that counts (the highest number), each labelled "Bid A", "Bid B", … in an
    order drawn at random, so evaluators cannot tell who from the order. Answers the count."""
    lock(tender)
    _check_officer(by)
    now = clock.now()
    if tender.state is not TenderState.published:
        raise OperationRefused(
            f"This tender is {tender.phase(now).lower()}: only a closed tender's bids can be opened"
        )
    if not tender.is_past_deadline(now):
        raise OperationRefused(
            f"The bids can be opened after the deadline, {format_datetime(tender.closes_at)}"
        )
    counting = (
        select(BidVersion.bid_id, func.max(BidVersion.number).label("number"))
        .join(Bid, Bid.id == BidVersion.bid_id)
        .where(Bid.tender_id == tender.id, Bid.state == BidState.submitted)
        .group_by(BidVersion.bid_id)
        .subquery()
    )
    rows = db.session.execute(
        select(BidVersion.bid_id, BidVersion.id)
        .join(
            counting,
            (counting.c.bid_id == BidVersion.bid_id) & (counting.c.number == BidVersion.number),
        )
        .order_by(BidVersion.bid_id)
    ).all()
    rows = list(rows)
    secrets.SystemRandom().shuffle(rows)
    db.session.add_all(
        BidEvaluation(
            tender_id=tender.id,
            bid_id=row.bid_id,
            bid_version_id=row.id,
            blind_label=blind_label(position),
        )
        for position, row in enumerate(rows)
    )
    tender.opened_by_id = by.id
    move(
        tender,
        TenderState.opened,
        by=by,
        event=AuditAction.tender_bids_opened,
        after={"bids": len(rows)},
    )
    db.session.flush()
    return len(rows)


def blind_label(position: int) -> str:
    """'Bid A' for 0, … 'Bid Z', then 'Bid AA', 'Bid AB', …"""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"Bid {letters}"


def record_compliance(
    evaluation: BidEvaluation, *, is_compliant: bool, reason: str, by: User
) -> BidEvaluation:
    """Pass or fail a bid's compliance (a failure says why); changeable until the evaluation
    starts."""
    tender = evaluation.tender
    lock(tender)
    _check_officer(by)
    if tender.state is not TenderState.opened:
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: compliance can be recorded only "
            "between opening the bids and starting the evaluation"
        )
    reason = (reason or "").strip()
    if not is_compliant and not reason:
        raise OperationRefused("Enter why the bid is not compliant")
    before = {"is_compliant": evaluation.is_compliant, "reason": evaluation.compliance_reason}
    evaluation.is_compliant = bool(is_compliant)
    evaluation.compliance_reason = reason
    evaluation.compliance_at = clock.now()
    evaluation.compliance_by_id = by.id
    record_event(
        AuditAction.bid_compliance_recorded,
        actor=by,
        subject=evaluation,
        before=before,
        after={
            "label": evaluation.blind_label,
            "is_compliant": bool(is_compliant),
            "reason": reason,
        },
    )
    db.session.flush()
    return evaluation


def start_evaluation(tender: Tender, *, by: User) -> Tender:
    """Start quality scoring: every bid's compliance recorded, at least one compliant."""
    lock(tender)
    _check_officer(by)
    if tender.state is not TenderState.opened:
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: evaluation starts after the bids "
            "are opened and their compliance is recorded"
        )
    progress = queries.compliance_progress(tender)
    if progress.unchecked:
        raise OperationRefused(
            f"Record the compliance of every bid first: {progress.unchecked} of "
            f"{progress.total} not yet recorded"
        )
    if not progress.compliant:
        raise OperationRefused(
            "No bid is compliant, so there is nothing to evaluate: end the tender without award"
        )
    move(
        tender,
        TenderState.evaluating,
        by=by,
        event=AuditAction.tender_evaluation_started,
        after={"bids": progress.total, "compliant": progress.compliant},
    )
    return tender


def end_unsuccessful(tender: Tender, *, reason: str, by: User) -> Tender:
    """End the tender without award (no compliant bid, none good enough, every ranked home
    refused), saying why; every invitee is told. It may then be re-run as a copy."""
    lock(tender)
    _check_officer(by)
    if tender.state not in queries.ENDABLE_STATES:
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: only a tender being evaluated can "
            "end without award"
        )
    reason = (reason or "").strip()
    if not reason:
        raise OperationRefused("Enter why the tender ends without award")
    tender.end_reason = reason
    move(
        tender,
        TenderState.unsuccessful,
        by=by,
        event=AuditAction.tender_ended_unsuccessful,
        after={"reason": reason},
    )
    tell_organisations(
        queries.invited_provider_ids(tender),
        f"Mini-tender ended without award: {tender.reference}",
        f"Mini-tender {tender.reference} ({tender.category.name}) has ended without an "
        f"award.\n\nReason: {reason}",
        portal_path("tenders.show_opportunity", tender_id=tender.id),
        dedupe=f"tender-{tender.id}-unsuccessful",
    )
    return tender


# Blind quality scoring.


def start_sheet(tender: Tender, *, by: User) -> ScoreSheet:
    """The officer's score sheet: the first `evaluator_count` officers to start are the
    evaluators; one who has a sheet gets it back."""
    lock(tender)
    _check_officer(by)
    sheet = queries.sheet_of(tender, by)
    if sheet is not None:
        return sheet
    if tender.state is not TenderState.evaluating:
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: quality is scored while it is "
            "being evaluated"
        )
    started = db.session.scalar(
        select(func.count()).select_from(ScoreSheet).where(ScoreSheet.tender_id == tender.id)
    )
    if started >= tender.evaluator_count:
        raise OperationRefused(
            f"This tender already has its {tender.evaluator_count} evaluator"
            f"{'' if tender.evaluator_count == 1 else 's'}: you cannot score it too"
        )
    sheet = ScoreSheet(tender_id=tender.id, evaluator_id=by.id, started_at=clock.now())
    return record_created(sheet, AuditAction.score_sheet_started, by=by, after={"evaluator": by.id})


def save_scores(
    sheet: ScoreSheet, scores: Mapping[tuple[int, int], tuple[int | None, str]], *, by: User
) -> ScoreSheet:
    """Keep a draft of the evaluator's scores: `scores` maps (evaluation id, question id) to
    (score 0 to 5, or None for not yet scored; reason). A draft may be partial."""
    tender = sheet.tender
    lock(tender)
    _check_own_open_sheet(sheet, by)
    evaluation_ids = set(queries.compliant_evaluation_ids(tender))
    question_ids = {question.id for question in tender.questions}
    existing = {(score.bid_evaluation_id, score.question_id): score for score in sheet.scores}
    for (evaluation_id, question_id), (score, reason) in scores.items():
        if evaluation_id not in evaluation_ids or question_id not in question_ids:
            raise OperationRefused("Score only the compliant bids' answers to this tender")
        reason = (reason or "").strip()
        row = existing.get((evaluation_id, question_id))
        if score is None:
            if reason:
                raise OperationRefused("Choose a score for every answer you give a reason for")
            if row is not None:
                sheet.scores.remove(row)
            continue
        _check_score(score)
        if row is None:
            sheet.scores.append(
                QualityScore(
                    bid_evaluation_id=evaluation_id,
                    question_id=question_id,
                    score=score,
                    reason=reason,
                )
            )
        else:
            row.score = score
            row.reason = reason
    db.session.flush()
    return sheet


def submit_sheet(sheet: ScoreSheet, *, by: User) -> ScoreSheet:
    """Submit the sheet: every compliant bid's answer to every question scored with a reason.
    Fixed after; the evaluator may then see the other submitted sheets."""
    tender = sheet.tender
    lock(tender)
    _check_own_open_sheet(sheet, by)
    scored = {
        (score.bid_evaluation_id, score.question_id)
        for score in sheet.scores
        if score.reason.strip()
    }
    wanted = [
        (evaluation_id, question.id)
        for evaluation_id in queries.compliant_evaluation_ids(tender)
        for question in tender.questions
    ]
    missing = [key for key in wanted if key not in scored]
    if missing:
        raise OperationRefused(
            f"Score every answer with a reason before submitting: {len(missing)} of "
            f"{len(wanted)} still to do"
        )
    sheet.submitted_at = clock.now()
    record_event(
        AuditAction.score_sheet_submitted,
        actor=by,
        subject=sheet,
        after={"scores": len(wanted)},
    )
    db.session.flush()
    return sheet


# Moderation.


def record_moderated_score(
    evaluation: BidEvaluation,
    question: TenderQuestion,
    *,
    score: int,
    rationale: str,
    by: User,
) -> ModeratedScore:
    """The score agreed for one answer, with its rationale, once every evaluator has
    submitted; changeable until moderation is complete."""
    tender = evaluation.tender
    lock(tender)
    _check_officer(by)
    _check_moderation_open(tender)
    if question.tender_id != tender.id or not evaluation.is_compliant:
        raise OperationRefused("Moderate only the compliant bids' answers to this tender")
    _check_score(score)
    rationale = (rationale or "").strip()
    if not rationale:
        raise OperationRefused("Enter the rationale for the agreed score")
    row = db.session.scalars(
        select(ModeratedScore).where(
            ModeratedScore.bid_evaluation_id == evaluation.id,
            ModeratedScore.question_id == question.id,
        )
    ).first()
    before = {"score": row.score, "rationale": row.rationale} if row is not None else None
    if row is None:
        row = ModeratedScore(
            tender_id=tender.id,
            bid_evaluation_id=evaluation.id,
            question_id=question.id,
        )
        db.session.add(row)
    row.score = score
    row.rationale = rationale
    row.moderated_by_id = by.id
    row.moderated_at = clock.now()
    db.session.flush()
    record_event(
        AuditAction.moderated_score_recorded,
        actor=by,
        subject=evaluation,
        before=before,
        after={"question": question.position, "score": score, "rationale": rationale},
    )
    return row


def complete_moderation(tender: Tender, *, by: User) -> Tender:
    """Moderation is complete when every compliant bid's answer to every question has an
    agreed score: the ranking is then final."""
    lock(tender)
    _check_officer(by)
    _check_moderation_open(tender)
    progress = queries.moderation_progress(tender)
    if progress.missing:
        raise OperationRefused(
            f"Agree a score for every answer first: {progress.missing} of {progress.total} "
            "still to do"
        )
    tender.moderated_by_id = by.id
    results = scoring.results_for(tender)
    move(
        tender,
        TenderState.moderated,
        by=by,
        event=AuditAction.tender_moderated,
        after={"ranked": len(results.ranked)},
    )
    return tender


# After moderation.


def check_low_price(evaluation: BidEvaluation, *, explanation: str, by: User) -> BidEvaluation:
    """Record the officer's check of an abnormally low price (the bidder's explanation, and
    why it is or is not credible). A flag is for checking, not excluding."""
    tender = evaluation.tender
    lock(tender)
    _check_officer(by)
    if tender.state not in (TenderState.evaluating, TenderState.moderated):
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: low prices are checked during "
            "evaluation and before the person's choice"
        )
    if not scoring.results_for(tender).of(evaluation.id).is_abnormally_low:
        raise OperationRefused(f"{evaluation.blind_label}'s price is not abnormally low")
    explanation = (explanation or "").strip()
    if not explanation:
        raise OperationRefused("Enter the explanation of the low price and your conclusion")
    before = {"explanation": evaluation.low_price_explanation}
    evaluation.low_price_explanation = explanation
    evaluation.low_price_checked_at = clock.now()
    evaluation.low_price_checked_by_id = by.id
    record_event(
        AuditAction.bid_low_price_checked,
        actor=by,
        subject=evaluation,
        before=before,
        after={"label": evaluation.blind_label, "explanation": explanation},
    )
    db.session.flush()
    return evaluation


def record_person_choice(
    tender: Tender, evaluation: BidEvaluation, *, is_accepted: bool, reason: str, by: User
) -> PersonChoice:
    """Whether the person (or family) accepts the highest-ranked home not yet refused; a
    refusal needs a reason and the officer moves to the next ranked (Care Act choice)."""
    lock(tender)
    _check_officer(by)
    if tender.state is not TenderState.moderated:
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: the person's choice is recorded "
            "after moderation, before the award"
        )
    if evaluation.tender_id != tender.id:
        raise OperationRefused("Choose a bid of this tender")
    choices = queries.person_choices(tender)
    if any(choice.is_accepted for choice in choices):
        raise OperationRefused("The person has already accepted a home: recommend the award")
    results = scoring.results_for(tender)
    candidate = queries.next_candidate(results, choices)
    if candidate is None:
        raise OperationRefused("Every ranked home has been refused: end the tender without award")
    if candidate.evaluation_id != evaluation.id:
        raise OperationRefused(
            "Record the choice for the highest-ranked home not yet refused "
            f"(ranked {candidate.rank})"
        )
    if candidate.is_abnormally_low and evaluation.low_price_checked_at is None:
        raise OperationRefused(
            f"{evaluation.blind_label}'s price is abnormally low: record your check of it first"
        )
    reason = (reason or "").strip()
    if not is_accepted and not reason:
        raise OperationRefused("Enter why the person refused this home")
    choice = PersonChoice(
        tender_id=tender.id,
        bid_evaluation_id=evaluation.id,
        is_accepted=bool(is_accepted),
        reason=reason,
        recorded_by_id=by.id,
        recorded_at=clock.now(),
    )
    return record_created(
        choice,
        AuditAction.person_choice_recorded,
        by=by,
        after={
            "label": evaluation.blind_label,
            "rank": candidate.rank,
            "is_accepted": bool(is_accepted),
            "reason": reason,
        },
    )


def copy_tender(tender: Tender, *, by: User) -> Tender:
    """Re-run an unsuccessful or cancelled tender: a new draft with the same request, criteria
    and questions, a fresh default deadline, remembering the original."""
    _check_officer(by)
    if tender.state not in COPYABLE_STATES:
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: only a tender that ended without "
            "award or was cancelled can be re-run"
        )
    copy = Tender(
        state=TenderState.draft,
        created_by_id=by.id,
        copied_from_id=tender.id,
        closes_at=rules.default_deadline(),
        clarifications_close_at=rules.default_clarification_cut_off(),
        **{name: getattr(tender, name) for name in COPIED_FIELDS},
    )
    copy.preferred_districts = list(tender.preferred_districts)
    copy.questions = [
        TenderQuestion(
            position=question.position,
            text=question.text,
            guidance=question.guidance,
            weight=question.weight,
            word_limit=question.word_limit,
        )
        for question in tender.questions
    ]
    db.session.add(copy)
    db.session.flush()
    copy.reference = f"MT-{copy.id:05d}"
    return record_created(
        copy,
        AuditAction.tender_copied,
        by=by,
        after={"copied_from": tender.reference, "closes_at": copy.closes_at},
    )


# Checks.


def _check_officer(user: User) -> None:
    if user is None or user.role is not Role.contracts_officer:
        raise OperationRefused("Only a contracts officer can evaluate a tender")


def _check_score(score) -> None:
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= rules.MAX_SCORE:
        raise OperationRefused(f"Choose a score from 0 to {rules.MAX_SCORE}")


def _check_own_open_sheet(sheet: ScoreSheet, by: User) -> None:
    if sheet.evaluator_id != by.id:
        raise OperationRefused("Only the evaluator can change their own score sheet")
    if sheet.tender.state is not TenderState.evaluating:
        raise OperationRefused(
            f"This tender is {sheet.tender.state.value.lower()}: the scores can no longer change"
        )
    if sheet.is_submitted:
        raise OperationRefused("Your scores are submitted: they can no longer change")


def _check_moderation_open(tender: Tender) -> None:
    if tender.state is not TenderState.evaluating:
        raise OperationRefused(
            f"This tender is {tender.state.value.lower()}: scores are moderated while it is "
            "being evaluated"
        )
    submitted = queries.submitted_sheet_count(tender)
    if submitted < tender.evaluator_count:
        raise OperationRefused(
            f"Moderation starts when all {tender.evaluator_count} evaluators have submitted "
            f"their scores: {submitted} so far"
        )
