"""Terms to accept again: admitted providers that have not accepted the newest version are
reminded once when its accept-by date is near (ACCEPT_BY_WARNING_DAYS), and once more when it
has passed (their homes are then ineligible); those that never accepted a version are told
without the date, which is not theirs. Dedupe keys name the version, the stage and the
person, so a second run sends nothing new."""

from datetime import datetime

from dps_portal.contracts.eligibility import accepted_versions
from dps_portal.contracts.terms import queries
from dps_portal.core import clock
from dps_portal.framework.models import current_framework
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation
from dps_portal.scheduler.registry import Job


def remind_terms_to_accept(now: datetime | None = None) -> dict:
    """Remind the users of each admitted provider that has not accepted the newest version."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"due_soon": 0, "overdue": 0}
    framework = current_framework()
    terms = queries.newest_version(framework.id) if framework else None
    if terms is None:
        return counts
    accept_by = clock.format_date(terms.accept_by)
    if terms.is_accept_by_passed(today):
        stage = "overdue"
        title = f"Your homes cannot receive placements: accept {terms.label}"
        body = (
            f"{terms.title} had to be accepted by {accept_by}. Until your organisation's "
            "authorised signatory accepts them, your homes are not eligible for new placements."
        )
    elif terms.is_accept_by_near(today):
        stage = "due_soon"
        title = f"Accept {terms.label} by {accept_by}"
        body = (
            f"Your organisation's authorised signatory must accept {terms.title} by {accept_by}. "
            "After that date your homes cannot receive new placements until they do."
        )
    else:
        return counts
    # A provider that has accepted no version has no accept-by date (accept_by_for): its
    # homes wait for its acceptance, and the reminder says only that.
    undated_title = f"Accept {terms.label} so your homes can receive placements"
    undated_body = (
        f"Your homes cannot receive new placements until your organisation's authorised "
        f"signatory accepts {terms.title}."
    )
    for provider in queries.admitted_providers(terms.framework_id):
        accepted = accepted_versions(provider, terms.framework_id)
        if terms.version in accepted:
            continue
        is_dated = queries.accept_by_for(terms, accepted) is not None
        counts[stage] += tell_organisation(
            provider,
            title if is_dated else undated_title,
            body if is_dated else undated_body,
            portal_path("terms.show_terms"),
            dedupe=f"terms-{stage.replace('_', '-')}:{terms.id}",
        )
    return counts


JOBS = [
    Job(
        id="remind_terms_to_accept",
        func=remind_terms_to_accept,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 10},
        description="Remind providers to accept the newest terms and conditions",
    ),
]
