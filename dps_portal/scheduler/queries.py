"""Reads for the scheduled jobs page."""

from datetime import UTC, datetime

from sqlalchemy import column, inspect, select, table

from dps_portal.extensions import db
from dps_portal.scheduler.models import JobRun
from dps_portal.scheduler.runner import JOBSTORE_TABLE

RECENT_RUNS = 50

# The job store's table, read only for its next run times (APScheduler owns it).
_jobstore = table(JOBSTORE_TABLE, column("id"), column("next_run_time"))


def next_run_times() -> dict[str, datetime]:
    """When each job runs next, as the scheduler (in this process or its own) last wrote it."""
    if not inspect(db.engine).has_table(JOBSTORE_TABLE):
        return {}
    rows = db.session.execute(select(_jobstore.c.id, _jobstore.c.next_run_time)).all()
    return {
        job_id: datetime.fromtimestamp(timestamp, UTC)
        for job_id, timestamp in rows
        if timestamp is not None
    }


def latest_run(job_id: str) -> JobRun | None:
    return db.session.scalars(
        select(JobRun)
        .where(JobRun.job_id == job_id)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(1)
    ).first()


def recent_runs(job_id: str | None = None) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job_id is not None:
        query = query.where(JobRun.job_id == job_id)
    return db.session.scalars(query.limit(RECENT_RUNS)).all()
