from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import BooleanField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from dps_portal.core.forms import add_error, text_area
from dps_portal.onboarding.models import ReviewOutcome


class SectionReviewForm(FlaskForm):
    """Pass or fail on one section, on the section's own page; its fields are prefixed
    with the section's key."""

    outcome = RadioField(
        "Outcome",
        choices=[(outcome.name, outcome.value) for outcome in ReviewOutcome],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether the section passes or fails")],
    )
    comment = text_area("Comment (optional)")
    submit = SubmitField("Save review", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data == ReviewOutcome.failed.name and not self.comment.data:
            self.comment.errors = [*self.comment.errors, "Enter why the section fails"]
            valid = False
        return valid


class ClarificationForm(FlaskForm):
    message = text_area(
        "What the provider needs to clarify",
        "Enter what the provider needs to clarify",
        "The provider sees this message and can change the answers in the sections you reopen.",
    )
    section_keys = SelectMultipleField(
        "Sections to reopen",
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Select at least one section to reopen")],
    )
    submit = SubmitField("Send the request", widget=GovSubmitInput())


class ExtensionForm(FlaskForm):
    reason = text_area(
        "Why the decision needs more time",
        "Enter why the decision needs more time",
        "The reason is recorded and the provider is told it.",
    )
    submit = SubmitField("Extend the deadline", widget=GovSubmitInput())


class SelfCleaningForm(FlaskForm):
    note = text_area(
        "Self-cleaning evidence seen",
        "Enter the self-cleaning evidence you have seen",
        "Say what the provider showed: compensation paid, cooperation with the authorities, "
        "and the measures taken to stop it happening again.",
    )
    submit = SubmitField("Record the evidence", widget=GovSubmitInput())


ADMIT = "admit"
REJECT = "reject"
CHOICE_WORDS = {ADMIT: "Admit", REJECT: "Reject"}


class DecisionForm(FlaskForm):
    """One Admit / Reject choice and reasons per category applied for (fields added per
    application by decision_form), and the override for admitting over a failed section.
    The check page carries the same fields hidden, so confirming validates them again."""

    # Made by decision_form after the categories' fields, so errors list in the page's order.
    override: BooleanField
    override_reason: TextAreaField
    submit = SubmitField("Continue", widget=GovSubmitInput())

    # (application category id, decision field, reasons field, category name)
    category_fields: list[tuple[int, str, str, str]] = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for _category_id, decision, reasons, name in self.category_fields:
            if self[decision].data == REJECT and not self[reasons].data:
                add_error(self[reasons], f"Enter the reasons for rejecting {name}")
                valid = False
        if self.override.data and not self.override_reason.data:
            add_error(self.override_reason, "Enter why you are admitting although sections failed")
            valid = False
        return valid

    def field_about(self, application_category_id: int | None, about: str):
        """The field a refusal is about: a category's decision or reasons, or the override."""
        if about == "override":
            return self.override
        for category_id, decision, reasons, _name in self.category_fields:
            if category_id == application_category_id:
                return self[reasons] if about == "reasons" else self[decision]
        return None

    def choices(self) -> dict[int, tuple[bool, str]]:
        """{application category id: (admit?, reasons)}"""
        return {
            category_id: (self[decision].data == ADMIT, self[reasons].data or "")
            for category_id, decision, reasons, _name in self.category_fields
        }

    def override_given(self) -> str:
        """The override's reason when the box is ticked; empty otherwise."""
        return (self.override_reason.data or "") if self.override.data else ""

    def carried(self) -> list[tuple[str, str]]:
        """(name, value) of each answer, for the check page to carry as hidden inputs."""
        values = []
        for _category_id, decision, reasons, _name in self.category_fields:
            values.append((self[decision].name, self[decision].data or ""))
            values.append((self[reasons].name, self[reasons].data or ""))
        if self.override.data:
            values.append((self.override.name, "y"))
        values.append((self.override_reason.name, self.override_reason.data or ""))
        return values


def decision_form(application_categories, **kwargs) -> DecisionForm:
    fields = []

    class Form(DecisionForm):
        pass

    for application_category in application_categories:
        name = application_category.category.name
        decision = f"decision_{application_category.id}"
        reasons = f"reasons_{application_category.id}"
        setattr(
            Form,
            decision,
            RadioField(
                f"Decision on {name}",
                choices=list(CHOICE_WORDS.items()),
                widget=GovRadioInput(),
                validators=[InputRequired(message=f"Select whether to admit or reject for {name}")],
            ),
        )
        setattr(
            Form,
            reasons,
            text_area(
                f"Reasons for rejecting {name}",
                description="The provider reads these in the decision notice.",
            ),
        )
        fields.append((application_category.id, decision, reasons, name))
    Form.override = BooleanField(
        "I am admitting although sections failed their review", widget=GovCheckboxInput()
    )
    Form.override_reason = text_area(
        "Why you are admitting although sections failed",
        description="The provider reads this in the decision notice.",
    )
    Form.category_fields = fields
    return Form(**kwargs)
