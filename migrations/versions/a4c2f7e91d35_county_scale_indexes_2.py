"""county_scale_indexes_2: the returns queue's lists and counts read from indexes (issue 9)

Each list of the council's returns queue is one state in one order: (state, due_on),
(state, submitted_at) and (state, reviewed_at) answer them in order, and (state, due_on) alone
answers the queue's counts (the overdue among them). They replace the single-column indexes on
due_on, submitted_at and reviewed_at, which every query on those columns filtered by state
anyway: PostgreSQL preferred walking due_on in date order through every state's returns
(9,858 read to find 50) over the state's own.

Revision ID: a4c2f7e91d35
Revises: 861300176efb
Create Date: 2026-12-02 04:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c2f7e91d35"
down_revision = "861300176efb"
branch_labels = None
depends_on = None

COLUMNS = ["due_on", "submitted_at", "reviewed_at"]


def upgrade():
    with op.batch_alter_table("quality_return", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f"ix_quality_return_{column}")
            batch_op.create_index(
                f"ix_quality_return_state_{column}", ["state", column], unique=False
            )


def downgrade():
    with op.batch_alter_table("quality_return", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_index(f"ix_quality_return_state_{column}")
            batch_op.create_index(f"ix_quality_return_{column}", [column], unique=False)
