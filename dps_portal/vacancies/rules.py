"""When a vacancy goes stale: one place for the rule, read from the framework's data
(`Framework.vacancy_stale_days`, which administrators keep)."""

from datetime import datetime, timedelta

from dps_portal.core import clock
from dps_portal.framework.models import Framework
from dps_portal.framework.queries import current_setting
from dps_portal.framework.rules import count_in_words


def stale_after() -> timedelta:
    return timedelta(days=current_setting(Framework.vacancy_stale_days))


def stale_after_in_words() -> str:
    """ "7 days": how long a vacancy stays fresh unconfirmed, as a provider reads it."""
    return count_in_words(current_setting(Framework.vacancy_stale_days))


def fresh_since(now: datetime | None = None) -> datetime:
    """Vacancies confirmed before this instant are stale."""
    return (now or clock.now()) - stale_after()
