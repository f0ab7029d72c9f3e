"""Reads for the documents pages."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db


def own_documents(provider_id: int) -> list[StoredDocument]:
    """An organisation's documents, newest first: the page asks for its user's own."""
    return db.session.scalars(
        select(StoredDocument)
        .where(StoredDocument.provider_id == provider_id)
        .options(joinedload(StoredDocument.uploaded_by))
        .order_by(StoredDocument.created_at.desc(), StoredDocument.id.desc())
    ).all()
