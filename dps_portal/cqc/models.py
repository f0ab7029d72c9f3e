from datetime import date, datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, enum_type, foreign_key
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
