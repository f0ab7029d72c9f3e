"""Evidence kept current: the provider's list, renewing (which the gate then counts), the
council's read-only view, and the expiry reminders."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.accounts.queries import active_officers, organisation_users
from dps_portal.audit.actions import AuditAction
from dps_portal.contracts.eligibility import Barrier, eligibility
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from dps_portal.providers.evidence.tasks import remind_evidence_expiring
from dps_portal.providers.models import EvidenceItem
from tests.conftest import sign_in
from tests.contracts.factories import category, make_eligible_home
from tests.factories import make_user
from tests.onboarding.factories import sample_pdf
from tests.onboarding.helpers import date_parts, error_summary, page_text
from tests.providers.factories import audit_events, make_provider_user

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _today(db):
    with clock.frozen(datetime(2026, 3, 10, 10, 0, tzinfo=UTC)):
        yield


def _insurance(provider, expires_on, *, amount=Decimal("5000000"), kind="public_liability"):
    item = EvidenceItem(
        provider_id=provider.id,
        kind=kind,
        label="Public liability insurance",
        amount=amount,
        expires_on=expires_on,
    )
    from dps_portal.extensions import db

    db.session.add(item)
    db.session.flush()
    return item


@pytest.fixture
def home(db):
    return make_eligible_home("MH")


@pytest.fixture
def manager(db, home):
    return make_provider_user(home.provider)


@pytest.fixture
def expired(db, home, manager):
    item = _insurance(home.provider, date(2026, 3, 3))
    db.session.commit()
    return item


def _renewal(**overrides):
    data = {
        "document": (io.BytesIO(sample_pdf()), "public-liability-2027.pdf"),
        "expires_on": date_parts(date(2027, 3, 3)),
        "amount": "6,000,000",
    }
    data.update(overrides)
    return data


def _titles(db, user):
    return db.session.scalars(
        select(Notification.title).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def test_the_list_shows_amount_expiry_and_tags(client, db, home, manager, expired):
    _insurance(home.provider, TODAY + timedelta(days=12), kind="employers_liability")
    _insurance(home.provider, TODAY + timedelta(days=200), kind="professional_indemnity")
    db.session.commit()
    sign_in(client, manager)
    text = page_text(client.get("/organisation/evidence"))
    assert "Public liability insurance" in text
    assert "£5,000,000" in text
    assert "3 March 2026 Expired" in text
    assert "Expires in 12 days" in text
    assert "Renew" in text
    assert "See and renew your insurance" in page_text(client.get("/organisation"))


def test_renewing_replaces_the_item_and_the_home_becomes_eligible_again(
    client, db, home, manager, expired
):
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    mh = category("MH")
    before = eligibility(home, mh, TODAY)
    assert before.barriers == {Barrier.evidence_expired}
    assert "Public liability insurance expired 3 March 2026" in [r.text for r in before.reasons]

    sign_in(client, manager)
    page = client.get(f"/organisation/evidence/{expired.id}/renew")
    assert "Renew public liability insurance" in page_text(page)
    assert "At least £5,000,000" in page_text(page)
    response = client.post(f"/organisation/evidence/{expired.id}/renew", data=_renewal())
    assert response.status_code == 302
    db.session.refresh(expired)
    assert expired.replaced_at is not None
    renewed = db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.replaced_at.is_(None))
    ).one()
    assert renewed.expires_on == date(2027, 3, 3)
    assert renewed.amount == Decimal("6000000.00")
    assert renewed.document.original_filename == "public-liability-2027.pdf"
    assert renewed.document.provider_id == home.provider_id
    assert renewed.kind == expired.kind and renewed.label == expired.label
    assert eligibility(home, mh, TODAY).is_eligible
    (event,) = audit_events(AuditAction.evidence_renewed)
    assert event.subject_id == str(renewed.id)
    assert _titles(db, officer) == [
        f"{home.provider.display_name} renewed its public liability insurance"
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"document": None}, "Select the new certificate"),
        ({"document": (io.BytesIO(b"MZ not a document"), "x.exe")}, "The selected file must be"),
        ({"expires_on": ["", "", ""]}, "Enter the new expiry date"),
        ({"expires_on": date_parts(TODAY)}, "The expiry date must be in the future"),
        ({"expires_on": ["31", "2", "2027"]}, "The expiry date must be a real date"),
        ({"amount": ""}, "Enter the amount of cover"),
        ({"amount": "1,000,000"}, "Public liability insurance must cover at least £5,000,000"),
    ],
)
def test_renewal_refusals(client, db, manager, expired, overrides, message):
    sign_in(client, manager)
    data = _renewal(**overrides)
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(f"/organisation/evidence/{expired.id}/renew", data=data)
    assert response.status_code == 200
    assert any(error.startswith(message) for error in error_summary(response)), error_summary(
        response
    )
    db.session.refresh(expired)
    assert expired.replaced_at is None


def test_a_replaced_item_cannot_be_renewed_again(client, db, manager, expired):
    sign_in(client, manager)
    client.post(f"/organisation/evidence/{expired.id}/renew", data=_renewal())
    client.post(f"/organisation/evidence/{expired.id}/renew", data=_renewal())
    assert len(db.session.scalars(select(EvidenceItem)).all()) == 2
    assert len(audit_events(AuditAction.evidence_renewed)) == 1


def test_only_managers_renew(client, db, home, expired):
    colleague = make_provider_user(home.provider, manages=False)
    db.session.commit()
    sign_in(client, colleague)
    assert client.get("/organisation/evidence").status_code == 200
    assert client.get(f"/organisation/evidence/{expired.id}/renew").status_code == 403
    assert (
        client.post(f"/organisation/evidence/{expired.id}/renew", data=_renewal()).status_code
        == 403
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_organisations_evidence_is_not_found(client, db, expired, method):
    stranger = make_provider_user()
    db.session.commit()
    sign_in(client, stranger)
    response = client.open(
        f"/organisation/evidence/{expired.id}/renew", method=method, data=_renewal()
    )
    assert response.status_code == 404
    db.session.refresh(expired)
    assert expired.replaced_at is None
    assert "Public liability" not in page_text(client.get("/organisation/evidence"))


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor])
def test_staff_read_a_providers_evidence(client, db, home, expired, role):
    user = make_user(role)
    db.session.commit()
    sign_in(client, user)
    text = page_text(client.get(f"/providers/{home.provider_id}/evidence"))
    assert "Public liability insurance" in text and "Expired" in text
    assert "Renew" not in text
    assert client.get(f"/organisation/evidence/{expired.id}/renew").status_code == 403


def test_reminders_go_once_per_item(db, home, manager):
    officer = make_user(Role.contracts_officer)
    expiring = _insurance(home.provider, TODAY + timedelta(days=20), kind="employers_liability")
    _insurance(home.provider, TODAY + timedelta(days=40), kind="professional_indemnity")
    expired = _insurance(home.provider, date(2026, 3, 3))
    replaced = _insurance(home.provider, date(2026, 1, 1), kind="old")
    replaced.replaced_at = clock.now()
    db.session.flush()

    users = len(organisation_users(home.provider_id))
    officers = len(active_officers())
    assert users >= 2 and officers >= 2
    counts = remind_evidence_expiring(now=clock.now())
    assert counts == {
        "expiring": users,
        "expired_providers_told": users,
        "expired_officers_told": officers,
    }
    assert remind_evidence_expiring(now=clock.now()) == {
        "expiring": 0,
        "expired_providers_told": 0,
        "expired_officers_told": 0,
    }
    told = _titles(db, manager)
    assert f"Your {expiring.label.lower()} expires on 30 March 2026" in told
    assert "Your public liability insurance expired on 3 March 2026" in told
    (officer_title,) = _titles(db, officer)
    assert officer_title.endswith("public liability insurance expired on 3 March 2026")
    body = db.session.scalars(
        select(Notification.body).where(Notification.user_id == officer.id)
    ).one()
    assert f"not eligible for placements: {home.name}" in body
    assert expired.id  # the expired item itself is unchanged: the gate reads it
