"""Who may take the contract gate's steps that belong to no one model of this package."""

from dps_portal.quality.models import Visit


def can_recommend_suspension(user, visit: Visit) -> bool:
    """Quality monitors recommend suspensions from their visits, unless the visit was cancelled."""
    return user.is_authenticated and user.is_quality_monitor and not visit.is_cancelled
