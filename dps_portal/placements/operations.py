"""Every change to a placement: made from a confirmed award (with its first cost row and the
placement agreement), started when its provider confirms the person has moved in, reviewed
(6 weeks after the start, then yearly), and ended by an officer, or cancelled if it never
started. Operations flush; the request commits."""

from datetime import date

from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_created, record_event
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import format_gbp
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.documents.pdf import store_pdf
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.placements import rules
from dps_portal.placements.models import (
    EndReason,
    Placement,
    PlacementCost,
    PlacementReview,
    PlacementRoute,
    PlacementState,
)


class PlacementRefused(OperationRefused):
    """A placement change its rules do not allow."""


def next_reference(year: int) -> str:
    """'PL-2027-0001': the year's next number (a unique index catches a race)."""
    prefix = f"PL-{year}-"
    count = db.session.scalar(
        select(func.count(Placement.id)).where(Placement.reference.like(f"{prefix}%"))
    )
    return f"{prefix}{count + 1:04d}"


def create_placement(*, cost_reason: str, event: dict, by, **columns) -> Placement:
    """The one way a placement is made, by either route: awarded, with the year's next
    reference, its creation audited (`event` says where it came from) and its first cost
    row (the weekly cost from the planned start, `cost_reason` saying why)."""
    placement = Placement(
        reference=next_reference(clock.today_uk().year),
        state=PlacementState.awarded,
        awarded_at=clock.now(),
        **columns,
    )
    record_created(
        placement,
        AuditAction.placement_created,
        by=by,
        after={
            "reference": placement.reference,
            "planned_start_on": placement.planned_start_on,
            "weekly_cost": str(placement.weekly_cost),
            **event,
        },
    )
    db.session.add(
        PlacementCost(
            placement_id=placement.id,
            effective_from=placement.planned_start_on,
            weekly_cost=placement.weekly_cost,
            reason=cost_reason,
            created_at=clock.now(),
            created_by_id=by.id,
        )
    )
    db.session.flush()
    return placement


def create_placement_from_award(award, *, by) -> Placement:
    """The placement a confirmed award makes: the request's person, category and setting;
    the counting bid's home, provider and cost in its parts; planned to start on the later
    of the required start and the day the home is available. Its provider is told to
    confirm the start, and gets the placement agreement."""
    tender = award.tender
    evaluation = award.evaluation
    version = evaluation.version
    planned = max(tender.required_start_on, version.available_from)
    placement = create_placement(
        cost_reason=f"As awarded by mini-tender {tender.reference}",
        event={"tender_id": tender.id, "award_id": award.id},
        by=by,
        route=PlacementRoute.mini_tender,
        person_reference=tender.person_reference,
        category_id=tender.category_id,
        setting_id=tender.setting_id,
        care_home_id=version.care_home_id,
        provider_id=evaluation.bid.provider_id,
        tender_id=tender.id,
        funding=tender.funding,
        bid_version_id=version.id,
        weekly_core_fee=version.weekly_core_fee,
        extra_hours_per_week=version.extra_hours_per_week,
        extra_hourly_rate=version.extra_hourly_rate,
        weekly_cost=version.total_weekly_cost,
        planned_start_on=planned,
        awarded_by_id=by.id,
    )
    from dps_portal.tenders.award.queries import agreement_filename

    store_pdf(
        "documents/placement_agreement.html",
        filename=agreement_filename(placement),
        kind="placement_agreement",
        provider_id=placement.provider_id,
        by=by,
        description=f"Placement agreement: {placement.reference}",
        placement=placement,
        tender=tender,
        home=version.care_home,
        provider=evaluation.bid.invitation.provider,
        setting=tender.setting,
        category=tender.category,
    )
    tell_organisation(
        placement.provider_id,
        f"Placement {placement.reference}: confirm the start",
        f"The council has confirmed the award of mini-tender {tender.reference} to you: "
        f"placement {placement.reference} at {version.care_home.name}, planned to start on "
        f"{format_date(planned)} at {format_gbp(placement.weekly_cost)} a week. Confirm the "
        "start in the portal when the person moves in. The placement agreement is there.",
        portal_path("placements.show_placement", placement_id=placement.id),
        dedupe=f"placement-{placement.id}-awarded",
    )
    return placement


def confirm_start(placement: Placement, *, started_on: date, by) -> Placement:
    """The provider confirms the day the person moved in: the placement is active."""
    lock(placement)
    if by is None or by.role is not Role.provider or by.provider_id != placement.provider_id:
        raise PlacementRefused("Only the placement's provider can confirm its start")
    if placement.state is not PlacementState.awarded:
        raise PlacementRefused(
            f"This placement is {placement.state.value.lower()}: its start cannot be confirmed"
        )
    if started_on is None:
        raise PlacementRefused("Enter the date the placement started")
    today = clock.today_uk()
    if started_on > today:
        raise PlacementRefused("The start date must be today or in the past")
    awarded_on = clock.to_uk(placement.awarded_at).date()
    if started_on < awarded_on:
        raise PlacementRefused(
            f"The start date must be on or after the award, {format_date(awarded_on)}"
        )
    placement.started_on = started_on
    placement.start_confirmed_by_id = by.id
    placement.next_review_on = rules.first_review_on(started_on)
    move(
        placement,
        PlacementState.active,
        by=by,
        event=AuditAction.placement_start_confirmed,
        after={"started_on": started_on, "next_review_on": placement.next_review_on},
    )
    tell_role(
        Role.contracts_officer,
        f"Placement {placement.reference} has started",
        f"The provider confirmed that placement {placement.reference} started on "
        f"{format_date(started_on)}.",
        portal_path("placements.show_placement", placement_id=placement.id),
        dedupe=f"placement-{placement.id}-started",
    )
    return placement


