from dps_portal.onboarding.checks import submission_problems
from dps_portal.onboarding.models import ApplicationState
from tests.onboarding.factories import make_complete_application


def test_a_complete_application_has_no_problems(db):
    application = make_complete_application()
    db.session.commit()

    assert submission_problems(application) == []
    assert application.state is ApplicationState.draft


def test_a_complete_application_can_be_submitted_by_the_factory(db):
    application = make_complete_application(submit=True, categories=("ENH",))
    db.session.commit()

    assert application.state is ApplicationState.submitted
    assert [chosen.category.code for chosen in application.categories] == ["ENH"]
    assert all(answer.question_text for answer in application.answers)
