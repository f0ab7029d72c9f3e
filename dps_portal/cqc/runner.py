"""Where CQC imports commit: the one place in cqc that does. An import streams a file of
tens of thousands of rows outside any request (a thread started by an officer's upload, the
scheduled job that picks up what a thread left, the import command), so it keeps its work a
batch at a time: the progress page (another session) sees each batch as it lands, and a
failure loses only the batch it happened in (importing the file again changes nothing)."""

import logging
import threading
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.errors import InvalidTransition
from dps_portal.core.states import move
from dps_portal.cqc.importer import CqcImportError, ImportSummary, import_cqc_file, rows_in_words
from dps_portal.cqc.models import CqcImport, CqcImportState
from dps_portal.cqc.operations import import_file_path
from dps_portal.extensions import db
from dps_portal.scheduler.runner import keep_progress

logger = logging.getLogger(__name__)


def start_in_background(app: Flask, cqc_import_id: int) -> threading.Thread | None:
    """Run the import in a daemon thread with its own app context and database session,
    started once the request that queued it has committed (so the thread finds it queued).
    CQC_IMPORT_IN_BACKGROUND = False leaves it to the scheduled job (and to tests)."""
    if not app.config.get("CQC_IMPORT_IN_BACKGROUND", True):
        return None
    thread = threading.Thread(
        target=_run_in_thread,
        args=(app, cqc_import_id),
        name=f"cqc-import-{cqc_import_id}",
        daemon=True,
    )
    event.listen(db.session(), "after_commit", lambda _session: thread.start(), once=True)
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
    it, or it has finished). Commits the claim, each batch with its progress, and the end."""
    cqc_import = db.session.get(CqcImport, cqc_import_id)
    if cqc_import is None:
        return None
    try:
        move(cqc_import, CqcImportState.running)
    except InvalidTransition:
        keep_progress()
        return None
    cqc_import.progress_at = clock.now()
    keep_progress()
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
            after_batch=keep_progress,
            summary=summary,
            actor=cqc_import.uploaded_by,
            subject=cqc_import,
            source_name=cqc_import.original_filename,
        )
        _finish(cqc_import, summary)
        keep_progress()
        state = CqcImportState.finished
    except Exception as error:
        db.session.rollback()
        if not isinstance(error, CqcImportError):
            logger.exception("CQC import %s failed", cqc_import_id)
        _fail(db.session.get(CqcImport, cqc_import_id), summary, _failure_text(error, summary))
        keep_progress()
        state = CqcImportState.failed
    path.unlink(missing_ok=True)
    return state


def import_path(path: str | Path, progress=None) -> ImportSummary:
    """The import command's run: each batch committed as it lands, and the end; a file that
    turns out wrong rolls back the batch it was in and raises CqcImportError."""
    try:
        summary = import_cqc_file(path, progress=progress, after_batch=keep_progress)
        keep_progress()
    except CqcImportError:
        db.session.rollback()
        raise
    return summary


def _finish(cqc_import: CqcImport, summary: ImportSummary) -> None:
    move(cqc_import, CqcImportState.finished)
    cqc_import.layout = summary.layout
    cqc_import.rows_read = summary.rows_read
    cqc_import.bytes_read = cqc_import.size_bytes
    cqc_import.homes_matched = summary.homes_matched
    cqc_import.ratings_changed = summary.ratings_changed
    cqc_import.homes_flagged = summary.homes_flagged_inadequate
    cqc_import.summary = summary.as_dict()


def _fail(cqc_import: CqcImport, summary: ImportSummary, message: str) -> None:
    """The rows of the batches committed before the failure stay imported (importing is
    idempotent, so the file can simply be imported again once put right)."""
    move(cqc_import, CqcImportState.failed)
    cqc_import.layout = summary.layout
    cqc_import.error = message
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
        f"The import stopped after {rows_in_words(summary.rows_read)} because of an "
        "unexpected error "
        f"({type(error).__name__}). The ratings of the rows before the last batch are "
        "imported; import the file again to finish."
    )
