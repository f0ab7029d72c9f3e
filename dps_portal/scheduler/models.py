import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, enum_type


class JobOutcome(enum.Enum):
    running = "Running"
    succeeded = "Succeeded"
    failed = "Failed"


class JobRun(IdMixin, Base):
    """One run of a scheduled job: when, how it ended, and what it counted."""

    __tablename__ = "job_run"

    job_id: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[JobOutcome] = mapped_column(enum_type(JobOutcome))
    counts: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
