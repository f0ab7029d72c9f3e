"""Every change to a tender's award: an officer recommends the bid the person accepted; a
second officer approves it when its value (weekly cost x 52) is above the threshold, or
refuses it back to moderation; the bidders are told (each its own assessment summary, the
winner its letter) and the standstill runs; then an officer confirms the award, which makes
the placement and the evaluation report. No message or audit event carries a bid's price
to anyone but its own provider. Operations flush; the request commits."""

from dps_portal.accounts.queries import active_users_with_role
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_created
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.core.workingdays import add_working_days
from dps_portal.documents.pdf import store_pdf
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell, tell_organisation, tell_organisations
from dps_portal.placements.models import Placement
from dps_portal.tenders import rules
from dps_portal.tenders.award import queries
from dps_portal.tenders.models import AwardState, Tender, TenderAward, TenderState


class AwardRefused(OperationRefused):
    """An award step that its rules do not allow now."""


def recommend_award(tender: Tender, *, note: str, by) -> TenderAward:
    """Recommend the award of a moderated tender to the bid the person accepted. Its weekly
    cost is the counting version's total; above the approval threshold a second officer must
    approve it, otherwise it is approved at once and the bidders are told."""
    _check_officer(by)
    lock(tender)
    note = (note or "").strip()
    if not note:
        raise AwardRefused("Enter why you recommend this award")
    if tender.state is not TenderState.moderated:
        raise AwardRefused(
            f"This tender is {tender.state.value.lower()}: only a moderated tender's award "
            "can be recommended"
        )
    choice = queries.accepted_choice(tender)
    if choice is None:
        raise AwardRefused("Record that the person accepts a ranked home before recommending")
    evaluation = choice.evaluation
    results = queries.facts_for(tender).results
    result = results.of(evaluation.id)
    if not results.is_complete or not result.is_ranked:
        raise AwardRefused("Only a ranked bid can be recommended, once every bid is moderated")
    if result.is_abnormally_low and evaluation.low_price_checked_at is None:
        raise AwardRefused(
            f"{evaluation.blind_label}'s price is abnormally low: record your check of it "
            "before recommending it"
        )
    weekly = evaluation.version.total_weekly_cost
    annual = weekly * rules.WEEKS_A_YEAR
    # The framework's threshold, which administrators keep.
    threshold = tender.category.framework.award_approval_threshold
    award = TenderAward(
        tender_id=tender.id,
        bid_evaluation_id=evaluation.id,
        state=AwardState.recommended,
        weekly_cost=weekly,
        annual_value=annual,
        needs_approval=annual > threshold,
        recommended_by_id=by.id,
        recommended_at=clock.now(),
        recommendation_note=note,
    )
    record_created(
        award,
        AuditAction.award_recommended,
        by=by,
        after={
            "tender_id": tender.id,
            "bid_evaluation_id": evaluation.id,
            "needs_approval": award.needs_approval,
        },
    )
    move(
        tender,
        TenderState.recommended,
        by=by,
        event=AuditAction.award_recommended,
        after={"award_id": award.id},
    )
    if award.needs_approval:
        tell(
            [user for user in _officers() if user.id != by.id],
            f"Award to approve: {tender.reference}",
            f"An award of mini-tender {tender.reference} is recommended. Its value is above "
            "the approval threshold: another contracts officer must approve or refuse it.",
            _tender_link(tender),
        )
    else:
        move(award, AwardState.approved, by=by, event=AuditAction.award_approved)
        _tell_bidders(tender, award, by=by)
    return award


def approve_award(award: TenderAward, *, by) -> TenderAward:
    """A second contracts officer approves a recommended award; the bidders are then told."""
    _check_officer(by)
    lock(award.tender)
    lock(award)
    if award.recommended_by_id == by.id:
        raise AwardRefused("You recommended this award: another contracts officer must approve it")
    if award.state is not AwardState.recommended:
        raise AwardRefused(f"This award is {award.state.value.lower()}: it cannot be approved")
    award.approved_by_id = by.id
    move(award, AwardState.approved, by=by, event=AuditAction.award_approved)
    _tell_bidders(award.tender, award, by=by)
    return award


def refuse_award(award: TenderAward, *, reason: str, by) -> TenderAward:
    """A second contracts officer refuses a recommended award: the tender goes back to
    moderation, where the choice may be looked at again and a new award recommended."""
    _check_officer(by)
    tender = award.tender
    lock(tender)
    lock(award)
    reason = (reason or "").strip()
    if not reason:
        raise AwardRefused("Enter why the award is refused")
    if award.recommended_by_id == by.id:
        raise AwardRefused("You recommended this award: another contracts officer must decide it")
    if award.state is not AwardState.recommended:
        raise AwardRefused(f"This award is {award.state.value.lower()}: it cannot be refused")
    award.refused_reason = reason
    move(
        award, AwardState.refused, by=by, event=AuditAction.award_refused, after={"reason": reason}
    )
    moderated_at = tender.moderated_at
    move(tender, TenderState.moderated, by=by, event=AuditAction.award_refused)
    # Back to moderation, not moderated again: the time of the moderation stays.
    tender.moderated_at = moderated_at
    recommender = award.recommended_by
    if recommender is not None:
        tell(
            [recommender],
            f"Award refused: {tender.reference}",
            f"The award you recommended for mini-tender {tender.reference} was refused.\n\n"
            f"Reason: {reason}",
            _tender_link(tender),
        )
    return award


