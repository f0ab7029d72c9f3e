"""Scheduled jobs of the review: decisions due soon or overdue, and overdue declarations.
Each reminder goes once: its dedupe key names the application (or request), the due date
and the person, so a second run sends nothing new and an extension gives a fresh one."""

from datetime import datetime

from dps_portal.accounts.queries import active_officers, organisation_users
from dps_portal.core import clock
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import notify_and_email
from dps_portal.onboarding import rules
from dps_portal.onboarding.review import queries
from dps_portal.scheduler.registry import Job

# A decision due within this many working days is "due soon" (red in the queue).
DUE_SOON_WORKING_DAYS = 2


def remind_decisions_due(now: datetime | None = None) -> dict:
    """Tell every active contracts officer, once, of each application whose decision is due
    within 2 working days, and once more when it is overdue."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    officers = active_officers()
    counts = {"due_soon": 0, "overdue": 0}
    for application in queries.awaiting_decision():
        due_on = application.decision_due_on
        days_left = rules.working_days_left(application, today)
        if days_left is None or days_left > DUE_SOON_WORKING_DAYS:
            continue
        overdue = days_left < 0
        days_text = queries.plural(abs(days_left), "working day")
        if overdue:
            kind = "overdue"
            title = f"Decision overdue: application {application.reference}"
            body = (
                f"The decision was due by {clock.format_date(due_on)}: it is overdue by "
                f"{days_text}."
            )
        else:
            kind = "due_soon"
            title = f"Decision due soon: application {application.reference}"
            body = f"The decision is due by {clock.format_date(due_on)}."
            days_text = "It is due today" if days_left == 0 else f"{days_text} left"
        link = portal_path("review.show_application", application_id=application.id)
        for officer in officers:
            sent = notify_and_email(
                officer,
                title,
                body,
                link,
                template="onboarding/decision_due",
                dedupe_key=(
                    f"decision-{kind.replace('_', '-')}:{application.id}:"
                    f"{due_on.isoformat()}:{officer.id}"
                ),
                application=application,
                overdue=overdue,
                days_text=days_text,
            )
            if sent is not None:
                counts[kind] += 1
    return counts


def remind_declarations_overdue(now: datetime | None = None) -> dict:
    """Tell the provider's users and the officers, once, of each renewed self-declaration
    not confirmed by its due date: until it is, the provider cannot receive placements."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    officers = active_officers()
    counts = {"providers_told": 0, "officers_told": 0}
    for declaration in queries.overdue_declarations(today):
        provider = declaration.provider
        due = clock.format_date(declaration.due_on)
        for user in organisation_users(provider.id):
            sent = notify_and_email(
                user,
                f"Your self-declaration was due by {due}",
                "Your organisation cannot receive placements until you confirm it.",
                portal_path("review.confirm_declaration", declaration_id=declaration.id),
                template="onboarding/declaration_overdue",
                dedupe_key=f"declaration-overdue:{declaration.id}:{user.id}",
            )
            if sent is not None:
                counts["providers_told"] += 1
        for officer in officers:
            sent = notify_and_email(
                officer,
                f"{provider.display_name} has not confirmed its self-declaration",
                f"It was due by {due}. The provider cannot receive placements until it does.",
                portal_path("review.request_declaration", provider_id=provider.id),
                template="onboarding/declaration_overdue",
                dedupe_key=f"declaration-overdue:{declaration.id}:{officer.id}",
            )
            if sent is not None:
                counts["officers_told"] += 1
    return counts


JOBS = [
    Job(
        id="remind_decisions_due",
        func=remind_decisions_due,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 0},
        description="Tell contracts officers of application decisions due soon or overdue",
    ),
    Job(
        id="remind_declarations_overdue",
        func=remind_declarations_overdue,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 5},
        description="Tell providers and officers of renewed self-declarations not confirmed",
    ),
]
