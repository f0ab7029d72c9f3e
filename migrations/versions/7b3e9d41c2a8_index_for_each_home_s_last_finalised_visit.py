"""An index for each home's last finalised visit (the due list's ranking, issue 9)

Revision ID: 7b3e9d41c2a8
Revises: 958abfbdeffe
Create Date: 2026-12-02 02:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7b3e9d41c2a8"
down_revision = "958abfbdeffe"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_quality_visit_last_finalised",
        "quality_visit",
        [
            "care_home_id",
            sa.text("visited_on DESC"),
            sa.text("finalised_at DESC"),
            sa.text("id DESC"),
        ],
        unique=False,
        postgresql_include=["outcome"],
        postgresql_where=sa.text("state = 'finalised'"),
        sqlite_where=sa.text("state = 'finalised'"),
    )


def downgrade():
    op.drop_index("ix_quality_visit_last_finalised", table_name="quality_visit")
