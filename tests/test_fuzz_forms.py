"""Every form handler of every role, fed hostile values: never a 500, and never a change to
another organisation's rows.

The routes come from the app itself (each POST route, as each role tests/access_matrix.py lets
through), so a route added later is fuzzed without anyone remembering to. The world is the
access matrix's (tests/test_access_matrix.py: real ids for every part of every URL), with one
more organisation beside it, the bystander, whose rows are compared before and after the
route's submissions. The field names are read from the form on the route's page (or, for a
route that only takes a POST, the page in FORM_PAGES that shows its form), and filled from
hypothesis strategies: huge and negative numbers, 26 digits, NUL and control characters, 100,000
characters, right-to-left marks, emoji and combining accents, blank spaces, HTML and SQL,
impossible dates, nothing at all, several values where one is expected, the bystander's ids.

CI runs a fixed, reproducible set: every uniform sweep in SWEEP, then DPS_FUZZ_EXAMPLES
(default 5) generated submissions, derandomised. For a deeper local hunt:
DPS_FUZZ_EXAMPLES=200 DPS_FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/test_fuzz_forms.py
"""

import hashlib
import io
import os
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import or_, select

from dps_portal.accounts.models import TokenPurpose, User
from dps_portal.accounts.operations import issue_token
from dps_portal.core.access import PUBLIC
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.notifications.operations import notify
from dps_portal.providers.models import CareHome, EvidenceItem
from dps_portal.quality.models import ActionPriority, VisitAction, VisitOutcome
from dps_portal.quality.queries import planned_sections
from tests import test_access_matrix
from tests.access_matrix import MATRIX
from tests.conftest import sign_in
from tests.contracts.factories import make_visit
from tests.documents.samples import store_sample
from tests.factories import make_user
from tests.onboarding.factories import (
    make_complete_application,
    make_draft_application,
    sample_pdf,
)
from tests.quality.visit_helpers import scheduled_visit

APP = test_access_matrix.APP
# The access matrix's world, made afresh for each route (its rows are what the URLs name).
people = test_access_matrix.people

EXAMPLES = int(os.environ.get("DPS_FUZZ_EXAMPLES", "5"))
RANDOM = os.environ.get("DPS_FUZZ_RANDOM") == "1"

# Routes that only take a POST: the page that shows their form (its URL built from the same
# world). A new POST-only route needs a line here (test_every_post_route_is_fuzzed says so).
FORM_PAGES = {
    "accounts.sign_out": "notifications.list_notifications",
    "admin.resend_invitation": "admin.show_user",
    "award.approve_award": "tenders.show_tender",
    "award.confirm_award": "tenders.show_tender",
    "evaluation.complete_moderation": "evaluation.moderate_scores",
    "evaluation.copy_tender": "tenders.show_tender",
    "evaluation.open_bids": "tenders.show_tender",
    "evaluation.start_evaluation": "evaluation.list_compliance",
    "evaluation.start_sheet": "evaluation.score_bids",
    "awards.accept_offer": "awards.show_offer",
    "admin.set_user_active": "admin.show_user",
    "framework.prepare_summary": "framework.download_summary",
    "framework.move_category": "framework.list_categories",
    "framework.move_district": "framework.list_districts",
    "framework.move_care_setting": "framework.list_care_settings",
    "notifications.mark_all_read": "notifications.list_notifications",
    "notifications.mark_read": "notifications.list_notifications",
    "onboarding.respond_to_clarification": "onboarding.show_application",
    "onboarding.start_application": "onboarding.list_applications",
    "onboarding.submit_application": "onboarding.check_answers",
    "quality.remove_action": "quality.show_visit",
    "returns.review_return": "returns.show_return",
    "review.confirm_decision": "review.decide",
    "tenders.publish_tender": "tenders.show_tender",
    "tenders.remove_attachment": "tenders.edit_attachments",
    "tenders.withdraw_bid": "tenders.show_opportunity",
    "vacancies.confirm_vacancies": "vacancies.edit_vacancies",
}

# Routes whose form appears only with a query (a page in two steps, or about one provider);
# the form is posted with the same query.
QUERIES = {
    "contracts.suspend": "provider_id={provider_id}",
    "providers.add_home": "cqc_location_id=1-999999999",
}


