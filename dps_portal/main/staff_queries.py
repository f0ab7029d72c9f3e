"""The work queues of the contracts officers' and administrators' home pages: every count in
one aggregate statement, each asking the same SQL rule as the list it links to, so a line's
number is the number of rows its link shows."""

import functools
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import Select, bindparam, func, or_, select, true

from dps_portal.accounts.models import User
from dps_portal.accounts.queries import is_locked_out_at
from dps_portal.audit.models import AuditChainHead
from dps_portal.awards.models import DirectAward, DirectAwardOffer, DirectAwardState
from dps_portal.awards.queries import award_filter, is_waiting_at
from dps_portal.contracts.eligibility import (
    Barrier,
    barrier_conditions,
    passed_gate_visit_home_ids,
)
from dps_portal.contracts.models import Suspension, SuspensionState
from dps_portal.core.clock import format_date, format_datetime
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.main.provider_queries import WorkLine, most_urgent_first
from dps_portal.notifications.models import OutboxEmail, OutboxState
from dps_portal.onboarding.models import Admission, AdmittedHome, Application
from dps_portal.onboarding.review.queries import queue_filter
from dps_portal.onboarding.rules import DUE_SOON_WORKING_DAYS
from dps_portal.placements.models import Placement
from dps_portal.placements.rules import review_due_by
from dps_portal.providers.models import CareHome
from dps_portal.scheduler.models import JobRun
from dps_portal.scheduler.queries import failing_runs
from dps_portal.scheduler.registry import all_jobs
from dps_portal.tenders.models import Tender
from dps_portal.tenders.queries import OFFICER_STATE_FILTERS
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.rules import fresh_since, stale_after


@dataclass(frozen=True)
class OfficerWork:
    """The officer's work queue, most urgent first, and the lines with nothing waiting
    (named once in a sentence, not listed as zeros)."""

    lines: list[WorkLine]
    nothing_waiting: list[str]


def _counts(now: datetime, today: date):
    """Every count of the officers' home page in one statement: one aggregate subquery a
    table (a single row each, joined side by side) and scalar subqueries for the rest."""
    return db.session.execute(
        _counts_statement(today), {"now": now, "stale_before": fresh_since(now)}
    ).one()


