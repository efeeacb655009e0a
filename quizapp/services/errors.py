"""The one error services raise when the rules refuse a request."""

from __future__ import annotations


class Refused(Exception):
    """A request the rules refuse, with the HTTP status and the message to show the learner."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message
