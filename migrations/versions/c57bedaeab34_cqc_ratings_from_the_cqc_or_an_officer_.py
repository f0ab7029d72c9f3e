"""CQC ratings from the CQC or an officer, and providers' reports

A home's rating comes from the CQC's data or an officer's recorded entry (with its source and a
note); each rating change says which. A provider reports a new rating, which an officer confirms
or rejects.

Revision ID: c57bedaeab34
Revises: e9d99cda5674
Create Date: 2026-12-02 01:02:28.851270

"""

import sqlalchemy as sa
from alembic import op

import dps_portal.core.models

# revision identifiers, used by Alembic.
revision = "c57bedaeab34"
down_revision = "e9d99cda5674"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cqc_rating_report",
        sa.Column("care_home_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "confirmed",
                "rejected",
                name="cqcratingreportstate",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "rating",
            sa.Enum(
                "outstanding",
                "good",
                "requires_improvement",
                "inadequate",
                "not_rated",
                name="cqcrating",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dps_portal.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", dps_portal.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(state = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_cqc_rating_report_decided_at_set_when_decided"),
        ),
        sa.CheckConstraint(
            "rating IN ('outstanding', 'good', 'requires_improvement', 'inadequate', 'not_rated')",
            name=op.f("ck_cqc_rating_report_rating_enum"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'confirmed', 'rejected')",
            name=op.f("ck_cqc_rating_report_state_enum"),
        ),
        sa.ForeignKeyConstraint(
            ["care_home_id"],
            ["care_home.id"],
            name=op.f("fk_cqc_rating_report_care_home_id_care_home"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_cqc_rating_report_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider_organisation.id"],
            name=op.f("fk_cqc_rating_report_provider_id_provider_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["user_account.id"],
            name=op.f("fk_cqc_rating_report_reported_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqc_rating_report")),
    )
    with op.batch_alter_table("cqc_rating_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cqc_rating_report_care_home_id"), ["care_home_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cqc_rating_report_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cqc_rating_report_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cqc_rating_report_state"), ["state"], unique=False)

    with op.batch_alter_table("cqc_rating_change", schema=None) as batch_op:
        # The changes so far all came from the CQC's files.
        batch_op.add_column(
            sa.Column(
                "origin",
                sa.Enum(
                    "cqc_import", "officer_entry", name="ratingorigin", native_enum=False, length=40
                ),
                nullable=False,
                server_default="cqc_import",
            )
        )
        batch_op.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("source", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cqc_rating_change_recorded_by_id_user_account"),
            "user_account",
            ["recorded_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cqc_rating_change_report_id_cqc_rating_report"),
            "cqc_rating_report",
            ["report_id"],
            ["id"],
        )
        batch_op.create_check_constraint("origin_enum", "origin IN ('cqc_import', 'officer_entry')")


def downgrade():
    with op.batch_alter_table("cqc_rating_change", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cqc_rating_change_origin_enum"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_cqc_rating_change_report_id_cqc_rating_report"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_cqc_rating_change_recorded_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("report_id")
        batch_op.drop_column("note")
        batch_op.drop_column("source")
        batch_op.drop_column("recorded_by_id")
        batch_op.drop_column("origin")

    with op.batch_alter_table("cqc_rating_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cqc_rating_report_state"))
        batch_op.drop_index(batch_op.f("ix_cqc_rating_report_provider_id"))
        batch_op.drop_index(batch_op.f("ix_cqc_rating_report_created_at"))
        batch_op.drop_index(batch_op.f("ix_cqc_rating_report_care_home_id"))

    op.drop_table("cqc_rating_report")
