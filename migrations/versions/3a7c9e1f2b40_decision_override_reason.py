"""An application's decision keeps the officer's reason for admitting over a failed section

Revision ID: 3a7c9e1f2b40
Revises: d508b1269638
Create Date: 2026-12-01 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3a7c9e1f2b40"
down_revision = "d508b1269638"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "application", sa.Column("override_reason", sa.Text(), nullable=False, server_default="")
    )


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
