"""When a vacancy goes stale: one place for the rule, read from configuration."""

from datetime import datetime, timedelta

from flask import current_app

from dps_portal.core import clock


def stale_after() -> timedelta:
    return current_app.config["VACANCY_STALE_AFTER"]


def fresh_since(now: datetime | None = None) -> datetime:
    """Vacancies confirmed before this instant are stale."""
    return (now or clock.now()) - stale_after()
