"""Every change to a home's CQC rating: an import of the CQC's data (locations upserted, home
ratings updated with their history), an officer's recorded entry, and a provider's report of a
change, which an officer confirms or rejects. An Inadequate rating is flagged to the contracts
officers for review. A provider never sets a rating. These flush, never commit."""

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_created, record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.cqc.models import (
    CqcImport,
    CqcImportState,
    CqcLocation,
    CqcRatingChange,
    CqcRatingReport,
    CqcRatingReportState,
    RatingOrigin,
)
from dps_portal.cqc.queries import pending_report_of
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.providers.models import CareHome, CqcRating

_CHUNK = 64 * 1024


@dataclass
class LocationRecord:
    """What one file said about one location."""

    location_id: str
    # CqcLocation column: value, only for the columns the file has.
    details: dict[str, str] = field(default_factory=dict)
    has_rating: bool = False
    rating_label: str = ""
    published_on: date | None = None


@dataclass
class BatchOutcome:
    matched_home_ids: list[int] = field(default_factory=list)
    ratings_changed: int = 0
    homes_flagged: int = 0


def rating_named(label: str) -> CqcRating | None:
    """The rating the CQC's words name ("Not Rated", "Requires improvement"), if any."""
    wanted = " ".join(label.split()).lower()
    return next((rating for rating in CqcRating if rating.value.lower() == wanted), None)


def apply_location_batch(
    records: dict[str, LocationRecord], *, now: datetime, source_file: str
) -> BatchOutcome:
    """Upsert the batch's locations and bring the matching homes' ratings up to date."""
    ids = list(records)
    locations = {
        location.location_id: location
        for location in db.session.scalars(
            select(CqcLocation).where(CqcLocation.location_id.in_(ids))
        )
    }
    for location_id, record in records.items():
        location = locations.get(location_id)
        if location is None:
            location = CqcLocation(location_id=location_id, name="")
            db.session.add(location)
        for name, value in record.details.items():
            if getattr(location, name) != value:
                setattr(location, name, value)
        if record.has_rating:
            location.overall_rating = record.rating_label[:40]
            location.rating_published_on = record.published_on
        location.imported_at = now
    outcome = BatchOutcome()
    homes = db.session.scalars(select(CareHome).where(CareHome.cqc_location_id.in_(ids)))
    for home in homes:
        outcome.matched_home_ids.append(home.id)
        record = records[home.cqc_location_id]
        rating = rating_named(record.rating_label) if record.has_rating else None
        if rating is None:
            continue
        if update_home_rating(home, rating, record.published_on, now=now, source_file=source_file):
            outcome.ratings_changed += 1
            if rating is CqcRating.inadequate:
                outcome.homes_flagged += 1
    db.session.flush()
    return outcome


def update_home_rating(
    home: CareHome, rating: CqcRating, published_on: date | None, *, now: datetime, source_file: str
) -> bool:
    """Give `home` the rating a CQC file gives it, kept in its history; False if it had it
    already."""
    change = CqcRatingChange(origin=RatingOrigin.cqc_import, source_file=source_file[:255])
    return _give_rating(home, rating, published_on, change=change, now=now)


def _give_rating(
    home: CareHome,
    rating: CqcRating | None,
    published_on: date | None,
    *,
    change: CqcRatingChange,
    now: datetime,
    by=None,
) -> bool:
    """The one way a home's CQC rating changes, whether the CQC's data or an officer's entry
    says so: kept in its history (`change` says where it came from), audited, and an
    Inadequate rating flagged for an officer's review. False if the home had it already."""
    if home.cqc_rating is rating and home.cqc_rating_on == published_on:
        return False
    previous, previous_on = home.cqc_rating, home.cqc_rating_on
    home.cqc_rating, home.cqc_rating_on = rating, published_on
    change.care_home_id = home.id
    change.previous_rating, change.new_rating = previous, rating
    change.published_on, change.imported_at = published_on, now
    db.session.add(change)
    record_event(
        AuditAction.cqc_rating_changed,
        actor=by,
        subject=home,
        before={"cqc_rating": previous.name if previous else None, "cqc_rating_on": previous_on},
        after={
            "cqc_rating": rating.name if rating else None,
            "cqc_rating_on": published_on,
            "origin": change.origin.name,
            **_provenance(change),
        },
    )
    if rating is CqcRating.inadequate:
        _flag_inadequate(home, now=now)
    return True


def _provenance(change: CqcRatingChange) -> dict:
    """Where the rating came from, for the audit trail."""
    if change.origin is RatingOrigin.officer_entry:
        return {"source": change.source, "note": change.note, "report_id": change.report_id}
    return {"source": change.source_file}