def _post_routes() -> list[tuple[str, str, str]]:
    """(endpoint, rule, who) for each POST route and each caller allowed to reach it."""
    routes = []
    for rule in sorted(APP.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if "POST" not in rule.methods:
            continue
        allowed = MATRIX.get(rule.endpoint, frozenset())
        callers = ["anonymous"] if allowed == PUBLIC else sorted(r.value for r in allowed)
        routes.extend((rule.endpoint, rule.rule, who) for who in callers)
    return routes


ROUTES = _post_routes()
pytestmark = pytest.mark.usefixtures("frozen_clock")  # the day the world's dates are set around


def test_every_post_route_is_fuzzed():
    """Each POST route is fuzzed as someone, and each POST-only route has a page for its form."""
    post_rules = [rule for rule in APP.url_map.iter_rules() if "POST" in rule.methods]
    fuzzed = {endpoint for endpoint, _, _ in ROUTES}
    assert sorted({rule.endpoint for rule in post_rules} - fuzzed) == [], (
        "POST routes nobody is allowed to reach: add them to tests/access_matrix.py"
    )
    post_only = {
        rule.endpoint
        for rule in post_rules
        if "GET" not in rule.methods
        and not any("GET" in r.methods for r in APP.url_map.iter_rules(rule.endpoint))
    }
    assert sorted(post_only - FORM_PAGES.keys()) == [], "say in FORM_PAGES which page shows it"
    assert sorted(FORM_PAGES.keys() - post_only) == [], "FORM_PAGES names routes it need not"
    endpoints = {rule.endpoint for rule in APP.url_map.iter_rules()}
    assert sorted(set(FORM_PAGES.values()) - endpoints) == []


# The values.

HUGE = "9" * 26
SWEEP = [
    "   ",
    HUGE,
    "-1",
    "0",
    "Ash\x00gate\x01\x1f\x7f",
    "x" * 100_000,
    "\u202e\U0001f600 e\u0301\u0301 \u05e9\u05dc\u05d5\u05dd",
    "<script>alert(1)</script>' OR '1'='1\"; --",
    "31/02/2026",
    "",
]
HOSTILE = [
    *SWEEP,
    "\t\n\r",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "007",
    "+1",
    "1e309",
    "NaN",
    "Infinity",
    "1.5",
    "£-1,000,000,000,000.999",
    "0/0/0",
    "2026-02-31",
    "\x00",
    "\ufeff\u200b",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467" * 50,
    "\u0663\u0662",
    "%s%n{0}{{7*7}}${7*7}",
    "'; DROP TABLE user_account; --",
    "../../etc/passwd",
    "javascript:alert(1)",
    "None",
    "null",
    "true",
    "[]",
    "y" * 5001,
]
DATE_PARTS = ["31", "2", "2026", "0", "00", "-1", "13", HUGE, "", "  ", "\u0663", "1.5", "1e3"]
DATES = [
    ["31", "2", "2026"],
    ["0", "0", "0"],
    [HUGE, HUGE, HUGE],
    ["1", "1", "0001"],
    ["31", "12", "9999"],
    ["29", "2", "2100"],
    ["", "", ""],
    ["   ", "   ", "   "],
    ["1", "1"],
    ["1", "1", "2026", "1"],
]

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)


def _one_of_hostile(ids: list[int]) -> st.SearchStrategy[str]:
    parts = [st.sampled_from(HOSTILE), text, numbers]
    if ids:
        parts.append(st.sampled_from(ids).map(str))
    return st.one_of(*parts)


