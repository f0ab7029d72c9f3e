import re
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin
from dps_portal.documents.sniffing import type_for

# Characters a download name must not carry: separators, quotes, controls, and those
# Windows refuses in a file name.
_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]+')


# Kinds sealed until a moment another package decides: the generic download gives them to
# their own organisation only.
SEALED_KINDS = frozenset({"bid_attachment"})


class StoredDocument(IdMixin, Base):
    """A file in the document store: kept under a random name, with its SHA-256."""

    __tablename__ = "stored_document"

    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    # What the person who uploaded it said it is; empty for generated documents.
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
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

    uploaded_by = relationship("User")

    def can_download(self, user) -> bool:
        """Staff may read any document; a provider user only its own organisation's. A
        sealed kind (a bid's attachment) only its own organisation: staff read it through
        the tenders' seal (tenders.queries.sealed_versions), never here."""
        if not user.is_authenticated:
            return False
        if user.is_staff and self.kind not in SEALED_KINDS:
            return True
        return self.provider_id is not None and self.provider_id == user.provider_id

    @property
    def name(self) -> str:
        return self.description or self.original_filename

    @property
    def type_label(self) -> str:
        kind = type_for(self.media_type)
        return kind.label if kind else self.media_type

    @property
    def size_label(self) -> str:
        """'850 bytes', '12 KB', '1.4 MB': as a person reads a file's size."""
        if self.size_bytes < 1024:
            return f"{self.size_bytes} bytes"
        if self.size_bytes < 1024 * 1024:
            return f"{round(self.size_bytes / 1024)} KB"
        return f"{self.size_bytes / (1024 * 1024):.1f} MB"

    @property
    def download_filename(self) -> str:
        """The name to save it under: the original name, cleaned, with the extension its
        content has (a PDF uploaded as 'notes.txt' downloads as 'notes.pdf')."""
        base = re.split(r"[\\/]", self.original_filename)[-1]
        stem = base.rsplit(".", 1)[0] if "." in base else base
        kind = type_for(self.media_type)
        return safe_filename(stem, kind.extension if kind else "bin")


def safe_filename(stem: str, extension: str) -> str:
    """A file name a browser can save on any system: no separators, quotes or controls."""
    cleaned = " ".join(_UNSAFE_IN_FILENAME.sub(" ", stem).split()).strip(" .")[:100]
    return f"{cleaned or 'document'}.{extension}"
