"""The framework summary staff hand out: the framework, how many providers and homes are
registered, and every admitted home with its standing at the contract gate.

It is drawn once, by a job, when what it shows changes (`keep_summary`), and kept in the
document store with its SHA-256; the download serves the newest kept copy, and never draws one
(at a county's size that takes longer than a request may): until the job has kept a copy, the
person is told when it will be ready (`summary_status`). The SHA-256 of the summary's data
(everything it shows but the moment it was produced) is kept in the stored document's
description, so the job knows whether the data changed since."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from dps_portal.contracts.eligibility import Eligibility, eligibility_of
from dps_portal.core import clock
from dps_portal.documents.models import StoredDocument, safe_filename
from dps_portal.documents.pdf import store_pdf
from dps_portal.documents.storage import DocumentUnavailable, open_document
from dps_portal.extensions import db
from dps_portal.framework.models import Category, Framework
from dps_portal.onboarding.admissions import admitted_pairs
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.scheduler.models import JobOutcome, JobRun

TEMPLATE = "documents/framework_summary.html"
DOCUMENT_KIND = "framework_summary"
# The scheduled job that draws it (framework/tasks.py), how often it runs, and so within how
# many minutes a summary asked for is kept (a county's takes minutes to draw).
JOB_ID = "produce_framework_summary"
JOB_EVERY_MINUTES = 15
READY_WITHIN_MINUTES = JOB_EVERY_MINUTES + 5
# A run of the job older than this, never finished, is taken for one that died with its
# process, so that the summary can be asked for again.
RUN_GIVEN_UP_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class AdmittedHome:
    """An admitted home with the gate's answer in each category it is admitted to."""

    home: CareHome
    results: list[Eligibility]

    @property
    def is_eligible_somewhere(self) -> bool:
        return any(result.is_eligible for result in self.results)


@dataclass(frozen=True)
class FrameworkSummary:
    framework: Framework
    # Everyone on the portal, counted in SQL.
    provider_count: int
    home_count: int
    bed_count: int
    # The admitted homes only, by provider and name.
    admitted: list[AdmittedHome]

    @property
    def homes(self) -> list[CareHome]:
        return [row.home for row in self.admitted]

    @property
    def admitted_home_count(self) -> int:
        return len(self.admitted)

    @property
    def admitted_bed_count(self) -> int:
        return sum(row.home.registered_beds for row in self.admitted)

    @property
    def eligible_home_count(self) -> int:
        return sum(1 for row in self.admitted if row.is_eligible_somewhere)


def framework_summary(framework: Framework, today: date | None = None) -> FrameworkSummary:
    """The summary's data, in a fixed number of queries: aggregates for the registered
    providers, homes and beds, and the contract gate asked once for every admitted pair."""
    pairs = admitted_pairs().subquery()
    rows = db.session.execute(
        select(CareHome, Category)
        .join(pairs, pairs.c.care_home_id == CareHome.id)
        .join(Category, Category.id == pairs.c.category_id)
        .join(CareHome.provider)
        .where(Category.framework_id == framework.id)
        .options(
            contains_eager(CareHome.provider),
            selectinload(CareHome.district),
            selectinload(CareHome.setting),
        )
        .order_by(
            ProviderOrganisation.legal_name,
            ProviderOrganisation.id,
            CareHome.name,
            CareHome.id,
            Category.position,
            Category.id,
        )
    ).all()
    answers = eligibility_of([(home, category) for home, category in rows], today)
    by_home: dict[int, AdmittedHome] = {}
    for (home, _category), result in zip(rows, answers, strict=True):
        by_home.setdefault(home.id, AdmittedHome(home, [])).results.append(result)
    homes, beds = db.session.execute(
        select(func.count(CareHome.id), func.coalesce(func.sum(CareHome.registered_beds), 0))
    ).one()
    return FrameworkSummary(
        framework=framework,
        provider_count=db.session.scalar(select(func.count(ProviderOrganisation.id))),
        home_count=homes,
        bed_count=beds,
        admitted=list(by_home.values()),
    )


