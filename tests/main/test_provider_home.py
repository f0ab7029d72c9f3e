"""The provider's home page as a work queue: each line's count equals the count worked out
here from the rows, each link leads to a list of exactly those rows, another provider's
work never shows, and the page sends as many statements for 44 homes as for 4."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.main.provider_queries import HOMES_SHOWN
from dps_portal.onboarding.models import Application, ApplicationState
from dps_portal.onboarding.question_sets import current_question_set
from dps_portal.quality.models import (
    ActionState,
    VisitOutcome,
)
from dps_portal.vacancies.models import Vacancy
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, make_eligible_home, make_visit, publish_terms
from tests.factories import make_home, make_provider, make_user
from tests.main.work_helpers import (
    PROVIDER_LABELS,
    PROVIDER_LIST_ROWS,
    add_action,
    add_evidence,
    add_return,
    expected_provider_lines,
    expected_provider_work,
    ids_in,
    line_count,
    pending_work,
    provider_with_user,
    text_of,
    work_lines,
)
from tests.onboarding.factories import ready_framework
from tests.providers.factories import make_provider_user
from tests.query_counts import statements_of


@pytest.fixture
def world(db, frozen_clock):
    ready_framework()
    officer = make_user(Role.contracts_officer)
    provider, user = provider_with_user(provider=make_provider(legal_name="Rosewood Care Ltd"))
    mine = pending_work(provider, user, officer)
    stranger, stranger_user = provider_with_user(provider=make_provider(legal_name="Other Ltd"))
    theirs = pending_work(stranger, stranger_user, officer)
    db.session.commit()
    return mine, theirs


def test_each_line_counts_exactly_its_rows_and_links_to_them(client, world):
    mine, _theirs = world
    expected = expected_provider_work(mine.provider.id)
    # The world has work of every kind to count, and rows that must not be counted.
    assert all(expected[key] for key in PROVIDER_LABELS), expected
    sign_in(client, mine.user)
    html = client.get("/provider").get_data(as_text=True)
    lines = work_lines(html)

    assert {key: line_count(html, key) for key in lines} == expected_provider_lines(
        mine.provider.id
    )
    for key, label in PROVIDER_LABELS.items():
        assert line_count(html, key) == len(expected[key]), key
        assert lines[key][0].startswith(f"{label}: {len(expected[key])}")
    for key, (pattern, within) in PROVIDER_LIST_ROWS.items():
        href = lines[key][1]
        listed = client.get(href)
        assert listed.status_code == 200, href
        rows = ids_in(listed.get_data(as_text=True), pattern, within=within)
        assert rows == sorted(expected[key]), (key, href)
    # The stale vacancies are on this page, each home's with its "Still accurate" button.
    assert lines["vacancies"][1] == "#own-vacancies"
    with_vacancies = {
        vacancy.care_home_id
        for vacancy in db.session.scalars(select(Vacancy))
        if vacancy.care_home.provider_id == mine.provider.id
    }
    assert set(expected["vacancies"]) < with_vacancies
    assert ids_in(html, r'data-vacancies="(\d+)"', within="own-vacancies") == sorted(with_vacancies)


def test_the_lines_say_the_nearest_date_in_uk_time_and_come_most_urgent_first(client, world):
    mine, _theirs = world
    sign_in(client, mine.user)
    html = client.get("/provider").get_data(as_text=True)
    lines = work_lines(html)
    keys = list(lines)

    # Overdue and what stops placements come before what is merely to do, then what is
    # coming up, then information.
    first_to_do = min(keys.index(key) for key in ("offers", "invitations", "placements"))
    for urgent in ("actions", "returns-overdue", "evidence", "homes"):
        assert keys.index(urgent) < first_to_do, keys
    assert keys.index("visits") > keys.index("returns")
    assert keys[-1] == "bids"
    # 3 March 2026 at 10:00 UTC; an offer's emergency window ends hours later, in GMT.
    assert "Answer the first by 3 March 2026 at " in lines["offers"][0]
    assert "(GMT)" in lines["offers"][0]
    assert "The first is due on 1 March 2026. 1 overdue." in lines["actions"][0]
    assert "The first was due on 27 February 2026." in lines["returns-overdue"][0]
    assert (
        "1 expired, the first on 28 February 2026: your homes cannot receive placements until "
        "you renew it. 1 expiring, the first on 23 March 2026." in lines["evidence"][0]
    )
    assert "The first is planned to start on 6 March 2026." in lines["placements"][0]
    # The announced visit with its time; the unannounced one (sooner) is never told.
    assert (
        f"The next is to {mine.waiting_home.name} on 9 March 2026 at 10:30am." in lines["visits"][0]
    )


def test_an_answered_action_is_neither_to_answer_nor_overdue(client, db, frozen_clock):
    provider, user = provider_with_user()
    home = admit_home(make_home(provider), "MH")
    visit = make_visit(home, outcome=VisitOutcome.satisfactory_with_actions)
    add_action(visit, state=ActionState.awaiting_verification, due_in_days=-3)
    db.session.commit()
    sign_in(client, user)
    html = client.get("/provider").get_data(as_text=True)
    assert "actions" not in work_lines(html)
    listed = client.get("/quality/visits?show=to_answer").get_data(as_text=True)
    assert "No action is waiting for your response." in listed
    assert "Overdue" not in listed

    add_action(visit, due_in_days=-1)
    db.session.commit()
    html = client.get("/provider").get_data(as_text=True)
    assert line_count(html, "actions") == 1
    assert "The first is due on 2 March 2026. 1 overdue." in work_lines(html)["actions"][0]


def test_another_providers_work_never_shows(client, world):
    mine, theirs = world
    sign_in(client, mine.user)
    html = client.get("/provider").get_data(as_text=True)
    assert theirs.waiting_home.name not in html
    assert theirs.eligible_home.name not in html
    their_applications = db.session.scalars(
        select(Application.reference).where(Application.provider_id == theirs.provider.id)
    ).all()
    assert their_applications and not any(ref in html for ref in their_applications)


def test_each_home_says_where_it_can_receive_placements_and_why_not(client, world):
    mine, _theirs = world
    sign_in(client, mine.user)
    html = client.get("/provider").get_data(as_text=True)
    table = text_of(html.split('id="home-eligibility"')[1].split("</table>")[0])
    # Both homes are kept from placements: the provider's insurance expired on 28 February.
    assert "Public liability insurance expired 28 February 2026" in table
    assert "No satisfactory initial quality-monitoring visit" in table
    # The homes kept from placements first, and the count in the queue.
    assert line_count(html, "homes") == 2
    assert work_lines(html)["homes"][1] == "#eligibility"


def test_a_new_provider_keeps_the_checklist_and_an_applicant_loses_it(client, db, framework):
    user = make_provider_user(make_provider(legal_name="New Care Ltd"))
    db.session.commit()
    sign_in(client, user)
    html = client.get("/provider").get_data(as_text=True)
    assert "Before you apply" in html
    assert 'id="work-queue"' not in html

    draft = Application(
        reference="DRAFT-1",
        provider_id=user.provider_id,
        framework_id=framework.id,
        question_set_id=current_question_set(ready_framework()).id,
        state=ApplicationState.draft,
    )
    db.session.add(draft)
    db.session.commit()
    html = client.get("/provider").get_data(as_text=True)
    assert "Before you apply" in html  # not sent yet: the checklist still helps
    text, href = work_lines(html)["draft"]
    assert text.startswith("Continue your draft application DRAFT-1")
    assert href == f"/applications/{draft.id}"

    draft.state = ApplicationState.submitted
    draft.submitted_at = clock.now()
    draft.received_on = date(2026, 3, 2)
    draft.due_on = date(2026, 3, 16)
    db.session.commit()
    html = client.get("/provider").get_data(as_text=True)
    assert "Before you apply" not in html
    assert "The council will decide by 16 March 2026." in text_of(html)
    assert work_lines(html)["decision"][1] == f"/applications/{draft.id}"


def test_terms_not_accepted_stop_placements_and_lead_to_the_terms(client, db, frozen_clock):
    framework = ready_framework()
    provider, user = provider_with_user()
    home = admit_home(make_home(provider), "MH")
    make_visit(home)
    publish_terms(framework)
    db.session.commit()
    sign_in(client, user)
    html = client.get("/provider").get_data(as_text=True)
    text, href = work_lines(html)["terms"]
    assert text.startswith("Read and accept terms and conditions v1")
    assert "your homes cannot receive placements until you accept them" in text
    assert "Stops placements" in text
    assert href == "/contract"
    assert next(iter(work_lines(html))) == "terms"


def test_a_visit_without_a_time_is_told_by_its_date(client, db, frozen_clock):
    provider, user = provider_with_user()
    home = admit_home(make_home(provider, name="Brook House"), "MH")
    make_visit(home, outcome=None, planned_on=date(2026, 3, 12))
    db.session.commit()
    sign_in(client, user)
    text = work_lines(client.get("/provider").get_data(as_text=True))["visits"][0]
    assert "The next is to Brook House on 12 March 2026." in text


def test_the_time_of_day_reads_as_people_write_it():
    from dps_portal.quality.naming import time_in_words as time_of_day

    assert time_of_day(time(10, 30)) == "10:30am"
    assert time_of_day(time(14, 5)) == "2:05pm"
    assert time_of_day(time(12, 0)) == "midday"
    assert time_of_day(time(0, 0)) == "midnight"
    assert time_of_day(time(9, 0)) == "9:00am"


def test_44_homes_send_as_many_statements_as_4(client, db, frozen_clock):
    ready_framework()
    officer = make_user(Role.contracts_officer)
    provider, user = provider_with_user()
    pending_work(provider, user, officer)
    db.session.commit()
    sign_in(client, user)
    before = statements_of(client, "/provider")[0]

    for number in range(40):
        home = admit_home(make_home(provider), "MH", "LDA")
        visit = make_visit(home, outcome=VisitOutcome.satisfactory_with_actions)
        add_action(visit, due_in_days=number - 20)
        add_return(home, due_in_days=number - 20)
        add_evidence(provider, home=home, expires_in_days=number - 10)
        if number % 3 == 0:
            make_visit(home, outcome=None, planned_on=clock.today_uk() + timedelta(days=number))
    db.session.commit()
    after, html = statements_of(client, "/provider")

    assert before == after <= 24, (before, after)
    # The homes to look at are named up to HOMES_SHOWN; the homes list gives every home.
    assert html.count('data-home="') == HOMES_SHOWN
    assert f"(the first {HOMES_SHOWN} of " in text_of(html)
    assert "shows each of your 44 homes in each category" in text_of(html)


def test_only_the_homes_to_look_at_are_named_and_a_warning_for_all_is_said_once(
    client, db, frozen_clock
):
    provider, user = provider_with_user()
    fine = make_eligible_home("MH", provider=provider)
    expiring_here = make_eligible_home("MH", provider=provider)
    unvisited = admit_home(make_home(provider, name="Unvisited House"), "MH")
    # The provider's insurance (every home's) and one home's own certificate expire soon.
    add_evidence(provider, expires_in_days=20)
    add_evidence(provider, expires_in_days=25, home=expiring_here)
    db.session.commit()
    sign_in(client, user)
    html = client.get("/provider").get_data(as_text=True)

    named = ids_in(html, r'data-home="(\d+)"', within="home-eligibility")
    assert named == sorted([expiring_here.id, unvisited.id])
    assert fine.name not in html.split('id="home-eligibility"')[1]
    # Kept from placements first.
    table = html.split('id="home-eligibility"')[1].split("</table>")[0]
    assert table.index(f'data-home="{unvisited.id}"') < table.index(
        f'data-home="{expiring_here.id}"'
    )
    assert "No satisfactory initial quality-monitoring visit" in text_of(table)
    expires = "Public liability insurance expires"
    assert text_of(html).count(f"{expires} 23 March 2026") == 1
    assert f"{expires} 23 March 2026" not in text_of(table)
    assert f"{expires} 28 March 2026" in text_of(table)
    assert 'href="/homes">your care homes</a> shows each of your 3 homes' in html
    assert line_count(html, "homes") == 1
