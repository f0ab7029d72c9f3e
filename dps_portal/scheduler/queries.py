"""Reads for the scheduled jobs page."""

from datetime import UTC, datetime

from sqlalchemy import Select, and_, column, inspect, or_, select, table, union_all
from sqlalchemy.orm import aliased

from dps_portal.extensions import db
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.runner import JOBSTORE_TABLE

PAGE_SIZE = 50

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


def latest_runs(job_ids: list[str]) -> dict[str, JobRun]:
    """Each job's latest run, in one statement: a newest-first LIMIT 1 per job (the index on
    job_id and started_at answers each), joined by UNION ALL."""
    if not job_ids:
        return {}
    newest = [
        select(
            select(JobRun.id)
            .where(JobRun.job_id == job_id)
            .order_by(JobRun.started_at.desc(), JobRun.id.desc())
            .limit(1)
            .subquery()
        )
        for job_id in job_ids
    ]
    runs = db.session.scalars(select(JobRun).where(JobRun.id.in_(union_all(*newest))))
    return {run.job_id: run for run in runs}


def runs(job_id: str | None = None) -> Select:
    """Every run, newest first, of one job when given (a SELECT to paginate)."""
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job_id is not None:
        query = query.where(JobRun.job_id == job_id)
    return query


def failing_runs(job_ids: list[str]) -> Select:
    """The jobs failing now: each job's latest run where it failed (a later success or a
    run under way means it is not failing). The administrators' home page counts these."""
    later = aliased(JobRun)
    has_later = (
        select(later.id)
        .where(
            later.job_id == JobRun.job_id,
            or_(
                later.started_at > JobRun.started_at,
                and_(later.started_at == JobRun.started_at, later.id > JobRun.id),
            ),
        )
        .exists()
    )
    return (
        select(JobRun)
        .where(JobRun.job_id.in_(job_ids), JobRun.outcome == JobOutcome.failed, ~has_later)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
    )
