"""Errors operations raise for views to turn into messages."""

import re


def noun_of(obj) -> str:
    """What people call an object: its class's `noun`, or its class name in words
    (VisitAction -> "visit action")."""
    cls = obj if isinstance(obj, type) else type(obj)
    return (
        getattr(cls, "noun", None)
        or re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__.lstrip("_")).lower()
    )


class InvalidTransition(Exception):
    """A state change that the object's current state does not allow."""

    def __init__(self, current, requested, noun: str = "record") -> None:
        super().__init__(f"cannot go from {current.name} to {requested.name}")
        self.current = current
        self.requested = requested
        self.noun = noun

    @property
    def message(self) -> str:
        """The words a person reads: "This action is closed: it cannot be changed that way"."""
        return f"This {self.noun} is {self.current.value.lower()}: it cannot be changed that way"


class OperationRefused(Exception):
    """A rule refused the change; the message is written for the person who asked."""

    @property
    def message(self) -> str:
        return str(self)


# What a view turns into a message for the person rather than an error page.
REFUSALS = (OperationRefused, InvalidTransition)
