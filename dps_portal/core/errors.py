"""Errors operations raise for views to turn into messages."""


class InvalidTransition(Exception):
    """A state change that the object's current state does not allow."""

    def __init__(self, current, requested) -> None:
        super().__init__(f"cannot go from {current.name} to {requested.name}")
        self.current = current
        self.requested = requested


class OperationRefused(Exception):
    """A rule refused the change; the message is written for the person who asked."""
