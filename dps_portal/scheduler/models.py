from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, enum_type
from dps_portal.core.states import StateEnum


class JobOutcome(StateEnum):
    running = "Running"
    succeeded = "Succeeded"
    failed = "Failed"

    __transitions__ = {"running": ("succeeded", "failed")}
    __stamps__ = {"succeeded": "finished_at", "failed": "finished_at"}


class JobRun(IdMixin, Base):
    """One run of a scheduled job: when, how it ended, and what it counted."""

    __tablename__ = "job_run"
    # Each job's runs newest first (its latest run, the page filtered by job).
    __table_args__ = (Index("ix_job_run_job_id_started_at", "job_id", "started_at"),)

    job_id: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[JobOutcome] = mapped_column(enum_type(JobOutcome))
    counts: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_running(self) -> bool:
        return self.outcome is JobOutcome.running

    @property
    def has_succeeded(self) -> bool:
        return self.outcome is JobOutcome.succeeded

    @property
    def has_failed(self) -> bool:
        return self.outcome is JobOutcome.failed
