"""The home pages' counts: each an aggregate query, never a list built to be counted."""

from dataclasses import dataclass

from sqlalchemy import func, select

from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
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
    # The homes and their beds in one pass over the homes.
    homes, beds, providers = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(CareHome.registered_beds), 0),
            select(func.count()).select_from(ProviderOrganisation).scalar_subquery(),
        ).select_from(CareHome)
    ).one()
    return MarketSummary(
        framework_name=framework.name if framework else "No framework set up",
        providers=providers,
        homes=homes,
        beds=beds,
    )


def framework_summary_status():
    """Whether the framework summary is kept to download, and when it will be if not (None
    without a framework)."""
    from dps_portal.framework.summary import summary_status

    framework = current_framework()
    return summary_status(framework) if framework else None
