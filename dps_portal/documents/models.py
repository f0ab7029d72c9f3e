from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin


class StoredDocument(IdMixin, Base):
    """A file in the document store: kept under a random name, with its SHA-256."""

    __tablename__ = "stored_document"

    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # The organisation that owns it (provider uploads and provider-facing PDFs), if any.
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("provider_organisation.id"), index=True
    )
    # What the document is (an evidence upload, "decision_notice", "framework_summary", ...).
    kind: Mapped[str] = mapped_column(String(60), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
