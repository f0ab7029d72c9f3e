"""When a placement's reviews fall due: one place for the numbers, read from configuration."""

from datetime import date, timedelta

from flask import current_app

# The register and the reminder job count a review as due this many days before its date.
REVIEW_NOTICE = timedelta(days=14)


def first_review_on(started_on: date) -> date:
    """The first review: FIRST_PLACEMENT_REVIEW_AFTER (6 weeks) after the start."""
    return started_on + current_app.config["FIRST_PLACEMENT_REVIEW_AFTER"]


def next_review_after(reviewed_on: date) -> date:
    """A year after a review (29 February's review is next due on 28 February)."""
    try:
        return reviewed_on.replace(year=reviewed_on.year + 1)
    except ValueError:
        return reviewed_on.replace(year=reviewed_on.year + 1, day=28)


def review_due_by(today: date) -> date:
    """Reviews on or before this day are due (overdue ones included)."""
    return today + REVIEW_NOTICE
