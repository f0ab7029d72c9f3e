"""Enum columns keep to their enums: a CHECK constraint per column

Revision ID: 5c1d2e3f4a6b
Revises: e035eb9ae508
Create Date: 2026-12-01 22:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1d2e3f4a6b"
down_revision = "e035eb9ae508"
branch_labels = None
depends_on = None

# (table, column, the enum's names) as they stand at this revision.
ENUM_COLUMNS = [
    ("job_run", "outcome", ("running", "succeeded", "failed")),
    ("user_account", "role", ("provider", "contracts_officer", "quality_monitor", "administrator")),
    (
        "care_home",
        "cqc_rating",
        ("outstanding", "good", "requires_improvement", "inadequate", "not_rated"),
    ),
    ("cqc_import", "state", ("queued", "running", "finished", "failed")),
    ("user_token", "purpose", ("reset_password", "invitation", "confirm_email")),
    (
        "application",
        "state",
        ("draft", "submitted", "clarification_requested", "decided", "withdrawn"),
    ),
    (
        "cqc_rating_change",
        "previous_rating",
        ("outstanding", "good", "requires_improvement", "inadequate", "not_rated"),
    ),
    (
        "cqc_rating_change",
        "new_rating",
        ("outstanding", "good", "requires_improvement", "inadequate", "not_rated"),
    ),
    ("outbox_email", "state", ("queued", "sent", "failed")),
    ("quality_return", "state", ("due", "submitted", "reviewed")),
    ("quality_visit", "visit_type", ("initial", "routine", "follow_up", "responsive")),
    ("quality_visit", "state", ("scheduled", "in_progress", "finalised", "cancelled")),
    ("quality_visit", "outcome", ("satisfactory", "satisfactory_with_actions", "unsatisfactory")),
    ("application_category", "decision", ("pending", "admitted", "rejected")),
    ("section_review", "outcome", ("passed", "failed")),
    ("suspension", "state", ("recommended", "active", "declined", "lifted")),
    ("visit_action", "priority", ("high", "medium", "low")),
    ("visit_action", "state", ("open", "awaiting_verification", "closed")),
    ("visit_section", "rating", ("good", "requires_improvement", "inadequate")),
]


def _tables():
    tables: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for table, column, names in ENUM_COLUMNS:
        tables.setdefault(table, []).append((column, names))
    return tables


def upgrade():
    for table, columns in _tables().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, names in columns:
                values = ", ".join(f"'{name}'" for name in names)
                batch_op.create_check_constraint(f"{column}_enum", f"{column} IN ({values})")


def downgrade():
    for table, columns in _tables().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _names in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}_enum"), type_="check")
