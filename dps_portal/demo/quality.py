"""The demo's quality monitoring and contract gate: terms accepted, homes visited, one home
waiting for its first visit, one suspended, a finalised visit with open actions, returns."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.contracts.models import TermsVersion
from dps_portal.contracts.operations import suspend
from dps_portal.contracts.terms.operations import accept_terms, publish_terms
from dps_portal.core import clock
from dps_portal.core.workingdays import add_working_days
from dps_portal.demo.applications import working_days_before
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.providers.models import CareHome, EvidenceItem, ProviderOrganisation
from dps_portal.quality.models import (
    ActionPriority,
    SectionRating,
    Visit,
    VisitOutcome,
    VisitType,
)
from dps_portal.quality.operations import add_action, finalise_visit, save_section, schedule_visit
from dps_portal.quality.returns.operations import open_return, submit_return
from dps_portal.quality.returns.queries import questions_of
from dps_portal.quality.returns.return_forms import ensure_return_form
from dps_portal.quality.returns.rules import last_ended_quarter
from dps_portal.quality.visit_templates import ensure_visit_template

TERMS_BODY = """1. Definitions. "Placement" means a person placed in a home under an individual placement agreement made under this contract.
2. Eligibility. The provider may receive placements in a category only while each of its homes named for that category meets the council's conditions of participation, has passed the council's initial quality-monitoring visit, and is not suspended.
3. Quality. The provider shall keep its CQC registration, tell the council within one working day of any CQC enforcement action, send a quarterly quality assurance return, and complete the action plan of each quality-monitoring visit by the dates it gives.
4. Insurance. The provider shall keep employer's liability insurance of at least £5 million and public liability insurance of at least £5 million, and send the renewed certificates before the old ones expire.
5. Fees. The council pays the weekly fee agreed in the individual placement agreement, four-weekly in arrears, within 30 days of a valid invoice.
6. Suspension. The council may suspend new placements in a home or with the provider while it investigates a concern. Existing placements continue.
"""  # noqa: E501

FINDINGS = {
    SectionRating.good: "Evidence seen on the day met the expected standard; no concerns.",
    SectionRating.requires_improvement: (
        "Two of the five care plans sampled had not been reviewed in the last three months."
    ),
}


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _home(name: str) -> CareHome:
    return db.session.scalars(select(CareHome).where(CareHome.name == name)).one()


def _signatory(provider: ProviderOrganisation) -> User:
    return db.session.scalars(
        select(User).where(User.provider_id == provider.id, User.can_manage_organisation)
    ).first()


def _at(day: date, hour: int = 10) -> datetime:
    return clock.uk_to_utc(datetime.combine(day, time(hour, 0)))


def _visited(
    home: CareHome,
    *,
    on: date,
    monitor: User,
    outcome: VisitOutcome,
    summary: str,
    actions: list[tuple[str, ActionPriority, date]] = (),
    weaker: set[str] = frozenset(),
) -> Visit:
    """An initial visit planned a week before `on`, recorded and finalised on the day."""
    with clock.frozen(_at(on - timedelta(days=7))):
        visit = schedule_visit(
            home,
            visit_type=VisitType.initial,
            monitor=monitor,
            planned_on=on,
            planned_time=time(10, 0),
            is_announced=True,
            by=monitor,
        )
    with clock.frozen(_at(on, 16)):
        for section in list(visit.sections):
            rating = (
                SectionRating.requires_improvement if section.key in weaker else SectionRating.good
            )
            save_section(visit, section.key, rating=rating, findings=FINDINGS[rating], by=monitor)
        for description, priority, due_on in actions:
            add_action(visit, description=description, priority=priority, due_on=due_on, by=monitor)
        finalise_visit(visit, visited_on=on, outcome=outcome, summary=summary, by=monitor)
    return visit


def seed_quality(framework: Framework, providers: dict[str, ProviderOrganisation]) -> int:
    """Make the demo's quality data once: nothing is added if terms are already published."""
    if db.session.scalar(select(TermsVersion.id).limit(1)) is not None:
        return 0
    today = clock.today_uk()
    officer = _user("officer@council.example")
    monitor = _user("monitor@council.example")
    ensure_visit_template(framework)
    form = ensure_return_form(framework)

    with clock.frozen(_at(framework.starts_on)):
        terms = publish_terms(
            framework,
            title="Terms and conditions for individual placements",
            summary="The first version of the terms for placements made through the DPS.",
            body=TERMS_BODY,
            effective_on=framework.starts_on,
            accept_by=framework.starts_on,
            by=officer,
        )

    # Juniper: visited and signed weeks ago; Juniper House is suspended since last week.
    juniper = providers["Juniper Care Homes Ltd"]
    visit_day = working_days_before(today, 35)
    for name in ("Juniper House", "Kinder Rise"):
        _visited(
            _home(name),
            on=visit_day,
            monitor=monitor,
            outcome=VisitOutcome.satisfactory,
            summary="A calm, well-run home; people spoke warmly of the staff.",
        )
    with clock.frozen(_at(add_working_days(visit_day, 2))):
        signatory = _signatory(juniper)
        accept_terms(
            juniper,
            terms,
            by=signatory,
            signatory_name=signatory.full_name,
            signatory_role="Director",
            ip_address="192.0.2.10",
        )
    with clock.frozen(_at(working_days_before(today, 5))):
        suspend(
            juniper,
            _home("Juniper House"),
            reason="Safeguarding concern under investigation",
            by=officer,
        )

    # Larchwood: visited and signed a month ago.
    larchwood = providers["Larchwood Healthcare Ltd"]
    visit_day = working_days_before(today, 25)
    _visited(
        _home("Larchwood, Burton"),
        on=visit_day,
        monitor=monitor,
        outcome=VisitOutcome.satisfactory,
        summary="Skilled nursing staff and good links with the community mental health team.",
    )
    with clock.frozen(_at(add_working_days(visit_day, 3))):
        signatory = _signatory(larchwood)
        accept_terms(
            larchwood,
            terms,
            by=signatory,
            signatory_name=signatory.full_name,
            signatory_role="Managing director",
            ip_address="192.0.2.30",
        )

    # Peakland: Ashgate Lodge passed with actions (one overdue); Brook House waits.
    peakland = providers["Peakland Care Ltd"]
    visit_day = working_days_before(today, 15)
    _visited(
        _home("Ashgate Lodge"),
        on=visit_day,
        monitor=monitor,
        outcome=VisitOutcome.satisfactory_with_actions,
        summary=(
            "Good care and a settled home. Care plan reviews have slipped and the "
            "specialist training matrix needs bringing up to date."
        ),
        actions=[
            (
                "Review every care plan that is more than three months old",
                ActionPriority.high,
                add_working_days(visit_day, 10),
            ),
            (
                "Send the updated specialist training matrix for Mental Health staff",
                ActionPriority.medium,
                add_working_days(visit_day, 30),
            ),
        ],
        weaker={"effective"},
    )
    with clock.frozen(_at(add_working_days(visit_day, 1))):
        signatory = _signatory(peakland)
        accept_terms(
            peakland,
            terms,
            by=signatory,
            signatory_name=signatory.full_name,
            signatory_role="Registered manager and director",
            ip_address="192.0.2.20",
        )
    schedule_visit(
        _home("Brook House"),
        visit_type=VisitType.initial,
        monitor=monitor,
        planned_on=add_working_days(today, 4),
        planned_time=time(10, 30),
        is_announced=True,
        by=monitor,
    )

    # Peakland's public liability insurance runs out in three weeks: a warning, not yet a bar.
    insurance = db.session.scalars(
        select(EvidenceItem).where(
            EvidenceItem.provider_id == peakland.id,
            EvidenceItem.kind == "public_liability",
            EvidenceItem.replaced_at.is_(None),
        )
    ).first()
    if insurance is not None:
        insurance.expires_on = today + timedelta(days=21)

    # Quarterly returns for the quarter just ended: Juniper's submitted, Peakland's due.
    quarter = last_ended_quarter(today)
    kinder = open_return(_home("Kinder Rise"), period_start=quarter.start, form=form)
    submit_return(kinder, _demo_answers(kinder), by=_signatory(juniper))
    open_return(_home("Ashgate Lodge"), period_start=quarter.start, form=form)
    db.session.flush()
    return 1


# Plausible answers by kind of question; counts are small and honest.
DEMO_ANSWERS = {
    "staff_in_post_fte": "18.5",
    "vacancies_fte": "1.5",
    "agency_hours": "96",
    "safeguarding_incidents": "1",
    "safeguarding_actions": (
        "One unexplained bruise reported to the safeguarding team the same day; body maps "
        "reviewed with staff; closed by the local authority with no further action."
    ),
    "complaints_received": "2",
    "complaints_upheld": "1",
    "restrictive_practice_total": "0",
}
DEFAULTS_BY_KIND = {"percentage": "94", "whole_number": "0", "number": "0", "textarea": ""}


def _demo_answers(quality_return) -> dict[str, str]:
    return {
        question.key: DEMO_ANSWERS.get(question.key, DEFAULTS_BY_KIND.get(question.kind, ""))
        for question in questions_of(quality_return)
    }