def rating_for_location(home: CareHome) -> bool:
    """Give a home the rating the CQC's imported data has for its location ID: when it is
    added, and when its location ID changes (the old location's rating does not describe the
    new one). Without data for the location, a rating the home had is cleared until the next
    import or an officer's entry. False if nothing changed."""
    location = db.session.get(CqcLocation, home.cqc_location_id)
    rating = rating_named(location.overall_rating) if location is not None else None
    if rating is not None:
        published_on = location.rating_published_on
        imported = clock.format_date(location.imported_at)
        source = f"CQC data for location {home.cqc_location_id}, imported {imported}"
    elif home.cqc_rating is not None:
        published_on = None
        source = f"No CQC data yet for location {home.cqc_location_id}"
    else:
        return False
    change = CqcRatingChange(origin=RatingOrigin.cqc_import, source_file=source[:255])
    return _give_rating(home, rating, published_on, change=change, now=clock.now())


def _flag_inadequate(home: CareHome, *, now: datetime) -> None:
    """An Inadequate home takes no placements until an officer has reviewed it."""
    if home.cqc_review_required_since is None:
        home.cqc_review_required_since = now
    home.cqc_review_cleared_at = None
    home.cqc_review_cleared_by_id = None
    published = home.cqc_rating_on.isoformat() if home.cqc_rating_on else "undated"
    tell_role(
        Role.contracts_officer,
        f"CQC rated {home.name} Inadequate",
        f"The CQC's published rating for {home.name} ({home.cqc_location_id}) is now "
        "Inadequate. The home cannot take placements until a contracts officer has reviewed it.",
        portal_path("cqc.review_home", home_id=home.id),
        dedupe=f"cqc-inadequate:{home.id}:{published}",
    )


# Officers' uploads and reviews.


def import_folder() -> Path:
    """Where uploaded CQC files wait for their import: CQC_IMPORT_FOLDER, or a folder beside
    the document store (in the instance folder unless configured otherwise); never static."""
    configured = current_app.config.get("CQC_IMPORT_FOLDER")
    folder = Path(configured or Path(current_app.config["DOCUMENT_STORE"]).parent / "cqc-imports")
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def import_file_path(cqc_import: CqcImport) -> Path:
    return import_folder() / cqc_import.stored_name


