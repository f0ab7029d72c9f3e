"""Scheduled job: evidence expiring within EXPIRY_WARNING_DAYS, and evidence expired (which
the contract gate counts against the provider's homes). Each reminder goes once: its dedupe
key names the item, the kind of reminder and the person; a renewal is a new item with
reminders of its own."""

from datetime import datetime

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.providers.evidence import queries
from dps_portal.providers.evidence.rules import EXPIRY_WARNING_DAYS
from dps_portal.scheduler.registry import Job


def _homes_text(homes) -> str:
    if not homes:
        return ""
    names = ", ".join(home.name for home in homes)
    return f" Until it is renewed these homes are not eligible for placements: {names}."


def remind_evidence_expiring(now: datetime | None = None) -> dict:
    """Tell the provider's users, once per item, of evidence expiring soon; and, once it has
    expired, the provider's users and the contracts officers."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"expiring": 0, "expired_providers_told": 0, "expired_officers_told": 0}
    for item in queries.items_to_remind(today):
        provider = item.provider
        what = item.label.lower()
        expires = clock.format_date(item.expires_on)
        if item.is_expired(today):
            homes = queries.homes_stopped_by(item, today)
            dedupe = f"evidence-expired:{item.id}"
            counts["expired_providers_told"] += tell_organisation(
                provider,
                f"Your {what} expired on {expires}",
                "Upload the renewed certificate." + _homes_text(homes),
                portal_path("evidence.renew_evidence", evidence_id=item.id),
                dedupe=dedupe,
            )
            counts["expired_officers_told"] += tell_role(
                Role.contracts_officer,
                f"{provider.display_name}: {what} expired on {expires}",
                "The provider has not renewed it." + _homes_text(homes),
                portal_path("evidence.provider_evidence", provider_id=provider.id),
                dedupe=dedupe,
            )
        else:
            counts["expiring"] += tell_organisation(
                provider,
                f"Your {what} expires on {expires}",
                "Renew it before then: once it expires your homes cannot receive "
                "placements until it is renewed.",
                portal_path("evidence.list_evidence"),
                dedupe=f"evidence-expiring:{item.id}",
            )
    return counts


JOBS = [
    Job(
        id="remind_evidence_expiring",
        func=remind_evidence_expiring,
        trigger="cron",
        trigger_args={"hour": 7, "minute": 30},
        description=(
            f"Tell providers of evidence expiring within {EXPIRY_WARNING_DAYS} days, and "
            "officers once expired"
        ),
    ),
]
