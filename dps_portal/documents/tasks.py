"""Scheduled jobs of the documents package: keeping the store free of files without a row."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import store_directory
from dps_portal.extensions import db
from dps_portal.scheduler.registry import Job

# Older than any upload still in progress could be.
ABANDONED_AFTER = timedelta(hours=6)


def remove_abandoned_files(now: datetime | None = None) -> dict:
    """Remove files the store holds without a row: the temporary file of an upload whose
    worker died, or a file whose transaction never committed. Files younger than
    ABANDONED_AFTER are left alone, so an upload in progress is never touched."""
    now = now or clock.now()
    store = store_directory()
    kept = set(db.session.scalars(select(StoredDocument.storage_key)))
    removed = 0
    for path in store.iterdir():
        if not path.is_file() or path.name in kept:
            continue
        modified_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if now - modified_at < ABANDONED_AFTER:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return {"files_removed": removed}


JOBS = [
    Job(
        id="remove_abandoned_document_files",
        func=remove_abandoned_files,
        trigger="cron",
        trigger_args={"hour": 4, "minute": 10},
        description="Remove files in the document store that no document row names",
    ),
]