def summary_data(summary: FrameworkSummary) -> dict:
    """Everything the document shows, but the moment it was produced."""
    framework = summary.framework
    return {
        "framework": {
            "name": framework.name,
            "reference": framework.reference,
            "buyer_name": framework.buyer_name,
            "buyer_address": framework.buyer_address,
            "legal_basis": framework.legal_basis,
            "starts_on": framework.starts_on.isoformat(),
            "ends_on": framework.ends_on.isoformat(),
            "is_open_for_applications": framework.is_open_for_applications,
            "categories": [
                [c.code, c.name, c.description, c.specialist_training] for c in framework.categories
            ],
            "districts": [[d.name, d.is_out_of_county] for d in framework.districts],
            "settings": [s.name for s in framework.settings],
        },
        "counts": [summary.provider_count, summary.home_count, summary.bed_count],
        "admitted": [
            {
                "home": [
                    row.home.name,
                    row.home.provider.display_name,
                    row.home.district.name if row.home.district else None,
                    row.home.setting.name if row.home.setting else None,
                    row.home.cqc_rating.label if row.home.cqc_rating else None,
                    row.home.registered_beds,
                ],
                "results": [
                    [
                        result.category.code,
                        [reason.text for reason in result.reasons],
                        list(result.warnings),
                    ]
                    for result in row.results
                ],
            }
            for row in summary.admitted
        ],
    }


def data_hash(summary: FrameworkSummary) -> str:
    """The SHA-256 of the summary's data: equal when the document would say the same."""
    text = json.dumps(summary_data(summary), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _description_prefix(framework: Framework) -> str:
    return f"Framework {framework.id} summary, data SHA-256 "


def latest_summary(framework: Framework) -> StoredDocument | None:
    """The newest kept summary of the framework, if any."""
    return db.session.scalars(
        select(StoredDocument)
        .where(
            StoredDocument.kind == DOCUMENT_KIND,
            StoredDocument.description.startswith(_description_prefix(framework), autoescape=True),
        )
        .order_by(StoredDocument.created_at.desc(), StoredDocument.id.desc())
        .limit(1)
    ).first()


def summary_filename(framework: Framework) -> str:
    return safe_filename(f"Framework summary {framework.reference}", "pdf")


def keep_summary(
    framework: Framework, *, by=None, now: datetime | None = None, only_if_changed: bool = True
) -> StoredDocument | None:
    """Draw the summary and keep it in the document store, unless (with `only_if_changed`)
    the newest kept copy shows the same data. Returns the new document, or None."""
    now = now or clock.now()
    summary = framework_summary(framework, clock.to_uk(now).date())
    description = _description_prefix(framework) + data_hash(summary)
    if only_if_changed:
        latest = latest_summary(framework)
        if latest is not None and latest.description == description and _can_be_read(latest):
            return None
    return store_pdf(
        TEMPLATE,
        filename=summary_filename(framework),
        kind=DOCUMENT_KIND,
        by=by,
        description=description,
        summary=summary,
        produced_at=now,
    )


def _can_be_read(document: StoredDocument) -> bool:
    """Whether the kept file is there and is the file kept (else it is drawn again)."""
    try:
        open_document(document).close()
    except DocumentUnavailable:
        return False
    return True


# Whether there is a summary to download, and when there will be.


@dataclass(frozen=True)
class SummaryStatus:
    """The newest kept summary, if any; else whether the job is drawing one now (since
    when), and within how many minutes the scheduled job will have kept one."""

    document: StoredDocument | None
    preparing_since: datetime | None = None
    ready_within_minutes: int = READY_WITHIN_MINUTES

    @property
    def is_ready(self) -> bool:
        return self.document is not None

    @property
    def is_being_prepared_now(self) -> bool:
        return self.preparing_since is not None


def summary_status(framework: Framework, now: datetime | None = None) -> SummaryStatus:
    """In one statement when a summary is kept (the home pages ask it), two when not."""
    document = latest_summary(framework)
    if document is not None:
        return SummaryStatus(document)
    return SummaryStatus(None, preparing_since=job_running_since(now))


def job_running_since(now: datetime | None = None) -> datetime | None:
    """When the run of the summary's job going now started, if one is."""
    now = now or clock.now()
    return db.session.scalar(
        select(func.max(JobRun.started_at)).where(
            JobRun.job_id == JOB_ID,
            JobRun.outcome == JobOutcome.running,
            JobRun.started_at > now - RUN_GIVEN_UP_AFTER,
        )
    )
