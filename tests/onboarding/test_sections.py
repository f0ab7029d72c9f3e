"""Answering one section: the form built from the questions, its checks, and what it keeps
when something is wrong."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.onboarding.models import Answer
from dps_portal.onboarding.question_sets import definition_of
from tests.conftest import sign_in
from tests.documents import samples
from tests.factories import make_user
from tests.onboarding.factories import make_draft_application
from tests.onboarding.helpers import (
    checked_values,
    date_parts,
    error_summary,
    input_value,
    page_text,
    pdf_upload,
    textarea_value,
    valid_section_data,
)

TODAY = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(TODAY) as frozen_clock:
        yield frozen_clock


@pytest.fixture
def draft(client, db):
    application, user = make_draft_application()
    db.session.commit()
    sign_in(client, user)
    return application


def _url(application, section_key, scope="org"):
    return f"/applications/{application.id}/sections/{section_key}/{scope}"


def _answers(db, application, section_key, scope="org") -> dict[str, Answer]:
    db.session.expire_all()
    return {
        answer.question_key: answer
        for answer in db.session.scalars(
            select(Answer).where(
                Answer.application_id == application.id,
                Answer.section_key == section_key,
                Answer.scope == scope,
            )
        )
    }


def _section(application, key):
    return definition_of(application.question_set).section(key)


def test_an_empty_section_lists_every_required_answer(client, db, draft):
    response = client.post(_url(draft, "financial_standing"), data={"save": "y"})

    assert response.status_code == 200
    assert error_summary(response) == [
        "Enter annual turnover in the last financial year",
        "Upload your latest audited accounts",
    ]
    assert page_text(response).startswith("Error: Economic and financial standing")
    assert _answers(db, draft, "financial_standing") == {}


def test_save_and_come_back_later_keeps_a_partial_section(client, db, draft):
    response = client.post(
        _url(draft, "financial_standing"),
        data={"annual_turnover": "£1,250,000.5", "later": "y"},
    )

    assert response.status_code == 302
    answers = _answers(db, draft, "financial_standing")
    assert answers["annual_turnover"].value == "1250000.50"
    assert set(answers) == {"annual_turnover"}
    task_list = page_text(client.get(f"/applications/{draft.id}"))
    assert "Economic and financial standing In progress" in task_list


def test_save_and_come_back_later_still_refuses_what_is_not_an_amount(client, db, draft):
    response = client.post(
        _url(draft, "financial_standing"), data={"annual_turnover": "lots", "later": "y"}
    )

    assert error_summary(response) == [
        "Enter annual turnover in the last financial year as an amount of money, "
        "like 1500 or 1500.50"
    ]
    assert input_value(response, "annual_turnover") == ["lots"]
    assert _answers(db, draft, "financial_standing") == {}


def test_insurance_below_the_minimum_and_expired_is_refused_keeping_what_was_typed(
    client, db, draft
):
    data = valid_section_data(_section(draft, "insurance"))
    data["employers_liability-amount"] = "4,999,999.99"
    data["public_liability-expires_on"] = ["11", "5", "2026"]

    response = client.post(_url(draft, "insurance"), data=data)

    assert error_summary(response) == [
        "Employer's liability insurance must cover at least £5,000,000",
        "Your public liability insurance has expired: give the expiry date of the policy "
        "that replaced it",
    ]
    assert input_value(response, "employers_liability-amount") == ["4,999,999.99"]
    assert input_value(response, "public_liability-expires_on") == ["11", "5", "2026"]
    assert input_value(response, "professional_indemnity-amount") == ["2000000"]
    # The certificates chosen are kept, so they need not be chosen again.
    kept = [
        input_value(response, f"{key}-kept_document")[0]
        for key in ("employers_liability", "public_liability", "professional_indemnity")
    ]
    assert all(value.isdigit() for value in kept)
    assert "Uploaded: employers_liability.pdf" in page_text(response)
    assert _answers(db, draft, "insurance") == {}


def test_insurance_expiring_today_is_still_accepted(client, db, draft):
    data = valid_section_data(_section(draft, "insurance"))
    data["public_liability-expires_on"] = date_parts(date(2026, 5, 12))

    response = client.post(_url(draft, "insurance"), data=data)

    assert response.status_code == 302
    answers = _answers(db, draft, "insurance")
    assert answers["public_liability"].value == {
        "amount": "10000000.00",
        "expires_on": "2026-05-12",
    }
    assert answers["public_liability"].document.original_filename == "public_liability.pdf"


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["31", "2", "2026"], "When was the plan last tested must be a real date"),
        (["", "2", "2026"], "When was the plan last tested must include a day"),
        (["1", "", ""], "When was the plan last tested must include a month and year"),
        (["1", "2", "26"], "When was the plan last tested must be a real date"),
        (["a", "b", "c"], "When was the plan last tested must be a real date"),
    ],
)
def test_dates_must_be_real(client, db, draft, parts, message):
    data = valid_section_data(_section(draft, "business_continuity"))
    data["plan_tested_on"] = parts

    response = client.post(_url(draft, "business_continuity"), data=data)

    assert error_summary(response) == [message]
    assert input_value(response, "plan_tested_on") == parts
    assert _answers(db, draft, "business_continuity") == {}


def test_a_file_of_the_wrong_type_is_refused_keeping_the_other_answers(client, db, draft):
    data = valid_section_data(_section(draft, "financial_standing"))
    data["latest_accounts"] = (io.BytesIO(samples.exe_bytes()), "accounts.pdf")
    data["financial_concerns"] = "A loan was repaid in 2025."

    response = client.post(_url(draft, "financial_standing"), data=data)

    assert error_summary(response) == [
        "The selected file must be a PDF, Word document, Excel spreadsheet, OpenDocument text, "
        "PNG or JPEG"
    ]
    assert input_value(response, "annual_turnover") == ["2,500,000"]
    assert textarea_value(response, "financial_concerns") == "A loan was repaid in 2025."
    assert _answers(db, draft, "financial_standing") == {}


def test_a_file_uploaded_with_errors_elsewhere_is_kept_for_the_next_try(client, db, draft):
    data = valid_section_data(_section(draft, "financial_standing"))
    data["annual_turnover"] = ""

    first = client.post(_url(draft, "financial_standing"), data=data)

    assert error_summary(first) == ["Enter annual turnover in the last financial year"]
    assert "Uploaded: latest_accounts.pdf" in page_text(first)
    [kept] = input_value(first, "latest_accounts__kept")

    second = client.post(
        _url(draft, "financial_standing"),
        data={"annual_turnover": "900000", "latest_accounts__kept": kept, "save": "y"},
    )

    assert second.status_code == 302
    answers = _answers(db, draft, "financial_standing")
    assert answers["latest_accounts"].document_id == int(kept)


def test_a_kept_document_of_another_organisation_is_ignored(client, db, draft):
    other = samples.store_sample(make_user(Role.provider).provider)
    db.session.commit()

    response = client.post(
        _url(draft, "financial_standing"),
        data={"annual_turnover": "900000", "latest_accounts__kept": str(other.id), "save": "y"},
    )

    assert error_summary(response) == ["Upload your latest audited accounts"]
    assert input_value(response, "latest_accounts__kept") == [""]


def test_replacing_an_upload_keeps_the_new_file(client, db, draft):
    data = valid_section_data(_section(draft, "financial_standing"))
    client.post(_url(draft, "financial_standing"), data=data)
    first = _answers(db, draft, "financial_standing")["latest_accounts"].document_id

    page = client.get(_url(draft, "financial_standing"))
    assert "Uploaded: latest_accounts.pdf" in page_text(page)
    assert input_value(page, "latest_accounts__kept") == [str(first)]

    client.post(
        _url(draft, "financial_standing"),
        data={
            "annual_turnover": "900000",
            "latest_accounts": pdf_upload("accounts 2026.pdf"),
            "latest_accounts__kept": str(first),
            "save": "y",
        },
    )

    answer = _answers(db, draft, "financial_standing")["latest_accounts"]
    assert answer.document_id != first
    assert answer.document.original_filename == "accounts 2026.pdf"
    assert db.session.get(StoredDocument, first) is not None


def test_details_are_required_only_when_an_exclusion_ground_applies(client, db, draft):
    yes = client.post(
        _url(draft, "exclusion_grounds"),
        data={"mandatory_exclusion": "yes", "discretionary_exclusion": "no", "save": "y"},
    )
    assert error_summary(yes) == ["Enter your answer"]
    assert checked_values(yes, "mandatory_exclusion") == ["yes"]

    with_details = client.post(
        _url(draft, "exclusion_grounds"),
        data={
            "mandatory_exclusion": "yes",
            "mandatory_exclusion_details": "A director was convicted in 2019 and has left.",
            "discretionary_exclusion": "no",
            "save": "y",
        },
    )
    assert with_details.status_code == 302
    assert set(_answers(db, draft, "exclusion_grounds")) == {
        "mandatory_exclusion",
        "mandatory_exclusion_details",
        "discretionary_exclusion",
    }

    # Answering "no" afterwards drops the details that no longer apply.
    no = client.post(
        _url(draft, "exclusion_grounds"),
        data={
            "mandatory_exclusion": "no",
            "mandatory_exclusion_details": "A director was convicted in 2019 and has left.",
            "discretionary_exclusion": "no",
            "save": "y",
        },
    )
    assert no.status_code == 302
    assert set(_answers(db, draft, "exclusion_grounds")) == {
        "mandatory_exclusion",
        "discretionary_exclusion",
    }


def test_an_answer_that_must_be_yes_is_refused_as_no(client, db, draft):
    data = valid_section_data(_section(draft, "equality"))
    data["equality_act"] = "no"

    response = client.post(_url(draft, "equality"), data=data)

    assert error_summary(response) == [
        "The council can only admit providers who answer “Yes” to this question"
    ]
    assert checked_values(response, "equality_act") == ["no"]


def test_a_choice_must_be_one_of_the_options(client, db, draft):
    response = client.post(
        _url(draft, "information_governance"), data={"dspt_status": "Made up", "save": "y"}
    )

    assert error_summary(response) == ["Select an answer"]


def test_a_home_section_says_which_home_it_is_about(client, db, draft):
    home = sorted(draft.provider.homes, key=lambda h: h.name)[1]

    response = client.get(_url(draft, "cqc_registration", f"home:{home.id}"))

    assert "These questions are about Beech House" in page_text(response)


def test_a_category_section_shows_the_specialist_training_expected(client, db, draft):
    mental_health = draft.categories[0].category
    mental_health.specialist_training = "Mental Health Act, MCA and DoLS, s117 aftercare"
    db.session.commit()

    response = client.get(_url(draft, "workforce", f"category:{mental_health.id}"))

    assert (
        "Specialist training the council expects for Mental Health: "
        "Mental Health Act, MCA and DoLS, s117 aftercare"
    ) in page_text(response)


@pytest.mark.parametrize(
    ("section_key", "scope"),
    [
        ("no_such_section", "org"),
        ("insurance", "home:1"),
        ("insurance", "elsewhere"),
        ("workforce", "org"),
        ("workforce", "category:999999"),
        ("cqc_registration", "home:999999"),
    ],
)
def test_a_section_or_scope_not_in_the_application_is_not_found(
    client, db, draft, section_key, scope
):
    assert client.get(_url(draft, section_key, scope)).status_code == 404
    assert client.post(_url(draft, section_key, scope), data={"save": "y"}).status_code == 404


def test_a_home_not_put_forward_has_no_section(client, db, draft):
    ash, beech = sorted(draft.provider.homes, key=lambda h: h.name)
    client.post(
        f"/applications/{draft.id}/categories",
        data={f"homes_{draft.categories[0].category_id}": [str(ash.id)]},
    )

    assert client.get(_url(draft, "cqc_registration", f"home:{beech.id}")).status_code == 404
    assert client.get(_url(draft, "cqc_registration", f"home:{ash.id}")).status_code == 200


def test_money_is_checked_against_the_questions_minimum(client, db, draft):
    response = client.post(
        _url(draft, "financial_standing"), data={"annual_turnover": "-5", "later": "y"}
    )

    assert error_summary(response) == [
        "Enter annual turnover in the last financial year as an amount of money, "
        "like 1500 or 1500.50"
    ]


def test_the_expiry_in_the_future_is_taken_from_the_frozen_uk_date(client, db, draft, frozen):
    frozen.set(datetime(2026, 5, 12, 23, 30, tzinfo=UTC))  # 00:30 on 13 May in London
    data = valid_section_data(_section(draft, "insurance"), today=date(2026, 5, 13))
    data["public_liability-expires_on"] = date_parts(date(2026, 5, 12))

    response = client.post(_url(draft, "insurance"), data=data)

    assert error_summary(response) == [
        "Your public liability insurance has expired: give the expiry date of the policy "
        "that replaced it"
    ]
    assert date(2026, 5, 12) + timedelta(days=1) == clock.today_uk()
