from dataclasses import dataclass

from sqlalchemy import func, select

from dps_portal.accounts.models import User
from dps_portal.audit.models import AuditEvent
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.notifications.models import OutboxEmail
from dps_portal.providers.models import CareHome, ProviderOrganisation


@dataclass(frozen=True)
class MarketSummary:
    framework_name: str
    providers: int
    homes: int
    beds: int


def market_summary() -> MarketSummary:
    framework = current_framework()
    homes, beds = db.session.execute(
        select(func.count(CareHome.id), func.coalesce(func.sum(CareHome.registered_beds), 0))
    ).one()
    providers = db.session.scalar(select(func.count(ProviderOrganisation.id)))
    return MarketSummary(
        framework_name=framework.name if framework else "No framework set up",
        providers=providers,
        homes=homes,
        beds=beds,
    )


@dataclass(frozen=True)
class AdminSummary:
    users: int
    active_users: int
    audit_events: int
    emails_waiting: int


def admin_summary() -> AdminSummary:
    from dps_portal.notifications.models import OutboxState

    return AdminSummary(
        users=db.session.scalar(select(func.count(User.id))),
        active_users=db.session.scalar(select(func.count(User.id)).where(User.is_active)),
        audit_events=db.session.scalar(select(func.count(AuditEvent.id))),
        emails_waiting=db.session.scalar(
            select(func.count(OutboxEmail.id)).where(OutboxEmail.state == OutboxState.queued)
        ),
    )


def quality_actions_to_answer(provider_id: int) -> int:
    """The provider's quality actions waiting for its response."""
    from dps_portal.quality.actions.queries import actions_to_answer

    return actions_to_answer(provider_id)


def actions_waiting_for_verification() -> int:
    from dps_portal.quality.actions.queries import actions_awaiting_verification

    return actions_awaiting_verification()


def suspension_recommendations_waiting() -> int:
    """Monitors' recommendations waiting for a contracts officer to confirm or decline."""
    from dps_portal.contracts.queries import recommendations_waiting

    return recommendations_waiting()


def monitor_visit_counts(user, today):
    """The monitor's visits this week, the overdue visits, and the monitor's drafts."""
    from dps_portal.quality.queries import monitor_counts

    return monitor_counts(user, today)
