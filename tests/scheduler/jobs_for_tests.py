"""Jobs registered only in the tests that put this module in TASK_MODULES."""

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.extensions import db
from dps_portal.notifications.operations import notify
from dps_portal.scheduler.registry import Job


def _first_user() -> User:
    return db.session.scalars(select(User).order_by(User.id)).first()


def write_and_count(now=None) -> dict:
    notify(_first_user(), "Written by a job")
    return {"written": 1, "at": now}


def write_then_fail(now=None) -> dict:
    notify(_first_user(), "Written by a job that then fails")
    db.session.flush()
    raise RuntimeError("the job broke half way")


JOBS = [
    Job("write_and_count", write_and_count, "interval", {"minutes": 5}, "Writes one row"),
    Job(
        "write_then_fail",
        "tests.scheduler.jobs_for_tests:write_then_fail",
        "cron",
        {"hour": 4, "minute": 0},
        "Writes one row, then fails",
    ),
]
