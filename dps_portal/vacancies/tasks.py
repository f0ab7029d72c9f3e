"""Scheduled jobs of vacancies: remind providers weekly while a vacancy with beds free is
stale. The reminder's dedupe key names the ISO week, so a run any number of times a day
tells each provider once a week at most."""

from datetime import datetime

from dps_portal.core import clock
from dps_portal.notifications.operations import tell_organisations
from dps_portal.scheduler.registry import Job
from dps_portal.vacancies import queries


def remind_stale_vacancies(now: datetime | None = None) -> dict:
    now = now or clock.now()
    providers = queries.providers_with_stale_vacancies(now)
    year, week, _ = clock.to_uk(now).isocalendar()
    told = tell_organisations(
        providers,
        "Confirm your vacancies",
        "At least one of your vacancies has not been confirmed for a week, so officers making "
        "emergency and respite placements do not see it. Confirm it if it is still accurate, "
        "or change it.",
        "/provider",
        dedupe=f"vacancies-stale:{year}-W{week:02d}",
    )
    return {"providers": len(providers), "told": told}


JOBS = [
    Job(
        id="remind_stale_vacancies",
        func=remind_stale_vacancies,
        trigger="cron",
        trigger_args={"hour": 9, "minute": 0},
        description="Remind providers whose vacancies have gone stale (once a week at most)",
    )
]
