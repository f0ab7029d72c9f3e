"""Scheduled job: run the CQC imports no worker is running. An import is queued by an
officer's upload and normally run at once by a thread (dps_portal/cqc/runner.py); this picks
up those left queued, or cut off while running, when a worker restarted."""

from datetime import datetime

from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.core.states import lock, move
from dps_portal.cqc.models import CqcImport, CqcImportState
from dps_portal.cqc.runner import run_import
from dps_portal.extensions import db
from dps_portal.scheduler.registry import Job


def run_queued_cqc_imports(now: datetime | None = None) -> dict:
    """Run the imports left queued (a worker restarted before its thread began), and queue
    again those cut off while running. Running it twice runs nothing twice."""
    now = now or clock.now()
    requeued = 0
    for cqc_import in list(db.session.scalars(select(CqcImport).where(CqcImport.is_stalled(now)))):
        lock(cqc_import)
        if cqc_import.is_stalled(now):
            move(cqc_import, CqcImportState.queued)
            requeued += 1
    queued = list(
        db.session.scalars(
            select(CqcImport.id)
            .where(CqcImport.state == CqcImportState.queued)
            .order_by(CqcImport.id)
        )
    )
    counts = {"requeued": requeued, "finished": 0, "failed": 0}
    for cqc_import_id in queued:
        state = run_import(cqc_import_id)
        if state is not None:
            counts[state.name] += 1
    return counts


JOBS = [
    Job(
        id="run_queued_cqc_imports",
        func=run_queued_cqc_imports,
        trigger="interval",
        trigger_args={"minutes": 1},
        description="Run CQC imports uploaded by officers that no worker is running",
    ),
]
