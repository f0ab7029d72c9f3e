"""Overdue is one rule (VisitAction.is_overdue, the same in Python and SQL): an open action past
its due date. One the provider has answered waits for the monitor, not for the provider, and
is not overdue; sent back, it is open and overdue again."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.core.roles import Role
from dps_portal.quality.actions import operations
from dps_portal.quality.models import ActionState, VisitAction
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.helpers import page_text
from tests.quality.actions.factories import (
    make_action,
    make_finalised_visit,
    provider_user_with_home,
)

TODAY = date(2026, 3, 3)  # the frozen clock's day


@pytest.mark.parametrize(
    ("state", "due_on", "overdue"),
    [
        (ActionState.open, date(2026, 3, 2), True),
        (ActionState.open, TODAY, False),
        (ActionState.awaiting_verification, date(2026, 3, 2), False),
        (ActionState.closed, date(2026, 3, 2), False),
    ],
)
def test_overdue_is_the_same_rule_in_python_and_sql(db, frozen_clock, state, due_on, overdue):
    _user, home = provider_user_with_home()
    action = make_action(make_finalised_visit(home), state=state, due_on=due_on)
    assert action.is_overdue(TODAY) is overdue
    found = db.session.scalars(select(VisitAction.id).where(VisitAction.is_overdue(TODAY)))
    assert (action.id in found.all()) is overdue


def _row_status(html: str, action) -> str:
    """The words of the status cell (the last) of the action's row in the monitors' list."""
    row = re.search(rf'data-action="{action.id}">(.*?)</tr>', html, re.S)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", row.split("<td")[-1].split(">", 1)[1]).split())


def test_an_answered_action_is_not_labelled_overdue(client, db, frozen_clock):
    user, home = provider_user_with_home()
    visit = make_finalised_visit(home)
    late = make_action(visit, due_on=date(2026, 2, 1), description="Late and unanswered")
    answered = make_action(
        visit,
        state=ActionState.awaiting_verification,
        due_on=date(2026, 2, 1),
        description="Late but answered",
    )
    monitor = make_user(Role.quality_monitor)
    db.session.commit()

    sign_in(client, monitor)
    listed = client.get("/quality/actions").get_data(as_text=True)
    assert _row_status(listed, answered) == "Waiting for verification"
    assert _row_status(listed, late) == "Open Overdue"
    assert "Overdue" not in page_text(client.get(f"/quality/actions/{answered.id}"))

    sign_in(client, user)
    own = page_text(client.get(f"/quality/visits/{visit.id}"))
    assert "Action 1 Open Overdue" in own
    assert "Action 2 Waiting for verification Respond" in own
    assert "Action 2 Waiting for verification Overdue" not in own

    # Sent back, it waits for the provider again, past its date: overdue.
    operations.send_back_action(answered, note="Send the audit itself.", by=monitor)
    db.session.commit()
    assert "Action 2 Open Overdue" in page_text(client.get(f"/quality/visits/{visit.id}"))
    assert late.is_overdue(TODAY)
