import enum
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

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


class RatingOrigin(enum.Enum):
    """Where a home's CQC rating came from: never from the provider it gates."""

    cqc_import = "CQC data"
    officer_entry = "Entered by a contracts officer"

    @property
    def label(self) -> str:
        return self.value


class CqcRatingChange(IdMixin, Base):
    """A home's CQC rating as the CQC's data or an officer's entry changed it: the rating
    history, oldest first by id. The newest row says where the current rating came from."""

    __tablename__ = "cqc_rating_change"

    care_home_id: Mapped[int] = foreign_key("care_home.id")
    previous_rating: Mapped[CqcRating | None] = mapped_column(enum_type(CqcRating))
    new_rating: Mapped[CqcRating | None] = mapped_column(enum_type(CqcRating))
    published_on: Mapped[date | None]
    # When the change was made (by an import, or by an officer's entry).
    imported_at: Mapped[datetime] = mapped_column(default=clock.now)
    # The name of the file the change came from, as given to the import command.
    source_file: Mapped[str] = mapped_column(String(255), default="")
    origin: Mapped[RatingOrigin] = mapped_column(
        enum_type(RatingOrigin), default=RatingOrigin.cqc_import
    )
    # An officer's entry: who recorded it, where they read the rating, and why.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # The provider's report the officer confirmed, when the entry came from one.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("cqc_rating_report.id"), index=True)

    recorded_by = relationship("User")

    @property
    def is_officer_entry(self) -> bool:
        return self.origin is RatingOrigin.officer_entry

    @property
    def source_text(self) -> str:
        """Where the rating came from, in words a provider may read."""
        if self.is_officer_entry:
            return f"Recorded by the council from: {self.source}"
        if self.source_file:
            return f"The CQC’s published data ({self.source_file})"
        return "The CQC’s published data"


class CqcRatingReportState(StateEnum):
    pending = "Waiting for a check"
    confirmed = "Confirmed"
    rejected = "Rejected"

    __transitions__ = {"pending": ("confirmed", "rejected")}
    __stamps__ = {"confirmed": "decided_at", "rejected": "decided_at"}

    @property
    def label(self) -> str:
        return self.value

    @property
    def tag_class(self) -> str:
        return REPORT_STATE_TAGS[self]


REPORT_STATE_TAGS = {
    CqcRatingReportState.pending: "govuk-tag--blue",
    CqcRatingReportState.confirmed: "govuk-tag--green",
    CqcRatingReportState.rejected: "govuk-tag--red",
}

# Links in a report are shown as links only when they point at the CQC's own site.
CQC_HOSTS = ("cqc.org.uk",)


class CqcRatingReport(IdMixin, Base):
    """A provider's report that the CQC has rated one of its homes anew. Nothing changes for
    the contract gate until an officer has checked it against the CQC's publication and
    confirmed it (which records the rating as an officer's entry) or rejected it."""

    __tablename__ = "cqc_rating_report"
    noun = "report of a CQC rating"
    __table_args__ = (
        CheckConstraint(
            "(state = 'pending') = (decided_at IS NULL)",
            name="decided_at_set_when_decided",
        ),
    )

    care_home_id: Mapped[int] = foreign_key("care_home.id")
    provider_id: Mapped[int] = foreign_key("provider_organisation.id")
    state: Mapped[CqcRatingReportState] = mapped_column(
        enum_type(CqcRatingReportState), default=CqcRatingReportState.pending, index=True
    )
    rating: Mapped[CqcRating] = mapped_column(enum_type(CqcRating))
    published_on: Mapped[date]
    link: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The officer's note on confirming, or the reason for rejecting (told to the provider).
    decision_note: Mapped[str] = mapped_column(Text, default="")

    care_home = relationship("CareHome")
    provider = relationship("ProviderOrganisation")
    reported_by = relationship("User", foreign_keys=[reported_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.state is CqcRatingReportState.pending

    def can_decide(self, user) -> bool:
        """A contracts officer confirms or rejects it, once."""
        return user.is_contracts_officer and self.is_pending

    @property
    def link_is_cqc(self) -> bool:
        """Whether the link points at the CQC's site (only then is it shown as a link)."""
        parts = urlsplit(self.link)
        host = (parts.hostname or "").lower()
        return parts.scheme == "https" and any(
            host == known or host.endswith(f".{known}") for known in CQC_HOSTS
        )


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
