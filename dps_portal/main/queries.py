"""The home pages' counts: each an aggregate query, never a list built to be counted."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from dps_portal.accounts.models import User
from dps_portal.audit.models import AuditChainHead
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.notifications.models import OutboxEmail, OutboxState
from dps_portal.providers.models import CareHome, ProviderOrganisation


@dataclass(frozen=True)
class MarketSummary:
    framework_name: str
    providers: int
    homes: int
    beds: int


def market_summary() -> MarketSummary:
    """The framework's name (read once a request) and the market's size in one statement."""
    framework = current_framework()
    homes, beds, providers = db.session.execute(
        select(
            select(func.count(CareHome.id)).scalar_subquery(),
            select(func.coalesce(func.sum(CareHome.registered_beds), 0)).scalar_subquery(),
            select(func.count(ProviderOrganisation.id)).scalar_subquery(),
        )
    ).one()
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
    """The administrators' counts in one statement. The audit trail's length is its chain
    head's sequence number (one row), not a count of every event."""
    users, active_users, audit_events, emails_waiting = db.session.execute(
        select(
            select(func.count(User.id)).scalar_subquery(),
            select(func.count(User.id)).where(User.is_active).scalar_subquery(),
            select(func.coalesce(func.max(AuditChainHead.sequence), 0)).scalar_subquery(),
            select(func.count(OutboxEmail.id))
            .where(OutboxEmail.state == OutboxState.queued)
            .scalar_subquery(),
        )
    ).one()
    return AdminSummary(
        users=users,
        active_users=active_users,
        audit_events=audit_events,
        emails_waiting=emails_waiting,
    )


@dataclass(frozen=True)
class ApplicationCounts:
    awaiting_decision: int
    overdue: int


def application_counts(today: date) -> ApplicationCounts:
    """Applications waiting for a decision, and those of them past their decision date."""
    from dps_portal.onboarding.models import Application

    overdue = case((Application.decision_due_on < today, 1), else_=0)
    awaiting, late = db.session.execute(
        select(func.count(Application.id), func.coalesce(func.sum(overdue), 0)).where(
            Application.is_awaiting_decision
        )
    ).one()
    return ApplicationCounts(awaiting_decision=awaiting, overdue=int(late))


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


def framework_summary_status():
    """Whether the framework summary is kept to download, and when it will be if not (None
    without a framework)."""
    from dps_portal.framework.summary import summary_status

    framework = current_framework()
    return summary_status(framework) if framework else None