def _several(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(values, min_size=2, max_size=3)


# The form on a page.


@dataclass
class FormField:
    name: str
    kind: str  # text, choice, date, file, button or hidden
    options: list[str] = field(default_factory=list)
    value: str = ""


class _FormReader(HTMLParser):
    """The POST forms of a page: their action and their fields, by name."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str, str, str]]]] = []
        self._inputs: list[tuple[str, str, str, str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inputs = [] if a.get("method", "get").lower() == "post" else None
            if self._inputs is not None:
                self.forms.append((a.get("action", ""), self._inputs))
        elif self._inputs is None or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            self._inputs.append((a["name"], kind, a.get("value", ""), a.get("class", "")))
        elif tag == "textarea":
            self._inputs.append((a["name"], "textarea", "", ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            self._inputs.append((self._select, "option", a.get("value", ""), ""))
        elif tag == "button":
            self._inputs.append((a["name"], "submit", a.get("value", ""), ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._inputs = None
        elif tag == "select":
            self._select = None


def form_fields(page_url: str, html: str, target: str) -> list[FormField] | None:
    """The fields of the page's form that posts to `target`, or None when it has none."""
    reader = _FormReader()
    reader.feed(html)
    target_path = urlsplit(target).path
    for action, inputs in reader.forms:
        if urlsplit(urljoin(page_url, action or page_url)).path != target_path:
            continue
        fields: dict[str, FormField] = {}
        for name, kind, value, classes in inputs:
            known = fields.get(name)
            if kind in ("radio", "checkbox", "option"):
                known = fields.setdefault(name, FormField(name, "choice"))
                known.options.append(value)
            elif kind == "file":
                fields[name] = FormField(name, "file")
            elif kind in ("submit", "image"):
                fields[name] = FormField(name, "button", value=value)
            elif kind == "hidden":
                fields.setdefault(name, FormField(name, "hidden", value=value))
            elif known is not None or "date-input" in classes:
                fields[name] = FormField(name, "date")
            else:
                fields[name] = FormField(name, "text", value=value)
        return list(fields.values())
    return None


def field_values(form_field: FormField, ids: list[int]):
    """What a hostile person might send for one field."""
    hostile = _one_of_hostile(ids)
    if form_field.kind == "choice":
        options = st.sampled_from(form_field.options)
        return st.one_of(options, hostile, _several(st.one_of(options, hostile)))
    if form_field.kind == "date":
        parts = st.one_of(st.sampled_from(DATE_PARTS), numbers, text)
        return st.one_of(st.sampled_from(DATES), st.lists(parts, min_size=3, max_size=3))
    if form_field.kind == "file":
        content = st.one_of(st.just(sample_pdf()), st.binary(max_size=2048))
        return st.tuples(content, st.one_of(st.sampled_from(HOSTILE), text))
    if form_field.kind in ("button", "hidden"):
        return st.one_of(st.just(form_field.value), hostile)
    # Text: hostile, or what the page filled in (so that the rest of the form may pass).
    typed = [st.just(form_field.value)] if form_field.value else []
    return st.one_of(*typed, hostile, _several(hostile))


OMITTED = object()


def submissions(fields: list[FormField], ids: list[int]):
    """A submission: each field sent (with one value, several, or a file) or left out."""
    return st.fixed_dictionaries(
        {f.name: st.one_of(st.just(OMITTED), field_values(f, ids)) for f in fields}
    ).map(lambda chosen: {k: v for k, v in chosen.items() if v is not OMITTED})


def uniform(fields: list[FormField], value: str) -> dict:
    """Every field given the same value (a date its three parts; files left out)."""
    return {f.name: [value] * 3 if f.kind == "date" else value for f in fields if f.kind != "file"}


def as_form_data(submission: dict) -> dict:
    return {
        name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
        for name, value in submission.items()
    }


# The bystander: an organisation no URL names, with rows of most kinds (users, homes, an
# application, a document, a visit with an action, evidence).


@pytest.fixture
def bystander(people):
    application, user = make_draft_application()
    provider = application.provider
    home = sorted(provider.homes, key=lambda h: h.id)[0]
    visit = make_visit(home, outcome=VisitOutcome.satisfactory_with_actions)
    document = store_sample(provider, by=user, original_filename="Certificate.pdf")
    db.session.add_all(
        [
            VisitAction(
                visit=visit,
                provider_id=provider.id,
                description="Update the fire risk assessment",
                priority=ActionPriority.high,
                due_on=date(2026, 4, 1),
            ),
            EvidenceItem(
                provider_id=provider.id,
                kind="employers_liability",
                label="Employer's liability insurance",
                expires_on=date(2026, 6, 1),
                document_id=document.id,
            ),
        ]
    )
    db.session.commit()
    return provider.id


@pytest.fixture
def reviewable(db, people):
    """A submitted application of a third organisation, for the officer's review pages (the
    world's own application is a draft)."""
    application = make_complete_application(submit=True)
    db.session.commit()
    return application.id


def rows_of(provider_id: int) -> dict[tuple[str, int], str]:
    """A digest of each row that belongs to the organisation: its own, and every row that
    points to one of them (homes, applications, answers, visits, users, documents...)."""
    owned: dict[str, set] = {}
    digests = {}
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        if table.name == "provider_organisation":
            condition = table.c.id == provider_id
        else:
            links = [
                column.in_(owned[fk.column.table.name])
                for column in table.columns
                for fk in column.foreign_keys
                if owned.get(fk.column.table.name) and fk.column.name == "id"
            ]
            if not links:
                continue
            condition = or_(*links)
        rows = connection.execute(select(table).where(condition)).mappings().all()
        owned[table.name] = {row["id"] for row in rows}
        for row in rows:
            content = repr(sorted((key, repr(value)) for key, value in row.items()))
            digests[(table.name, row["id"])] = hashlib.sha256(content.encode()).hexdigest()
    db.session.rollback()
    return digests


def test_the_digest_sees_a_bystander_s_row_changed_or_added(db, people, bystander):
    before = rows_of(bystander)
    home = db.session.scalars(select(CareHome).where(CareHome.provider_id == bystander)).first()
    home.name = "Renamed by someone else"
    notify(db.session.scalars(select(User).where(User.provider_id == bystander)).first(), "Hi")
    db.session.commit()

    after = rows_of(bystander)

    assert sorted(key for key in before if after[key] != before[key]) == [("care_home", home.id)]
    assert [table for table, _ in after.keys() - before.keys()] == ["notification"]


def _shortened(submission: dict) -> str:
    """A submission as a line a person can read (long values cut, their length given)."""

    def short(value):
        if isinstance(value, tuple):
            return f"<file {short(value[1])}, {len(value[0])} bytes>"
        if isinstance(value, list):
            return [short(v) for v in value]
        return value if len(value) <= 40 else f"{value[:20]!r}... ({len(value):,} characters)"

    return repr({name: short(value) for name, value in submission.items()})


def _world_ids(values: dict) -> list[int]:
    return sorted({value for value in values.values() if isinstance(value, int)})


def _visit_being_recorded(monitor) -> dict:
    """A visit to an admitted home, with its sections and a planned action (the world's own
    visit is to a home not admitted, which has no sections to record)."""
    visit = scheduled_visit(monitor=monitor)
    action = VisitAction(
        visit=visit,
        provider_id=visit.provider_id,
        description="Check the staff rota",
        priority=ActionPriority.low,
        due_on=date(2026, 6, 1),
    )
    db.session.add(action)
    db.session.flush()
    sections = visit.sections or planned_sections(visit)
    return {"visit_id": visit.id, "planned_action_id": action.id, "section_key": sections[0].key}


def _values_for(endpoint: str, users: dict, values: dict, request) -> dict:
    """The world's values, with the few a route needs of its own."""
    values = dict(values)
    if endpoint.startswith("review."):
        values["application_id"] = request.getfixturevalue("reviewable")
    if endpoint.startswith("quality."):
        values.update(_visit_being_recorded(users[Role.quality_monitor]))
    if endpoint == "accounts.reset_password":
        values["token"] = issue_token(make_user(), TokenPurpose.reset_password, timedelta(days=1))
    if endpoint == "accounts.accept_invitation":
        invited = make_user(Role.quality_monitor, is_active=False)
        values["token"] = issue_token(invited, TokenPurpose.invitation, timedelta(days=1))
    db.session.commit()
    return values


@pytest.mark.parametrize(("endpoint", "rule", "who"), ROUTES, ids=lambda x: str(x))
def test_hostile_values_get_an_answer_and_touch_no_other_organisation(
    app, people, bystander, request, endpoint, rule, who
):
    users, values, notifications = people
    values = _values_for(endpoint, users, values, request)
    client = app.test_client()
    if who != "anonymous":
        sign_in(client, users[Role(who)])
    notification_id = notifications[Role(who)].id if who != "anonymous" else 1
    query = "?" + QUERIES[endpoint].format(**values) if endpoint in QUERIES else ""
    url = test_access_matrix._url(rule, values, notification_id) + query
    page_rule = next(APP.url_map.iter_rules(FORM_PAGES.get(endpoint, endpoint)))
    page = test_access_matrix._url(page_rule.rule, values, notification_id) + query
    shown = client.get(page)
    fields = form_fields(page, shown.get_data(as_text=True), url) or []
    shown.close()
    # Tampering: a provider (or anyone signed out) names the bystander's rows; the staff, who
    # act on every organisation by design, name the world's only.
    before = rows_of(bystander)
    staff = who not in ("anonymous", Role.provider.value)
    ids = _world_ids(values) + ([] if staff else sorted({i for _, i in before}))

    @settings(
        max_examples=EXAMPLES,
        derandomize=not RANDOM,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(submission=submissions(fields, ids))
    def submit(submission):
        sent.append(_shortened(submission))
        try:
            response = client.post(url, data=as_form_data(submission))
        except Exception:
            pytest.fail(f"POST {url} as {who} raised:\n{traceback.format_exc()}")
        response.close()
        assert response.status_code < 500, f"POST {url} as {who}: {response.status_code}"

    sent: list[str] = []
    sweep = {repr(uniform(fields, value)): uniform(fields, value) for value in SWEEP}
    for submission in sweep.values():
        submit = example(submission=submission)(submit)
    submit()
    # The bystander's rows, once everything was sent (a digest after each submission would
    # make the test several times slower): the failure lists what was sent.
    after = rows_of(bystander)
    changed = sorted(key for key in before if after.get(key) != before[key])
    added = sorted(
        key for key in after.keys() - before.keys() if not staff or key[0] != "notification"
    )
    assert (changed, added) == ([], []), (
        f"POST {url} as {who} changed {changed} and added {added} of the bystander's rows, "
        "after sending:\n" + "\n".join(sent)
    )
