"""A large county's years of data on top of the demo, for the benchmark (scripts/bench).

At scale 1.0: 1,000 providers with 3,000 homes, 1,500 applications, 10,000 quality visits,
12,000 quarterly returns and 300,000 audit events, with everything the pages of each role list
(users, admissions, terms acceptances, evidence, actions, suspensions, emails, jobs, CQC
imports). Rows are made in bulk with COPY, from the models' own tables and defaults, with
explicit ids, PostgreSQL only. The audit events extend the demo's hash chain with the
project's own `event_hash`, so `flask audit verify` still passes. Deterministic: one seed.
"""

import enum
import hashlib
import random
import secrets
import time as timer
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from psycopg.types.json import Json
from sqlalchemy import JSON, func, select, text, update

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import CHAIN_ID, event_hash
from dps_portal.contracts.models import SuspensionState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.workingdays import add_working_days
from dps_portal.cqc.models import CqcImportState
from dps_portal.demo.applications import _evidence_pdf
from dps_portal.demo.county_buying import make_buying
from dps_portal.demo.seed import FRAMEWORK, TOWN_DISTRICTS
from dps_portal.documents.storage import store_directory
from dps_portal.extensions import db
from dps_portal.models import (
    ActionResponse,
    Admission,
    AdmittedHome,
    Answer,
    Application,
    ApplicationCategory,
    ApplicationHome,
    AuditChainHead,
    AuditEvent,
    CareHome,
    ClarificationRequest,
    CqcImport,
    CqcLocation,
    CqcRatingChange,
    DeclarationRequest,
    EvidenceItem,
    Framework,
    JobRun,
    LoginFailure,
    Notification,
    OutboxEmail,
    ProviderOrganisation,
    QualityReturn,
    QuestionSet,
    RateCardEntry,
    ReturnForm,
    SectionReview,
    StoredDocument,
    Suspension,
    TermsAcceptance,
    TermsVersion,
    User,
    Visit,
    VisitAction,
    VisitAddendum,
    VisitSection,
    VisitTemplate,
)
from dps_portal.notifications.models import OutboxState
from dps_portal.onboarding.models import ApplicationState, CategoryDecision, ReviewOutcome
from dps_portal.onboarding.rules import decision_due_on
from dps_portal.providers.models import CqcRating
from dps_portal.quality.models import (
    ActionPriority,
    ActionState,
    ReturnState,
    SectionRating,
    VisitOutcome,
    VisitState,
    VisitType,
)
from dps_portal.quality.returns.rules import last_ended_quarter, quarter_containing
from dps_portal.quality.rules import add_months
from dps_portal.quality.visit_templates import sections_for
from dps_portal.scheduler.models import JobOutcome
from dps_portal.scheduler.registry import all_jobs

# Rows at scale 1.0.
SIZES = {
    "providers": 1_000,
    "homes": 3_000,
    "applications": 1_500,
    "visits": 10_000,
    "returns": 12_000,
    "audit_events": 300_000,
    "emails": 60_000,
    "notifications": 30_000,
    "suspensions": 150,
    "declarations": 200,
    "cqc_imports": 40,
    "cqc_rating_changes": 3_000,
    "login_failures": 500,
    "officers": 8,
    "monitors": 12,
    "administrators": 2,
    # Buying (dps_portal/demo/county_buying.py): two years of it.
    "tenders": 300,
    "direct_awards": 900,
    "vacancies": 700,
    # Homes added to the demo's Peakland Care Ltd, so a demo provider's lists are long too.
    "peakland_homes": 40,
}

# Marks the county's providers, so the command can tell it has run already.
CQC_PROVIDER_PREFIX = "1-9"

NAME_FIRST = [
    "Abbey", "Acorn", "Alder", "Ash", "Aspen", "Beech", "Birch", "Bluebell", "Bramble",
    "Briar", "Brook", "Cedar", "Chestnut", "Clover", "Copper", "Dale", "Derwent", "Elm",
    "Fern", "Foxglove", "Glen", "Hawthorn", "Hazel", "Heather", "Holly", "Ivy", "Juniper",
    "Larch", "Laurel", "Linden", "Maple", "Meadow", "Moor", "Oak", "Orchard", "Peak", "Pine",
    "Poplar", "Rowan", "Sage", "Silver", "Spring", "Thorn", "Trent", "Valley", "Willow",
]  # fmt: skip
NAME_SECOND = [
    "Care", "Support", "Living", "Lodge", "Homes", "Healthcare", "Residential", "Community",
    "Specialist", "Nursing",
]  # fmt: skip
HOME_SUFFIX = ["House", "Lodge", "Court", "View", "Grange", "Mews", "Rise", "Close", "Manor"]
PEOPLE = [
    "Alex Brown", "Sam Green", "Jordan Hill", "Morgan Lee", "Taylor Khan", "Casey Ward",
    "Riley Jones", "Jamie Clarke", "Robin Ahmed", "Charlie Evans", "Avery Hughes",
    "Quinn Walker", "Drew Patel", "Reese Wood", "Rowan Price", "Sasha Bell",
]  # fmt: skip
AUDIT_MIX = [
    (AuditAction.application_section_saved, "application", 20),
    (AuditAction.document_stored, "stored_document", 12),
    (AuditAction.email_queued, "outbox_email", 16),
    (AuditAction.email_sent, "outbox_email", 14),
    (AuditAction.signed_in, "user_account", 12),
    (AuditAction.visit_section_saved, "quality_visit", 10),
    (AuditAction.return_saved, "quality_return", 5),
    (AuditAction.return_submitted, "quality_return", 4),
    (AuditAction.return_reviewed, "quality_return", 3),
    (AuditAction.visit_scheduled, "quality_visit", 2),
    (AuditAction.visit_finalised, "quality_visit", 2),
    (AuditAction.visit_action_planned, "visit_action", 1),
    (AuditAction.action_responded, "visit_action", 1),
    (AuditAction.action_closed, "visit_action", 1),
    (AuditAction.application_submitted, "application", 1),
    (AuditAction.application_section_reviewed, "application", 3),
    (AuditAction.application_decided, "application", 1),
    (AuditAction.cqc_rating_changed, "care_home", 2),
    (AuditAction.home_updated, "care_home", 1),
    (AuditAction.provider_updated, "provider_organisation", 1),
    (AuditAction.signed_out, "user_account", 4),
    (AuditAction.sign_in_failed, "user_account", 1),
    (AuditAction.evidence_renewed, "evidence_item", 1),
    (AuditAction.document_downloaded, "stored_document", 3),
]  # fmt: skip


def _scaled(name: str, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(SIZES[name] * scale))


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return clock.uk_to_utc(datetime.combine(day, time(hour, minute)))


class CountyExists(Exception):
    """The county's data is in the database already."""