def _check_officer(by, doing: str) -> None:
    if by is None or by.role is not Role.contracts_officer:
        raise PlacementRefused(f"Only a contracts officer can {doing}")


def end_placement(
    placement: Placement, *, ended_on: date, reason: EndReason, detail: str = "", by
) -> Placement:
    """An officer records the placement's last day and why it ended: no reviews are due after
    it, and its provider is told."""
    lock(placement)
    _check_officer(by, "end a placement")
    if placement.state is not PlacementState.active:
        raise PlacementRefused(
            f"This placement is {placement.state.value.lower()}: only an active placement "
            "can be ended"
        )
    if ended_on is None:
        raise PlacementRefused("Enter the date the placement ended")
    if ended_on < placement.started_on:
        raise PlacementRefused(
            f"The end date must be on or after the start, {format_date(placement.started_on)}"
        )
    if ended_on > clock.today_uk():
        raise PlacementRefused("The end date must be today or in the past")
    if not isinstance(reason, EndReason):
        raise PlacementRefused("Choose why the placement ended")
    detail = (detail or "").strip()
    if reason is EndReason.other and not detail:
        raise PlacementRefused("Enter why the placement ended")
    before = {"next_review_on": placement.next_review_on}
    placement.ended_on = ended_on
    placement.end_reason = reason
    placement.end_detail = detail
    placement.next_review_on = None
    move(
        placement,
        PlacementState.ended,
        by=by,
        event=AuditAction.placement_ended,
        before=before,
        after={"ended_on": ended_on, "reason": reason.name, "detail": detail},
    )
    tell_organisation(
        placement.provider_id,
        f"Placement {placement.reference} has ended",
        f"The council has recorded that placement {placement.reference} ended on "
        f"{format_date(ended_on)}: {reason.value.lower()}"
        f"{f' ({detail})' if detail else ''}.",
        portal_path("placements.show_placement", placement_id=placement.id),
        dedupe=f"placement-{placement.id}-ended",
    )
    return placement


def cancel_placement(placement: Placement, *, reason: str, by) -> Placement:
    """An officer cancels an awarded placement that never started, saying why; its provider
    is told. (The reason is kept in `end_detail`: `end_reason` is for placements that ran.)"""
    lock(placement)
    _check_officer(by, "cancel a placement")
    if placement.state is not PlacementState.awarded:
        raise PlacementRefused(
            f"This placement is {placement.state.value.lower()}: only a placement that has "
            "not started can be cancelled"
        )
    reason = (reason or "").strip()
    if not reason:
        raise PlacementRefused("Enter why the placement is cancelled")
    placement.end_detail = reason
    move(
        placement,
        PlacementState.cancelled,
        by=by,
        event=AuditAction.placement_cancelled,
        after={"reason": reason},
    )
    tell_organisation(
        placement.provider_id,
        f"Placement {placement.reference} is cancelled",
        f"The council has cancelled placement {placement.reference}, which had not started: "
        f"{reason}",
        portal_path("placements.show_placement", placement_id=placement.id),
        dedupe=f"placement-{placement.id}-cancelled",
    )
    return placement


def record_review(
    placement: Placement, *, reviewed_on: date, note: str = "", by
) -> PlacementReview:
    """An officer records a review held on a day: the next is due a year after the latest
    review held."""
    lock(placement)
    _check_officer(by, "record a review")
    if placement.state is not PlacementState.active:
        raise PlacementRefused(
            f"This placement is {placement.state.value.lower()}: only an active placement "
            "is reviewed"
        )
    if reviewed_on is None:
        raise PlacementRefused("Enter the date of the review")
    if reviewed_on < placement.started_on:
        raise PlacementRefused(
            f"The review date must be on or after the start, {format_date(placement.started_on)}"
        )
    if reviewed_on > clock.today_uk():
        raise PlacementRefused("The review date must be today or in the past")
    latest = db.session.scalar(
        select(func.max(PlacementReview.reviewed_on)).where(
            PlacementReview.placement_id == placement.id
        )
    )
    before = {"next_review_on": placement.next_review_on}
    placement.next_review_on = rules.next_review_after(max(reviewed_on, latest or reviewed_on))
    review = PlacementReview(
        placement_id=placement.id,
        reviewed_on=reviewed_on,
        note=(note or "").strip(),
        recorded_by_id=by.id,
        recorded_at=clock.now(),
    )
    db.session.add(review)
    db.session.flush()
    record_event(
        AuditAction.placement_reviewed,
        actor=by,
        subject=placement,
        before=before,
        after={
            "review_id": review.id,
            "reviewed_on": reviewed_on,
            "next_review_on": placement.next_review_on,
        },
    )
    return review
