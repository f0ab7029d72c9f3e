"""The contract gate's pieces for tests: admissions, a passed initial visit, terms accepted,
suspensions, and a home with all of them (eligible)."""

import itertools
from datetime import date

from sqlalchemy import select

from dps_portal.contracts.models import (
    Suspension,
    SuspensionState,
    TermsAcceptance,
    TermsVersion,
)
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.framework.models import Category, Framework
from dps_portal.onboarding.models import (
    Admission,
    AdmittedHome,
    Application,
    ApplicationState,
)
from dps_portal.onboarding.question_sets import current_question_set
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import Visit, VisitOutcome, VisitState, VisitType
from tests.factories import make_home, make_user
from tests.onboarding.factories import ready_framework

_numbers = itertools.count(1)


def category(code: str = "MH") -> Category:
    framework = ready_framework()
    return next(category for category in framework.categories if category.code == code)


def admit_home(home: CareHome, *codes: str) -> CareHome:
    """Admit the home's provider to each category (by a decided application) with the home."""
    framework = ready_framework()
    officer = make_user(Role.contracts_officer)
    for code in codes or ("MH",):
        cat = category(code)
        admission = db.session.scalars(
            select(Admission).where(
                Admission.provider_id == home.provider_id, Admission.category_id == cat.id
            )
        ).first()
        if admission is None:
            admission = Admission(
                provider_id=home.provider_id,
                category_id=cat.id,
                application_id=_decided_application(home.provider, framework).id,
                admitted_by_id=officer.id,
            )
            db.session.add(admission)
            db.session.flush()
        db.session.add(AdmittedHome(admission=admission, care_home_id=home.id))
    db.session.flush()
    return home


def make_visit(
    home: CareHome,
    *,
    outcome: VisitOutcome | None = VisitOutcome.satisfactory,
    visit_type: VisitType = VisitType.initial,
    planned_on: date | None = None,
    is_announced: bool = True,
    monitor=None,
) -> Visit:
    """A visit to `home`: finalised with `outcome`, or scheduled when `outcome` is None."""
    monitor = monitor or make_user(Role.quality_monitor)
    planned_on = planned_on or clock.today_uk()
    visit = Visit(
        care_home_id=home.id,
        provider_id=home.provider_id,
        visit_type=visit_type,
        planned_on=planned_on,
        is_announced=is_announced,
        monitor_id=monitor.id,
        scheduled_by_id=monitor.id,
        state=VisitState.scheduled,
    )
    if outcome is not None:
        visit.state = VisitState.finalised
        visit.outcome = outcome
        visit.visited_on = planned_on
        visit.finalised_at = clock.now()
        visit.finalised_by_id = monitor.id
    db.session.add(visit)
    db.session.flush()
    return visit


def publish_terms(
    framework: Framework | None = None,
    *,
    version: int | None = None,
    effective_on: date = date(2024, 4, 1),
    accept_by: date | None = None,
) -> TermsVersion:
    framework = framework or ready_framework()
    if version is None:
        latest = db.session.scalar(
            select(TermsVersion.version)
            .where(TermsVersion.framework_id == framework.id)
            .order_by(TermsVersion.version.desc())
        )
        version = (latest or 0) + 1
    terms = TermsVersion(
        framework_id=framework.id,
        version=version,
        title=f"Terms and conditions, version {version}",
        summary="What changed.",
        body="1. The provider shall deliver care as the care plan describes.",
        effective_on=effective_on,
        accept_by=accept_by or effective_on,
    )
    db.session.add(terms)
    db.session.flush()
    return terms


def accept_terms(provider: ProviderOrganisation, terms: TermsVersion, by=None) -> TermsAcceptance:
    by = by or make_user(Role.provider, provider=provider)
    acceptance = TermsAcceptance(
        terms_version_id=terms.id,
        provider_id=provider.id,
        accepted_by_id=by.id,
        signatory_name=by.full_name,
        ip_address="127.0.0.1",
    )
    db.session.add(acceptance)
    db.session.flush()
    return acceptance


def suspend(
    provider: ProviderOrganisation,
    home: CareHome | None = None,
    *,
    reason: str = "safeguarding concern",
    ends_on: date | None = None,
    state: SuspensionState = SuspensionState.active,
) -> Suspension:
    officer = make_user(Role.contracts_officer)
    suspension = Suspension(
        provider_id=provider.id,
        care_home_id=home.id if home else None,
        state=state,
        reason=reason,
        ends_on=ends_on,
    )
    if state in (SuspensionState.active, SuspensionState.lifted):
        suspension.started_at = clock.now()
        suspension.started_by_id = officer.id
    if state is SuspensionState.lifted:
        suspension.lifted_at = clock.now()
        suspension.lifted_by_id = officer.id
    db.session.add(suspension)
    db.session.flush()
    return suspension


def make_eligible_home(*codes: str, provider: ProviderOrganisation | None = None) -> CareHome:
    """A home that passes the gate in each category: admitted, visited satisfactorily, and
    its provider has accepted the current terms (v1 is published if none is)."""
    framework = ready_framework()
    home = make_home(provider)
    admit_home(home, *(codes or ("MH",)))
    make_visit(home)
    terms = db.session.scalars(
        select(TermsVersion)
        .where(TermsVersion.framework_id == framework.id)
        .order_by(TermsVersion.version.desc())
    ).first() or publish_terms(framework)
    if not db.session.scalar(
        select(TermsAcceptance.id).where(
            TermsAcceptance.provider_id == home.provider_id,
            TermsAcceptance.terms_version_id == terms.id,
        )
    ):
        accept_terms(home.provider, terms)
    return home


def _decided_application(provider: ProviderOrganisation, framework: Framework) -> Application:
    application = Application(
        reference=f"TEST-{next(_numbers)}",
        provider_id=provider.id,
        framework_id=framework.id,
        question_set_id=current_question_set(framework).id,
        state=ApplicationState.decided,
        submitted_at=clock.now(),
        decided_at=clock.now(),
    )
    db.session.add(application)
    db.session.flush()
    return application
