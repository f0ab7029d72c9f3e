from datetime import date, datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dps_portal.core import clock
from dps_portal.core.models import Base


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
