"""Applications for tests: a provider ready to apply, and an application with every answer
valid, submitted or not."""

import itertools
from decimal import Decimal
from functools import cache

from dps_portal.core.roles import Role
from dps_portal.demo.applications import answer_every_section
from dps_portal.extensions import db
from dps_portal.framework.models import Framework, current_framework
from dps_portal.onboarding import operations
from dps_portal.onboarding.models import Application
from dps_portal.onboarding.question_sets import (
    current_question_set,
    publish_question_set,
)
from dps_portal.onboarding.questions import load_default_definition
from dps_portal.providers.models import ProviderOrganisation
from tests.documents.samples import pdf_bytes
from tests.factories import make_framework, make_user
from tests.providers.factories import make_complete_home, make_complete_provider

_numbers = itertools.count(1)
DEFAULT_RATE = Decimal("1250.00")


@cache
def sample_pdf() -> bytes:
    """One small real PDF, made once: WeasyPrint is slow enough to matter in a loop."""
    return pdf_bytes("Evidence for the application")


def ready_framework() -> Framework:
    """The current framework with a published question set (made if there is none)."""
    framework = current_framework() or make_framework()
    if current_question_set(framework) is None:
        publish_question_set(framework, load_default_definition(), title="Selection questionnaire")
    return framework


def make_complete_application(
    provider: ProviderOrganisation | None = None,
    *,
    categories=("MH", "LDA"),
    submit: bool = False,
    by=None,
) -> Application:
    """A draft application that can be submitted as it is (or is submitted, with `submit`):
    a complete organisation with two complete homes, both put forward for each category."""
    framework = ready_framework()
    if provider is None:
        provider = make_complete_provider()
    homes = sorted(provider.homes, key=lambda home: home.id)
    while len(homes) < 2:
        homes.append(make_complete_home(provider, framework, name=f"Home {next(_numbers)}"))
    if by is None:
        by = make_user(Role.provider, provider=provider)
    application = operations.start_application(provider, by=by)
    codes = {category.code: category for category in framework.categories}
    operations.save_categories(
        application,
        {codes[code].id: [home.id for home in homes[:2]] for code in categories},
        by=by,
    )
    answer_every_section(application, by=by)
    operations.save_rates(
        application,
        {
            (chosen.category_id, entry.care_home_id): DEFAULT_RATE
            for chosen in application.categories
            for entry in chosen.homes
        },
        by=by,
    )
    if submit:
        operations.submit_application(application, by=by)
    db.session.flush()
    return application


def make_draft_application(provider: ProviderOrganisation | None = None, *, by=None):
    """A draft with both homes put forward for Mental Health and no answers yet; with the
    provider user who started it."""
    framework = ready_framework()
    if provider is None:
        provider = make_complete_provider()
        make_complete_home(provider, framework, name="Ash House")
        make_complete_home(provider, framework, name="Beech House")
    if by is None:
        by = make_user(Role.provider, provider=provider)
    application = operations.start_application(provider, by=by)
    mental_health = framework.categories[0]
    operations.save_categories(
        application, {mental_health.id: [home.id for home in provider.homes]}, by=by
    )
    return application, by
