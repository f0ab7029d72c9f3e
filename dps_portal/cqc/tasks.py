"""Running officers' CQC imports in the background: a thread started by the upload, and a
scheduled job that picks up imports left queued (or cut off) when a worker restarted.

The runner commits as it goes: each batch of rows with the import's progress, so the
progress page sees it; a failure rolls back the failing batch only and says why."""

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select, update

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.cqc.importer import CqcImportError, ImportSummary, import_cqc_file
from dps_portal.cqc.models import CqcImport, CqcImportState
from dps_portal.cqc.operations import import_file_path
from dps_portal.extensions import db
from dps_portal.scheduler.registry import Job

logger = logging.getLogger(__name__)

# A running import that has saved no progress for this long was cut off (a batch takes
# seconds): the job queues it again, which is safe because importing again changes nothing.
STALLED_AFTER = timedelta(minutes=15)


def start_in_background(app: Flask, cqc_import_id: int) -> threading.Thread | None:
    """Run the import in a daemon thread with its own app context and database session.
    CQC_IMPORT_IN_BACKGROUND = False leaves it to the scheduled job (and to tests)."""
    if not app.config.get("CQC_IMPORT_IN_BACKGROUND", True):
        return None
    thread = threading.Thread(
        target=_run_in_thread,
        args=(app, cqc_import_id),
        name=f"cqc-import-{cqc_import_id}",
        daemon=True,
    )
    thread.start()
    return thread


def _run_in_thread(app: Flask, cqc_import_id: int) -> None:
    with app.app_context():
        try:
            run_import(cqc_import_id)
        except Exception:
            logger.exception("CQC import %s could not be run", cqc_import_id)
        finally:
            db.session.remove()


def run_import(cqc_import_id: int, now: datetime | None = None) -> CqcImportState | None:
    """Run one queued import to its end; None when it was not queued (another worker has
    it, or it has finished). Commits: the claim, each batch with its progress, the end."""
    claimed = db.session.execute(
        update(CqcImport)
        .where(CqcImport.id == cqc_import_id, CqcImport.state == CqcImportState.queued)
        .values(state=CqcImportState.running, started_at=clock.now(), progress_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    cqc_import = db.session.get(CqcImport, cqc_import_id)
    path = import_file_path(cqc_import)
    summary = ImportSummary(source_file=cqc_import.original_filename)

    def progress(bytes_read: int) -> None:
        cqc_import.rows_read = summary.rows_read
        cqc_import.bytes_read = bytes_read
        cqc_import.ratings_changed = summary.ratings_changed
        cqc_import.homes_flagged = summary.homes_flagged_inadequate
        cqc_import.progress_at = clock.now()

    try:
        if not path.is_file():
            raise CqcImportError(
                f"The uploaded file {cqc_import.original_filename} is no longer on the "
                "server. Upload it again."
            )
        import_cqc_file(
            path,
            now=now,
            progress=progress,
            after_batch=db.session.commit,
            summary=summary,
            actor=cqc_import.uploaded_by,
            subject=cqc_import,
            source_name=cqc_import.original_filename,
        )
        _finish(cqc_import, summary)
        db.session.commit()
        state = CqcImportState.finished
    except Exception as error:
        db.session.rollback()
        if not isinstance(error, CqcImportError):
            logger.exception("CQC import %s failed", cqc_import_id)
        _fail(db.session.get(CqcImport, cqc_import_id), summary, _failure_text(error, summary))
        db.session.commit()
        state = CqcImportState.failed
    path.unlink(missing_ok=True)
    return state


def _finish(cqc_import: CqcImport, summary: ImportSummary) -> None:
    cqc_import.state = CqcImportState.finished
    cqc_import.layout = summary.layout
    cqc_import.rows_read = summary.rows_read
    cqc_import.bytes_read = cqc_import.size_bytes
    cqc_import.homes_matched = summary.homes_matched
    cqc_import.ratings_changed = summary.ratings_changed
    cqc_import.homes_flagged = summary.homes_flagged_inadequate
    cqc_import.summary = summary.as_dict()
    cqc_import.finished_at = clock.now()


def _fail(cqc_import: CqcImport, summary: ImportSummary, message: str) -> None:
    """The rows of the batches committed before the failure stay imported (importing is
    idempotent, so the file can simply be imported again once put right)."""
    cqc_import.state = CqcImportState.failed
    cqc_import.layout = summary.layout
    cqc_import.error = message
    cqc_import.finished_at = clock.now()
    record_event(
        AuditAction.cqc_import_failed,
        actor=cqc_import.uploaded_by,
        subject=cqc_import,
        after={"error": message, "rows_read": cqc_import.rows_read},
    )


def _failure_text(error: Exception, summary: ImportSummary) -> str:
    if isinstance(error, CqcImportError):
        return str(error)
    return (
        f"The import stopped after {summary.rows_read} rows because of an unexpected error "
        f"({type(error).__name__}). The ratings of the rows before the last batch are "
        "imported; import the file again to finish."
    )


def run_queued_cqc_imports(now: datetime | None = None) -> dict:
    """Run the imports left queued (a worker restarted before its thread began), and queue
    again those cut off while running. Running it twice runs nothing twice."""
    now = now or clock.now()
    stalled = db.session.execute(
        update(CqcImport)
        .where(
            CqcImport.state == CqcImportState.running,
            CqcImport.progress_at < now - STALLED_AFTER,
        )
        .values(state=CqcImportState.queued)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    queued = list(
        db.session.scalars(
            select(CqcImport.id)
            .where(CqcImport.state == CqcImportState.queued)
            .order_by(CqcImport.id)
        )
    )
    counts = {"requeued": stalled, "finished": 0, "failed": 0}
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
