"""Indexes (issue 9): foreign keys looked up from their parent (documents, follow-ups, forms,
templates, reports, suspensions' visits), the header's unread count, the gate's visits, a
provider's next visits and the placements register's order

Revision ID: 0a609a836382
Revises: 9d6f7c02fe79
Create Date: 2026-12-02 12:24:13.065729

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0a609a836382"
down_revision = "9d6f7c02fe79"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("action_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_response_document_id"), ["document_id"], unique=False
        )

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_decision_notice_id"), ["decision_notice_id"], unique=False
        )

    with op.batch_alter_table("application_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_answer_document_id"), ["document_id"], unique=False
        )

    with op.batch_alter_table("cqc_rating_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cqc_rating_change_report_id"), ["report_id"], unique=False
        )

    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_item_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_item_source_application_id"),
            ["source_application_id"],
            unique=False,
        )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_user_id_unread",
            ["user_id"],
            unique=False,
            postgresql_where=sa.text("read_at IS NULL"),
            sqlite_where=sa.text("read_at IS NULL"),
        )

    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.create_index("ix_placement_awarded_at_id", ["awarded_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_placement_bid_version_id"), ["bid_version_id"], unique=False
        )

    with op.batch_alter_table("quality_return", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_return_form_id"), ["form_id"], unique=False)

    with op.batch_alter_table("quality_visit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_visit_follow_up_of_id"), ["follow_up_of_id"], unique=False
        )
        batch_op.create_index(
            "ix_quality_visit_gate",
            ["state", "visit_type", "outcome", "care_home_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_quality_visit_provider_planned",
            ["provider_id", "planned_on", "planned_time", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_quality_visit_report_document_id"), ["report_document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quality_visit_template_id"), ["template_id"], unique=False
        )

    with op.batch_alter_table("suspension", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suspension_visit_id"), ["visit_id"], unique=False)

    with op.batch_alter_table("terms_acceptance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_terms_acceptance_agreement_document_id"),
            ["agreement_document_id"],
            unique=False,
        )

    with op.batch_alter_table("visit_section", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_section_category_id"), ["category_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("visit_section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_section_category_id"))

    with op.batch_alter_table("terms_acceptance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_terms_acceptance_agreement_document_id"))

    with op.batch_alter_table("suspension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suspension_visit_id"))

    with op.batch_alter_table("quality_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_visit_template_id"))
        batch_op.drop_index(batch_op.f("ix_quality_visit_report_document_id"))
        batch_op.drop_index("ix_quality_visit_provider_planned")
        batch_op.drop_index("ix_quality_visit_gate")
        batch_op.drop_index(batch_op.f("ix_quality_visit_follow_up_of_id"))

    with op.batch_alter_table("quality_return", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_return_form_id"))

    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_bid_version_id"))
        batch_op.drop_index("ix_placement_awarded_at_id")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_notification_user_id_unread",
            postgresql_where=sa.text("read_at IS NULL"),
            sqlite_where=sa.text("read_at IS NULL"),
        )

    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_item_source_application_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_item_document_id"))

    with op.batch_alter_table("cqc_rating_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cqc_rating_change_report_id"))

    with op.batch_alter_table("application_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_answer_document_id"))

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_decision_notice_id"))

    with op.batch_alter_table("action_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_response_document_id"))