def confirm_award(award: TenderAward, *, by) -> Placement:
    """Confirm an approved award once the standstill is over (at once with none): the tender
    is awarded, the placement made, and the evaluation report kept."""
    from dps_portal.placements.operations import create_placement_from_award

    _check_officer(by)
    tender = award.tender
    lock(tender)
    lock(award)
    if award.state is not AwardState.approved or tender.state is not TenderState.standstill:
        raise AwardRefused(
            f"This award is {award.state.value.lower()}: only an approved award whose "
            "bidders have been told can be confirmed"
        )
    if not queries.is_standstill_over(tender):
        raise AwardRefused(
            f"The standstill ends on {format_date(tender.standstill_ends_on)}: the award can "
            f"be confirmed from {format_date(queries.confirmable_from(tender))}"
        )
    award.confirmed_by_id = by.id
    move(award, AwardState.confirmed, by=by, event=AuditAction.award_confirmed)
    move(tender, TenderState.awarded, by=by, event=AuditAction.award_confirmed)
    placement = create_placement_from_award(award, by=by)
    facts = queries.facts_for(tender)
    store_pdf(
        "documents/tender_evaluation_report.html",
        filename=queries.report_filename(tender),
        kind=queries.REPORT,
        provider_id=None,
        by=by,
        description=f"Evaluation report: {tender.reference}",
        facts=facts,
        tender=tender,
        award=award,
        placement=placement,
        refused=queries.refused_awards(tender),
        produced_at=clock.now(),
    )
    return placement


# Telling the bidders.


def _tell_bidders(tender: Tender, award: TenderAward, *, by) -> None:
    """The standstill starts: each bidder gets its assessment summary (its own scores with
    the reasons, its rank, the winning bid's scores, never another's name or price), the
    winner its award letter, and the invitees who did not bid are told the outcome."""
    today = clock.today_uk()
    days = tender.standstill_working_days
    tender.standstill_ends_on = add_working_days(today, days) if days else today
    move(
        tender,
        TenderState.standstill,
        by=by,
        event=AuditAction.tender_bidders_told,
        after={"award_id": award.id, "standstill_ends_on": tender.standstill_ends_on},
    )
    facts = queries.facts_for(tender)
    winner = facts.results.of(award.bid_evaluation_id)
    winner_rows = facts.question_rows(award.bid_evaluation_id)
    link = portal_path("tenders.show_opportunity", tender_id=tender.id)
    confirm_from = queries.confirmable_from(tender)
    for evaluation in facts.evaluations.values():
        provider_id = evaluation.bid.provider_id
        is_winner = evaluation.id == award.bid_evaluation_id
        store_pdf(
            "documents/tender_assessment_summary.html",
            filename=queries.summary_filename(tender),
            kind=queries.SUMMARY,
            provider_id=provider_id,
            by=by,
            description=f"Assessment summary: {tender.reference}",
            tender=tender,
            criteria=facts.results.criteria,
            evaluation=evaluation,
            result=facts.results.of(evaluation.id),
            rows=facts.question_rows(evaluation.id),
            is_winner=is_winner,
            winner=winner,
            winner_rows=winner_rows,
            ranked_count=len(facts.results.ranked),
            told_on=today,
            confirm_from=confirm_from,
        )
        if is_winner:
            store_pdf(
                "documents/tender_award_letter.html",
                filename=queries.letter_filename(tender),
                kind=queries.LETTER,
                provider_id=provider_id,
                by=by,
                description=f"Award letter: {tender.reference}",
                tender=tender,
                evaluation=evaluation,
                provider=evaluation.bid.invitation.provider,
                award=award,
                told_on=today,
                confirm_from=confirm_from,
            )
            title = f"Mini-tender {tender.reference}: your bid is chosen"
            body = (
                f"The council intends to award mini-tender {tender.reference} to your bid "
                f"({evaluation.bid.reference}). "
                + _standstill_words(tender, confirm_from)
                + " Your award letter and assessment summary are on the opportunity page."
            )
        else:
            title = f"Mini-tender {tender.reference}: the outcome"
            body = (
                f"Your bid ({evaluation.bid.reference}) for mini-tender {tender.reference} was "
                "not chosen. Your assessment summary, on the opportunity page, gives your "
                "scores with the reasons, your rank and the winning bid's scores. "
                + _standstill_words(tender, confirm_from)
            )
        tell_organisation(
            provider_id, title, body, link, dedupe=f"tender-{tender.id}-told-{provider_id}"
        )
    tell_organisations(
        queries.invited_provider_ids_without_a_bid(tender),
        f"Mini-tender {tender.reference}: awarded",
        f"The council has decided the award of mini-tender {tender.reference} "
        f"({tender.category.name}). Thank you for taking part.",
        link,
        dedupe=f"tender-{tender.id}-outcome",
    )


def _standstill_words(tender: Tender, confirm_from) -> str:
    if tender.standstill_working_days == 0:
        return "There is no standstill period: the award may be confirmed now."
    return (
        f"A standstill period runs until {format_date(tender.standstill_ends_on)}; the award "
        f"may be confirmed from {format_date(confirm_from)}."
    )


def _check_officer(by) -> None:
    if by is None or by.role is not Role.contracts_officer:
        raise AwardRefused("Only a contracts officer can do this")


def _officers():
    return active_users_with_role(Role.contracts_officer)


def _tender_link(tender: Tender) -> str:
    return portal_path("tenders.show_tender", tender_id=tender.id)
