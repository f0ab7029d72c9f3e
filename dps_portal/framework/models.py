from datetime import date
from decimal import Decimal

from flask import has_request_context, request
from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core.models import Base, IdMixin, TimestampMixin
from dps_portal.extensions import db


class Framework(IdMixin, TimestampMixin, Base):
    """The Dynamic Purchasing System: one council's arrangement and its legal basis."""

    __tablename__ = "framework"

    name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_address: Mapped[str] = mapped_column(Text, default="")
    # Where providers and the public write to the contracts team.
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    legal_basis: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    is_open_for_applications: Mapped[bool] = mapped_column(default=True)
    # Thresholds the council sets (configuration, not code).
    decision_working_days: Mapped[int] = mapped_column(default=10)
    extended_decision_working_days: Mapped[int] = mapped_column(default=15)
    declaration_working_days: Mapped[int] = mapped_column(default=10)
    max_weekly_rate: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("5000.00"))

    categories: Mapped[list["Category"]] = relationship(
        back_populates="framework", order_by="Category.position"
    )
    districts: Mapped[list["District"]] = relationship(
        back_populates="framework", order_by="District.position"
    )
    settings: Mapped[list["CareSetting"]] = relationship(
        back_populates="framework", order_by="CareSetting.position"
    )


class _FrameworkList:
    """A list the framework keeps in its own order: its categories, districts and settings."""

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Category(_FrameworkList, IdMixin, Base):
    """A client category (lot) providers are admitted to."""

    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    specialist_training: Mapped[str] = mapped_column(Text, default="")

    framework: Mapped[Framework] = relationship(back_populates="categories")


class District(_FrameworkList, IdMixin, Base):
    """Where a home is: a district of the county, or out of county."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("framework_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    is_out_of_county: Mapped[bool] = mapped_column(default=False)

    framework: Mapped[Framework] = relationship(back_populates="districts")


class CareSetting(_FrameworkList, IdMixin, Base):
    """A kind of care a home is registered for: residential (personal care) or nursing."""

    __tablename__ = "care_setting"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))

    framework: Mapped[Framework] = relationship(back_populates="settings")


def current_framework() -> Framework | None:
    """The framework the portal runs: the one whose dates include today, else the newest.
    Asked once a request (the page and its header both want it), then kept for the request."""
    if has_request_context() and _REQUEST_KEY in request.environ:
        return request.environ[_REQUEST_KEY]
    framework = db.session.scalars(select(Framework).order_by(Framework.starts_on.desc())).first()
    if has_request_context():
        request.environ[_REQUEST_KEY] = framework
    return framework


_REQUEST_KEY = "dps_portal.current_framework"


def current_buyer_name() -> str | None:
    """The council that runs the current framework: the name the pages and documents show."""
    framework = current_framework()
    return framework.buyer_name if framework else None