@functools.lru_cache(maxsize=4)
def _counts_statement(today: date) -> Select:
    """The statement of `_counts`, built once a day (building it, and working out its cache
    key, cost more than PostgreSQL's part): the instants are parameters, `now` and
    `stale_before` (vacancies confirmed before it are stale); the rest follows from `today`."""
    now = bindparam("now")
    awaiting = queue_filter("awaiting", today)
    overdue, due_soon, due_later, answered = (
        queue_filter(view, today) for view in ("overdue", "due_soon", "due_later", "answered")
    )
    due = Application.decision_due_on
    applications = (
        select(
            func.count().filter(overdue).label("overdue"),
            func.min(due).filter(overdue).label("overdue_since"),
            func.count().filter(due_soon).label("due_soon"),
            func.min(due).filter(due_soon).label("due_soon_first"),
            func.count().filter(due_later).label("due_later"),
            func.min(due).filter(due_later).label("due_later_first"),
            func.count().filter(answered).label("answered"),
        )
        .select_from(Application)
        .where(awaiting)
        .subquery()
    )
    is_open = Tender.is_open_at(now)
    in_state = {key: Tender.state.in_(states) for key, states in OFFICER_STATE_FILTERS.items()}
    tenders = (
        select(
            func.count().filter(is_open).label("open"),
            func.min(Tender.closes_at).filter(is_open).label("next_deadline"),
            func.count().filter(Tender.is_closed_at(now)).label("to_open"),
            func.min(Tender.closes_at).filter(Tender.is_closed_at(now)).label("first_closed"),
            func.count().filter(in_state["evaluating"]).label("evaluating"),
            func.count().filter(in_state["moderated"]).label("moderated"),
            func.count().filter(in_state["approval"]).label("approval"),
            func.count().filter(in_state["standstill"]).label("standstill"),
            func.min(Tender.standstill_ends_on)
            .filter(in_state["standstill"])
            .label("standstill_ends"),
        )
        .where(or_(is_open, Tender.is_closed_at(now), *in_state.values()))
        .subquery()
    )
    waiting, to_offer = award_filter("waiting", now), award_filter("to_offer", now)
    awards = (
        select(
            func.count().filter(waiting).label("offers_waiting"),
            func.count().filter(to_offer).label("to_offer"),
            func.min(DirectAward.start_on).filter(to_offer).label("to_offer_first_start"),
        )
        .where(DirectAward.state == DirectAwardState.open)
        .subquery()
    )
    first_window_ends = (
        select(func.min(DirectAwardOffer.respond_by))
        .join(DirectAward, DirectAward.id == DirectAwardOffer.direct_award_id)
        .where(DirectAward.state == DirectAwardState.open, is_waiting_at(now))
        .scalar_subquery()
    )
    reviews = (
        select(
            func.count().label("reviews_due"),
            func.min(Placement.next_review_on).label("first_review_due"),
        )
        .where(Placement.is_review_due_by(review_due_by(today)))
        .subquery()
    )
    return (
        select(
            applications,
            tenders,
            awards,
            first_window_ends.label("first_window_ends"),
            reviews,
            select(func.count(Suspension.id))
            .where(Suspension.state == SuspensionState.recommended)
            .scalar_subquery()
            .label("recommendations"),
            select(func.count(CareHome.id))
            .where(CareHome.cqc_review_required_since.is_not(None))
            .scalar_subquery()
            .label("cqc_reviews"),
            no_longer_eligible(today).label("no_longer_eligible"),
            select(func.count(Vacancy.id))
            .where(Vacancy.beds_free > 0, ~Vacancy.is_fresh_since(bindparam("stale_before")))
            .scalar_subquery()
            .label("stale_vacancies"),
        )
        .select_from(applications)
        .join(tenders, true())
        .join(awards, true())
        .join(reviews, true())
    )


def no_longer_eligible(today: date):
    """SQL: the admitted homes past their initial quality visit that the contract gate holds
    back now (suspended, evidence expired, CQC, terms, declaration): eligible once, or as
    good as, so something has changed. The eligibility page's "not eligible" and "passed
    their initial visit" filters show the same homes.

    Counted over each passed home's own admitted pairs (a semi-join, no DISTINCT), asking
    only the barriers that can hold there: on an admitted pair of a home past its visit,
    "not admitted" and "no initial visit" never do, and asking them would hash the county's
    pairs and visits once more."""
    conditions = barrier_conditions(today)
    held_back = [
        condition
        for barrier, condition in conditions.items()
        if barrier not in (Barrier.not_admitted, Barrier.no_initial_visit)
    ]
    barred_pair = (
        select(AdmittedHome.id)
        .join(Admission, Admission.id == AdmittedHome.admission_id)
        .join(Category, Category.id == Admission.category_id)
        .where(
            AdmittedHome.care_home_id == CareHome.id,
            # For the home's own provider, as admitted_pairs() asks.
            Admission.provider_id == CareHome.provider_id,
            or_(*held_back),
        )
    )
    return (
        select(func.count())
        .select_from(CareHome)
        .where(CareHome.id.in_(passed_gate_visit_home_ids()), barred_pair.exists())
        .scalar_subquery()
    )


