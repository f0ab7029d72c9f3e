"""The contract gate's pages at any size: the eligibility overview (the gate asked once for
the whole set, paginated by home), suspensions and the terms pages send as many statements
for ten times the providers, homes and suspensions, and never more than 30."""

import re
import secrets
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.contracts.models import Suspension, SuspensionState, TermsVersion
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db as _db
from dps_portal.framework.models import Category
from dps_portal.onboarding.models import Admission, AdmittedHome, Application, ApplicationState
from dps_portal.onboarding.question_sets import current_question_set
from dps_portal.providers.models import CqcRating, EvidenceItem
from tests.conftest import sign_in
from tests.contracts.factories import accept_terms, category, make_visit, publish_terms
from tests.factories import make_home, make_provider, make_user
from tests.onboarding.factories import ready_framework
from tests.query_counts import statements_of as page_statements

TODAY = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _today(db):
    with clock.frozen(TODAY):
        yield


def statements_of(client, url: str) -> tuple[int, str]:
    """The statements one GET sends, with a session that remembers nothing from the test."""
    _db.session.remove()
    return page_statements(client, url)


class Market:
    """Providers, each with an admitted home (in two categories), a home not admitted, and
    some of everything the gate reads: visits, terms, suspensions, evidence, CQC ratings."""

    def __init__(self):
        framework = ready_framework()
        self.officer_id = make_user(Role.contracts_officer, password=None).id
        self.monitor_id = make_user(Role.quality_monitor, password=None).id
        self.terms_id = publish_terms(framework).id
        self.mh_id, self.lda_id = category("MH").id, category("LDA").id
        self.count = 0
        _db.session.commit()

    @property
    def officer(self) -> User:
        """Looked up afresh: the pages are asked with a session that remembers nothing."""
        return _db.session.get(User, self.officer_id)

    def grow(self, providers: int) -> None:
        self.framework = ready_framework()
        self.question_set = current_question_set(self.framework)
        self.monitor = _db.session.get(User, self.monitor_id)
        self.terms = _db.session.get(TermsVersion, self.terms_id)
        self.categories = [_db.session.get(Category, id_) for id_ in (self.mh_id, self.lda_id)]
        for _ in range(providers):
            self._provider(self.count)
            self.count += 1
        _db.session.commit()

    def _provider(self, number: int) -> None:
        provider = make_provider(legal_name=f"Market {number:03d} Ltd")
        district = self.framework.districts[number % 2]
        setting = self.framework.settings[number % 2]
        admitted = make_home(
            provider, name=f"Admitted {number:03d}", district=district, setting=setting
        )
        other = make_home(provider, name=f"Other {number:03d}", district=district)
        application = Application(
            reference=f"COUNT-{number}",
            provider_id=provider.id,
            framework_id=self.framework.id,
            question_set_id=self.question_set.id,
            state=ApplicationState.decided,
            submitted_at=clock.now(),
            decided_at=clock.now(),
        )
        _db.session.add(application)
        _db.session.flush()
        for each in self.categories:
            admission = Admission(
                provider_id=provider.id,
                category_id=each.id,
                application_id=application.id,
                admitted_by_id=self.officer_id,
            )
            _db.session.add(admission)
            _db.session.add(AdmittedHome(admission=admission, care_home_id=admitted.id))
        if number % 3:
            make_visit(admitted, monitor=self.monitor)
        if number % 4:
            user = make_user(Role.provider, provider=provider, password=None)
            accept_terms(provider, self.terms, by=user)
        # A recommendation, one in force (home or whole provider), one lifted.
        self._suspension(provider, admitted, SuspensionState.recommended)
        self._suspension(provider, admitted if number % 2 else None, SuspensionState.active)
        self._suspension(provider, other, SuspensionState.lifted)
        self._evidence(provider, admitted, expires_on=date(2026, 3, 1 + number % 2))
        self._evidence(provider, None, expires_on=date(2027, 3, 1))
        if number % 2:
            admitted.cqc_rating = CqcRating.inadequate
            other.cqc_rating = CqcRating.inadequate
            other.cqc_review_required_since = clock.now()
        _db.session.flush()

    active = SuspensionState.active
    expired = date(2026, 3, 1)

    def admit(self, home) -> None:
        """Admit `home` to the first category, its provider admitted once."""
        category_id = self.categories[0].id
        admission = _db.session.scalars(
            select(Admission).where(
                Admission.provider_id == home.provider_id, Admission.category_id == category_id
            )
        ).first()
        if admission is None:
            application = Application(
                reference=f"COUNT-GROUP-{home.provider_id}",
                provider_id=home.provider_id,
                framework_id=self.framework.id,
                question_set_id=self.question_set.id,
                state=ApplicationState.decided,
                submitted_at=clock.now(),
                decided_at=clock.now(),
            )
            _db.session.add(application)
            _db.session.flush()
            admission = Admission(
                provider_id=home.provider_id,
                category_id=category_id,
                application_id=application.id,
                admitted_by_id=self.officer_id,
            )
            _db.session.add(admission)
        _db.session.add(AdmittedHome(admission=admission, care_home_id=home.id))

    def _suspension(self, provider, home, state: SuspensionState) -> None:
        suspension = Suspension(
            provider_id=provider.id,
            care_home_id=home.id if home else None,
            state=state,
            reason="Counted",
        )
        if state is not SuspensionState.recommended:
            suspension.started_at = clock.now()
            suspension.started_by_id = self.officer_id
        if state is SuspensionState.lifted:
            suspension.lifted_at = clock.now()
            suspension.lifted_by_id = self.officer_id
        _db.session.add(suspension)

    def _evidence(self, provider, home, *, expires_on: date) -> None:
        document = StoredDocument(
            storage_key=secrets.token_hex(20),
            original_filename="certificate.pdf",
            media_type="application/pdf",
            size_bytes=1,
            sha256="0" * 64,
            provider_id=provider.id,
            kind="evidence",
        )
        _db.session.add(document)
        _db.session.flush()
        _db.session.add(
            EvidenceItem(
                provider_id=provider.id,
                care_home_id=home.id if home else None,
                kind="public_liability",
                label="Public liability insurance",
                expires_on=expires_on,
                document_id=document.id,
            )
        )


