"""Publishing a version: numbering, the dates' rules, who is told, and the officers' pages."""

from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.contracts.models import TermsVersion
from dps_portal.contracts.terms import operations
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from tests.conftest import sign_in
from tests.contracts.factories import accept_terms, publish_terms
from tests.contracts.terms.factories import make_signing_provider, officer
from tests.factories import make_user
from tests.onboarding.factories import ready_framework
from tests.providers.factories import make_provider_user


def _form(**overrides):
    data = {
        "title": "Terms and conditions 2026",
        "summary": "Clause 4 now asks for 48 hours' notice.",
        "body": "1. The provider shall deliver care.\n\n2. Notice is 48 hours.",
        "effective_on": ["1", "4", "2026"],
        "accept_by": ["30", "4", "2026"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_in_officer(client, db, frozen_clock):
    ready_framework()
    user = officer()
    db.session.commit()
    sign_in(client, user)
    return user


def test_publishing_numbers_versions_in_sequence_audits_and_tells_admitted_providers(
    client, db, signed_in_officer
):
    provider, _home, signatory = make_signing_provider()
    colleague = make_provider_user(provider, manages=False)
    outsider = make_provider_user()  # not admitted: not bound by the terms
    db.session.commit()

    response = client.post("/terms/new", data=_form())
    first = db.session.scalars(select(TermsVersion)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/terms/{first.id}"
    assert (first.version, first.effective_on, first.accept_by) == (
        1,
        date(2026, 4, 1),
        date(2026, 4, 30),
    )
    assert first.published_by_id == signed_in_officer.id

    response = client.post("/terms/new", data=_form(title="Version two"))
    second = db.session.scalars(
        select(TermsVersion).where(TermsVersion.title == "Version two")
    ).one()
    assert second.version == 2

    told = {
        n.user_id
        for n in db.session.scalars(select(Notification))
        # It has accepted no version: no accept-by date is its (test_deadlines.py).
        if "accept them so your homes can receive placements" in n.title
    }
    assert told == {signatory.id, colleague.id}
    assert outsider.id not in told
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.terms_published)
    ).all()
    assert [event.after["version"] for event in events] == [1, 2]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"accept_by": ["31", "3", "2026"]}, "The accept-by date must be the same as or after"),
        ({"title": ""}, "Enter the title"),
        ({"summary": ""}, "Enter what has changed"),
        ({"body": ""}, "Enter the terms and conditions"),
        ({"effective_on": ["", "", ""]}, "Enter the effective date"),
        ({"accept_by": ["31", "2", ""]}, "The accept-by date must include a year"),
        ({"effective_on": ["31", "2", "2026"]}, "The effective date must be a real date"),
    ],
)
def test_publishing_refuses_bad_input(client, db, signed_in_officer, overrides, message):
    response = client.post("/terms/new", data=_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(TermsVersion)).all() == []


def test_a_new_version_cannot_take_effect_before_the_one_before_it(client, db, signed_in_officer):
    publish_terms(effective_on=date(2026, 5, 1))
    db.session.commit()
    response = client.post("/terms/new", data=_form())
    assert response.status_code == 200
    assert "The effective date must be the same as or after 1 May 2026" in response.get_data(
        as_text=True
    )
    assert len(db.session.scalars(select(TermsVersion)).all()) == 1


def test_the_operation_refuses_an_accept_by_date_before_the_effective_date(db, frozen_clock):
    with pytest.raises(OperationRefused, match="accept-by date"):
        operations.publish_terms(
            ready_framework(),
            title="T",
            summary="S",
            body="B",
            effective_on=date(2026, 4, 1),
            accept_by=date(2026, 3, 31),
            by=officer(),
        )


def test_the_officers_list_counts_acceptances_and_names_who_has_not(client, db, signed_in_officer):
    v1 = publish_terms(effective_on=date(2024, 4, 1))
    signed, _home, _user = make_signing_provider(legal_name="Signed Care Ltd")
    unsigned, _home, _user = make_signing_provider(legal_name="Unsigned Care Ltd")
    accept_terms(signed, v1)
    db.session.commit()

    page = client.get("/terms").get_data(as_text=True)
    assert "v1: Terms and conditions, version 1" in page
    assert "Current" in page
    assert "1 of 2" in page
    assert f'href="/providers/{unsigned.id}">Unsigned Care Ltd' in page
    assert f'href="/providers/{signed.id}"' not in page

    page = client.get(f"/terms/{v1.id}").get_data(as_text=True)
    assert "Admitted providers that have not accepted it (1)" in page
    assert "Unsigned Care Ltd" in page and "Signed Care Ltd" in page
    assert "1. The provider shall deliver care" in page

    page = client.get("/terms/new").get_data(as_text=True)
    assert "Publish version 2" in page


def test_a_quality_monitor_reads_a_version_but_cannot_publish(client, db, frozen_clock):
    terms = publish_terms()
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)
    assert client.get(f"/terms/{terms.id}").status_code == 200
    assert client.post("/terms/new", data=_form()).status_code == 403
    assert client.get("/terms/999999").status_code == 404
