"""Scheduled jobs of the scheduler itself: keeping its record of runs to a useful length."""

from datetime import datetime, timedelta

from sqlalchemy import delete

from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.scheduler.models import JobRun
from dps_portal.scheduler.registry import Job

# The outbox is delivered every minute: a month of its runs is enough to look back on.
JOB_RUN_RETENTION = timedelta(days=30)


def prune_job_runs(now: datetime | None = None) -> dict:
    """Forget runs started before the retention period (a run still "running" then died)."""
    now = now or clock.now()
    result = db.session.execute(
        delete(JobRun)
        .where(JobRun.started_at < now - JOB_RUN_RETENTION)
        .execution_options(synchronize_session=False)
    )
    return {"deleted": result.rowcount}


JOBS = [
    Job(
        id="prune_job_runs",
        func=prune_job_runs,
        trigger="cron",
        trigger_args={"hour": 3, "minute": 15},
        description="Forget scheduled job runs older than 30 days",
    ),
]
