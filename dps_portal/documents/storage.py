"""The document store: files under random names outside static/, each with its SHA-256.

A file is written to a temporary name in the store, checked, then renamed into place, so a
refused or failed upload leaves nothing behind. A stored file whose transaction rolls back is
removed too, so the store holds no file without its row."""

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core.errors import OperationRefused
from dps_portal.documents.models import SEALED_KINDS, StoredDocument
from dps_portal.documents.sniffing import DocumentType, sniff
from dps_portal.extensions import db

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
REFUSED_TYPE = (
    "The selected file must be a PDF, Word document, Excel spreadsheet, OpenDocument text, "
    "PNG or JPEG"
)
REFUSED_EMPTY = "The selected file is empty"
REFUSED_TOO_LARGE = f"The selected file must be smaller than {MAX_DOCUMENT_BYTES // 2**20}MB"

_CHUNK = 64 * 1024
_KEY_PATTERN = re.compile(r"[0-9a-f]{40}")
_WRITTEN = "documents_written"


class DocumentRefused(OperationRefused):
    """The file cannot be kept; the message tells the person why."""


class DocumentUnavailable(Exception):
    """A stored document cannot be read back as it was stored."""


def store_directory() -> Path:
    """The store named by DOCUMENT_STORE, created on first use; never under static/."""
    store = Path(current_app.config["DOCUMENT_STORE"]).resolve()
    static = current_app.static_folder
    if static and store.is_relative_to(Path(static).resolve()):
        raise RuntimeError("DOCUMENT_STORE must not be inside the static folder")
    store.mkdir(parents=True, exist_ok=True)
    return store


def check_document(stream: BinaryIO) -> DocumentType:
    """The type of a seekable upload, or DocumentRefused saying what is wrong with it."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise DocumentRefused(REFUSED_EMPTY)
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentRefused(REFUSED_TOO_LARGE)
    kind = sniff(stream)
    if kind is None:
        raise DocumentRefused(REFUSED_TYPE)
    return kind


def store_document(
    data: bytes | BinaryIO,
    *,
    original_filename: str,
    kind: str,
    provider_id: int | None = None,
    uploaded_by=None,
    description: str = "",
) -> StoredDocument:
    """Keep an uploaded file (bytes, or the whole of a file-like object) and audit it."""
    document = write_document(
        data,
        original_filename=original_filename,
        kind=kind,
        provider_id=provider_id,
        by=uploaded_by,
        description=description,
    )
    record_event(
        AuditAction.document_stored, actor=uploaded_by, subject=document, after=summary(document)
    )
    return document


def write_document(
    data: bytes | BinaryIO,
    *,
    original_filename: str,
    kind: str,
    provider_id: int | None = None,
    by=None,
    description: str = "",
) -> StoredDocument:
    """Write, check and record a file without auditing it: for callers that audit their own
    action (a rendered PDF is audited as rendered, not as uploaded)."""
    store = store_directory()
    handle, temporary = tempfile.mkstemp(dir=store, prefix=".incoming-", suffix=".part")
    key = secrets.token_hex(20)
    final = store / key
    try:
        with os.fdopen(handle, "w+b") as target:
            digest, size = _copy_limited(data, target)
            if size == 0:
                raise DocumentRefused(REFUSED_EMPTY)
            target.flush()
            os.fsync(target.fileno())
            document_type = sniff(target)
            if document_type is None:
                raise DocumentRefused(REFUSED_TYPE)
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        document = StoredDocument(
            storage_key=key,
            # Some browsers send the whole path the file came from; only its name is kept.
            original_filename=re.split(r"[\\/]", original_filename)[-1][:255] or "document",
            description=description,
            media_type=document_type.media_type,
            size_bytes=size,
            sha256=digest,
            provider_id=provider_id,
            kind=kind,
            uploaded_by_id=getattr(by, "id", None),
        )
        db.session.add(document)
        db.session.flush()
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    _remember_written(final)
    return document


def summary(document: StoredDocument) -> dict:
    """What the audit trail keeps about a document: enough to recognise it, not its content
    (nor, for a sealed kind, its name, which the trail's readers may not see yet)."""
    kept = {
        "original_filename": document.original_filename,
        "media_type": document.media_type,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "kind": document.kind,
        "provider_id": document.provider_id,
    }
    if document.kind in SEALED_KINDS:
        del kept["original_filename"]
    return kept


def open_document(document: StoredDocument) -> BinaryIO:
    """The stored file, open for reading at its start, after checking it is the file stored.

    Raises DocumentUnavailable when the file is missing or its bytes no longer match the
    SHA-256 kept when it was stored. The caller closes the file."""
    path = document_path(document)
    try:
        stream = path.open("rb")
    except FileNotFoundError as error:
        raise DocumentUnavailable(f"document {document.id}: the stored file is missing") from error
    try:
        digest = hashlib.sha256()
        size = 0
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        if size != document.size_bytes or not hmac.compare_digest(
            digest.hexdigest(), document.sha256
        ):
            raise DocumentUnavailable(
                f"document {document.id}: the stored file does not match its SHA-256"
            )
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return stream


def read_document(document: StoredDocument) -> bytes:
    """The stored file's bytes, checked against its SHA-256."""
    with open_document(document) as stream:
        return stream.read()


def document_path(document: StoredDocument) -> Path:
    if not _KEY_PATTERN.fullmatch(document.storage_key or ""):
        raise DocumentUnavailable(f"document {document.id}: not a storage key")
    return store_directory() / document.storage_key


def _copy_limited(data: bytes | BinaryIO, target: BinaryIO) -> tuple[str, int]:
    """Copy into `target`, refusing more than the limit; the SHA-256 and size of what came."""
    digest = hashlib.sha256()
    if isinstance(data, bytes | bytearray | memoryview):
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DocumentRefused(REFUSED_TOO_LARGE)
        digest.update(data)
        target.write(data)
        return digest.hexdigest(), len(data)
    if hasattr(data, "seek"):
        data.seek(0)
    size = 0
    while chunk := data.read(_CHUNK):
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentRefused(REFUSED_TOO_LARGE)
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


# Files written in a transaction belong to it: the innermost savepoint open when written, or
# the whole transaction (None). A savepoint that commits hands its files to the one around it;
# a transaction that ends any other way removes the files it still holds.


def _remember_written(path: Path) -> None:
    session = db.session()
    session.info.setdefault(_WRITTEN, []).append([session.get_nested_transaction(), path])


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is None:
        session.info.pop(_WRITTEN, None)
        return
    enclosing = savepoint.parent
    while enclosing is not None and not enclosing.nested:
        enclosing = enclosing.parent
    for entry in session.info.get(_WRITTEN, []):
        if entry[0] is savepoint:
            entry[0] = enclosing


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction) -> None:
    pending = session.info.get(_WRITTEN)
    if not pending:
        return
    ending_whole = transaction.parent is None
    keep = []
    for owner, path in pending:
        if ending_whole or owner is transaction:
            path.unlink(missing_ok=True)
        else:
            keep.append([owner, path])
    session.info[_WRITTEN] = keep