@dataclass
class _Ids:
    """The next free id of each table: rows are inserted with explicit ids, then each
    table's sequence is moved past them."""

    next: dict = field(default_factory=dict)

    def take(self, model) -> int:
        if model not in self.next:
            self.next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def reserve(self, model, count: int) -> range:
        """`count` ids at once (before a COPY, which holds the connection)."""
        first = self.take(model)
        self.next[model] = first + count
        return range(first, first + count)

    def largest(self, model) -> int:
        return self.next.get(model, 2) - 1


class County:
    def __init__(self, scale: float, log: Callable[[str], None], seed: int = 2024) -> None:
        self.scale = scale
        self.log = log
        self.random = random.Random(seed)
        self.ids = _Ids()
        self.today = clock.today_uk()
        self.now = clock.now()
        self.counts: dict[str, int] = defaultdict(int)
        self.started = timer.monotonic()

    # Helpers.

    def insert(self, model, rows: list[dict]) -> None:
        """COPY rows given by attribute name, as the ORM would store them: enums by name,
        JSON columns as JSON, missing columns from their Python default."""
        if not rows:
            return
        table = model.__table__
        given = rows[0].keys()
        columns, defaults = [], {}
        for column in table.columns:
            if column.key in given:
                columns.append(column)
            elif column.default is not None and column.server_default is None:
                columns.append(column)
                default = column.default
                defaults[column.key] = self.now if default.is_callable else default.arg
        json_columns = {c.key for c in columns if isinstance(c.type, JSON)}

        def stored(key: str, value):
            if key in json_columns:
                return Json(value)
            if isinstance(value, enum.Enum):
                return value.name
            return value

        keys = [c.key for c in columns]
        self.copy(
            model,
            (
                tuple(stored(key, row[key] if key in row else defaults[key]) for key in keys)
                for row in rows
            ),
            [c.name for c in columns],
        )

    def copy(self, model, rows: Iterable[tuple], columns: list[str]) -> None:
        """COPY: values as the database stores them."""
        connection = db.session.connection().connection.driver_connection
        table = model.__table__.name
        count = 0
        with connection.cursor() as cursor:
            column_list = ", ".join(f'"{name}"' for name in columns)
            with cursor.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        self.counts[table] += count

    def scaled(self, name: str, minimum: int = 1) -> int:
        return _scaled(name, self.scale, minimum)

    def step(self, what: str) -> None:
        self.log(f"  {timer.monotonic() - self.started:6.1f}s  {what}")

    def pick(self, weighted: list[tuple]) -> object:
        values, weights = zip(*weighted, strict=True)
        return self.random.choices(values, weights)[0]

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.random.randrange((end - start).days + 1))

    # The build.

    def build(self) -> dict[str, int]:
        self.load_demo()
        self.make_staff()
        self.make_providers()
        self.step("providers, homes and users")
        self.make_applications()
        self.step("applications, answers, admissions")
        self.make_contract_rows()
        self.step("terms acceptances, evidence, suspensions, declarations")
        self.make_visits()
        self.step("visits, sections, actions")
        self.make_returns()
        self.step("quarterly returns")
        make_buying(self)
        self.step("tenders, bids, direct awards, placements, vacancies")
        self.make_platform_rows()
        self.step("CQC imports, jobs, sign-in failures")
        self.make_emails_and_notifications()
        self.step("emails and notifications")
        self.make_audit_events()
        self.step("audit events")
        self.move_sequences()
        return dict(self.counts)

    def load_demo(self) -> None:
        session = db.session
        self.framework = session.scalars(
            select(Framework).where(Framework.reference == FRAMEWORK["reference"])
        ).first()
        if self.framework is None:
            raise LookupError("run `flask seed-demo` first: the county builds on the demo")
        if session.scalar(
            select(ProviderOrganisation.id)
            .where(ProviderOrganisation.cqc_provider_id.like(f"{CQC_PROVIDER_PREFIX}%"))
            .limit(1)
        ):
            raise CountyExists("the county's data is loaded already")
        self.categories = list(self.framework.categories)
        self.districts = list(self.framework.districts)
        self.settings = list(self.framework.settings)
        self.question_set = session.scalars(
            select(QuestionSet)
            .where(QuestionSet.framework_id == self.framework.id)
            .order_by(QuestionSet.version.desc())
        ).first()
        self.visit_template = session.scalars(
            select(VisitTemplate)
            .where(VisitTemplate.framework_id == self.framework.id)
            .order_by(VisitTemplate.version.desc())
        ).first()
        self.return_form = session.scalars(
            select(ReturnForm)
            .where(ReturnForm.framework_id == self.framework.id)
            .order_by(ReturnForm.version.desc())
        ).first()
        self.terms = session.scalars(
            select(TermsVersion)
            .where(TermsVersion.framework_id == self.framework.id)
            .order_by(TermsVersion.version.desc())
        ).first()
        if None in (self.question_set, self.visit_template, self.return_form, self.terms):
            raise LookupError("the demo is incomplete: run `flask seed-demo` on an empty database")
        users = session.scalars(select(User).order_by(User.id)).all()
        self.password_hash = next(u.password_hash for u in users if u.password_hash)
        self.demo_officers = [u.id for u in users if u.role is Role.contracts_officer]
        self.demo_monitor = next(u.id for u in users if u.role is Role.quality_monitor)
        self.demo_provider_users = {u.provider_id: u.id for u in users if u.provider_id}
        self.demo_user_ids = [u.id for u in users]
        self.all_emails = {u.id: u.email for u in users}
        # The demo's first decided application: its answers are every bench application's.
        first = session.scalars(
            select(Application).where(Application.decided_at.is_not(None)).order_by(Application.id)
        ).first()
        self.template_answers = session.scalars(
            select(Answer).where(Answer.application_id == first.id).order_by(Answer.id)
        ).all()
        submitted = session.scalars(
            select(QualityReturn).where(QualityReturn.submitted_at.is_not(None))
        ).first()
        self.return_answers = dict(submitted.answers) if submitted else {}
        self.evidence_kinds = [
            (item.kind, item.label, item.amount)
            for item in session.scalars(
                select(EvidenceItem)
                .where(EvidenceItem.care_home_id.is_(None), EvidenceItem.replaced_at.is_(None))
                .order_by(EvidenceItem.id)
            )
        ]
        self.evidence_kinds = list(dict.fromkeys(self.evidence_kinds))[:3]
        self.peakland = session.scalars(
            select(ProviderOrganisation).where(
                ProviderOrganisation.legal_name == "Peakland Care Ltd"
            )
        ).first()

    def make_staff(self) -> None:
        rows = []
        self.officers = list(self.demo_officers)
        self.monitors = [self.demo_monitor]
        for role, count, name in (
            (Role.contracts_officer, _scaled("officers", self.scale), "officer"),
            (Role.quality_monitor, _scaled("monitors", self.scale), "monitor"),
            (Role.administrator, _scaled("administrators", self.scale), "admin"),
        ):
            for n in range(1, count + 1):
                user_id = self.ids.take(User)
                email = f"{name}{n}@county.example"
                rows.append(self._user_row(user_id, email, role, None))
                if role is Role.contracts_officer:
                    self.officers.append(user_id)
                elif role is Role.quality_monitor:
                    self.monitors.append(user_id)
        self.insert(User, rows)

    def _user_row(self, user_id: int, email: str, role: Role, provider_id: int | None) -> dict:
        self.all_emails[user_id] = email
        created = _at(self.day_between(self.framework.starts_on, self.today - timedelta(days=30)))
        return {
            "id": user_id,
            "email": email,
            "full_name": self.random.choice(PEOPLE),
            "role": role,
            "provider_id": provider_id,
            "password_hash": self.password_hash,
            "is_active": self.random.random() > 0.03,
            "can_manage_organisation": role is Role.provider,
            "email_confirmed_at": created,
            "last_signed_in_at": created + timedelta(days=self.random.randrange(1, 300)),
            "created_at": created,
            "updated_at": created,
        }

    def make_providers(self) -> None:
        providers, homes, users, documents, locations = [], [], [], [], []
        self.homes: dict[int, list[dict]] = {}
        self.provider_user: dict[int, int] = dict(self.demo_provider_users)
        self.provider_document: dict[int, int] = {}
        self.provider_ids: list[int] = []
        towns = list(TOWN_DISTRICTS)
        districts = {d.name: d.id for d in self.districts}
        count = _scaled("providers", self.scale)
        home_total = _scaled("homes", self.scale)
        # 1 to 6 homes each, adding up to the county's total.
        per_provider = [1] * count
        for _ in range(max(0, home_total - count)):
            per_provider[self.random.randrange(count)] += 1
        pdf = _evidence_pdf()
        store = store_directory()
        for n in range(1, count + 1):
            provider_id = self.ids.take(ProviderOrganisation)
            self.provider_ids.append(provider_id)
            name = (
                f"{self.random.choice(NAME_FIRST)} {self.random.choice(NAME_SECOND)} "
                f"{'Ltd' if n % 7 else 'CIC'} ({n})"
            )
            town = self.random.choice(towns)
            created = _at(self.day_between(self.framework.starts_on, self.today - timedelta(90)))
            providers.append(
                {
                    "id": provider_id,
                    "legal_name": name,
                    "trading_name": "",
                    "companies_house_number": f"B{n:07d}",
                    "cqc_provider_id": f"{CQC_PROVIDER_PREFIX}{n:09d}",
                    "address_line_1": f"{n} High Street",
                    "town": town,
                    "postcode": f"DE{n % 90 + 1} {n % 9}AB",
                    "phone": f"01629 {n:06d}",
                    "email": f"office@provider{n}.example",
                    "contact_name": self.random.choice(PEOPLE),
                    "signatory_name": self.random.choice(PEOPLE),
                    "signatory_role": "Director",
                    "signatory_email": f"director@provider{n}.example",
                    "created_at": created,
                    "updated_at": created,
                }
            )
            user_id = self.ids.take(User)
            self.provider_user[provider_id] = user_id
            users.append(
                self._user_row(user_id, f"manager@provider{n}.example", Role.provider, provider_id)
            )
            documents.append(self._document_row(provider_id, store, pdf, user_id))
            self.homes[provider_id] = []
            for _ in range(per_provider[n - 1]):
                homes.append(self._home_row(provider_id, town, districts, created))
        # The demo's Peakland grows into a provider group with a county's worth of homes.
        if self.peakland is not None:
            self.homes[self.peakland.id] = []
            documents.append(
                self._document_row(
                    self.peakland.id, store, pdf, self.provider_user[self.peakland.id]
                )
            )
            created = _at(self.framework.starts_on)
            for _ in range(_scaled("peakland_homes", self.scale, minimum=2)):
                homes.append(self._home_row(self.peakland.id, "Chesterfield", districts, created))
        for home in homes:
            locations.append(
                {
                    "location_id": home["cqc_location_id"],
                    "name": home["name"],
                    "address": f"{home['address_line_1']}, {home['town']}",
                    "postcode": home["postcode"],
                    "local_authority": "Derbyshire",
                    "service_types": "Care home service without nursing",
                    "specialisms": "Learning disabilities; Mental health conditions",
                    "provider_id": "",
                    "provider_name": "",
                    "overall_rating": home["cqc_rating"].value if home["cqc_rating"] else "",
                    "rating_published_on": home["cqc_rating_on"],
                }
            )
        self.insert(ProviderOrganisation, providers)
        self.insert(User, users)
        self.insert(StoredDocument, documents)
        self.insert(CareHome, homes)
        self.insert(CqcLocation, locations)

    def _document_row(self, provider_id: int, store, pdf: bytes, user_id: int) -> dict:
        """One evidence PDF a provider's answers and evidence items point to, really stored."""
        key = secrets.token_hex(20)
        (store / key).write_bytes(pdf)
        document_id = self.ids.take(StoredDocument)
        self.provider_document[provider_id] = document_id
        return {
            "id": document_id,
            "storage_key": key,
            "original_filename": "evidence.pdf",
            "description": "",
            "media_type": "application/pdf",
            "size_bytes": len(pdf),
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "provider_id": provider_id,
            "kind": "application_evidence",
            "uploaded_by_id": user_id,
            "created_at": self.now,
        }

    def _home_row(self, provider_id: int, town: str, districts: dict, created: datetime) -> dict:
        home_id = self.ids.take(CareHome)
        rating = self.pick(
            [
                (CqcRating.good, 70),
                (CqcRating.outstanding, 8),
                (CqcRating.requires_improvement, 15),
                (CqcRating.inadequate, 3),
                (CqcRating.not_rated, 2),
                (None, 2),
            ]
        )
        review_since = None
        if rating is CqcRating.inadequate and self.random.random() < 0.6:
            review_since = self.now - timedelta(days=self.random.randrange(1, 200))
        row = {
            "id": home_id,
            "provider_id": provider_id,
            "cqc_location_id": f"1-8{home_id:09d}",
            "name": f"{self.random.choice(NAME_FIRST)} {self.random.choice(HOME_SUFFIX)}",
            "address_line_1": f"{home_id} Station Road",
            "address_line_2": "",
            "town": town,
            "postcode": f"DE{home_id % 90 + 1} {home_id % 9}CD",
            "district_id": districts[TOWN_DISTRICTS.get(town, "Chesterfield")],
            "setting_id": self.random.choice(self.settings).id,
            "registered_beds": self.random.randrange(4, 41),
            "cqc_rating": rating,
            "cqc_rating_on": self.day_between(date(2021, 1, 1), self.today - timedelta(30))
            if rating
            else None,
            "registered_manager": self.random.choice(PEOPLE),
            "is_cqc_registered": self.random.random() > 0.01,
            "cqc_review_required_since": review_since,
            "created_at": created,
            "updated_at": created,
        }
        self.homes[provider_id].append(row)
        return row

    # Onboarding.

    def make_applications(self) -> None:
        total = _scaled("applications", self.scale)
        earlier = set(self.random.sample(self.provider_ids, max(0, total - len(self.provider_ids))))
        self.rows = defaultdict(list)
        self.admitted: dict[int, dict[int, tuple[int, datetime, list[int]]]] = {}
        numbers: dict[int, int] = defaultdict(lambda: 1000)
        for provider_id in self.provider_ids:
            previous = None
            if provider_id in earlier:
                state = self.pick([("rejected", 80), ("withdrawn", 20)])
                previous = self._application(provider_id, state, numbers, previous=None)
            state = self.pick(
                [
                    ("decided", 75),
                    ("submitted", 10),
                    ("clarification_requested", 4),
                    ("draft", 8),
                    ("withdrawn", 3),
                ]
            )
            self._application(provider_id, state, numbers, previous=previous)
        # Peakland's new homes are admitted under its existing admissions.
        if self.peakland is not None:
            for admission in db.session.scalars(
                select(Admission).where(Admission.provider_id == self.peakland.id)
            ):
                for home in self.homes[self.peakland.id]:
                    self.rows[AdmittedHome].append(
                        {
                            "id": self.ids.take(AdmittedHome),
                            "admission_id": admission.id,
                            "care_home_id": home["id"],
                        }
                    )
                self.admitted.setdefault(self.peakland.id, {})[admission.category_id] = (
                    admission.id,
                    admission.admitted_at,
                    [home["id"] for home in self.homes[self.peakland.id]],
                )
        for model in (
            Application,
            ApplicationCategory,
            ApplicationHome,
            Answer,
            SectionReview,
            ClarificationRequest,
            Admission,
            AdmittedHome,
            RateCardEntry,
        ):
            self.insert(model, self.rows.pop(model, []))

    def _application(self, provider_id: int, state: str, numbers, previous) -> int:
        application_id = self.ids.take(Application)
        user_id = self.provider_user[provider_id]
        officer = self.random.choice(self.officers)
        homes = [
            h
            for h in self.homes[provider_id]
            if not (h["cqc_rating"] and h["cqc_rating"].name == "inadequate")
        ] or self.homes[provider_id][:1]
        start, end = self.framework.starts_on, self.today
        if previous is None and state in ("rejected", "withdrawn"):
            received = self.day_between(start, start + timedelta(days=400))
        elif state == "decided" and previous is None and self.random.random() < 0.85:
            # Most providers joined in the first wave, in the framework's first six months.
            received = self.day_between(start + timedelta(days=14), start + timedelta(days=180))
        elif state == "decided":
            earliest = start + timedelta(days=420 if previous else 30)
            received = self.day_between(earliest, end - timedelta(days=25))
        elif state == "submitted":
            received = self.day_between(end - timedelta(days=22), end - timedelta(days=1))
        elif state == "clarification_requested":
            received = self.day_between(end - timedelta(days=30), end - timedelta(days=5))
        elif state == "withdrawn":
            received = self.day_between(start + timedelta(days=420), end - timedelta(days=10))
        else:
            received = None
        is_draft = state == "draft"
        created_day = (
            received - timedelta(days=self.random.randrange(2, 30))
            if received
            else self.day_between(end - timedelta(days=60), end)
        )
        submitted_at = None if is_draft else _at(received, 9 + self.random.randrange(8))
        decided_at = None
        if state in ("decided", "rejected"):
            decided_at = _at(add_working_days(received, self.random.randrange(2, 10)), 15)
        stored_state = {"rejected": "decided"}.get(state, state)
        year = (received or created_day).year
        numbers[year] += 1
        self.rows[Application].append(
            {
                "id": application_id,
                "reference": f"APP-{year}-{numbers[year]:04d}",
                "provider_id": provider_id,
                "framework_id": self.framework.id,
                "question_set_id": self.question_set.id,
                "state": ApplicationState[stored_state],
                "previous_application_id": previous,
                "created_by_id": user_id,
                "submitted_at": submitted_at,
                "submitted_by_id": None if is_draft else user_id,
                "received_on": received,
                "due_on": decision_due_on(received, self.framework.decision_working_days)
                if received
                else None,
                "decided_at": decided_at,
                "withdrawn_at": _at(received + timedelta(days=3)) if state == "withdrawn" else None,
                "withdrawal_reason": "We are not taking new placements this year."
                if state == "withdrawn"
                else "",
                "created_at": _at(created_day),
                "updated_at": decided_at or submitted_at or _at(created_day),
            }
        )
        # Categories and homes.
        chosen = self.random.sample(self.categories, self.pick([(1, 40), (2, 45), (3, 15)]))
        chosen.sort(key=lambda c: c.position)
        for category in chosen:
            if state == "decided":
                decision = self.pick(
                    [(CategoryDecision.admitted, 88), (CategoryDecision.rejected, 12)]
                )
            elif state == "rejected":
                decision = CategoryDecision.rejected
            else:
                decision = CategoryDecision.pending
            self.rows[ApplicationCategory].append(
                {
                    "id": (chosen_id := self.ids.take(ApplicationCategory)),
                    "application_id": application_id,
                    "category_id": category.id,
                    "decision": decision,
                    "reasons": ""
                    if decision is not CategoryDecision.rejected
                    else "The training evidence does not show the specialist training needed.",
                    "decided_by_id": officer if decided_at else None,
                    "decided_at": decided_at if decision is not CategoryDecision.pending else None,
                }
            )
            rate = Decimal(self.random.randrange(1500, 2600))
            for home in homes:
                self.rows[ApplicationHome].append(
                    {
                        "id": self.ids.take(ApplicationHome),
                        "application_category_id": chosen_id,
                        "care_home_id": home["id"],
                        "proposed_weekly_rate": rate,
                    }
                )
            if decision is CategoryDecision.admitted:
                self._admit(provider_id, category.id, application_id, decided_at, officer, homes)
                for home in homes:
                    self.rows[RateCardEntry].append(
                        {
                            "id": self.ids.take(RateCardEntry),
                            "care_home_id": home["id"],
                            "category_id": category.id,
                            "setting_id": home["setting_id"],
                            "weekly_rate": rate,
                            "effective_from": decided_at.date(),
                            "reason": "Agreed at admission",
                            "source": "admission",
                            "created_by_id": officer,
                            "created_at": decided_at,
                        }
                    )
        # Answers: the demo's, for these homes and categories; drafts have some sections.
        answered = None
        if is_draft:
            keys = list(dict.fromkeys(a.section_key for a in self.template_answers))
            answered = set(keys[: self.random.randrange(1, len(keys))])
        category_template = {}
        for answer in self.template_answers:
            if answer.scope.startswith("category:"):
                category_template.setdefault(answer.scope, []).append(answer)
        per_category = next(iter(category_template.values()), [])
        document_id = self.provider_document[provider_id]
        when = submitted_at or _at(created_day)

        def answer_row(answer, scope: str) -> dict:
            return {
                "id": self.ids.take(Answer),
                "application_id": application_id,
                "section_key": answer.section_key,
                "question_key": answer.question_key,
                "scope": scope,
                "value": answer.value,
                "document_id": document_id if answer.document_id else None,
                "question_text": answer.question_text,
                "updated_at": when,
            }

        seen_home_questions: set[str] = set()
        for answer in self.template_answers:
            if answered is not None and answer.section_key not in answered:
                continue
            if answer.scope == "org":
                self.rows[Answer].append(answer_row(answer, "org"))
            elif answer.scope.startswith("home:"):
                if answer.question_key in seen_home_questions:
                    continue
                seen_home_questions.add(answer.question_key)
                for home in homes:
                    self.rows[Answer].append(answer_row(answer, f"home:{home['id']}"))
        if answered is None or "workforce" in answered:
            for category in chosen:
                for answer in per_category:
                    self.rows[Answer].append(answer_row(answer, f"category:{category.id}"))
        # Officers' section reviews and clarifications.
        if not is_draft and state != "withdrawn":
            sections = list(dict.fromkeys(a.section_key for a in self.template_answers))
            reviewed = sections
            if state == "submitted":
                reviewed = sections[: self.random.randrange(0, len(sections) + 1)]
            for position, key in enumerate(reviewed):
                failed = state == "clarification_requested" and position == 0
                self.rows[SectionReview].append(
                    {
                        "id": self.ids.take(SectionReview),
                        "application_id": application_id,
                        "section_key": key,
                        "outcome": ReviewOutcome.failed if failed else ReviewOutcome.passed,
                        "comment": "The policy is out of date." if failed else "",
                        "reviewed_by_id": officer,
                        "reviewed_at": submitted_at + timedelta(days=1),
                    }
                )
            if state == "clarification_requested" or (
                state == "decided" and self.random.random() < 0.1
            ):
                answered_at = (
                    None if state == "clarification_requested" else submitted_at + timedelta(3)
                )
                self.rows[ClarificationRequest].append(
                    {
                        "id": self.ids.take(ClarificationRequest),
                        "application_id": application_id,
                        "section_keys": [sections[0]],
                        "message": "Please send your current safeguarding policy.",
                        "requested_by_id": officer,
                        "requested_at": submitted_at + timedelta(days=2),
                        "response": "" if answered_at is None else "Attached: the 2025 policy.",
                        "responded_by_id": None if answered_at is None else user_id,
                        "responded_at": answered_at,
                    }
                )
        return application_id

    def _admit(self, provider_id, category_id, application_id, decided_at, officer, homes) -> None:
        admissions = self.admitted.setdefault(provider_id, {})
        if category_id in admissions:
            return
        admission_id = self.ids.take(Admission)
        admissions[category_id] = (admission_id, decided_at, [h["id"] for h in homes])
        self.rows[Admission].append(
            {
                "id": admission_id,
                "provider_id": provider_id,
                "category_id": category_id,
                "application_id": application_id,
                "admitted_at": decided_at,
                "admitted_by_id": officer,
            }
        )
        for home in homes:
            self.rows[AdmittedHome].append(
                {
                    "id": self.ids.take(AdmittedHome),
                    "admission_id": admission_id,
                    "care_home_id": home["id"],
                }
            )

    # The contract gate.

    def make_contract_rows(self) -> None:
        acceptances, evidence, suspensions, declarations = [], [], [], []
        self.admitted_homes: dict[int, tuple[int, date, list[int]]] = {}
        for provider_id, admissions in self.admitted.items():
            first = min(admitted_at for _, admitted_at, _ in admissions.values())
            categories = [c for c in self.categories if c.id in admissions]
            for _, _, home_ids in admissions.values():
                for home_id in home_ids:
                    self.admitted_homes.setdefault(home_id, (provider_id, first.date(), categories))
            if provider_id == getattr(self.peakland, "id", None):
                continue
            if self.random.random() < 0.88:
                accepted_at = first + timedelta(days=self.random.randrange(1, 20))
                acceptances.append(
                    {
                        "id": self.ids.take(TermsAcceptance),
                        "terms_version_id": self.terms.id,
                        "provider_id": provider_id,
                        "accepted_by_id": self.provider_user[provider_id],
                        "signatory_name": self.random.choice(PEOPLE),
                        "signatory_role": "Director",
                        "accepted_at": accepted_at,
                        "ip_address": "192.0.2.30",
                    }
                )
        for provider_id in self.provider_ids:
            for kind, label, amount in self.evidence_kinds:
                expires_on = self.today + timedelta(
                    days=self.pick(
                        [
                            (self.random.randrange(31, 400), 85),
                            (self.random.randrange(0, 31), 8),
                            (-self.random.randrange(1, 90), 7),
                        ]
                    )
                )
                if self.random.random() < 0.3:
                    evidence.append(
                        self._evidence(provider_id, kind, label, amount, expires_on, replaced=True)
                    )
                evidence.append(self._evidence(provider_id, kind, label, amount, expires_on))
        homes = list(self.admitted_homes)
        for _ in range(_scaled("suspensions", self.scale)):
            home_id = self.random.choice(homes)
            provider_id = self.admitted_homes[home_id][0]
            state = self.pick(
                [
                    (SuspensionState.active, 30),
                    (SuspensionState.lifted, 40),
                    (SuspensionState.recommended, 12),
                    (SuspensionState.declined, 18),
                ]
            )
            recommended = _at(self.day_between(self.today - timedelta(600), self.today))
            officer = self.random.choice(self.officers)
            started = (
                recommended + timedelta(days=1)
                if state in (SuspensionState.active, SuspensionState.lifted)
                else None
            )
            suspensions.append(
                {
                    "id": self.ids.take(Suspension),
                    "provider_id": provider_id,
                    "care_home_id": None if self.random.random() < 0.1 else home_id,
                    "state": state,
                    "reason": "Safeguarding concern under investigation",
                    "recommended_by_id": self.random.choice(self.monitors),
                    "recommended_at": recommended,
                    "started_at": started,
                    "started_by_id": officer if started else None,
                    "declined_at": recommended + timedelta(days=2)
                    if state is SuspensionState.declined
                    else None,
                    "declined_by_id": officer if state is SuspensionState.declined else None,
                    "decline_reason": "The provider has dealt with the concern."
                    if state is SuspensionState.declined
                    else "",
                    "lifted_at": started + timedelta(days=30)
                    if state is SuspensionState.lifted
                    else None,
                    "lifted_by_id": officer if state is SuspensionState.lifted else None,
                    "lift_reason": "Investigation closed."
                    if state is SuspensionState.lifted
                    else "",
                    "created_at": recommended,
                    "updated_at": recommended,
                }
            )
        admitted_providers = [p for p in self.admitted if p in self.provider_user]
        for _ in range(_scaled("declarations", self.scale)):
            provider_id = self.random.choice(admitted_providers)
            requested = self.day_between(self.today - timedelta(400), self.today - timedelta(1))
            due = add_working_days(requested, 10)
            confirmed = self.random.random() < 0.7 and due < self.today
            declarations.append(
                {
                    "id": self.ids.take(DeclarationRequest),
                    "provider_id": provider_id,
                    "message": "Please confirm your self-declaration for this year.",
                    "requested_by_id": self.random.choice(self.officers),
                    "requested_at": _at(requested),
                    "due_on": due,
                    "confirmed_at": _at(add_working_days(requested, 3)) if confirmed else None,
                    "confirmed_by_id": self.provider_user[provider_id] if confirmed else None,
                    "answers": {"mandatory_exclusion": "no", "discretionary_exclusion": "no"}
                    if confirmed
                    else None,
                }
            )
        self.insert(TermsAcceptance, acceptances)
        self.insert(EvidenceItem, evidence)
        self.insert(Suspension, suspensions)
        self.insert(DeclarationRequest, declarations)

    def _evidence(self, provider_id, kind, label, amount, expires_on, replaced=False) -> dict:
        created = self.now - timedelta(days=400 if replaced else 30)
        return {
            "id": self.ids.take(EvidenceItem),
            "provider_id": provider_id,
            "care_home_id": None,
            "kind": kind,
            "label": label,
            "amount": amount,
            "expires_on": expires_on - timedelta(days=365) if replaced else expires_on,
            "document_id": self.provider_document[provider_id],
            "replaced_at": created + timedelta(days=370) if replaced else None,
            "created_at": created,
            "updated_at": created,
        }

    # Quality monitoring.

    def make_visits(self) -> None:
        target = _scaled("visits", self.scale)
        visits, sections, actions, responses, addenda = [], [], [], [], []
        planned_sections = {}
        # Each admitted home: an initial visit a month after admission, then routine ones
        # every five to seven months; most homes have the next one booked. One in twelve
        # is still waiting for its first visit.
        plans: list[tuple[int, date, object, bool]] = []
        for home_id, (_provider_id, admitted_on, _categories) in self.admitted_homes.items():
            if self.random.random() < 0.08:
                continue
            day = admitted_on + timedelta(days=self.random.randrange(14, 60))
            visit_type = VisitType.initial
            while day < self.today - timedelta(days=3):
                plans.append((home_id, day, visit_type, True))
                visit_type = VisitType.routine
                day = add_months(day, self.random.choice((5, 6, 6, 7)))
            if self.random.random() < 0.6:
                plans.append(
                    (home_id, self.today + timedelta(self.random.randrange(60)), visit_type, False)
                )
        homes = list(self.admitted_homes)
        while len(plans) < target:
            home_id = self.random.choice(homes)
            day = self.day_between(self.admitted_homes[home_id][1], self.today - timedelta(4))
            plans.append(
                (
                    home_id,
                    day,
                    self.pick([(VisitType.responsive, 2), (VisitType.follow_up, 1)]),
                    True,
                )
            )
        if len(plans) > target:
            plans = self.random.sample(plans, target)
        last_finalised: dict[int, int] = {}
        for home_id, day, visit_type, past in sorted(plans, key=lambda p: p[1]):
            provider_id, _, categories = self.admitted_homes[home_id]
            visit_id = self.ids.take(Visit)
            monitor = (
                self.demo_monitor
                if self.random.random() < 0.3
                else self.random.choice(self.monitors)
            )
            if past:
                state = self.pick([(VisitState.finalised, 95), (VisitState.cancelled, 5)])
            else:
                state = self.pick([(VisitState.scheduled, 95), (VisitState.in_progress, 5)])
                if state is VisitState.in_progress:
                    day = self.today - timedelta(days=1)
            outcome = None
            if state is VisitState.finalised:
                outcome = self.pick(
                    [
                        (VisitOutcome.satisfactory, 70),
                        (VisitOutcome.satisfactory_with_actions, 25),
                        (VisitOutcome.unsatisfactory, 5),
                    ]
                )
            finalised_at = _at(day, 16) if outcome else None
            is_announced = visit_type is VisitType.initial or self.random.random() > 0.15
            visits.append(
                {
                    "id": visit_id,
                    "care_home_id": home_id,
                    "provider_id": provider_id,
                    "visit_type": visit_type,
                    "state": state,
                    "is_announced": is_announced,
                    "planned_on": day,
                    # An announced visit starts between 9:00am and 2:30pm, UK time.
                    "planned_time": time(9 + visit_id % 6, 30 * (visit_id % 2))
                    if is_announced
                    else None,
                    "monitor_id": monitor,
                    "scheduled_by_id": monitor,
                    "template_id": self.visit_template.id,
                    "follow_up_of_id": last_finalised.get(home_id)
                    if visit_type is VisitType.follow_up
                    else None,
                    "visited_on": day if outcome else None,
                    "outcome": outcome,
                    "summary": "A settled home; people spoke well of the staff." if outcome else "",
                    "finalised_at": finalised_at,
                    "finalised_by_id": monitor if outcome else None,
                    "cancelled_at": _at(day - timedelta(2))
                    if state is VisitState.cancelled
                    else None,
                    "cancelled_by_id": monitor if state is VisitState.cancelled else None,
                    "cancellation_reason": "The home had an outbreak of flu."
                    if state is VisitState.cancelled
                    else "",
                    "created_at": _at(day - timedelta(days=14)),
                    "updated_at": finalised_at or _at(day - timedelta(days=14)),
                }
            )
            if outcome:
                last_finalised[home_id] = visit_id
            key = tuple(c.id for c in categories)
            if key not in planned_sections:
                planned_sections[key] = sections_for(self.visit_template, categories)
            recorded = state in (VisitState.finalised, VisitState.in_progress)
            for position, planned in enumerate(planned_sections[key]):
                rating = None
                if recorded:
                    rating = (
                        SectionRating.requires_improvement
                        if self.random.random() < 0.1
                        else SectionRating.good
                    )
                sections.append(
                    {
                        "id": self.ids.take(VisitSection),
                        "visit_id": visit_id,
                        "key": planned.key,
                        "title": planned.title,
                        "position": position,
                        "checks": planned.checks,
                        "category_id": planned.category_id,
                        "rating": rating,
                        "findings": "Evidence seen on the day met the expected standard."
                        if rating
                        else "",
                        "updated_at": _at(day, 15) if rating else None,
                        "updated_by_id": monitor if rating else None,
                    }
                )
            if outcome in (VisitOutcome.satisfactory_with_actions, VisitOutcome.unsatisfactory):
                for _ in range(self.random.randrange(1, 4)):
                    due_on = add_working_days(day, self.random.choice((10, 20, 30, 60)))
                    age = (self.today - due_on).days
                    if age > 60:
                        action_state = self.pick([(ActionState.closed, 95), (ActionState.open, 5)])
                    else:
                        action_state = self.pick(
                            [
                                (ActionState.open, 45),
                                (ActionState.awaiting_verification, 30),
                                (ActionState.closed, 25),
                            ]
                        )
                    action_id = self.ids.take(VisitAction)
                    closed_at = (
                        _at(min(due_on, self.today)) if action_state is ActionState.closed else None
                    )
                    actions.append(
                        {
                            "id": action_id,
                            "visit_id": visit_id,
                            "provider_id": provider_id,
                            "description": "Review every care plan older than three months",
                            "priority": self.random.choice(list(ActionPriority)),
                            "due_on": due_on,
                            "state": action_state,
                            "verification_note": "Seen and verified." if closed_at else "",
                            "closed_at": closed_at,
                            "closed_by_id": monitor if closed_at else None,
                            "created_at": finalised_at,
                            "updated_at": closed_at or finalised_at,
                        }
                    )
                    if action_state is not ActionState.open:
                        responses.append(
                            {
                                "id": self.ids.take(ActionResponse),
                                "action_id": action_id,
                                "text": "Every care plan has been reviewed; the log is attached.",
                                "document_id": self.provider_document.get(provider_id),
                                "responded_by_id": self.provider_user[provider_id],
                                "responded_at": finalised_at + timedelta(days=5),
                            }
                        )
            if outcome and self.random.random() < 0.02:
                addenda.append(
                    {
                        "id": self.ids.take(VisitAddendum),
                        "visit_id": visit_id,
                        "text": "The manager sent the missing training records the next day.",
                        "added_by_id": monitor,
                        "added_at": finalised_at + timedelta(days=1),
                    }
                )
        self.insert(Visit, visits)
        self.insert(VisitSection, sections)
        self.insert(VisitAction, actions)
        self.insert(ActionResponse, responses)
        self.insert(VisitAddendum, addenda)

    def make_returns(self) -> None:
        target = _scaled("returns", self.scale)
        last = last_ended_quarter(self.today)
        candidates = []
        for home_id, (provider_id, admitted_on, _) in self.admitted_homes.items():
            quarter = quarter_containing(admitted_on)
            while quarter.start <= last.start:
                candidates.append((home_id, provider_id, quarter))
                quarter = quarter_containing(quarter.end + timedelta(days=1))
        # The newest quarters first, so every home has its recent returns.
        candidates.sort(key=lambda c: c[2].start, reverse=True)
        rows = []
        previous = quarter_containing(last.start - timedelta(days=1))
        for home_id, provider_id, quarter in candidates[:target]:
            if quarter == last:
                weights = [
                    (ReturnState.due, 40),
                    (ReturnState.submitted, 50),
                    (ReturnState.reviewed, 10),
                ]
            elif quarter == previous:
                weights = [
                    (ReturnState.due, 10),
                    (ReturnState.submitted, 45),
                    (ReturnState.reviewed, 45),
                ]
            else:
                weights = [(ReturnState.submitted, 5), (ReturnState.reviewed, 95)]
            state = self.pick(weights)
            submitted_at = (
                None
                if state is ReturnState.due
                else _at(quarter.due_on - timedelta(days=self.random.randrange(1, 25)))
            )
            reviewed_at = (
                submitted_at + timedelta(days=self.random.randrange(1, 20))
                if state is ReturnState.reviewed
                else None
            )
            created = _at(quarter.end + timedelta(days=1), 7)
            rows.append(
                {
                    "id": self.ids.take(QualityReturn),
                    "provider_id": provider_id,
                    "care_home_id": home_id,
                    "form_id": self.return_form.id,
                    "period_start": quarter.start,
                    "period_end": quarter.end,
                    "due_on": quarter.due_on,
                    "state": state,
                    "answers": self.return_answers if submitted_at else {},
                    "submitted_at": submitted_at,
                    "submitted_by_id": self.provider_user[provider_id] if submitted_at else None,
                    "reviewed_at": reviewed_at,
                    "reviewed_by_id": self.random.choice(self.monitors) if reviewed_at else None,
                    "review_note": "Thank you: no concerns." if reviewed_at else "",
                    "created_at": created,
                    "updated_at": reviewed_at or submitted_at or created,
                }
            )
        self.insert(QualityReturn, rows)

    # The platform: CQC imports, jobs, sign-in failures, emails, notifications, audit.

    def make_platform_rows(self) -> None:
        imports, changes, runs, failures = [], [], [], []
        officer = self.demo_officers[0]
        for n in range(_scaled("cqc_imports", self.scale)):
            created = self.now - timedelta(days=7 * (n + 1))
            failed = n % 13 == 5
            imports.append(
                {
                    "id": self.ids.take(CqcImport),
                    "state": CqcImportState.failed if failed else CqcImportState.finished,
                    "original_filename": f"ratings-{created:%Y-%m-%d}.csv",
                    "file_format": "csv",
                    "stored_name": secrets.token_hex(20),
                    "size_bytes": 48_000_000,
                    "sha256": secrets.token_hex(32),
                    "layout": "ratings",
                    "rows_read": 0 if failed else 296_000,
                    "bytes_read": 48_000_000,
                    "homes_matched": 0 if failed else 2_950,
                    "ratings_changed": 0 if failed else self.random.randrange(5, 80),
                    "homes_flagged": 0 if failed else self.random.randrange(0, 4),
                    "summary": None if failed else {"rows": 296_000},
                    "error": "The file is not in the CQC ratings layout." if failed else "",
                    "uploaded_by_id": officer,
                    "created_at": created,
                    "started_at": created + timedelta(seconds=5),
                    "progress_at": created + timedelta(seconds=60),
                    "finished_at": created + timedelta(seconds=90),
                }
            )
        home_ids = [h["id"] for homes in self.homes.values() for h in homes]
        ratings = list(CqcRating)
        for _ in range(_scaled("cqc_rating_changes", self.scale)):
            changes.append(
                {
                    "id": self.ids.take(CqcRatingChange),
                    "care_home_id": self.random.choice(home_ids),
                    "previous_rating": self.random.choice(ratings),
                    "new_rating": self.random.choice(ratings),
                    "published_on": self.day_between(self.today - timedelta(700), self.today),
                    "imported_at": self.now - timedelta(days=self.random.randrange(700)),
                    "source_file": "ratings.csv",
                }
            )
        for job in all_jobs():
            for days_ago in range(1, 366):
                started = self.now - timedelta(days=days_ago, minutes=self.random.randrange(60))
                failed = self.random.random() < 0.01
                runs.append(
                    {
                        "id": self.ids.take(JobRun),
                        "job_id": job.id,
                        "started_at": started,
                        "finished_at": started + timedelta(seconds=2),
                        "outcome": JobOutcome.failed if failed else JobOutcome.succeeded,
                        "counts": None if failed else {"sent": self.random.randrange(20)},
                        "error": "OperationalError: the database was restarting" if failed else "",
                    }
                )
        emails = list(self.all_emails.values())
        for _ in range(_scaled("login_failures", self.scale)):
            failures.append(
                {
                    "id": self.ids.take(LoginFailure),
                    "user_id": None,
                    "email": self.random.choice(emails),
                    "ip_address": f"198.51.100.{self.random.randrange(1, 255)}",
                    "failed_at": self.now - timedelta(minutes=self.random.randrange(60 * 24 * 90)),
                }
            )
        self.insert(CqcImport, imports)
        self.insert(CqcRatingChange, changes)
        self.insert(JobRun, runs)
        self.insert(LoginFailure, failures)

    def _spread(self, count: int, days: int = 900) -> list[datetime]:
        """`count` times over the last `days` days, oldest first."""
        span = days * 86_400
        return sorted(
            self.now - timedelta(seconds=self.random.randrange(span)) for _ in range(count)
        )

    def make_emails_and_notifications(self) -> None:
        users = list(self.all_emails.items())
        demo_users = [(uid, self.all_emails[uid]) for uid in self.demo_user_ids]
        subjects = [
            "Your quarterly quality return is due",
            "An action from your quality visit is due soon",
            "New application {ref} from a provider",
            "Decision on your application {ref}",
            "Your insurance certificate expires soon",
            "Visit planned at your home",
        ]
        email_count = _scaled("emails", self.scale)

        email_ids = self.ids.reserve(OutboxEmail, email_count)

        def emails():
            for n, created in enumerate(self._spread(email_count)):
                _, address = self.random.choice(users)
                state = self.pick(
                    [(OutboxState.sent, 95), (OutboxState.failed, 1), (OutboxState.queued, 4)]
                )
                subject = self.random.choice(subjects).format(ref=f"APP-{created.year}-{n:04d}")
                yield (
                    email_ids[n],
                    address,
                    subject,
                    f"{subject}.\n\nSign in to the portal to see the details.\n",
                    None,
                    None,
                    state.name,
                    1 if state is OutboxState.sent else (8 if state is OutboxState.failed else 0),
                    created,
                    "SMTP 451: try again later" if state is OutboxState.failed else "",
                    created,
                    created + timedelta(seconds=30) if state is OutboxState.sent else None,
                    None,
                )

        self.copy(
            OutboxEmail,
            emails(),
            [
                "id",
                "to_address",
                "subject",
                "body_text",
                "body_html",
                "attachment_id",
                "state",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
                "sent_at",
                "dedupe_key",
            ],
        )
        notification_count = _scaled("notifications", self.scale)
        notification_ids = self.ids.reserve(Notification, notification_count)

        def notifications():
            for n, created in enumerate(self._spread(notification_count, days=365)):
                # One in five goes to a demo account, so their lists are long too.
                user_id, _ = self.random.choice(demo_users if n % 5 == 0 else users)
                title = self.random.choice(subjects).format(ref=f"APP-{created.year}-{n:04d}")
                yield (
                    notification_ids[n],
                    user_id,
                    title,
                    "Sign in to see the details.",
                    "/",
                    created,
                    created + timedelta(hours=3) if self.random.random() < 0.8 else None,
                )

        self.copy(
            Notification,
            notifications(),
            ["id", "user_id", "title", "body", "link", "created_at", "read_at"],
        )

    def make_audit_events(self) -> None:
        """Events with the chain's own hash, continuing from the demo's last event."""
        head = db.session.get(AuditChainHead, CHAIN_ID)
        sequence, prev_hash = head.sequence, head.last_hash
        count = _scaled("audit_events", self.scale)
        mix = [(action, subject) for action, subject, weight in AUDIT_MIX for _ in range(weight)]
        users = list(self.all_emails.items())
        subject_ids = {
            model.__table__.name: self.ids.largest(model)
            for model in (
                Application,
                Visit,
                QualityReturn,
                VisitAction,
                OutboxEmail,
                StoredDocument,
                CareHome,
                ProviderOrganisation,
                EvidenceItem,
                User,
            )
        }
        event_ids = self.ids.reserve(AuditEvent, count)
        last = {"sequence": sequence, "hash": prev_hash}

        def events():
            nonlocal sequence, prev_hash
            for n, occurred_at in enumerate(self._spread(count)):
                sequence += 1
                action, subject_type = self.random.choice(mix)
                actor_id, actor_label = self.random.choice(users)
                after = {"state": "saved", "by": actor_label}
                event = SimpleNamespace(
                    sequence=sequence,
                    occurred_at=occurred_at,
                    actor_id=actor_id,
                    actor_label=actor_label,
                    action=str(action),
                    subject_type=subject_type,
                    subject_id=str(self.random.randrange(1, subject_ids[subject_type] + 1)),
                    before=None,
                    after=after,
                    ip_address="192.0.2.40",
                    prev_hash=prev_hash,
                )
                event.hash = event_hash(event)
                prev_hash = event.hash
                yield (
                    event_ids[n],
                    event.sequence,
                    event.occurred_at,
                    event.actor_id,
                    event.actor_label,
                    event.action,
                    event.subject_type,
                    event.subject_id,
                    None,
                    Json(after),
                    event.ip_address,
                    event.prev_hash,
                    event.hash,
                )
            last.update(sequence=sequence, hash=prev_hash)

        self.copy(
            AuditEvent,
            events(),
            [
                "id",
                "sequence",
                "occurred_at",
                "actor_id",
                "actor_label",
                "action",
                "subject_type",
                "subject_id",
                "before",
                "after",
                "ip_address",
                "prev_hash",
                "hash",
            ],
        )
        db.session.execute(
            update(AuditChainHead)
            .where(AuditChainHead.id == CHAIN_ID)
            .values(sequence=last["sequence"], last_hash=last["hash"])
        )

    def move_sequences(self) -> None:
        """Explicit ids leave each table's sequence behind: move it past the largest id."""
        for model in self.ids.next:
            table = model.__table__.name
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608  # the models' own table names
                    f'(SELECT max(id) FROM "{table}"))'
                )
            )


def seed_county(scale: float = 1.0, log: Callable[[str], None] = print) -> dict[str, int]:
    """Add the county's data on top of the demo (PostgreSQL); return rows added per table.
    The caller commits."""
    if db.engine.dialect.name != "postgresql":
        raise RuntimeError("the county dataset is for PostgreSQL (it uses COPY and sequences)")
    return County(scale, log).build()


def analyse() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give them later."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
