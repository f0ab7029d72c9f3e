"""Scheduled job of renewed self-declarations: each one not confirmed by its due date is
told once (the dedupe key names the request and the person), so a second run sends nothing."""

from datetime import datetime

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.declarations import queries
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.scheduler.registry import Job


def remind_declarations_overdue(now: datetime | None = None) -> dict:
    """Tell the provider's users and the officers, once, of each renewed self-declaration
    not confirmed by its due date: until it is, the provider cannot receive placements."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"providers_told": 0, "officers_told": 0}
    for declaration in queries.overdue_declarations(today):
        provider = declaration.provider
        due = clock.format_date(declaration.due_on)
        dedupe = f"declaration-overdue:{declaration.id}"
        counts["providers_told"] += tell_organisation(
            provider,
            f"Your self-declaration was due by {due}",
            "Your organisation cannot receive placements until you confirm it.",
            portal_path("declarations.confirm_declaration", declaration_id=declaration.id),
            template="onboarding/declaration_overdue",
            dedupe=dedupe,
        )
        counts["officers_told"] += tell_role(
            Role.contracts_officer,
            f"{provider.display_name} has not confirmed its self-declaration",
            f"It was due by {due}. The provider cannot receive placements until it does.",
            portal_path("declarations.request_declaration", provider_id=provider.id),
            template="onboarding/declaration_overdue",
            dedupe=dedupe,
        )
    return counts


JOBS = [
    Job(
        id="remind_declarations_overdue",
        func=remind_declarations_overdue,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 5},
        description="Tell providers and officers of renewed self-declarations not confirmed",
    ),
]
