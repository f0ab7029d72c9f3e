"""Scheduled jobs of the administrators: checking every night that the audit chain holds,
and telling them when it does not (audit itself tells no one)."""

from datetime import datetime

from dps_portal.audit.operations import ChainBreak, verify_chain
from dps_portal.core.roles import Role
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_role
from dps_portal.scheduler.registry import Job


def verify_audit_chain(now: datetime | None = None) -> dict:
    """Walk the audit chain; on a break, tell every active administrator, once per break."""
    report = verify_chain()
    if report.first_break is not None:
        _warn_administrators(report.first_break, report.events_checked)
    return {"events_checked": report.events_checked, "intact": int(report.is_intact)}


def _warn_administrators(chain_break: ChainBreak, events_checked: int) -> None:
    tell_role(
        Role.administrator,
        "The audit trail check found a break",
        f"The nightly check found a break at {chain_break}.",
        portal_path("audit.list_events"),
        template="audit_chain_broken",
        dedupe=f"audit-chain-break:{chain_break.sequence}:{chain_break.event_id}",
        chain_break=str(chain_break),
        events_checked=events_checked,
    )


JOBS = [
    Job(
        id="verify_audit_chain",
        func=verify_audit_chain,
        trigger="cron",
        trigger_args={"hour": 2, "minute": 30},
        description="Check that the audit trail's hash chain is unbroken",
    ),
]
