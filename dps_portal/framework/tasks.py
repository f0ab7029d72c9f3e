"""Scheduled jobs of the framework: drawing its summary again when what it shows changed."""

from datetime import datetime

from dps_portal.core import clock
from dps_portal.framework.models import current_framework
from dps_portal.framework.summary import JOB_EVERY_MINUTES, JOB_ID, keep_summary
from dps_portal.scheduler.registry import Job


def produce_framework_summary(now: datetime | None = None) -> dict:
    """Draw the current framework's summary and keep it, when its data changed since the
    newest kept copy (or there is none): a second run with nothing changed draws nothing."""
    now = now or clock.now()
    framework = current_framework()
    if framework is None:
        return {"summaries_produced": 0}
    document = keep_summary(framework, now=now)
    return {"summaries_produced": 0 if document is None else 1}


JOBS = [
    Job(
        id=JOB_ID,
        func=produce_framework_summary,
        trigger="interval",
        trigger_args={"minutes": JOB_EVERY_MINUTES},
        description="Draw the framework summary PDF again when the homes or their standing changed",
    ),
]
