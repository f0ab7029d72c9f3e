"""Every change to a suspension: an officer suspends a home or a whole provider, or confirms
or declines a monitor's recommendation from a visit, and later lifts it. Suspension stops new
placements only: existing placements continue. Operations flush; the request commits."""

from datetime import date

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_created, record_event
from dps_portal.contracts.models import Suspension, SuspensionState
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell, tell_organisation, tell_role
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import Visit

EXISTING_PLACEMENTS_CONTINUE = (
    "Existing placements continue: only new placements stop while the suspension is in force."
)


# Starting.


def suspend(
    provider: ProviderOrganisation,
    home: CareHome | None = None,
    *,
    reason: str,
    ends_on: date | None = None,
    by: User,
) -> Suspension:
    """Suspend `home` (or, with no home, the whole provider) from new placements now."""
    if home is not None and home.provider_id != provider.id:
        raise OperationRefused(f"{home.name} is not a care home of {provider.display_name}")
    reason = _required(reason, "Enter the reason for the suspension")
    _check_end_date(ends_on)
    suspension = Suspension(
        provider_id=provider.id,
        care_home_id=home.id if home is not None else None,
        state=SuspensionState.active,
        reason=reason,
        ends_on=ends_on,
        started_at=clock.now(),
        started_by_id=by.id,
    )
    record_created(suspension, AuditAction.suspension_started, by=by, after=_snapshot(suspension))
    _tell_provider_started(suspension)
    return suspension


def recommend_suspension(
    visit: Visit, *, whole_provider: bool = False, reason: str, by: User
) -> Suspension:
    """A monitor recommends, from a visit, suspending its home or its whole provider; an
    officer confirms or declines it."""
    if visit.is_cancelled:
        raise OperationRefused("The visit was cancelled: recommend a suspension from another one")
    reason = _required(reason, "Enter why you recommend the suspension")
    suspension = Suspension(
        provider_id=visit.provider_id,
        care_home_id=None if whole_provider else visit.care_home_id,
        state=SuspensionState.recommended,
        reason=reason,
        visit_id=visit.id,
        recommended_by_id=by.id,
        recommended_at=clock.now(),
    )
    record_created(
        suspension, AuditAction.suspension_recommended, by=by, after=_snapshot(suspension)
    )
    tell_role(
        Role.contracts_officer,
        f"Suspension recommended: {_scope_name(suspension)}",
        f"{by.full_name} recommends suspending {_scope_name(suspension)} from new placements "
        f"after the visit on {format_date(visit.visited_on or visit.planned_on)}.\n\n"
        f"Reason: {suspension.reason}\n\nConfirm or decline the recommendation in the portal.",
        _officer_link(suspension),
        dedupe=f"suspension-{suspension.id}-recommended",
    )
    return suspension


# An officer's decisions.


def confirm_suspension(
    suspension: Suspension, *, ends_on: date | None = None, by: User
) -> Suspension:
    """An officer confirms a monitor's recommendation: the suspension is in force from now."""
    lock(suspension)
    _check_end_date(ends_on)
    _decide(
        suspension,
        SuspensionState.active,
        AuditAction.suspension_started,
        by=by,
        ends_on=ends_on,
        started_by_id=by.id,
    )
    _tell_provider_started(suspension)
    return suspension


def decline_suspension(suspension: Suspension, *, reason: str, by: User) -> Suspension:
    """An officer declines a monitor's recommendation, saying why; the monitor is told."""
    lock(suspension)
    reason = _required(reason, "Enter why you decline the recommendation")
    _decide(
        suspension,
        SuspensionState.declined,
        AuditAction.suspension_declined,
        by=by,
        decline_reason=reason,
        declined_by_id=by.id,
    )
    monitor = suspension.recommended_by
    if monitor is not None and monitor.is_active:
        tell(
            [monitor],
            f"Suspension not confirmed: {_scope_name(suspension)}",
            f"{by.full_name} declined your recommendation to suspend "
            f"{_scope_name(suspension)}.\n\nReason: {suspension.decline_reason}",
            _officer_link(suspension),
            dedupe=f"suspension-{suspension.id}-declined",
        )
    return suspension