def queue_import(stream: BinaryIO, *, original_filename: str, file_format: str, by) -> CqcImport:
    """Keep an uploaded CQC file and queue its import (run in the background)."""
    folder = import_folder()
    stored_name = f"{secrets.token_hex(20)}.{file_format}"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".part")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(handle, "wb") as target:
            stream.seek(0)
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        os.replace(temporary, folder / stored_name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    cqc_import = CqcImport(
        state=CqcImportState.queued,
        # Some browsers send the whole path the file came from; only its name is kept.
        original_filename=re.split(r"[\\/]", original_filename)[-1][:255] or "cqc-file",
        file_format=file_format,
        stored_name=stored_name,
        size_bytes=size,
        sha256=digest.hexdigest(),
        uploaded_by_id=by.id,
    )
    return record_created(
        cqc_import,
        AuditAction.cqc_import_uploaded,
        by=by,
        after=fields_of(cqc_import, "original_filename", "file_format", "size_bytes", "sha256"),
    )


def _review_state(home: CareHome) -> dict:
    return {
        "cqc_rating": home.cqc_rating.name if home.cqc_rating else None,
        "cqc_review_required_since": home.cqc_review_required_since,
        "cqc_review_cleared_at": home.cqc_review_cleared_at,
        "cqc_review_cleared_by_id": home.cqc_review_cleared_by_id,
        "cqc_review_note": home.cqc_review_note,
    }


def allow_placements(home: CareHome, *, note: str, by) -> None:
    """The officer has reviewed the Inadequate rating and lets the home keep taking
    placements: the rating no longer counts against it (until a new import flags it again)."""
    _review(home, note=note, by=by, cleared=True, event=AuditAction.cqc_review_cleared)


def keep_out(home: CareHome, *, note: str, by) -> None:
    """The officer has reviewed the Inadequate rating and keeps the home out: the review is
    done, the rating still counts (not cleared), and the officer goes on to suspend it."""
    _review(
        home,
        note=note,
        by=by,
        cleared=False,
        event=AuditAction.cqc_review_kept_out,
        reviewed_by_id=by.id,
    )


def _review(home: CareHome, *, note: str, by, cleared: bool, event: AuditAction, **after) -> None:
    """Record an officer's review of a flagged home: it no longer waits for one."""
    lock(home)
    if home.cqc_review_required_since is None:
        raise OperationRefused(f"{home.name} is not waiting for a review of its CQC rating.")
    before = _review_state(home)
    home.cqc_review_required_since = None
    home.cqc_review_cleared_at = clock.now() if cleared else None
    home.cqc_review_cleared_by_id = by.id if cleared else None
    home.cqc_review_note = note
    record_event(
        event, actor=by, subject=home, before=before, after={**_review_state(home), **after}
    )


# An officer's entry of a rating, and a provider's report of a change.


def _officers_only(by) -> None:
    if not by.is_contracts_officer:
        raise OperationRefused("Only a contracts officer can record a home’s CQC rating.")


def record_rating(
    home: CareHome,
    *,
    rating: CqcRating,
    published_on: date,
    source: str,
    note: str,
    by,
    report: CqcRatingReport | None = None,
) -> bool:
    """An officer records the home's CQC rating as the CQC published it (`source`: where the
    officer read it, such as the CQC website's report or a CQC letter). The same change an
    import makes, so the contract gate reads it alike and an Inadequate rating waits for a
    review. False if the home had this rating already."""
    _officers_only(by)
    lock(home)
    if home.cqc_rating_on is not None and published_on < home.cqc_rating_on:
        current = home.cqc_rating.label if home.cqc_rating else "none"
        raise OperationRefused(
            f"{home.name} has a newer rating: {current}, published "
            f"{clock.format_date(home.cqc_rating_on)}. A rating published before it cannot "
            "replace it."
        )
    change = CqcRatingChange(
        origin=RatingOrigin.officer_entry,
        recorded_by_id=by.id,
        source=source[:200],
        note=note,
        report_id=report.id if report is not None else None,
    )
    return _give_rating(home, rating, published_on, change=change, now=clock.now(), by=by)


def enter_rating(
    home: CareHome, *, rating: CqcRating, published_on: date, source: str, note: str, by
) -> None:
    """An officer's entry on the home's own page: refused when it would change nothing."""
    if not record_rating(
        home, rating=rating, published_on=published_on, source=source, note=note, by=by
    ):
        raise OperationRefused(
            f"{home.name} already has the rating {rating.label}, published "
            f"{clock.format_date(published_on)}."
        )


def _report_fields(report: CqcRatingReport) -> dict:
    return fields_of(
        report, "care_home_id", "published_on", "link", "note", rating=report.rating.name
    )


def report_rating(
    home: CareHome, *, rating: CqcRating, published_on: date, link: str, note: str, by
) -> CqcRatingReport:
    """A provider tells the council the CQC has rated its home anew. Nothing changes for the
    contract gate: the contracts officers are told, and one of them checks it."""
    if not (by.is_provider_user and by.provider_id == home.provider_id):
        raise OperationRefused("Only the home’s own provider can report a change to its rating.")
    lock(home)
    pending = pending_report_of(home)
    if pending is not None:
        raise OperationRefused(
            f"You reported a new CQC rating for {home.name} on "
            f"{clock.format_date(pending.created_at)}. The council is still checking it."
        )
    report = CqcRatingReport(
        care_home_id=home.id,
        provider_id=home.provider_id,
        state=CqcRatingReportState.pending,
        rating=rating,
        published_on=published_on,
        link=link,
        note=note,
        reported_by_id=by.id,
    )
    record_created(report, AuditAction.cqc_rating_reported, by=by, after=_report_fields(report))
    tell_role(
        Role.contracts_officer,
        f"New CQC rating reported for {home.name}",
        f"{home.provider.display_name} reports that the CQC rated {home.name} "
        f"{rating.label} on {clock.format_date(published_on)}. Check it against the CQC’s "
        "publication, then confirm or reject it.",
        portal_path("cqc.show_report", report_id=report.id),
        dedupe=f"cqc-rating-report:{report.id}",
    )
    return report


def confirm_report(report: CqcRatingReport, *, source: str, note: str, by) -> bool:
    """The officer has checked the provider's report against the CQC's publication: its
    rating is recorded as the officer's entry, and the provider is told. False if the home
    had the rating already (an import may have brought it first)."""
    _officers_only(by)
    move(
        report,
        CqcRatingReportState.confirmed,
        by=by,
        event=AuditAction.cqc_rating_report_confirmed,
        after={"decided_by_id": by.id, "source": source, "note": note},
    )
    report.decided_by_id, report.decision_note = by.id, note
    home = report.care_home
    changed = record_rating(
        home,
        rating=report.rating,
        published_on=report.published_on,
        source=source,
        note=note,
        by=by,
        report=report,
    )
    tell_organisation(
        report.provider_id,
        f"CQC rating of {home.name} confirmed",
        f"The council has checked the rating you reported and recorded it: {report.rating.label}, "
        f"published {clock.format_date(report.published_on)}.",
        portal_path("providers.show_home", home_id=home.id),
    )
    return changed


def reject_report(report: CqcRatingReport, *, reason: str, by) -> None:
    """The officer could not confirm the provider's report: nothing changes, and the provider
    is told why."""
    _officers_only(by)
    move(
        report,
        CqcRatingReportState.rejected,
        by=by,
        event=AuditAction.cqc_rating_report_rejected,
        after={"decided_by_id": by.id, "reason": reason},
    )
    report.decided_by_id, report.decision_note = by.id, reason
    home = report.care_home
    tell_organisation(
        report.provider_id,
        f"CQC rating of {home.name} not changed",
        f"The council could not confirm the rating you reported ({report.rating.label}, "
        f"published {clock.format_date(report.published_on)}), so the home’s rating has not "
        f"changed. The reason: {reason}",
        portal_path("providers.show_home", home_id=home.id),
    )
