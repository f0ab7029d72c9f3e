"""The officers' applications queue and the provider's applications page send as many SQL
statements on a small dataset as on one ten times larger, and never more than 30 (issue 9)."""

from dps_portal.core.roles import Role
from dps_portal.providers.models import ProviderOrganisation
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.factories import make_complete_application
from tests.onboarding.review.factories import make_received_application, provider_user_of
from tests.query_counts import statement_counts

MOST = 30


def _grow(db, times: int, provider: ProviderOrganisation) -> None:
    """`times` received applications of other providers, and `times` withdrawn ones of
    `provider` (each a draft it then withdrew, so it may start another)."""
    for _ in range(times):
        make_received_application()
        application = make_complete_application(provider)
        application.state = application.state.__class__.withdrawn
    db.session.commit()


def test_the_queue_and_the_provider_list_send_as_many_statements_at_ten_times_the_data(
    app, db, framework
):
    first = make_complete_application()
    first.state = first.state.__class__.withdrawn
    provider_user = provider_user_of(first)
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    officer_client, provider_client = app.test_client(), app.test_client()
    sign_in(officer_client, officer)
    sign_in(provider_client, provider_user)
    officer_pages = ["/review/applications", "/review/applications?show=all"]
    provider_pages = ["/applications"]

    _grow(db, 1, first.provider)
    small = statement_counts(officer_client, officer_pages) | statement_counts(
        provider_client, provider_pages
    )
    _grow(db, 9, first.provider)
    large = statement_counts(officer_client, officer_pages) | statement_counts(
        provider_client, provider_pages
    )

    assert large == small
    assert max(large.values()) <= MOST, large
