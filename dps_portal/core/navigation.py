"""The service navigation each role sees. A feature adds its pages here.

Every role's items fit one row at 1280 pixels wide (tests/e2e/test_home_work_staff.py):
short labels; the account's own pages (a provider's organisation, the notifications with the
unread count) are in the header's account area instead (templates/base.html)."""

from flask import current_app, g, request, url_for
from flask_login import current_user

from dps_portal.core.roles import Role

NAVIGATION: dict[Role | None, list[tuple[str, str]]] = {
    None: [
        ("accounts.sign_in", "Sign in"),
        ("accounts.register", "Register a provider"),
    ],
    Role.provider: [
        ("main.provider_home", "Home"),
        ("providers.list_homes", "Care homes"),
        ("onboarding.list_applications", "Applications"),
        ("tenders.list_opportunities", "Mini-tenders"),
        ("placements.list_placements", "Placements"),
        ("actions.list_visits", "Visits"),
        ("returns.list_returns", "Returns"),
        ("terms.show_terms", "Contract"),
        ("documents.list_documents", "Documents"),
    ],
    Role.contracts_officer: [
        ("main.officer_home", "Home"),
        ("review.list_applications", "Applications"),
        ("tenders.list_tenders", "Mini-tenders"),
        ("placements.list_register", "Placements"),
        # The officers' register of the DPS (its providers and homes) in place of "Providers".
        ("register.list_register", "Register"),
        ("quality.list_visits", "Visits"),
        ("contracts.list_eligibility", "Eligibility"),
        ("terms.list_terms", "Terms"),
        ("cqc.list_imports", "CQC ratings"),
    ],
    Role.quality_monitor: [
        ("main.monitor_home", "Home"),
        ("quality.list_visits", "Visits"),
        ("actions.list_actions", "Actions"),
        ("returns.review_returns", "Returns"),
        ("placements.list_register", "Placements"),
        ("providers.list_providers", "Providers"),
        ("contracts.list_eligibility", "Eligibility"),
    ],
    Role.administrator: [
        ("main.admin_home", "Home"),
        ("admin.list_users", "Users"),
        ("framework.show_settings", "Framework"),
        ("audit.list_events", "Audit trail"),
        ("notifications.list_outbox", "Email outbox"),
        ("scheduler.list_job_runs", "Scheduled jobs"),
    ],
}


def navigation() -> list[dict]:
    """Items for govukServiceNavigation: the role's pages that exist. An item is current on
    its own page and on the pages below its address (/homes for /homes/3/edit)."""
    role = current_user.role if current_user.is_authenticated else None
    items = []
    for endpoint, text in NAVIGATION[role]:
        if endpoint not in current_app.view_functions:
            continue
        href = url_for(endpoint)
        current = request.endpoint == endpoint or request.path.startswith(href.rstrip("/") + "/")
        items.append({"href": href, "text": text, "active": current})
    # Only the closest match is current: /quality/actions is "Actions", not also "Home" at /quality.
    current_items = [item for item in items if item["active"]]
    closest = max(current_items, key=lambda item: len(item["href"]), default=None)
    for item in items:
        item["active"] = item is closest
    return items


def council_name() -> str:
    """The buyer's name, from the framework's data (never hard-coded): create_app names the
    function that reads it, as app.extensions["council_name"]."""
    if "council_name" not in g:
        source = current_app.extensions.get("council_name")
        g.council_name = (source() if source else None) or current_app.config["SERVICE_NAME"]
    return g.council_name