@pytest.fixture
def market(db):
    return Market()


def _flat(client, market: Market, user, urls: list[str], *, small: int = 3) -> list[str]:
    """Each page's statements with `small` providers and with ten times as many; the pages
    at the larger size."""
    market.grow(small)
    sign_in(client, user)
    before = [statements_of(client, url)[0] for url in urls]
    market.grow(small * 9)
    after = [statements_of(client, url) for url in urls]
    for url, count, (count_after, _page) in zip(urls, before, after, strict=True):
        assert count == count_after <= 30, (url, count, count_after)
    return [page for _count, page in after]


def test_the_eligibility_overview(client, market):
    urls = [
        "/eligibility",
        f"/eligibility?category={market.mh_id}",
        "/eligibility?not_eligible_only=y",
        "/eligibility?page=2",
    ]
    every, by_category, not_eligible, second = _flat(client, market, market.officer, urls)

    # 30 providers: each admitted home in two categories.
    assert 'data-count="pairs">60<' in every
    assert 'data-count="pairs">30<' in by_category
    assert "/eligibility?page=2" not in every  # 30 homes: one page
    assert len(re.findall(r"data-home=", every)) == 60
    assert "Mental Health" in every and 'data-category-counts="LDA"' in every
    assert 'data-count="not-eligible">60<' in not_eligible
    assert "data-home=" not in second


def test_the_eligibility_overview_pages_by_home(client, market):
    market.grow(55)
    sign_in(client, market.officer)

    _count, first = statements_of(client, "/eligibility")
    _count, second = statements_of(client, "/eligibility?page=2")

    assert len(set(re.findall(r'data-home="(\d+)"', first))) == 50
    assert len(set(re.findall(r'data-home="(\d+)"', second))) == 5
    assert "/eligibility?page=2" in first
    assert 'data-count="pairs">110<' in second


def test_the_suspensions_list(client, market):
    [page] = _flat(client, market, market.officer, ["/suspensions"])

    assert "Recommendations waiting for an officer (30)" in page
    assert "In force (30)" in page
    assert "Ended, lifted or declined (30)" in page


def test_the_terms_pages(client, market):
    terms_id = market.terms_id
    urls = [
        "/terms",
        f"/terms/{terms_id}",
        f"/terms/{terms_id}?providers=not-accepted",
        f"/terms/{terms_id}?page=2",
    ]
    listing, version, not_accepted, _second = _flat(client, market, market.officer, urls)

    # Every fourth provider (0, 4, 8, ...) has not accepted: 8 of 30.
    assert "22 of 30" in listing
    assert "Admitted providers that have not accepted it (8)" in version
    assert "Acceptances (22)" in version
    assert "Market 004 Ltd" in not_accepted
