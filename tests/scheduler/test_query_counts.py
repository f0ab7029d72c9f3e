"""The scheduled jobs page: each job's latest run in one statement, the runs 50 a page, as
many statements for ten times the runs."""

from datetime import timedelta

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.scheduler import queries
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.registry import all_jobs
from tests.conftest import sign_in
from tests.factories import make_user
from tests.query_counts import statements_of


def add_runs(db, count: int, job_ids: list[str]) -> None:
    start = clock.now() - timedelta(days=1)
    for number in range(count):
        db.session.add(
            JobRun(
                job_id=job_ids[number % len(job_ids)],
                outcome=JobOutcome.failed if number % 5 == 0 else JobOutcome.succeeded,
                started_at=start + timedelta(minutes=number),
                finished_at=start + timedelta(minutes=number, seconds=2),
                counts={"sent": number},
                error="Traceback\\nRuntimeError: gone" if number % 5 == 0 else "",
            )
        )
    db.session.commit()


def test_the_jobs_page(client, db):
    admin = make_user(Role.administrator)
    job_ids = [job.id for job in all_jobs()]
    add_runs(db, 6, job_ids)
    sign_in(client, admin)
    small, _ = statements_of(client, "/admin/jobs")
    small_one, _ = statements_of(client, f"/admin/jobs?job={job_ids[0]}")
    add_runs(db, 54, job_ids)
    large, page = statements_of(client, "/admin/jobs")
    large_one, _ = statements_of(client, f"/admin/jobs?job={job_ids[0]}")
    assert small == large <= 30
    assert small_one == large_one <= 30
    assert page.count("sent: ") == 50
    assert "/admin/jobs?page=2" in page


def test_each_job_shows_its_latest_run(db):
    job_ids = [job.id for job in all_jobs()][:3]
    add_runs(db, 9, job_ids)
    latest = queries.latest_runs(job_ids)
    assert {job_id: run.counts["sent"] for job_id, run in latest.items()} == {
        job_ids[0]: 6,
        job_ids[1]: 7,
        job_ids[2]: 8,
    }
    assert queries.latest_runs([]) == {}