def officer_work(now: datetime, today: date) -> OfficerWork:
    """The officer's work, most urgent first (as every role's home page orders it): each line
    with its count, the nearest date in UK time, and the list that shows exactly its rows."""
    counts = _counts(now, today)
    reviews_by = format_date(review_due_by(today))
    stale_days = stale_after().days
    standstill_ended = counts.standstill_ends is not None and counts.standstill_ends < today
    if standstill_ended:
        standstill_hint = (
            f"The first standstill ended {_on(counts.standstill_ends)}: confirm its award."
        )
    else:
        standstill_hint = f"The first ends {_on(counts.standstill_ends)}: then confirm its award."
    candidates = [
        WorkLine(
            "awards-to-offer",
            "Direct awards with no offer waiting",
            url_for("awards.list_awards", show="to_offer"),
            counts.to_offer,
            f"Offer a home from each award's list. The first placement starts "
            f"{_on(counts.to_offer_first_start)}.",
            counts.to_offer_first_start,
        ),
        WorkLine(
            "applications-overdue",
            "Applications past their decision date",
            url_for("review.list_applications", show="overdue"),
            counts.overdue,
            f"The earliest was due {_on(counts.overdue_since)}.",
            counts.overdue_since,
            "overdue",
        ),
        WorkLine(
            "applications-due-soon",
            f"Applications to decide within {DUE_SOON_WORKING_DAYS} working days",
            url_for("review.list_applications", show="due_soon"),
            counts.due_soon,
            f"The first is due {_on(counts.due_soon_first)}.",
            counts.due_soon_first,
        ),
        WorkLine(
            "clarifications-answered",
            "Applications with a clarification answered",
            url_for("review.list_applications", show="answered"),
            counts.answered,
            "The provider answered after the application's last section review.",
        ),
        WorkLine(
            "awards-to-approve",
            "Mini-tender awards waiting for approval",
            url_for("tenders.list_tenders", show="approval"),
            counts.approval,
            "An officer other than the one who recommended the award approves it.",
        ),
        WorkLine(
            "bids-to-open",
            "Mini-tenders closed with bids to open",
            url_for("tenders.list_tenders", show="closed"),
            counts.to_open,
            f"The first closed {_on(counts.first_closed)}.",
            counts.first_closed,
        ),
        WorkLine(
            "evaluations",
            "Mini-tenders being evaluated",
            url_for("tenders.list_tenders", show="evaluating"),
            counts.evaluating,
            "Check each bid's compliance, then score and moderate the bids.",
        ),
        WorkLine(
            "moderations",
            "Mini-tenders moderated, to recommend an award",
            url_for("tenders.list_tenders", show="moderated"),
            counts.moderated,
            "Record the person's choice and recommend the award.",
        ),
        WorkLine(
            "standstills",
            "Mini-tenders in standstill",
            url_for("tenders.list_tenders", show="standstill"),
            counts.standstill,
            standstill_hint,
            counts.standstill_ends,
            "to_do" if standstill_ended else "coming",
        ),
        WorkLine(
            "suspension-recommendations",
            "Suspension recommendations to decide",
            url_for("contracts.list_suspensions"),
            counts.recommendations,
            "Quality monitors recommend them: confirm or decline each one.",
        ),
        WorkLine(
            "cqc-reviews",
            "CQC ratings to review",
            url_for("cqc.list_reviews"),
            counts.cqc_reviews,
            "Care homes the CQC rates Inadequate cannot receive placements until you review them.",
        ),
        WorkLine(
            "placement-reviews",
            f"Placement reviews due by {reviews_by}",
            url_for("placements.list_register", review_due="yes"),
            counts.reviews_due,
            f"The first is due {_on(counts.first_review_due)}.",
            counts.first_review_due,
            "overdue"
            if counts.first_review_due is not None and counts.first_review_due < today
            else "to_do",
        ),
        WorkLine(
            "no-longer-eligible",
            "Care homes no longer eligible for placements",
            url_for("contracts.list_eligibility", not_eligible_only="y", passed_visit_only="y"),
            counts.no_longer_eligible,
            "They passed their initial visit, but the contract gate now holds them back.",
            status="information",
        ),
        WorkLine(
            "stale-vacancies",
            "Stale vacancies",
            url_for("vacancies.show_board", stale="only"),
            counts.stale_vacancies,
            f"Not confirmed for {stale_days} day{'' if stale_days == 1 else 's'}: direct-award "
            "searches leave them out. Providers are reminded weekly.",
            status="information",
        ),
        WorkLine(
            "offers-waiting",
            "Direct-award offers waiting for a provider's answer",
            url_for("awards.list_awards", show="waiting"),
            counts.offers_waiting,
            f"The first window ends {_on(counts.first_window_ends)}.",
            counts.first_window_ends,
            "information",
        ),
        WorkLine(
            "tenders-open",
            "Mini-tenders open for bids",
            url_for("tenders.list_tenders", show="open"),
            counts.open,
            f"The next closes {_on(counts.next_deadline)}.",
            counts.next_deadline,
            "information",
        ),
        WorkLine(
            "applications-due-later",
            "Applications to decide later",
            url_for("review.list_applications", show="due_later"),
            counts.due_later,
            f"The next is due {_on(counts.due_later_first)}.",
            counts.due_later_first,
            "information",
        ),
    ]
    return OfficerWork(
        lines=most_urgent_first([line for line in candidates if line.count]),
        nothing_waiting=[line.label for line in candidates if not line.count],
    )


