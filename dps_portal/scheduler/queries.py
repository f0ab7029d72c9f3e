"""Reads for the scheduled jobs page."""

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Select, and_, column, or_, select, table, union_all
from sqlalchemy.orm import aliased

from dps_portal.extensions import db
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.runner import JOBSTORE_TABLE

PAGE_SIZE = 50

# The job store's table, read only for its next run times (APScheduler owns it).
_jobstore = table(JOBSTORE_TABLE, column("id"), column("next_run_time"))


def next_run_times() -> dict[str, datetime]:
    """When each job runs next, as the scheduler (in this process or its own) last wrote it."""
    # Asked on the request's own connection: an inspector would check out (and ping) another.
    if not db.engine.dialect.has_table(db.session.connection(), JOBSTORE_TABLE):
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
    runs = db.session.scalars(_latest_runs_statement(tuple(job_ids)))
    return {run.job_id: run for run in runs}


@lru_cache(maxsize=8)
def _latest_runs_statement(job_ids: tuple[str, ...]) -> Select:
    """Built once for the registry's jobs: building a subquery a job cost more CPU than
    PostgreSQL spends running them all."""
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
    return select(JobRun).where(JobRun.id.in_(union_all(*newest)))


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
