"""Requested emails, counted per recipient and per client address (issue 10)

Revision ID: e9d99cda5674
Revises: 3a7c9e1f2b40
Create Date: 2026-12-02 01:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

import dps_portal.core.models

# revision identifiers, used by Alembic.
revision = "e9d99cda5674"
down_revision = "3a7c9e1f2b40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "requested_email",
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("queued_at", dps_portal.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requested_email")),
    )
    with op.batch_alter_table("requested_email", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requested_email_ip_address_queued_at", ["ip_address", "queued_at"], unique=False
        )
        batch_op.create_index(
            "ix_requested_email_to_address_queued_at", ["to_address", "queued_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("requested_email", schema=None) as batch_op:
        batch_op.drop_index("ix_requested_email_to_address_queued_at")
        batch_op.drop_index("ix_requested_email_ip_address_queued_at")

    op.drop_table("requested_email")
