"""The review one section at a time: the section list with each section's outcome, and a
section's place among the others (its number, the previous and the next)."""

import textwrap
from dataclasses import dataclass
from typing import Any

from flask import url_for

from dps_portal.onboarding.models import Application
from dps_portal.onboarding.review.queries import ApplicationReview, ReviewSection, plural

NOT_REVIEWED = "Not reviewed"
WAITING_FOR_CLARIFICATION = "Waiting for clarification"
REVIEW_AGAIN = "Review again"
HINT_COMMENT_LENGTH = 120


def section_url(application: Application, section_key: str) -> str:
    return url_for("review.review_section", application_id=application.id, section_key=section_key)


def list_url(application: Application) -> str:
    """The application's page at its section list."""
    return url_for("review.show_application", application_id=application.id) + "#sections"


@dataclass(frozen=True)
class SectionItem:
    """One section in the section list: its outcome in words, and why where it helps."""

    section: ReviewSection
    waiting_for_clarification: bool
    href: str

    @property
    def status(self) -> str:
        outcome = self.section.outcome
        if not outcome.is_unreviewed:
            return outcome.status.value
        if self.waiting_for_clarification:
            return WAITING_FOR_CLARIFICATION
        return REVIEW_AGAIN if outcome.review is not None else NOT_REVIEWED

    @property
    def tag_class(self) -> str:
        return {
            WAITING_FOR_CLARIFICATION: "govuk-tag--yellow",
            REVIEW_AGAIN: "govuk-tag--light-blue",
            NOT_REVIEWED: "govuk-tag--blue",
        }.get(self.status, self.section.outcome.tag_class)

    @property
    def hint(self) -> str:
        section = self.section
        parts = []
        if section.outcome.is_failed and section.review.comment:
            parts.append(
                textwrap.shorten(section.review.comment, HINT_COMMENT_LENGTH, placeholder="…")
            )
        if section.changed_count:
            changed = plural(section.changed_count, "answer")
            parts.append(f"{changed} changed after the clarification request")
        if section.outcome.note:
            parts.append(section.outcome.note)
        return ". ".join(parts)

    @property
    def params(self) -> dict[str, Any]:
        """The item for govukTaskList."""
        item: dict[str, Any] = {
            "title": {"text": self.section.title},
            "href": self.href,
            "status": {"tag": {"text": self.status, "classes": self.tag_class}},
        }
        if self.hint:
            item["hint"] = {"text": self.hint}
        return item


def section_items(application: Application, review: ApplicationReview) -> list[SectionItem]:
    """Every section of the application in the question set's order, each with its outcome."""
    waiting = review.clarification is not None and review.clarification.responded_at is None
    return [
        SectionItem(
            section,
            waiting_for_clarification=waiting and section.reopened,
            href=section_url(application, section.key),
        )
        for section in review.sections
    ]


def reviewed_count(review: ApplicationReview) -> int:
    """Sections with a review that still counts (passed or failed)."""
    return sum(1 for section in review.sections if not section.outcome.is_unreviewed)


@dataclass(frozen=True)
class SectionPlace:
    """A section, its outcome and its neighbours in the question set's order."""

    item: SectionItem
    number: int
    count: int
    previous: ReviewSection | None
    next: ReviewSection | None

    @property
    def section(self) -> ReviewSection:
        return self.item.section


def place_of(
    application: Application, review: ApplicationReview, section_key: str
) -> SectionPlace | None:
    items = section_items(application, review)
    keys = [item.section.key for item in items]
    if section_key not in keys:
        return None
    index = keys.index(section_key)
    return SectionPlace(
        item=items[index],
        number=index + 1,
        count=len(keys),
        previous=review.sections[index - 1] if index > 0 else None,
        next=review.sections[index + 1] if index + 1 < len(keys) else None,
    )


def next_key(section_keys: list[str], section_key: str) -> str | None:
    """The key of the section after `section_key`; None after the last."""
    index = section_keys.index(section_key)
    return section_keys[index + 1] if index + 1 < len(section_keys) else None
