"""Scheduled job: evidence expiring within 30 days, and evidence expired (which the contract
gate counts against the provider's homes). Each reminder goes once: its dedupe key names the
item, the kind of reminder and the person; a renewal is a new item with reminders of its own."""

from datetime import datetime

from dps_portal.accounts.queries import active_officers, organisation_users
from dps_portal.core import clock
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import notify_and_email
from dps_portal.providers.evidence import queries
from dps_portal.scheduler.registry import Job


def _homes_text(homes) -> str:
    if not homes:
        return ""
    names = ", ".join(home.name for home in homes)
    return f" Until it is renewed these homes are not eligible for placements: {names}."


def remind_evidence_expiring(now: datetime | None = None) -> dict:
    """Tell the provider's users, once per item, of evidence expiring within 30 days; and,
    once it has expired, the provider's users and the contracts officers."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    officers = active_officers()
    counts = {"expiring": 0, "expired_providers_told": 0, "expired_officers_told": 0}
    for item in queries.items_to_remind(today):
        provider = item.provider
        expires = clock.format_date(item.expires_on)
        provider_link = portal_path("evidence.list_evidence")
        if item.is_expired(today):
            homes = queries.homes_stopped_by(item, today)
            for user in organisation_users(provider.id):
                sent = notify_and_email(
                    user,
                    f"Your {item.label.lower()} expired on {expires}",
                    "Upload the renewed certificate." + _homes_text(homes),
                    portal_path("evidence.renew_evidence", evidence_id=item.id),
                    dedupe_key=f"evidence-expired:{item.id}:{user.id}",
                )
                counts["expired_providers_told"] += sent is not None
            for officer in officers:
                sent = notify_and_email(
                    officer,
                    f"{provider.display_name}: {item.label.lower()} expired on {expires}",
                    "The provider has not renewed it." + _homes_text(homes),
                    portal_path("evidence.provider_evidence", provider_id=provider.id),
                    dedupe_key=f"evidence-expired:{item.id}:{officer.id}",
                )
                counts["expired_officers_told"] += sent is not None
        else:
            for user in organisation_users(provider.id):
                sent = notify_and_email(
                    user,
                    f"Your {item.label.lower()} expires on {expires}",
                    "Renew it before then: once it expires your homes cannot receive "
                    "placements until it is renewed.",
                    provider_link,
                    dedupe_key=f"evidence-expiring:{item.id}:{user.id}",
                )
                counts["expiring"] += sent is not None
    return counts


JOBS = [
    Job(
        id="remind_evidence_expiring",
        func=remind_evidence_expiring,
        trigger="cron",
        trigger_args={"hour": 7, "minute": 30},
        description="Tell providers of evidence expiring within 30 days, and officers once expired",
    ),
]
