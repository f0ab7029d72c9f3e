"""Filling in the application's pages through the test client."""

import io
import re
from datetime import date, timedelta

from dps_portal.core import clock
from dps_portal.onboarding.questions import Section
from tests.onboarding.factories import sample_pdf


def pdf_upload(name: str = "evidence.pdf"):
    return (io.BytesIO(sample_pdf()), name)


def date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def valid_section_data(section: Section, *, today: date | None = None) -> dict:
    """What a provider types into a section's page to answer it fully and validly."""
    today = today or clock.today_uk()
    data: dict = {"save": "Save and continue"}
    for question in section.questions:
        key = question.key
        if question.required_if:
            continue
        if question.kind == "yes_no":
            data[key] = question.must_be or ("no" if question.exclusion else "yes")
        elif question.kind in ("text", "textarea"):
            data[key] = f"Our answer to {key}"
        elif question.kind == "money":
            data[key] = "2,500,000"
        elif question.kind == "date":
            data[key] = date_parts(date(2025, 11, 20))
        elif question.kind == "choice":
            data[key] = question.options[0]
        elif question.kind == "file":
            data[key] = pdf_upload(f"{key}.pdf")
        elif question.kind == "insurance":
            data[f"{key}-amount"] = str((question.minimum or 0) * 2)
            data[f"{key}-expires_on"] = date_parts(today + timedelta(days=300))
            data[f"{key}-certificate"] = pdf_upload(f"{key}.pdf")
    return data


def page_text(response) -> str:
    """The page's visible words, squeezed, for asserting on messages."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    text = text.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')
    return " ".join(text.split())


def error_summary(response) -> list[str]:
    """The messages of the page's error summary."""
    html = response.get_data(as_text=True)
    match = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, flags=re.S)
    if match is None:
        return []
    items = re.findall(r"<a [^>]*>(.*?)</a>", match.group(1), flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).replace("&#39;", "'").split()) for item in items]


def input_value(response, name: str) -> list[str]:
    """The values of the inputs with this name, as the page shows them."""
    html = response.get_data(as_text=True)
    values = []
    for tag in re.findall(r"<input[^>]*>", html, flags=re.S):
        if re.search(rf'name="{re.escape(name)}"', tag):
            found = re.search(r'value="([^"]*)"', tag)
            values.append(found.group(1) if found else "")
    return values


def textarea_value(response, name: str) -> str:
    html = response.get_data(as_text=True)
    match = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip() if match else ""


def checked_values(response, name: str) -> list[str]:
    html = response.get_data(as_text=True)
    values = []
    for tag in re.findall(r"<input[^>]*>", html, flags=re.S):
        if f'name="{name}"' in tag and "checked" in tag:
            values.append(re.search(r'value="([^"]*)"', tag).group(1))
    return values
