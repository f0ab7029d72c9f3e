"""The declarative base every model shares, and the column types it maps by annotation."""

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    Table,
    TypeDecorator,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from dps_portal.core import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = clock.ensure_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum_class: type[enum.Enum]) -> Enum:
    """Enums are stored by name in a plain string column, portable across databases."""
    return Enum(
        enum_class,
        native_enum=False,
        length=40,
        validate_strings=True,
        create_constraint=False,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UtcDateTime(),
            date: Date(),
            Decimal: Numeric(12, 2),
            dict[str, Any]: JSON(),
        },
    )


@event.listens_for(Column, "after_parent_attach")
def _check_enum_values(column: Column, table: Table) -> None:
    """The database keeps an enum column to its enum's names: a CHECK constraint per column,
    named after it (ck_<table>_<column>_enum), for the portal's own tables."""
    if isinstance(column.type, Enum) and table.metadata is Base.metadata:
        table.append_constraint(
            CheckConstraint(column.in_(column.type.enums), name=f"{column.name}_enum")
        )


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


def foreign_key(target: str, **kwargs: Any):
    """A foreign key column that is indexed, as every join column should be."""
    return mapped_column(ForeignKey(target, **kwargs), index=True)