def lift_suspension(suspension: Suspension, *, reason: str, by: User) -> Suspension:
    """An officer lifts a suspension in force; new placements may start again."""
    lock(suspension)
    if suspension.state is SuspensionState.active and not suspension.is_in_force(clock.today_uk()):
        raise OperationRefused(
            f"The suspension already ended on {format_date(suspension.ends_on)}: "
            "there is nothing to lift"
        )
    reason = _required(reason, "Enter why the suspension is lifted")
    _decide(
        suspension,
        SuspensionState.lifted,
        AuditAction.suspension_lifted,
        by=by,
        lift_reason=reason,
        lifted_by_id=by.id,
    )
    scope = _scope_name(suspension, for_provider=True)
    _tell_provider(
        suspension,
        f"Suspension lifted: {scope}",
        f"The council has lifted the suspension of {scope} from new placements.\n\n"
        f"Reason: {suspension.lift_reason}",
        "lifted",
    )
    return suspension


def _decide(
    suspension: Suspension, new: SuspensionState, event: AuditAction, *, by: User, **changes
) -> None:
    """Move the suspension (the table checked, the time stamped), keep the decision's
    details, and audit the whole of it before and after."""
    before = _snapshot(suspension)
    move(suspension, new)
    for name, value in changes.items():
        setattr(suspension, name, value)
    record_event(event, actor=by, subject=suspension, before=before, after=_snapshot(suspension))


# People to tell.


def _officer_link(suspension: Suspension) -> str:
    return portal_path("contracts.show_suspension", suspension_id=suspension.id)


def _provider_link(suspension: Suspension) -> str:
    if suspension.care_home_id is not None:
        return portal_path("providers.show_home", home_id=suspension.care_home_id)
    return portal_path("providers.list_homes")


def _tell_provider(suspension: Suspension, title: str, body: str, event: str) -> None:
    tell_organisation(
        suspension.provider_id,
        title,
        body,
        _provider_link(suspension),
        dedupe=f"suspension-{suspension.id}-{event}",
    )


def _tell_provider_started(suspension: Suspension) -> None:
    scope = _scope_name(suspension, for_provider=True)
    until = (
        f"It ends after {format_date(suspension.ends_on)}."
        if suspension.ends_on
        else "It lasts until the council lifts it."
    )
    body = (
        f"The council has suspended {scope} from new placements.\n\n"
        f"Reason: {suspension.reason}\n\n{until}\n\n{EXISTING_PLACEMENTS_CONTINUE}"
    )
    _tell_provider(suspension, f"New placements suspended: {scope}", body, "started")


# Guards and pieces.


def _required(text: str | None, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise OperationRefused(message)
    return text


def _check_end_date(ends_on: date | None) -> None:
    if ends_on is not None and ends_on < clock.today_uk():
        raise OperationRefused("The end date must be today or in the future")


def _scope_name(suspension: Suspension, *, for_provider: bool = False) -> str:
    provider = db.session.get(ProviderOrganisation, suspension.provider_id)
    if suspension.care_home_id is not None:
        home = db.session.get(CareHome, suspension.care_home_id)
        return home.name if for_provider else f"{home.name} ({provider.display_name})"
    return "all your care homes" if for_provider else f"{provider.display_name} (whole provider)"


def _snapshot(suspension: Suspension) -> dict:
    return {
        "state": suspension.state.name,
        "provider_id": suspension.provider_id,
        "care_home_id": suspension.care_home_id,
        "reason": suspension.reason,
        "ends_on": suspension.ends_on.isoformat() if suspension.ends_on else None,
        "visit_id": suspension.visit_id,
        "decline_reason": suspension.decline_reason or None,
        "lift_reason": suspension.lift_reason or None,
    }
