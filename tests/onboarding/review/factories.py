"""Applications as the council receives them, for the review's tests."""

import html as html_module
import re
from datetime import UTC, datetime

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.models import Answer, Application, ReviewOutcome
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.review.operations import review_section
from tests.onboarding.factories import make_complete_application

# 10am in March is 10am in England (GMT).
RECEIVED_AT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def make_received_application(received_at: datetime = RECEIVED_AT, **fields) -> Application:
    """A complete application submitted at `received_at` (the clock frozen there)."""
    with clock.frozen(received_at):
        application = make_complete_application(submit=True, **fields)
    db.session.flush()
    return application


def set_answer(application: Application, question_key: str, value, scope: str = "org") -> Answer:
    """Change one answer in place, as if the provider had given it."""
    answer = next(
        a for a in application.answers if a.question_key == question_key and a.scope == scope
    )
    answer.value = value
    db.session.flush()
    return answer


def provider_user_of(application: Application) -> User:
    """The provider's user the shared factory made when it started the application."""
    return db.session.scalars(
        select(User)
        .where(User.provider_id == application.provider_id, User.role == Role.provider)
        .order_by(User.id)
    ).first()


def review_every_section(
    application: Application,
    by: User,
    *,
    failed: dict[str, str] | None = None,
    skip: tuple[str, ...] = (),
) -> None:
    """The officer's review of each section: a pass, or a fail with the comment given in
    `failed` (section key -> comment); the sections in `skip` stay unreviewed."""
    failed = failed or {}
    for section in definition_of(application.question_set).sections:
        if section.key in skip:
            continue
        comment = failed.get(section.key)
        review_section(
            application,
            section.key,
            outcome=ReviewOutcome.failed if comment else ReviewOutcome.passed,
            comment=comment or "",
            by=by,
        )
    db.session.flush()


def decision_data(application: Application, *, override: str | None = None, **choices) -> dict:
    """What an officer types into the decide page: choices are category code -> "admit" or
    ("reject", reasons); `override` ticks the override box with that reason."""
    data = {}
    for chosen in application.categories:
        choice = choices.get(chosen.category.code)
        if isinstance(choice, tuple):
            data[f"decision_{chosen.id}"], data[f"reasons_{chosen.id}"] = choice
        elif choice is not None:
            data[f"decision_{chosen.id}"] = choice
    if override is not None:
        data["override"] = "y"
        data["override_reason"] = override
    return data


def decide_through_pages(client, application: Application, *, override=None, **choices):
    """Decide as an officer does: the decide page, then "Confirm decision" on the check page
    with what it carries. Answers the check page when the decide page refused (200), or the
    confirmation's answer."""
    url = f"/review/applications/{application.id}/decision"
    data = decision_data(application, override=override, **choices)
    db.session.commit()
    checked = client.post(url, data=data)
    if checked.status_code != 200 or "Check your decision" not in checked.get_data(as_text=True):
        return checked
    return client.post(f"{url}/confirm", data=carried_inputs(checked))


def carried_inputs(response) -> dict:
    """The hidden inputs of the check page's form, as the browser sends them back."""
    html = response.get_data(as_text=True)
    form = html[html.index('action="/review/applications/') :]
    form = form[: form.index("</form>")]
    values = {}
    for tag in re.findall(r'<input type="hidden"[^>]*>', form):
        name = re.search(r'name="([^"]*)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag).group(1)
        values[name] = html_module.unescape(value)
    return values
