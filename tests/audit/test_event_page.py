"""An audit event as an administrator reads it: the action in words, before and after as
indented JSON that the page escapes, and times in UK time (issue 10, item 8)."""

from datetime import UTC, datetime

from sqlalchemy import select

from dps_portal.audit.actions import AuditAction, action_in_words
from dps_portal.audit.models import AuditEvent
from dps_portal.audit.operations import record_event
from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import make_provider, make_user


def test_every_action_reads_in_words():
    assert action_in_words("home.cqc_rating_changed") == "Home CQC rating changed"
    assert action_in_words("question_set.published") == "Question set published"
    assert action_in_words("user.locked") == "User account locked"
    assert action_in_words("no.longer_known") == "no.longer_known"
    for action in AuditAction:
        words = action_in_words(action.value)
        assert "_" not in words and "." not in words and words[0].isupper()


def test_the_event_page_shows_escaped_indented_json_in_uk_time(client, db):
    admin = make_user(Role.administrator)
    provider = make_provider()
    record_event(
        AuditAction.suspension_lifted,
        actor=admin,
        subject=provider,
        before={"state": "active", "note": "<script>alert(1)</script>"},
        after={"state": "lifted", "lifted_at": datetime(2026, 7, 1, 13, 5, tzinfo=UTC)},
    )
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "suspension.lifted")
    ).one()
    sign_in(client, admin)

    page = client.get(f"/admin/audit/{event.id}").get_data(as_text=True)

    assert '<h1 class="govuk-heading-l">Suspension lifted</h1>' in page
    assert '<pre class="dps-pre-wrap">{&#10;  &#34;note&#34;: &#34;&lt;script&gt;' in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;pre" not in page
    # 13:05 UTC on 1 July is 2:05pm British Summer Time.
    assert "1 July 2026 at 2:05pm (BST)" in page
    assert event.hash in page


def test_the_trail_names_actions_in_words_and_filters_by_them(client, db):
    admin = make_user(Role.administrator)
    record_event(AuditAction.user_invited, actor=admin, subject=admin)
    db.session.commit()
    sign_in(client, admin)

    page = client.get("/admin/audit").get_data(as_text=True)

    assert '<td class="govuk-table__cell">User invited</td>' in page
    assert '<option value="user.invited">User invited</option>' in page


def test_only_administrators_read_an_event(client, db):
    admin = make_user(Role.administrator)
    officer = make_user(Role.contracts_officer)
    record_event(AuditAction.user_invited, actor=admin, subject=admin)
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).first()
    assert client.get(f"/admin/audit/{event.id}").status_code == 302
    sign_in(client, officer)
    assert client.get(f"/admin/audit/{event.id}").status_code == 403
