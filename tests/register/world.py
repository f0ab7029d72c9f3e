"""A small register for tests: one provider in each standing, with homes in known districts and
postcodes, built directly from the records that decide the standing."""

import itertools
from datetime import timedelta

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.models import (
    Application,
    ApplicationCategory,
    ApplicationState,
    CategoryDecision,
)
from dps_portal.onboarding.question_sets import current_question_set
from dps_portal.providers.models import CareHome, ProviderOrganisation
from tests.contracts.factories import category, make_eligible_home, suspend
from tests.factories import make_home, make_provider, make_user
from tests.onboarding.factories import ready_framework

_numbers = itertools.count(1)


def district(name: str):
    return next(each for each in ready_framework().districts if each.name == name)


def add_application(
    provider: ProviderOrganisation,
    state: ApplicationState = ApplicationState.submitted,
    **decisions: CategoryDecision,
) -> Application:
    """An application the council has received, naming each category code given with its
    decision (pending while it awaits one)."""
    framework = ready_framework()
    today = clock.today_uk()
    application = Application(
        reference=f"REG-{next(_numbers)}",
        provider_id=provider.id,
        framework_id=framework.id,
        question_set_id=current_question_set(framework).id,
        state=state,
        submitted_at=clock.now(),
        received_on=today - timedelta(days=3),
        due_on=today + timedelta(days=7),
    )
    if state is ApplicationState.decided:
        application.decided_at = clock.now()
    db.session.add(application)
    db.session.flush()
    for code, decision in decisions.items():
        db.session.add(
            ApplicationCategory(
                application_id=application.id,
                category_id=category(code).id,
                decision=decision,
                decided_at=None if decision is CategoryDecision.pending else clock.now(),
            )
        )
    db.session.flush()
    return application


def place(home: CareHome, *, postcode: str, district_name: str, name: str | None = None):
    home.postcode = postcode
    home.district_id = district(district_name).id
    if name:
        home.name = name
    db.session.flush()
    return home


class World:
    """Ashgate: admitted to MH (one home eligible, one not put forward), in Chesterfield.
    Beech: an application pending for LDA. Cedar: rejected for ENH. Damson: admitted to MH
    and suspended. Elm: registered, never applied."""

    def __init__(self):
        ready_framework()
        self.officer = make_user(Role.contracts_officer)
        self.monitor = make_user(Role.quality_monitor)

        self.ashgate = make_provider(
            legal_name="Ashgate Care Ltd",
            trading_name="Ashgate Homes",
            cqc_provider_id="1-101000001",
            postcode="DE1 1AA",
        )
        self.ashgate_lodge = place(
            make_eligible_home("MH", provider=self.ashgate),
            postcode="S40 1AA",
            district_name="Chesterfield",
            name="Ashgate Lodge",
        )
        self.ashgate_view = place(
            make_home(self.ashgate, cqc_location_id="1-555000001"),
            postcode="S41 2BB",
            district_name="Chesterfield",
            name="Ashgate View",
        )
        add_application(self.ashgate, ApplicationState.decided, MH=CategoryDecision.admitted)

        self.beech = make_provider(legal_name="Beech Support Ltd", cqc_provider_id="1-202000002")
        self.beech_house = place(
            make_home(self.beech), postcode="DE7 5CC", district_name="Erewash", name="Beech House"
        )
        self.beech_application = add_application(self.beech, LDA=CategoryDecision.pending)

        self.cedar = make_provider(legal_name="Cedar Living Ltd", cqc_provider_id="1-303000003")
        place(make_home(self.cedar), postcode="NG1 1DD", district_name="Out of county")
        add_application(self.cedar, ApplicationState.decided, ENH=CategoryDecision.rejected)

        self.damson = make_provider(legal_name="Damson Care Ltd", cqc_provider_id="1-404000004")
        self.damson_home = place(
            make_eligible_home("MH", provider=self.damson),
            postcode="S40 3EE",
            district_name="Chesterfield",
            name="Damson Court",
        )
        suspend(self.damson, reason="safeguarding concern")

        self.elm = make_provider(legal_name="Elm Tree Homes Ltd", cqc_provider_id="1-505000005")
        db.session.commit()
