"""Demo applications: one draft, one waiting for a decision (day 3 of 10, partly reviewed),
one provider admitted in two categories, one rejected. Made through the same operations
people use: every decision rests on a review of every section."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.workingdays import add_working_days, is_working_day
from dps_portal.documents.pdf import render_pdf
from dps_portal.documents.storage import store_document
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.onboarding import answers, operations
from dps_portal.onboarding.checks import scopes_of
from dps_portal.onboarding.models import Application, ReviewOutcome
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.questions import Question
from dps_portal.onboarding.review.operations import (
    CategoryChoice,
    decide_application,
    review_section,
)
from dps_portal.onboarding.rules import decision_due_on
from dps_portal.providers.models import ProviderOrganisation

DEMO_RATE = Decimal("1875.00")


@cache
def _evidence_pdf() -> bytes:
    return render_pdf("documents/demo_evidence.html")


def valid_answer(question: Question, *, provider: ProviderOrganisation, by: User, today: date):
    """An answer that passes every check of `question` (the demo's, and tests' starting point)."""
    if question.kind == "yes_no":
        if question.must_be is not None:
            return question.must_be
        return "no" if question.exclusion else "yes"
    if question.kind in ("text", "textarea"):
        return f"Our answer to: {question.text}"
    if question.kind == "money":
        return max(question.minimum or Decimal(0), Decimal("2500000.00"))
    if question.kind == "date":
        return today - timedelta(days=60)
    if question.kind == "choice":
        return question.options[0]
    document = store_document(
        _evidence_pdf(),
        original_filename=f"{question.key}.pdf",
        kind="application_evidence",
        provider_id=provider.id,
        uploaded_by=by,
    )
    if question.kind == "file":
        return document
    return {
        "amount": (question.minimum or Decimal(0)) * 2,
        "expires_on": today + timedelta(days=365),
        "document": document,
    }


def answer_every_section(application: Application, *, by: User, only: set[str] | None = None):
    """Answer each section (or the sections in `only`) for each of its scopes, validly."""
    today = clock.today_uk()
    for section in definition_of(application.question_set).sections:
        if only is not None and section.key not in only:
            continue
        for scope, _about in scopes_of(application, section):
            values: dict = {}
            for question in section.questions:
                if question.required_if and not question.is_required(values):
                    continue
                values[question.key] = valid_answer(
                    question, provider=application.provider, by=by, today=today
                )
            answers.save_section(application, section.key, scope, values, by=by)


def _complete_details(provider: ProviderOrganisation, framework: Framework) -> None:
    number = f"{provider.id:02d}"
    # Eight characters, as Companies House numbers are, whatever the provider's id.
    provider.companies_house_number = provider.companies_house_number or f"09{provider.id:06d}"
    provider.contact_name = provider.contact_name or "Contracts lead"
    provider.email = provider.email or f"contracts{number}@provider.example"
    provider.signatory_name = provider.signatory_name or "Director of Care"
    provider.signatory_role = provider.signatory_role or "Director"
    provider.signatory_email = provider.signatory_email or f"director{number}@provider.example"
    for home in provider.homes:
        home.registered_manager = home.registered_manager or "Registered Manager"


def _start(provider: ProviderOrganisation, codes: list[str], framework: Framework) -> Application:
    user = _provider_user(provider)
    _complete_details(provider, framework)
    application = operations.start_application(provider, by=user)
    categories = {category.code: category for category in framework.categories}
    homes = [
        home
        for home in provider.homes
        if home.cqc_rating is None or home.cqc_rating.name != "inadequate"
    ]
    operations.save_categories(
        application, {categories[code].id: [home.id for home in homes] for code in codes}, by=user
    )
    return application


def _complete_and_submit(application: Application) -> None:
    user = _provider_user(application.provider)
    answer_every_section(application, by=user)
    operations.save_rates(
        application,
        {
            (chosen.category_id, entry.care_home_id): DEMO_RATE
            for chosen in application.categories
            for entry in chosen.homes
        },
        by=user,
    )
    operations.submit_application(application, by=user)


def review_sections(
    application: Application,
    *,
    by: User,
    failed: dict[str, str] | None = None,
    only: set[str] | None = None,
) -> None:
    """The officer's review of each section (or those in `only`): a pass, or a fail with the
    comment `failed` gives for it."""
    failed = failed or {}
    for section in definition_of(application.question_set).sections:
        if only is not None and section.key not in only:
            continue
        comment = failed.get(section.key, "")
        review_section(
            application,
            section.key,
            outcome=ReviewOutcome.failed if comment else ReviewOutcome.passed,
            comment=comment,
            by=by,
        )


def _provider_user(provider: ProviderOrganisation) -> User:
    return db.session.scalars(
        select(User).where(User.provider_id == provider.id).order_by(User.id)
    ).first()


def _officer() -> User:
    return db.session.scalars(
        select(User).where(User.role == Role.contracts_officer).order_by(User.id)
    ).first()


def working_days_before(today: date, count: int) -> date:
    """The working day of receipt from which `count` working days have passed by `today`."""
    day, counted = today, 0
    while counted < count:
        if is_working_day(day):
            counted += 1
        day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _at_ten(day: date) -> datetime:
    return clock.uk_to_utc(datetime.combine(day, time(10, 0)))


def seed_applications(framework: Framework, providers: dict[str, ProviderOrganisation]) -> int:
    """Make the demo's applications once: a provider that has any is left as it is."""
    today = clock.today_uk()
    officer = _officer()
    made = 0

    def admit(name: str, working_days_ago: int, decided_after: int) -> None:
        provider = providers[name]
        received = working_days_before(today, working_days_ago)
        with clock.frozen(_at_ten(received)):
            application = _start(provider, ["MH", "LDA"], framework)
            _complete_and_submit(application)
        with clock.frozen(_at_ten(add_working_days(received, decided_after))):
            review_sections(application, by=officer)
            decide_application(
                application,
                {c.id: CategoryChoice(admit=True) for c in application.categories},
                by=officer,
            )

    # Admitted in two categories, decided a few weeks ago.
    if not _has_applied(providers["Peakland Care Ltd"]):
        admit("Peakland Care Ltd", 30, 6)
        made += 1

    # Admitted a little earlier to the same two categories.
    if not _has_applied(providers["Juniper Care Homes Ltd"]):
        admit("Juniper Care Homes Ltd", 60, 5)
        made += 1

    # Admitted to the same two categories: its one home is just over the border.
    if not _has_applied(providers["Larchwood Healthcare Ltd"]):
        admit("Larchwood Healthcare Ltd", 45, 7)
        made += 1

    # Rejected for Enhanced: its training evidence did not show PBS practitioner level.
    rejected = providers["Moorland Behaviour Support Ltd"]
    if not _has_applied(rejected):
        received = working_days_before(today, 20)
        with clock.frozen(_at_ten(received)):
            application = _start(rejected, ["ENH"], framework)
            _complete_and_submit(application)
        with clock.frozen(_at_ten(add_working_days(received, 8))):
            review_sections(
                application,
                by=officer,
                failed={
                    "workforce": "No evidence of positive behaviour support training at "
                    "practitioner level."
                },
            )
            decide_application(
                application,
                {
                    c.id: CategoryChoice(
                        admit=False,
                        reasons=(
                            "The training evidence does not show positive behaviour support at "
                            "practitioner level for the staff who would support people in this "
                            "category. You may apply again at any time with that evidence."
                        ),
                    )
                    for c in application.categories
                },
                by=officer,
            )
        made += 1

    # Waiting for a decision: received two working days ago, so today is day 3 of 10.
    waiting = providers["Highmoor Specialist Services Ltd"]
    if not _has_applied(waiting):
        received = working_days_before(today, 2)
        with clock.frozen(_at_ten(received)):
            application = _start(waiting, ["MH", "LDA"], framework)
            _complete_and_submit(application)
        # The officer has begun the review: the rest of the sections are still to do.
        with clock.frozen(_at_ten(add_working_days(received, 1))):
            review_sections(
                application,
                by=officer,
                only={"exclusion_grounds", "financial_standing", "insurance"},
            )
        assert application.due_on == decision_due_on(received, framework.decision_working_days)
        made += 1

    # A draft with the categories chosen and a few sections answered.
    draft = providers["Trentside Community Care CIC"]
    if not _has_applied(draft):
        application = _start(draft, ["MH"], framework)
        answer_every_section(
            application, by=_provider_user(draft), only={"exclusion_grounds", "insurance"}
        )
        made += 1
    db.session.flush()
    return made


def _has_applied(provider: ProviderOrganisation) -> bool:
    return (
        db.session.scalar(
            select(Application.id).where(Application.provider_id == provider.id).limit(1)
        )
        is not None
    )
