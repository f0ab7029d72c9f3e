"""Mini-tenders' numbers and calendar: weights, the default deadline, what "closing soon"
means, and the quality questions each category starts from (the officer adapts them)."""

import re
from datetime import date, datetime, time, timedelta

from dps_portal.core import clock
from dps_portal.core.workingdays import add_working_days

DEFAULT_PRICE_WEIGHT = 40
PRICE_WEIGHT_MIN = 20
PRICE_WEIGHT_MAX = 80
DEFAULT_QUALITY_THRESHOLD = 50
MIN_QUESTIONS = 2
MAX_QUESTIONS = 5
MAX_SCORE = 5
DEFAULT_WORD_LIMIT = 500
DEFAULT_EVALUATORS = 2
MAX_EVALUATORS = 5
DEFAULT_STANDSTILL_WORKING_DAYS = 0
MAX_STANDSTILL_WORKING_DAYS = 20
# An award whose weekly cost x 52 is above the framework's award_approval_threshold needs a
# second officer's approval.
WEEKS_A_YEAR = 52
# With no award this many working days after the deadline, the officers are reminded.
NO_AWARD_REMINDER_WORKING_DAYS = 3

# By default a tender closes 2 working days after it is drafted, at 17:00 in England; the
# clarification cut-off is the working day before, at the same time.
DEFAULT_WORKING_DAYS = 2
DEADLINE_TIME = time(17, 0)
CLARIFICATION_WORKING_DAYS_BEFORE = 1
# An urgent tender may close within hours, but not sooner than this after publishing.
MIN_OPEN_TIME = timedelta(hours=1)
CLOSING_SOON = timedelta(hours=24)


def at_uk_time(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time on a day in England (GMT or BST)."""
    return clock.uk_to_utc(datetime.combine(day, at))


def default_deadline(today: date | None = None) -> datetime:
    today = today or clock.today_uk()
    return at_uk_time(add_working_days(today, DEFAULT_WORKING_DAYS), DEADLINE_TIME)


def default_clarification_cut_off(today: date | None = None) -> datetime:
    today = today or clock.today_uk()
    days = DEFAULT_WORKING_DAYS - CLARIFICATION_WORKING_DAYS_BEFORE
    return at_uk_time(add_working_days(today, days), DEADLINE_TIME)


def duration_in_words(span: timedelta) -> str:
    """'2 days 3 hours', '5 hours 10 minutes', '12 minutes', 'less than a minute'."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if value
    ]
    return " ".join(parts[:2]) or "less than a minute"


def word_count(text: str) -> int:
    return len((text or "").split())


# A person reference must not be a name: two or more words of letters and nothing else
# ("Jane Smith", "mary-ann o'neil") reads as one; a reference has numbers in it.
_NAME = re.compile(r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*)+")


def looks_like_a_name(text: str) -> bool:
    return bool(_NAME.fullmatch((text or "").strip()))


# The questions each category's tenders start from, by category code; other categories
# start from GENERAL_QUESTIONS. (text, guidance, weight)
GENERAL_QUESTIONS = [
    (
        "How will you meet the person's assessed needs from the first week?",
        "Describe the care and support plan, staffing and how you will involve the person.",
        40,
    ),
    (
        "How will you manage the risks described in the placement request?",
        "Describe risk assessment, positive risk-taking and how you work with other agencies.",
        30,
    ),
    (
        "How will you help the person settle, keep links with family and work towards their goals?",
        "Describe the transition plan and the outcomes you will measure.",
        30,
    ),
]

CATEGORY_QUESTIONS = {
    "MH": [
        (
            "How will you support the person's mental health and recovery?",
            "Include staff training in mental health, the Mental Health Act, Mental Capacity Act "
            "and DoLS, and how you work with community mental health teams.",
            40,
        ),
        (
            "How will you manage the risks described, including any forensic history?",
            "Include relapse indicators, crisis planning and any Ministry of Justice conditions.",
            30,
        ),
        (
            "How will you support the person towards independence and s117 aftercare goals?",
            "Describe activities, skills and the outcomes you will measure.",
            30,
        ),
    ],
    "LDA": [
        (
            "How will you communicate with the person and involve them in their care?",
            "Include communication approaches and Oliver McGowan training.",
            40,
        ),
        (
            "How will you use positive behaviour support with this person?",
            "Describe the PBS plan, who writes it and how it is reviewed.",
            30,
        ),
        (
            "How will you meet any physical or sensory needs described?",
            "Include the environment, equipment and specialist input.",
            30,
        ),
    ],
    "ENH": [
        (
            "How will you support the person when their behaviour challenges services?",
            "Include PBS practitioner involvement and a trauma-informed approach.",
            40,
        ),
        (
            "How will you keep restrictive practice to a minimum and record it?",
            "Include certified training, debriefs and how you reduce restrictions over time.",
            35,
        ),
        (
            "How will you staff the one-to-one or two-to-one hours described?",
            "Describe the team, its skills and how you keep consistency.",
            25,
        ),
    ],
}


def template_questions(category_code: str) -> list[tuple[str, str, int]]:
    return CATEGORY_QUESTIONS.get(category_code, GENERAL_QUESTIONS)