def _in_a_sentence(label: str) -> str:
    """ "applications past ...", "CQC ratings to review": a label after other words."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _on(value: date | datetime | None) -> str:
    """'on 3 March 2026', or 'on 3 March 2026 at 2:05pm (GMT)' for an instant (UK time)."""
    if value is None:
        return ""
    return f"on {format_datetime(value) if isinstance(value, datetime) else format_date(value)}"


# The administrators' home page.


@dataclass(frozen=True)
class AdminWork:
    users: int
    active_users: int
    audit_events: int
    emails_waiting: int
    emails_failed: int
    jobs_failing: int
    users_locked_out: int

    @property
    def lines(self) -> list[WorkLine]:
        """What needs an administrator, most urgent first; a line only where something waits,
        each linking to the list that shows exactly its rows."""
        candidates = [
            WorkLine(
                "emails-failed",
                "Emails that could not be sent",
                url_for("notifications.list_outbox", state=OutboxState.failed.name),
                self.emails_failed,
                "Every retry failed: check the address and the mail server.",
            ),
            WorkLine(
                "jobs-failing",
                "Scheduled jobs whose last run failed",
                url_for("scheduler.list_job_runs", show="failing"),
                self.jobs_failing,
                "Each one's error is on the jobs page. A job that runs again and succeeds "
                "leaves this list.",
            ),
            WorkLine(
                "users-locked-out",
                "Users locked out after too many failed sign-ins",
                url_for("admin.list_users", status="locked"),
                self.users_locked_out,
                "Each can sign in again when the lock ends, or after resetting their password.",
                status="information",
            ),
        ]
        return most_urgent_first([line for line in candidates if line.count])


def admin_work(now: datetime) -> AdminWork:
    """The administrators' counts in one statement. The audit trail's length is its chain
    head's sequence number (one row), not a count of every event."""
    job_ids = tuple(sorted(job.id for job in all_jobs()))
    row = db.session.execute(_admin_statement(job_ids), {"now": now}).one()
    return AdminWork(*row)


@functools.lru_cache(maxsize=4)
def _admin_statement(job_ids: tuple[str, ...]) -> Select:
    """The statement of `admin_work`, built once (`now` is a parameter): the users counted
    in one pass, the emails by state from their index alone (count(*), not count(id))."""
    failing = failing_runs(list(job_ids)).with_only_columns(func.count(JobRun.id))
    users = select(
        func.count().label("users"),
        func.count().filter(User.is_active).label("active_users"),
        func.count().filter(is_locked_out_at(bindparam("now"))).label("users_locked_out"),
    ).subquery()
    is_queued, is_failed = (
        OutboxEmail.state == state for state in (OutboxState.queued, OutboxState.failed)
    )
    emails = (
        select(
            func.count().filter(is_queued).label("waiting"),
            func.count().filter(is_failed).label("failed"),
        )
        .where(OutboxEmail.state.in_((OutboxState.queued, OutboxState.failed)))
        .subquery()
    )
    return select(
        users.c.users,
        users.c.active_users,
        select(func.coalesce(func.max(AuditChainHead.sequence), 0)).scalar_subquery(),
        emails.c.waiting,
        emails.c.failed,
        failing.order_by(None).scalar_subquery(),
        users.c.users_locked_out,
    ).select_from(users.join(emails, true()))
