from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, enum_type, foreign_key
from dps_portal.core.states import StateEnum
from dps_portal.cqc.rules import STALLED_AFTER
from dps_portal.providers.models import CqcRating


class CqcLocation(Base):
    """A CQC location as its published files last described it; a home's details are
    filled in from here when a provider enters its location ID."""

    __tablename__ = "cqc_location"

    location_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    local_authority: Mapped[str] = mapped_column(String(100), default="")
    service_types: Mapped[str] = mapped_column(Text, default="")
    specialisms: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[str] = mapped_column(String(20), default="", index=True)
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    overall_rating: Mapped[str] = mapped_column(String(40), default="")
    rating_published_on: Mapped[date | None]
    imported_at: Mapped[datetime] = mapped_column(default=clock.now)


class CqcRatingChange(IdMixin, Base):
    """A home's CQC rating as an import changed it: the rating history, oldest first by id."""

    __tablename__ = "cqc_rating_change"

    care_home_id: Mapped[int] = foreign_key("care_home.id")
    previous_rating: Mapped[CqcRating | None] = mapped_column(enum_type(CqcRating))
    new_rating: Mapped[CqcRating | None] = mapped_column(enum_type(CqcRating))
    published_on: Mapped[date | None]
    imported_at: Mapped[datetime] = mapped_column(default=clock.now)
    # The name of the file the change came from, as given to the import command.
    source_file: Mapped[str] = mapped_column(String(255), default="")


class CqcImportState(StateEnum):
    queued = "Queued"
    running = "Running"
    finished = "Finished"
    failed = "Failed"

    # A running import cut off (a worker restarted) is queued again.
    __transitions__ = {"queued": ("running",), "running": ("finished", "failed", "queued")}
    __stamps__ = {"running": "started_at", "finished": "finished_at", "failed": "finished_at"}

    @property
    def label(self) -> str:
        return self.value

    @property
    def tag_class(self) -> str:
        return IMPORT_STATE_TAGS[self]


IMPORT_STATE_TAGS = {
    CqcImportState.queued: "govuk-tag--grey",
    CqcImportState.running: "govuk-tag--blue",
    CqcImportState.finished: "govuk-tag--green",
    CqcImportState.failed: "govuk-tag--red",
}


class CqcImport(IdMixin, Base):
    """A CQC file an officer uploaded, imported in the background: its progress while it
    runs, then its summary (or why it failed)."""

    __tablename__ = "cqc_import"
    noun = "import"
    __table_args__ = (
        CheckConstraint(
            "(state IN ('finished', 'failed')) = (finished_at IS NOT NULL)",
            name="finished_at_set_when_done",
        ),
    )

    state: Mapped[CqcImportState] = mapped_column(
        enum_type(CqcImportState), default=CqcImportState.queued, index=True
    )
    original_filename: Mapped[str] = mapped_column(String(255))
    # "csv" or "ods", from the content.
    file_format: Mapped[str] = mapped_column(String(10))
    # The file's name in the CQC import folder (random; never the uploader's name).
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    layout: Mapped[str] = mapped_column(String(20), default="")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    bytes_read: Mapped[int] = mapped_column(Integer, default=0)
    homes_matched: Mapped[int] = mapped_column(Integer, default=0)
    ratings_changed: Mapped[int] = mapped_column(Integer, default=0)
    homes_flagged: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    started_at: Mapped[datetime | None]
    # When the runner last saved progress: a running import silent for long was interrupted.
    progress_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    uploaded_by = relationship("User")

    @property
    def is_done(self) -> bool:
        return self.state.is_final

    @property
    def is_queued(self) -> bool:
        return self.state is CqcImportState.queued

    @property
    def has_failed(self) -> bool:
        return self.state is CqcImportState.failed

    @hybrid_method
    def is_stalled(self, now: datetime) -> bool:
        """Running, but silent for STALLED_AFTER: the worker running it was cut off."""
        return (
            self.state is CqcImportState.running
            and self.progress_at is not None
            and self.progress_at < now - STALLED_AFTER
        )

    @is_stalled.inplace.expression
    @classmethod
    def _is_stalled_expression(cls, now: datetime):
        return and_(cls.state == CqcImportState.running, cls.progress_at < now - STALLED_AFTER)

    @property
    def percent_read(self) -> int:
        if self.state is CqcImportState.finished:
            return 100
        if not self.size_bytes:
            return 0
        return min(100, self.bytes_read * 100 // self.size_bytes)
